"""Sensors: SIMPLE level, price, event status/timing, opt status, counts, diagnostics."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.openadr_ven.binary_sensor import BINARY_SENSORS
from custom_components.openadr_ven.calendar import DESCRIPTION as CALENDAR_DESCRIPTION
from custom_components.openadr_ven.event import DESCRIPTION as EVENT_DESCRIPTION
from custom_components.openadr_ven.openadr.enums import EventStatus, OptType
from custom_components.openadr_ven.openadr.state import VenSnapshot
from custom_components.openadr_ven.select import DESCRIPTION as SELECT_DESCRIPTION
from custom_components.openadr_ven.sensor import SENSORS
from tests.ha.entity_helpers import (
    NOW,
    OFFLINE,
    ONLINE,
    REGISTRATION,
    entity_id_of,
    price_event,
    setup_platforms,
    simple_event,
    snapshot_active_and_pending,
    snapshot_entities,
    snapshot_no_event,
    ven_device,
)

if TYPE_CHECKING:
    from tests.ha.conftest import FakeVenClient

MANIFEST = Path(__file__).resolve().parents[2] / "custom_components" / "openadr_ven" / "manifest.json"


pytestmark = pytest.mark.usefixtures("entity_clock")


async def _setup(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    client: FakeVenClient,
    snapshot: VenSnapshot,
    *,
    enable_all: bool = False,
) -> None:
    await setup_platforms(hass, entry, client, snapshot, [Platform.SENSOR], enable_all=enable_all)


def _state(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    state = hass.states.get(entity_id_of(hass, "sensor", key, entry.unique_id or ""))
    assert state is not None
    return state.state


@pytest.mark.parametrize(
    "snapshot_fn", [snapshot_active_and_pending, snapshot_no_event], ids=["active_and_pending", "no_event"]
)
async def test_sensor_entities(
    hass: HomeAssistant,
    *,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    snapshot_fn: object,
) -> None:
    """Every sensor's registry entry and state, for an active SIMPLE 2 + pending price, and none."""
    assert callable(snapshot_fn)
    await _setup(hass, mock_config_entry, mock_client, snapshot_fn(), enable_all=True)
    await snapshot_entities(hass, entity_registry, snapshot, mock_config_entry)


