"""Calendar: every known DR event, the current/next event, get_events and calendar triggers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.calendar import DOMAIN as CALENDAR_DOMAIN
from homeassistant.components.calendar import SERVICE_GET_EVENTS
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.openadr_ven.calendar import event_summary
from custom_components.openadr_ven.openadr.enums import EventStatus, OptType
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
    return await setup_entity(hass, entry, client, snapshot, platform=Platform.CALENDAR, key="events")


async def _get_events(hass: HomeAssistant, entity_id: str, start: Any, end: Any) -> list[dict[str, Any]]:
    response = await hass.services.async_call(
        CALENDAR_DOMAIN,
        SERVICE_GET_EVENTS,
        {ATTR_ENTITY_ID: entity_id, "start_date_time": start, "end_date_time": end},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    events = response[entity_id]["events"]  # type: ignore[index]
    assert isinstance(events, list)
    return events


def _snapshot(*events: Any) -> VenSnapshot:
    return VenSnapshot(registration=REGISTRATION, connection=ONLINE, events=events)


@pytest.mark.parametrize(
    "snapshot_fn", [snapshot_active_and_pending, snapshot_no_event], ids=["active_and_pending", "no_event"]
)
async def test_calendar_entity(
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


async def test_state_is_the_current_then_the_next_event(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    entity_id = await _setup(hass, mock_config_entry, mock_client, snapshot_active_and_pending())
    state = state_of(hass, entity_id)
    assert state.state == STATE_ON
    assert state.attributes["message"] == "DR event: SIMPLE level 2"
    # Local time of the test instance (US/Pacific): 17:50:42 UTC.
    assert state.attributes["start_time"] == "2026-01-05 09:50:00"
    assert state.attributes["end_time"] == "2026-01-05 10:50:00"

    mock_client.emit_snapshot(
        _snapshot(simple_event(status=EventStatus.COMPLETED, start=NOW - timedelta(hours=2)), price_event())
    )
    await hass.async_block_till_done()
    state = state_of(hass, entity_id)
    assert state.state == STATE_OFF
    assert state.attributes["message"] == "DR event: price 0.3-0.45 USD/kWh"
    assert state.attributes["start_time"] == "2026-01-05 12:00:00"

    mock_client.emit_snapshot(snapshot_no_event())
    await hass.async_block_till_done()
    state = state_of(hass, entity_id)
    assert state.state == STATE_OFF
    assert "message" not in state.attributes


async def test_get_events_lists_known_events(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    past = simple_event(event_id="evt-past", status=EventStatus.COMPLETED, start=NOW - timedelta(days=1))
    cancelled = price_event(
        event_id="evt-cancelled", status=EventStatus.CANCELLED, start=NOW + timedelta(hours=5)
    )
    entity_id = await _setup(
        hass,
        mock_config_entry,
        mock_client,
        _snapshot(past, simple_event(), price_event(test_event=True), cancelled),
    )
    events = await _get_events(hass, entity_id, NOW - timedelta(days=2), NOW + timedelta(days=2))
    assert [e["summary"] for e in events] == [
        "DR event: SIMPLE level 1-2",
        "DR event: SIMPLE level 2",
        "DR event: price 0.3-0.45 USD/kWh [test]",
    ]
    assert events[2] == {
        "start": "2026-01-05T12:00:00-08:00",
        "end": "2026-01-05T14:00:00-08:00",
        "summary": "DR event: price 0.3-0.45 USD/kWh [test]",
        "description": (
            "ELECTRICITY_PRICE (price): 0.3, 0.45\n"
            "Opted in\n"
            "Status: far\n"
            "Market context: http://market.example.com/dr\n"
            "Event ID: evt-price\n"
            "Test event\n"
            "Comment: Evening peak"
        ),
    }
    # Only what overlaps the window.
    events = await _get_events(hass, entity_id, NOW + timedelta(hours=1), NOW + timedelta(hours=3))
    assert [e["summary"] for e in events] == ["DR event: price 0.3-0.45 USD/kWh [test]"]
    events = await _get_events(hass, entity_id, NOW + timedelta(hours=4, minutes=1), NOW + timedelta(hours=9))
    assert events == []  # the cancelled event is not shown


async def test_open_ended_event_lasts_until_an_hour_from_now(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    event = simple_event(duration=None, start=NOW - timedelta(hours=3))
    assert event.end is None
    entity_id = await _setup(hass, mock_config_entry, mock_client, _snapshot(event))
    state = state_of(hass, entity_id)
    assert state.state == STATE_ON
    assert state.attributes["end_time"] == "2026-01-05 11:00:00"  # now (10:00 local) + 1 h
    events = await _get_events(hass, entity_id, NOW, NOW + timedelta(days=1))
    assert events[0]["end"] == "2026-01-05T11:00:00-08:00"


async def test_summaries() -> None:
    assert event_summary(simple_event()) == "DR event: SIMPLE level 2"
    assert event_summary(simple_event(status=EventStatus.FAR, level=3.0)) == "DR event: SIMPLE level 1-3"
    active_price = price_event(status=EventStatus.ACTIVE, current=0.45)
    assert event_summary(active_price) == "DR event: price 0.45 USD/kWh"
    relative = price_event(signal_type="priceRelative", status=EventStatus.ACTIVE, current=0.05)
    assert event_summary(relative) == "DR event: price +0.05 USD/kWh"
    multiplier = price_event(signal_type="priceMultiplier", status=EventStatus.ACTIVE, current=1.5)
    assert event_summary(multiplier) == "DR event: price x1.5"
    energy = price_event(status=EventStatus.ACTIVE, current=0.2)
    energy = replace(energy, signals=(replace(energy.signals[0], name="ENERGY_PRICE"),))
    assert event_summary(energy) == "DR event: energy price 0.2 USD/kWh"
    both = replace(simple_event(test_event=True), signals=(*simple_event().signals, *active_price.signals))
    assert event_summary(both) == "DR event: SIMPLE level 2, price 0.45 USD/kWh [test]"
    assert event_summary(replace(simple_event(), signals=())) == "DR event"
    opted_out = simple_event(opt=OptType.OPT_OUT)
    assert event_summary(opted_out) == "DR event: SIMPLE level 2"


async def test_calendar_trigger_with_offset_fires_before_start(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A calendar trigger 30 minutes before start (the pending price event starts at NOW + 2 h)."""
    entity_id = await _setup(hass, mock_config_entry, mock_client, snapshot_active_and_pending())
    calls: list[ServiceCall] = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "trigger": {
                    "platform": "calendar",
                    "entity_id": entity_id,
                    "event": "start",
                    "offset": "-00:30:00",
                },
                "action": {
                    "service": "test.automation",
                    "data": {
                        "summary": "{{ trigger.calendar_event.summary }}",
                        "uid": "{{ trigger.calendar_event.uid }}",
                    },
                },
            }
        },
    )
    await hass.async_block_till_done()

    moments: list[Any] = [NOW]

    def _current() -> Any:
        return moments[-1]

    async def step_to(delta: timedelta) -> None:
        target = NOW + delta
        while _current() < target:
            moments.append(min(target, _current() + timedelta(minutes=5)))
            freezer.move_to(moments[-1])
            # Twice: timers the first round schedules for "now" (the trigger's point in
            # time) run in the second, as the real loop would run them right away.
            for _ in range(2):
                async_fire_time_changed(hass)
                await hass.async_block_till_done()

    await step_to(timedelta(hours=1, minutes=29))
    assert calls == []
    await step_to(timedelta(hours=1, minutes=30))
    assert len(calls) == 1
    assert calls[0].data == {"summary": "DR event: price 0.3-0.45 USD/kWh", "uid": "evt-price"}
    await step_to(timedelta(hours=3))
    assert len(calls) == 1
    # Detach the trigger (its 15-minute refresh timer) before the test ends.
    await hass.services.async_call("automation", "turn_off", {ATTR_ENTITY_ID: "all"}, blocking=True)
