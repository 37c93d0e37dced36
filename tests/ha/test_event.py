"""Event entity ``dr_event``: fires on the VEN's DR event notifications."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.openadr_ven.event import EVENT_TYPES, OpenADREventEntity
from custom_components.openadr_ven.openadr.enums import OptType
from custom_components.openadr_ven.openadr.state import Notification, NotificationKind
from tests.ha.entity_helpers import (
    NOW,
    entity_id_of,
    setup_platforms,
    snapshot_active_and_pending,
    snapshot_entities,
    state_of,
)

if TYPE_CHECKING:
    from tests.ha.conftest import FakeVenClient


pytestmark = pytest.mark.usefixtures("entity_clock")


async def _setup(hass: HomeAssistant, entry: MockConfigEntry, client: FakeVenClient) -> str:
    await setup_platforms(hass, entry, client, snapshot_active_and_pending(), [Platform.EVENT])
    return entity_id_of(hass, "event", "dr_event", entry.unique_id or "")


async def test_event_entity(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await _setup(hass, mock_config_entry, mock_client)
    await snapshot_entities(hass, entity_registry, snapshot, mock_config_entry)


async def test_event_types(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    entity_id = await _setup(hass, mock_config_entry, mock_client)
    state = state_of(hass, entity_id)
    assert state.state == STATE_UNKNOWN
    assert state.attributes["event_types"] == [
        "event_received",
        "event_modified",
        "event_cancelled",
        "event_started",
        "event_ended",
        "signal_changed",
    ]
    assert state.attributes["event_types"] == EVENT_TYPES


async def test_fires_on_notifications(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    entity_id = await _setup(hass, mock_config_entry, mock_client)

    freezer.tick(timedelta(seconds=1))
    mock_client.emit_notification(
        Notification(
            kind=NotificationKind.SIGNAL_CHANGED,
            event_id="evt-simple",
            signal_name="SIMPLE",
            value=3.0,
            previous_value=2.0,
            start=NOW - timedelta(minutes=10),
            end=NOW + timedelta(minutes=50),
            test_event=True,
        )
    )
    await hass.async_block_till_done()
    state = state_of(hass, entity_id)
    assert state.state == "2026-01-05T18:00:01.000+00:00"
    assert state.attributes["event_type"] == "signal_changed"
    assert state.attributes["event_id"] == "evt-simple"
    assert state.attributes["signal"] == "SIMPLE"
    assert state.attributes["value"] == 3.0
    assert state.attributes["previous_value"] == 2.0
    assert state.attributes["start"] == "2026-01-05T17:50:00+00:00"
    assert state.attributes["end"] == "2026-01-05T18:50:00+00:00"
    assert state.attributes["test_event"] is True

    freezer.tick(timedelta(seconds=1))
    mock_client.emit_notification(
        Notification(kind=NotificationKind.EVENT_ENDED, event_id="evt-simple", start=NOW, end=None)
    )
    await hass.async_block_till_done()
    state = state_of(hass, entity_id)
    assert state.state == "2026-01-05T18:00:02.000+00:00"
    assert state.attributes["event_type"] == "event_ended"
    assert state.attributes["value"] is None
    assert state.attributes["end"] is None
    assert state.attributes["test_event"] is False


@pytest.mark.parametrize("kind", list(NotificationKind))
async def test_every_dr_kind_fires_and_others_do_not(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    freezer: FrozenDateTimeFactory,
    kind: NotificationKind,
) -> None:
    entity_id = await _setup(hass, mock_config_entry, mock_client)
    freezer.tick(timedelta(seconds=1))
    mock_client.emit_notification(Notification(kind=kind, event_id="evt-1", opt=OptType.OPT_OUT))
    await hass.async_block_till_done()
    state = state_of(hass, entity_id)
    if kind in (NotificationKind.OPT_CHANGED, NotificationKind.REGISTRATION_CANCELLED):
        assert state.state == STATE_UNKNOWN
    else:
        assert state.attributes["event_type"] == str(kind)


async def test_listener_removed_with_the_entity(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    entity_registry: er.EntityRegistry,
) -> None:
    """The entity unsubscribes when it is removed (the entry stays loaded)."""
    entity_id = await _setup(hass, mock_config_entry, mock_client)
    coordinator = mock_config_entry.runtime_data.coordinator

    def entity_listeners() -> list[object]:
        return [
            cb
            for cb in coordinator._notification_listeners
            if isinstance(getattr(cb, "__self__", None), OpenADREventEntity)
        ]

    assert len(entity_listeners()) == 1
    entity_registry.async_remove(entity_id)
    await hass.async_block_till_done()
    assert hass.states.get(entity_id) is None
    assert entity_listeners() == []
    mock_client.emit_notification(Notification(kind=NotificationKind.EVENT_STARTED, event_id="evt-1"))
    await hass.async_block_till_done()
    assert hass.states.get(entity_id) is None