async def test_active_and_pending_values(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    await _setup(hass, mock_config_entry, mock_client, snapshot_active_and_pending())
    assert _state(hass, mock_config_entry, "simple_level") == "2"
    assert _state(hass, mock_config_entry, "price") == STATE_UNKNOWN  # the price event is pending
    assert _state(hass, mock_config_entry, "event_status") == "active"
    assert _state(hass, mock_config_entry, "opt_status") == "opt_in"
    assert _state(hass, mock_config_entry, "next_event_start") == "2026-01-05T20:00:00+00:00"
    assert _state(hass, mock_config_entry, "current_event_end") == "2026-01-05T18:50:00+00:00"
    assert _state(hass, mock_config_entry, "active_events") == "1"
    assert _state(hass, mock_config_entry, "pending_events") == "1"
    assert _state(hass, mock_config_entry, "ven_id") == "ven-123"
    assert _state(hass, mock_config_entry, "vtn_id") == "vtn-utility"


async def test_defaults_without_events(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    await _setup(hass, mock_config_entry, mock_client, snapshot_no_event())
    assert _state(hass, mock_config_entry, "simple_level") == "0"
    assert _state(hass, mock_config_entry, "price") == STATE_UNKNOWN
    assert _state(hass, mock_config_entry, "event_status") == "none"
    assert _state(hass, mock_config_entry, "opt_status") == "none"
    assert _state(hass, mock_config_entry, "next_event_start") == STATE_UNKNOWN
    assert _state(hass, mock_config_entry, "current_event_end") == STATE_UNKNOWN
    assert _state(hass, mock_config_entry, "active_events") == "0"


async def test_sensors_follow_pushed_snapshots(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    await _setup(hass, mock_config_entry, mock_client, snapshot_no_event())
    assert _state(hass, mock_config_entry, "simple_level") == "0"

    mock_client.emit_snapshot(snapshot_active_and_pending())
    await hass.async_block_till_done()
    assert _state(hass, mock_config_entry, "simple_level") == "2"
    assert _state(hass, mock_config_entry, "event_status") == "active"

    # The price event starts (current value 0.45) and the SIMPLE event completes.
    mock_client.emit_snapshot(
        VenSnapshot(
            registration=REGISTRATION,
            connection=ONLINE,
            events=(
                simple_event(status=EventStatus.COMPLETED),
                price_event(status=EventStatus.ACTIVE, start=NOW - timedelta(hours=1), current=0.45),
            ),
        )
    )
    await hass.async_block_till_done()
    assert _state(hass, mock_config_entry, "simple_level") == "0"
    assert _state(hass, mock_config_entry, "price") == "0.45"
    price = hass.states.get(entity_id_of(hass, "sensor", "price", mock_config_entry.unique_id or ""))
    assert price is not None
    assert price.attributes["unit_of_measurement"] == "USD/kWh"
    assert _state(hass, mock_config_entry, "current_event_end") == "2026-01-05T19:00:00+00:00"
    assert _state(hass, mock_config_entry, "next_event_start") == STATE_UNKNOWN

    # Only a completed event left: the status shows it.
    mock_client.emit_snapshot(
        VenSnapshot(
            registration=REGISTRATION, connection=ONLINE, events=(simple_event(status=EventStatus.COMPLETED),)
        )
    )
    await hass.async_block_till_done()
    assert _state(hass, mock_config_entry, "event_status") == "completed"
    assert _state(hass, mock_config_entry, "price") == STATE_UNKNOWN


async def test_opted_out_event_asks_nothing(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    """The SIMPLE level follows opted-in events only; the opt status shows the opt-out."""
    snapshot = VenSnapshot(
        registration=REGISTRATION, connection=ONLINE, events=(simple_event(level=3.0, opt=OptType.OPT_OUT),)
    )
    await _setup(hass, mock_config_entry, mock_client, snapshot)
    assert _state(hass, mock_config_entry, "simple_level") == "0"
    assert _state(hass, mock_config_entry, "opt_status") == "opt_out"
    assert _state(hass, mock_config_entry, "event_status") == "active"


async def test_priority_decides_the_level(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    """Two active events: the lower priority number wins, 0 is the lowest (R3)."""
    events = (
        simple_event(event_id="low", level=1.0, priority=0),
        simple_event(event_id="high", level=3.0, priority=2),
        simple_event(event_id="mid", level=2.0, priority=5),
    )
    await _setup(
        hass,
        mock_config_entry,
        mock_client,
        VenSnapshot(registration=REGISTRATION, connection=ONLINE, events=events),
    )
    assert _state(hass, mock_config_entry, "simple_level") == "3"
    assert _state(hass, mock_config_entry, "active_events") == "3"


@pytest.mark.parametrize(
    ("signal_name", "signal_type", "unit"),
    [
        ("ELECTRICITY_PRICE", "price", "USD/kWh"),
        ("ENERGY_PRICE", "priceRelative", "USD/kWh"),
        ("ELECTRICITY_PRICE", "priceMultiplier", None),
    ],
)
async def test_price_units(
    hass: HomeAssistant,
    *,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    signal_name: str,
    signal_type: str,
    unit: str | None,
) -> None:
    event = price_event(
        status=EventStatus.ACTIVE, start=NOW - timedelta(minutes=5), current=1.5, signal_type=signal_type
    )
    event = replace(event, signals=(replace(event.signals[0], name=signal_name),))
    await _setup(
        hass,
        mock_config_entry,
        mock_client,
        VenSnapshot(registration=REGISTRATION, connection=ONLINE, events=(event,)),
    )
    state = hass.states.get(entity_id_of(hass, "sensor", "price", mock_config_entry.unique_id or ""))
    assert state is not None
    assert state.state == "1.5"
    assert state.attributes.get("unit_of_measurement") == unit


async def test_values_stay_available_while_the_vtn_is_down(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    """Known events keep running through an outage: sensors keep their values (not unavailable)."""
    await _setup(hass, mock_config_entry, mock_client, snapshot_active_and_pending())
    mock_client.emit_snapshot(replace(snapshot_active_and_pending(), connection=OFFLINE))
    await hass.async_block_till_done()
    assert _state(hass, mock_config_entry, "simple_level") == "2"
    assert _state(hass, mock_config_entry, "event_status") == "active"


async def test_diagnostic_sensors(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    await _setup(hass, mock_config_entry, mock_client, snapshot_no_event(), enable_all=True)
    assert _state(hass, mock_config_entry, "registration_id") == "reg-456"
    assert _state(hass, mock_config_entry, "poll_interval") == "30.0"
    assert _state(hass, mock_config_entry, "last_successful_poll") == "2026-01-05T17:59:55+00:00"

    mock_client.emit_snapshot(VenSnapshot())  # registration cancelled
    await hass.async_block_till_done()
    assert _state(hass, mock_config_entry, "ven_id") == STATE_UNKNOWN
    assert _state(hass, mock_config_entry, "poll_interval") == STATE_UNKNOWN


async def test_noisy_diagnostics_disabled_by_default(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    entity_registry: er.EntityRegistry,
) -> None:
    await _setup(hass, mock_config_entry, mock_client, snapshot_no_event())
    disabled = {
        entry.unique_id.removeprefix(f"{mock_config_entry.unique_id}_")
        for entry in er.async_entries_for_config_entry(entity_registry, mock_config_entry.entry_id)
        if entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    }
    assert disabled == {"last_successful_poll", "registration_id", "poll_interval"}


async def test_device(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    """One service device per VEN, named after it, holding every entity."""
    await _setup(hass, mock_config_entry, mock_client, snapshot_no_event())
    device = ven_device(hass, mock_config_entry)
    assert device.name == "Home VEN"
    assert device.manufacturer == "OpenADR"
    assert device.model == "OpenADR 2.0b VEN"
    assert device.sw_version == json.loads(MANIFEST.read_text())["version"]
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    assert device.configuration_url is None
    entity = er.async_get(hass).async_get(
        entity_id_of(hass, "sensor", "ven_id", mock_config_entry.unique_id or "")
    )
    assert entity is not None
    assert entity.device_id == device.id
    assert entity.unique_id == f"{mock_config_entry.unique_id}_ven_id"


def test_every_entity_is_translated_and_has_an_icon() -> None:
    """Names, enum/select states and event types in strings.json; icons in icons.json."""
    strings = json.loads((MANIFEST.parent / "strings.json").read_text())["entity"]
    icons = json.loads((MANIFEST.parent / "icons.json").read_text())["entity"]
    described: dict[str, list[Any]] = {
        "sensor": list(SENSORS),
        "binary_sensor": list(BINARY_SENSORS),
        "calendar": [CALENDAR_DESCRIPTION],
        "event": [EVENT_DESCRIPTION],
        "select": [SELECT_DESCRIPTION],
    }
    for platform, descriptions in described.items():
        keys = {d.translation_key for d in descriptions}
        assert set(strings[platform]) == keys, platform
        assert set(icons[platform]) == keys, platform
        for description in descriptions:
            translated = strings[platform][description.translation_key]
            assert translated["name"]
            options = getattr(description, "options", None)
            if options:
                assert set(translated["state"]) == set(options), description.key
                if "state" in icons[platform][description.translation_key]:
                    assert set(icons[platform][description.translation_key]["state"]) == set(options)
    event_states = strings["event"]["dr_event"]["state_attributes"]["event_type"]["state"]
    assert list(event_states) == EVENT_DESCRIPTION.event_types
