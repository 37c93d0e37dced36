"""Binary sensors: event active (opted-in events only), VTN connectivity (diagnostic)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
from homeassistant.const import STATE_OFF, STATE_ON, EntityCategory, Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.openadr_ven.openadr.enums import EventStatus, OptType
from custom_components.openadr_ven.openadr.state import VenSnapshot
from tests.ha.entity_helpers import (
    OFFLINE,
    ONLINE,
    REGISTRATION,
    entity_id_of,
    setup_platforms,
    simple_event,
    snapshot_active_and_pending,
    snapshot_entities,
    snapshot_no_event,
)

if TYPE_CHECKING:
    from tests.ha.conftest import FakeVenClient


pytestmark = pytest.mark.usefixtures("entity_clock")


def _get(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> State:
    state = hass.states.get(entity_id_of(hass, "binary_sensor", key, entry.unique_id or ""))
    assert state is not None
    return state


@pytest.mark.parametrize(
    "snapshot_fn", [snapshot_active_and_pending, snapshot_no_event], ids=["active_and_pending", "no_event"]
)
async def test_binary_sensor_entities(
    hass: HomeAssistant,
    *,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    snapshot_fn: object,
) -> None:
    assert callable(snapshot_fn)
    await setup_platforms(hass, mock_config_entry, mock_client, snapshot_fn(), [Platform.BINARY_SENSOR])
    await snapshot_entities(hass, entity_registry, snapshot, mock_config_entry)


async def test_event_active_follows_snapshots(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    await setup_platforms(hass, mock_config_entry, mock_client, snapshot_no_event(), [Platform.BINARY_SENSOR])
    state = _get(hass, mock_config_entry, "event_active")
    assert state.state == STATE_OFF
    assert state.attributes["event_id"] is None

    mock_client.emit_snapshot(snapshot_active_and_pending())
    await hass.async_block_till_done()
    state = _get(hass, mock_config_entry, "event_active")
    assert state.state == STATE_ON
    assert state.attributes["event_id"] == "evt-simple"
    assert state.attributes["signal"] == "SIMPLE"
    assert state.attributes["end"] == simple_event().end

    # Opting out: the event still runs at the VTN, but asks nothing of this home.
    mock_client.emit_snapshot(
        VenSnapshot(registration=REGISTRATION, connection=ONLINE, events=(simple_event(opt=OptType.OPT_OUT),))
    )
    await hass.async_block_till_done()
    assert _get(hass, mock_config_entry, "event_active").state == STATE_OFF

    mock_client.emit_snapshot(
        VenSnapshot(
            registration=REGISTRATION, connection=ONLINE, events=(simple_event(status=EventStatus.COMPLETED),)
        )
    )
    await hass.async_block_till_done()
    assert _get(hass, mock_config_entry, "event_active").state == STATE_OFF


async def test_connectivity_shows_the_outage_and_nothing_goes_unavailable(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    entity_registry: er.EntityRegistry,
) -> None:
    await setup_platforms(
        hass, mock_config_entry, mock_client, snapshot_active_and_pending(), [Platform.BINARY_SENSOR]
    )
    connectivity = entity_id_of(hass, "binary_sensor", "vtn_connectivity", mock_config_entry.unique_id or "")
    entry = entity_registry.async_get(connectivity)
    assert entry is not None
    assert entry.entity_category is EntityCategory.DIAGNOSTIC
    assert _get(hass, mock_config_entry, "vtn_connectivity").state == STATE_ON
    assert _get(hass, mock_config_entry, "vtn_connectivity").attributes["device_class"] == "connectivity"

    mock_client.emit_snapshot(replace(snapshot_active_and_pending(), connection=OFFLINE))
    await hass.async_block_till_done()
    assert _get(hass, mock_config_entry, "vtn_connectivity").state == STATE_OFF
    # The known event keeps running through the outage.
    assert _get(hass, mock_config_entry, "event_active").state == STATE_ON
