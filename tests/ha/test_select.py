"""Select ``opt_decision``: opt in/out of the active, else next, event through the client."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
from homeassistant.components.select import ATTR_OPTION, ATTR_OPTIONS, SERVICE_SELECT_OPTION
from homeassistant.components.select import DOMAIN as SELECT_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.openadr_ven.const import DOMAIN
from custom_components.openadr_ven.openadr.enums import EventStatus, OptType
from custom_components.openadr_ven.openadr.errors import (
    HTTPStatusError,
    NotRegisteredError,
    OpenADRError,
    UnknownEventError,
    VTNConnectionError,
    VTNResponseError,
)
from custom_components.openadr_ven.openadr.state import VenSnapshot
from tests.ha.entity_helpers import (
    NOW,
    ONLINE,
    REGISTRATION,
    price_event,
    setup_entity,
    simple_event,
    snapshot_active_and_pending,
    snapshot_entities,
    snapshot_no_event,
    state_of,
)

if TYPE_CHECKING:
    from tests.ha.conftest import FakeVenClient


pytestmark = pytest.mark.usefixtures("entity_clock")


async def _setup(
    hass: HomeAssistant, entry: MockConfigEntry, client: FakeVenClient, snapshot: VenSnapshot
) -> str:
    return await setup_entity(hass, entry, client, snapshot, platform=Platform.SELECT, key="opt_decision")


async def _select(hass: HomeAssistant, entity_id: str, option: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN, SERVICE_SELECT_OPTION, {ATTR_ENTITY_ID: entity_id, ATTR_OPTION: option}, blocking=True
    )


@pytest.mark.parametrize(
    "snapshot_fn", [snapshot_active_and_pending, snapshot_no_event], ids=["active_and_pending", "no_event"]
)
async def test_select_entity(
    hass: HomeAssistant,
    *,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    snapshot_fn: object,
) -> None:
    assert callable(snapshot_fn)
    await _setup(hass, mock_config_entry, mock_client, snapshot_fn())
    await snapshot_entities(hass, entity_registry, snapshot, mock_config_entry)


async def test_shows_the_active_event_opt(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    entity_id = await _setup(hass, mock_config_entry, mock_client, snapshot_active_and_pending())
    state = state_of(hass, entity_id)
    assert state.state == "opt_in"
    assert state.attributes[ATTR_OPTIONS] == ["opt_in", "opt_out"]

    mock_client.emit_snapshot(
        replace(snapshot_active_and_pending(), events=(simple_event(opt=OptType.OPT_OUT), price_event()))
    )
    await hass.async_block_till_done()
    assert state_of(hass, entity_id).state == "opt_out"


async def test_unavailable_without_an_event(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    entity_id = await _setup(hass, mock_config_entry, mock_client, snapshot_no_event())
    assert state_of(hass, entity_id).state == STATE_UNAVAILABLE

    # A completed event is nothing to decide on either.
    mock_client.emit_snapshot(
        VenSnapshot(
            registration=REGISTRATION, connection=ONLINE, events=(simple_event(status=EventStatus.COMPLETED),)
        )
    )
    await hass.async_block_till_done()
    assert state_of(hass, entity_id).state == STATE_UNAVAILABLE

    mock_client.emit_snapshot(
        VenSnapshot(registration=REGISTRATION, connection=ONLINE, events=(price_event(),))
    )
    await hass.async_block_till_done()
    assert state_of(hass, entity_id).state == "opt_in"


async def test_selecting_opts_out_of_the_active_event(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    entity_id = await _setup(hass, mock_config_entry, mock_client, snapshot_active_and_pending())
    await _select(hass, entity_id, "opt_out")
    mock_client.opt.assert_awaited_once_with(OptType.OPT_OUT, event_id="evt-simple")
    # The shown option follows the client's snapshot, not the request.
    assert state_of(hass, entity_id).state == "opt_in"
    mock_client.emit_snapshot(
        replace(snapshot_active_and_pending(), events=(simple_event(opt=OptType.OPT_OUT), price_event()))
    )
    await hass.async_block_till_done()
    assert state_of(hass, entity_id).state == "opt_out"


async def test_selecting_opts_in_to_the_next_event(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    """Without an active event the decision is about the next one to start."""
    later = price_event(event_id="evt-later", start=NOW.replace(hour=23), opt=OptType.OPT_OUT)
    sooner = price_event(event_id="evt-sooner", opt=OptType.OPT_OUT)
    snapshot = VenSnapshot(registration=REGISTRATION, connection=ONLINE, events=(later, sooner))
    entity_id = await _setup(hass, mock_config_entry, mock_client, snapshot)
    assert state_of(hass, entity_id).state == "opt_out"
    await _select(hass, entity_id, "opt_in")
    mock_client.opt.assert_awaited_once_with(OptType.OPT_IN, event_id="evt-sooner")


@pytest.mark.parametrize(
    ("error", "expected", "key", "placeholders"),
    [
        (
            UnknownEventError("evt-simple"),
            ServiceValidationError,
            "unknown_event",
            {"event_id": "evt-simple"},
        ),
        (NotRegisteredError("not registered"), HomeAssistantError, "not_registered", None),
        (
            VTNResponseError(452, "Invalid ID"),
            HomeAssistantError,
            "vtn_error",
            {"error": "VTN error 452: Invalid ID"},
        ),
        (VTNConnectionError("refused"), HomeAssistantError, "vtn_error", {"error": "refused"}),
        (HTTPStatusError(503), HomeAssistantError, "vtn_error", {"error": "HTTP 503"}),
        (OpenADRError("boom"), HomeAssistantError, "vtn_error", {"error": "boom"}),
    ],
)
async def test_library_errors_become_translated_errors(
    hass: HomeAssistant,
    *,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    error: OpenADRError,
    expected: type[HomeAssistantError],
    key: str,
    placeholders: dict[str, str] | None,
) -> None:
    entity_id = await _setup(hass, mock_config_entry, mock_client, snapshot_active_and_pending())
    mock_client.opt.side_effect = error
    with pytest.raises(expected) as exc_info:
        await _select(hass, entity_id, "opt_out")
    assert type(exc_info.value) is expected
    assert exc_info.value.translation_domain == DOMAIN
    assert exc_info.value.translation_key == key
    assert exc_info.value.translation_placeholders == placeholders
    assert exc_info.value.__cause__ is error
    assert state_of(hass, entity_id).state == "opt_in"
