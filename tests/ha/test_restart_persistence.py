"""Home Assistant restarts in the middle of a DR event, with the VTN down (the issue's scenario).

The real stack throughout: the integration builds the real ``VenClient`` + ``Transport`` on Home
Assistant's aiohttp session, persists through HA's ``Store`` (``hass_storage``), and talks to the
scripted VTN of ``tests/vtn`` on 127.0.0.1. Only time is simulated: the integration gives the VEN
Home Assistant's clock (``dt_util.utcnow`` and HA timers), so the test freezes HA's time and
moves it from one driver deadline to the next while the real exchanges happen.

The restart is a real one: the first Home Assistant stops (background tasks cancelled, final
writes flushed) and a second instance is created with a new config entry object, a new client and
new entities; only the storage dict survives.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant import loader
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, UnitOfEnergy, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed_exact,
    async_test_home_assistant,
)

from custom_components.openadr_ven.clock import HomeAssistantClock
from custom_components.openadr_ven.const import (
    CONF_ALLOW_INSECURE,
    CONF_DEFAULT_OPT,
    CONF_ENERGY_ENTITY,
    CONF_MARKET_CONTEXTS,
    CONF_POWER_ENTITY,
    CONF_RESOURCE_ID,
    CONF_VEN_ID,
    CONF_VEN_NAME,
    CONF_VTN_URL,
    CONF_XML_SIGNATURE,
    DOMAIN,
)
from custom_components.openadr_ven.openadr.enums import DataQuality, OptType
from custom_components.openadr_ven.openadr.models import (
    CreatedEvent,
    CreatedReport,
    CreatePartyRegistration,
    ReportRequest,
    SpecifierPayload,
    UpdateReport,
)
from custom_components.openadr_ven.store import storage_key
from tests.openadr.enginekit import event, signal
from tests.vtn.fixtures import vtn  # noqa: F401 - the scripted VTN fixture
from tests.vtn.scripted import ScriptedVTN

if TYPE_CHECKING:
    from custom_components.openadr_ven.openadr.driver import VenClient

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
INTEGRATION = "custom_components.openadr_ven"
SLACK = timedelta(microseconds=1)
MAX_SPINS = 200_000  # loop iterations any wait may take before the test fails
ENTRY_ID = "openadr-restart-entry"
UNIQUE_ID = "home-ven"
POWER = "sensor.house_power"
ENERGY = "sensor.house_energy"

# The utility's periodic telemetry: one 1-minute interval per sample, a report every 5 minutes.
USAGE_REQUEST = ReportRequest(
    report_request_id="rr-usage",
    report_specifier_id="TELEMETRY_USAGE",
    granularity=MINUTE,
    report_back_duration=5 * MINUTE,
    specifier_payloads=(
        SpecifierPayload("power", "Direct Read"),
        SpecifierPayload("energy", "Direct Read"),
    ),
)
# A SIMPLE level-2 event from T0+2 min for 40 min, start randomized by up to 10 minutes (R30).
EVENT = event(
    "ev-restart",
    start=T0 + 2 * MINUTE,
    duration=40 * MINUTE,
    start_after=10 * MINUTE,
    signals=(signal(values=(2.0,), minutes=40),),
)


def power_w(minute: int) -> float:
    """The house's power during minute ``minute`` after T0 (a new value every minute)."""
    return 1000.0 + 10.0 * minute


def energy_wh(minute: int) -> float:
    return 50_000.0 + 25.0 * minute


# ---------------------------------------------------------------------------------------------
# Helpers: the entry, the meter entities, the driver's clock (shared with tests/ha/test_outage.py)


def make_entry(vtn_url: str, *, entry_id: str = ENTRY_ID) -> MockConfigEntry:
    """The VEN's config entry (plain http to the loopback VTN, allowed as insecure)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home VEN",
        unique_id=UNIQUE_ID,
        entry_id=entry_id,
        data={
            CONF_VTN_URL: vtn_url,
            CONF_VEN_NAME: "Home VEN",
            CONF_VEN_ID: None,
            CONF_XML_SIGNATURE: False,
            CONF_ALLOW_INSECURE: True,
        },
        options={
            CONF_POWER_ENTITY: POWER,
            CONF_ENERGY_ENTITY: ENERGY,
            CONF_DEFAULT_OPT: "opt_in",
            CONF_RESOURCE_ID: "resource-1",
            CONF_MARKET_CONTEXTS: [],
        },
        version=1,
        minor_version=1,
    )


def set_meter(hass: HomeAssistant, minute: int) -> None:
    hass.states.async_set(POWER, str(power_w(minute)), {"unit_of_measurement": UnitOfPower.WATT})
    hass.states.async_set(ENERGY, str(energy_wh(minute)), {"unit_of_measurement": UnitOfEnergy.WATT_HOUR})


class SpyClock(HomeAssistantClock):
    """The integration's clock, also telling the test when the driver sleeps and until when."""

    def __init__(self, hass: HomeAssistant) -> None:
        super().__init__(hass)
        self.deadlines: list[datetime] = []

    async def sleep(self, seconds: float) -> None:
        deadline = self.now() + timedelta(seconds=seconds)
        self.deadlines.append(deadline)
        try:
            await super().sleep(seconds)
        finally:
            self.deadlines.remove(deadline)


@pytest.fixture
def spy_clock() -> Iterator[None]:
    """Every VenClient the integration builds sleeps on a :class:`SpyClock`."""
    with patch(f"{INTEGRATION}.HomeAssistantClock", SpyClock):
        yield


class VenTime:
    """Time travel for the VEN of a loaded entry, on Home Assistant's frozen time (``freezer``).

    Like ``tests/vtn/harness.VenHarness.advance``: wait until the driver sleeps with nothing in
    flight, move the frozen time to its deadline and fire the due timers, repeat. The network
    is real, so "waiting" spins the event loop (the loop's clock is frozen too: no timer helps).
    """

    def __init__(self, hass: HomeAssistant, entry: MockConfigEntry, freezer: FrozenDateTimeFactory) -> None:
        self.hass = hass
        self.entry = entry
        self.freezer = freezer

    @property
    def client(self) -> VenClient:
        return self.entry.runtime_data.client

    @property
    def clock(self) -> SpyClock:
        clock = self.client._clock
        assert isinstance(clock, SpyClock)
        return clock

    def _resting(self) -> bool:
        client = self.client
        return bool(self.clock.deadlines) and not client._wake.is_set() and not client._lock.locked()

    async def idle(self) -> None:
        """Spin the loop until the driver sleeps with nothing in flight (real exchanges done)."""
        stable = 0
        for _ in range(MAX_SPINS):
            if self._resting():
                stable += 1
                if stable >= 3:
                    await self.hass.async_block_till_done()
                    if self._resting():
                        return
                    stable = 0
            else:
                stable = 0
            await asyncio.sleep(0)
        raise AssertionError("the VEN driver did not come to rest")

    async def until(self, when: datetime) -> None:
        """Move Home Assistant's time to ``when``, the driver doing everything due on the way."""
        for _ in range(100_000):
            await self.idle()
            deadline = min(self.clock.deadlines)
            if deadline > when:
                break
            self._move(deadline)
        self._move(when)
        await self.idle()

    def _move(self, when: datetime) -> None:
        if when > dt_util.utcnow():
            self.freezer.move_to(when)
        # HA's timer for a deadline may sit a fraction of a microsecond after it (float seconds on
        # the loop's clock vs. microsecond datetimes): fire with that slack, the time stays put.
        async_fire_time_changed_exact(self.hass, when + SLACK)

    async def minutes(self, first: int, last: int) -> None:
        """Minute by minute from T0+``first`` to T0+``last``: a new meter reading each minute."""
        for minute in range(first, last + 1):
            set_meter(self.hass, minute)
            await self.until(T0 + minute * MINUTE)


def entity_id(hass: HomeAssistant, platform: str, key: str) -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{UNIQUE_ID}_{key}")
    assert found is not None, key
    return found


def state(hass: HomeAssistant, platform: str, key: str) -> str:
    current = hass.states.get(entity_id(hass, platform, key))
    assert current is not None, key
    return current.state


def visible(hass: HomeAssistant) -> dict[str, str]:
    """What the user sees of the event: the states that must survive a restart."""
    return {
        "event_status": state(hass, "sensor", "event_status"),
        "opt_status": state(hass, "sensor", "opt_status"),
        "current_event_end": state(hass, "sensor", "current_event_end"),
        "simple_level": state(hass, "sensor", "simple_level"),
        "active_events": state(hass, "sensor", "active_events"),
        "event_active": state(hass, "binary_sensor", "event_active"),
        "event_active.event_id": str(
            hass.states.get(entity_id(hass, "binary_sensor", "event_active")).attributes["event_id"]  # type: ignore[union-attr]
        ),
        "opt_decision": state(hass, "select", "opt_decision"),
        "ven_id": state(hass, "sensor", "ven_id"),
    }


async def calendar_events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """The DR events calendar from T0 to T0+2 h, as ``calendar.get_events`` lists it."""
    calendar = entity_id(hass, "calendar", "events")
    listed = await hass.services.async_call(
        "calendar",
        "get_events",
        {"entity_id": calendar, "start_date_time": T0, "end_date_time": T0 + timedelta(hours=2)},
        blocking=True,
        return_response=True,
    )
    assert listed is not None
    events: list[dict[str, Any]] = listed[calendar]["events"]  # type: ignore[assignment,index]
    return events


@asynccontextmanager
async def second_home_assistant() -> AsyncIterator[HomeAssistant]:
    """A fresh Home Assistant instance (the restarted process) able to load custom integrations."""
    async with async_test_home_assistant() as hass:
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        try:
            yield hass
        finally:
            await hass.async_stop(force=True)


# ---------------------------------------------------------------------------------------------


@pytest.mark.freeze_time(T0)
@pytest.mark.usefixtures("spy_clock")
async def test_restart_mid_event_keeps_event_offset_opt_and_buffered_reports(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    vtn: ScriptedVTN,  # noqa: F811
    freezer: FrozenDateTimeFactory,
) -> None:
    vtn.clock = dt_util.utcnow
    vtn.events = [EVENT]  # the answer to oadrRequestEvent after registration
    vtn.piggyback_requests = [USAGE_REQUEST]  # on oadrRegisteredReport (R344)

    # --- first life: register, receive the event and the report request ----------------------
    set_meter(hass, 0)
    entry = make_entry(vtn.url)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    ven = VenTime(hass, entry, freezer)
    await ven.idle()
    assert vtn.kinds() == [
        "CreatePartyRegistration",
        "RegisterReport",  # METADATA, then oadrRequestEvent (R405)
        "RequestEvent",
        "CreatedReport",  # the piggy-backed request accepted
        "CreatedEvent",
    ]
    assert vtn.sent(CreatedReport)[0].pending_report_request_ids == ("rr-usage",)
    assert [r.opt_type for r in vtn.sent(CreatedEvent)[0].event_responses] == [OptType.OPT_IN]
    offset = ven.client.snapshot.events[0].random_offset
    assert timedelta(0) <= offset < 10 * MINUTE
    start = T0 + 2 * MINUTE + offset
    assert state(hass, "sensor", "event_status") == "far"
    assert state(hass, "sensor", "next_event_start") == start.isoformat(timespec="seconds")

    # The event goes active at its randomized start; the home takes part (default opt in).
    await ven.minutes(1, 12)
    assert dt_util.utcnow() > start
    assert state(hass, "sensor", "event_status") == "active"
    assert state(hass, "binary_sensor", "event_active") == STATE_ON
    assert state(hass, "sensor", "simple_level") == "2"

    # The user opts out through the service; oadrCreatedEvent optOut goes to the VTN (R17).
    response = await hass.services.async_call(
        DOMAIN, "opt_out", {"config_entry_id": entry.entry_id}, blocking=True, return_response=True
    )
    assert response == {"event_id": "ev-restart", "opt": "optOut"}
    await ven.idle()
    assert [r.opt_type for r in vtn.sent(CreatedEvent)[-1].event_responses] == [OptType.OPT_OUT]

    # The VTN goes down; reports due at T0+15, +20, +25 min wait in the outbox.
    await vtn.go_down()
    await ven.minutes(13, 27)  # stop 2 minutes after the last report: samples 26, 27 are fresh
    assert state(hass, "binary_sensor", "vtn_connectivity") == STATE_OFF
    delivered_before = len(vtn.sent(UpdateReport))
    assert delivered_before == 2  # T0+5 and T0+10, while the VTN was up
    before = visible(hass)
    calendar_before = await calendar_events(hass)
    assert [
        (datetime.fromisoformat(e["start"]), datetime.fromisoformat(e["end"])) for e in calendar_before
    ] == [(start, start + 40 * MINUTE)]
    assert "ev-restart" in calendar_before[0]["description"]
    assert before == {
        "event_status": "active",
        "opt_status": "opt_out",
        "current_event_end": (start + 40 * MINUTE).isoformat(timespec="seconds"),
        "simple_level": "0",  # opted out: nothing asked of the home
        "active_events": "1",
        "event_active": STATE_OFF,
        "event_active.event_id": "None",
        "opt_decision": "opt_out",
        "ven_id": "VEN_1",
    }

    # --- restart: stop this Home Assistant; only the storage survives ------------------------
    await hass.async_stop()
    stored = hass_storage[storage_key(ENTRY_ID)]["data"]
    assert [o["message"]["__t"] for o in stored["outbox"]] == ["UpdateReport"] * 3
    registrations = len(vtn.sent(CreatePartyRegistration))
    assert registrations == 1

    async with second_home_assistant() as hass2:
        set_meter(hass2, 27)
        entry2 = make_entry(vtn.url)
        entry2.add_to_hass(hass2)
        assert await hass2.config_entries.async_setup(entry2.entry_id)
        assert entry2.state is ConfigEntryState.LOADED
        ven2 = VenTime(hass2, entry2, freezer)
        await ven2.idle()
        assert ven2.client is not ven.client

        # The same event, the same randomized start, the same opt decision; no registration.
        view = ven2.client.snapshot.events[0]
        assert (view.event_id, view.random_offset, view.start, view.opt) == (
            "ev-restart",
            offset,
            start,
            OptType.OPT_OUT,
        )
        assert visible(hass2) == before
        assert await calendar_events(hass2) == calendar_before
        assert state(hass2, "binary_sensor", "vtn_connectivity") == STATE_OFF
        for key in ("event_status", "opt_status", "simple_level"):
            assert state(hass2, "sensor", key) != STATE_UNAVAILABLE

        # Still down for a while (another report is due at T0+30), then the VTN comes back.
        await ven2.minutes(28, 31)
        await vtn.listen()
        await ven2.minutes(32, 37)
        assert state(hass2, "binary_sensor", "vtn_connectivity") == STATE_ON
        assert len(vtn.sent(CreatePartyRegistration)) == registrations  # never re-registered

        assert await hass2.config_entries.async_unload(entry2.entry_id)

    # Every reading from T0 to T0+35 min reached the VTN, in order, once, with its real value.
    reports = vtn.sent(UpdateReport)
    assert [u.reports[0].report_request_id for u in reports] == ["rr-usage"] * 7
    created = [u.reports[0].created_date_time for u in reports]
    assert created == [T0 + m * MINUTE for m in (5, 10, 15, 20, 25, 30, 35)]
    intervals = [iv for u in reports for data in u.reports for iv in data.intervals]
    power = [(iv.start, iv.value, iv.data_quality) for iv in intervals if iv.r_id == "power"]
    energy = [(iv.start, iv.value, iv.data_quality) for iv in intervals if iv.r_id == "energy"]
    good = DataQuality.QUALITY_GOOD_NON_SPECIFIC
    assert power == [(T0 + m * MINUTE, power_w(m), good) for m in range(35)]
    assert energy == [(T0 + m * MINUTE, energy_wh(m), good) for m in range(35)]


def usage(server: ScriptedVTN, r_id: str) -> list[tuple[datetime, float, DataQuality | None]]:
    """(start, value, quality) of every ``r_id`` interval the VTN received, in arrival order."""
    return [
        (iv.start, iv.value, iv.data_quality)  # type: ignore[misc]
        for update in server.sent(UpdateReport)
        for data in update.reports
        for iv in data.intervals
        if iv.r_id == r_id
    ]


@pytest.mark.freeze_time(T0)
@pytest.mark.usefixtures("spy_clock")
@pytest.mark.parametrize(
    "case",
    [
        # Down over one report time: the late T0+15 report covers T0+10..15 all the same; minute
        # 15, when nothing ran, is reported without a value ("Quality Bad", R318).
        (16, [5, 10, 16.5, 20, 25], [*range(25)]),
        # Down over three report times: the late T0+15 one as above; the T0+20 and T0+25 windows
        # passed wholly while nothing ran, so they are skipped (no burst), and reporting goes on
        # on the 5-minute grid: T0+30 covers T0+25..30.
        (26, [5, 10, 26.5, 30], [*range(15), *range(25, 30)]),
    ],
    ids=["one-report", "three-reports"],
)
async def test_restart_with_downtime_keeps_the_report_grid(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    vtn: ScriptedVTN,  # noqa: F811
    freezer: FrozenDateTimeFactory,
    case: tuple[int, list[float], list[int]],
) -> None:
    """Home Assistant stops at T0+14 min and comes back at T0+``back``.5 min: the readings taken
    before the stop all reach the VTN, and the interval grid of the reports stays aligned.

    ``case``: (back, minutes of the reports' createdDateTime, minutes reported).
    """
    back, reports_at, reported = case
    vtn.clock = dt_util.utcnow
    vtn.piggyback_requests = [USAGE_REQUEST]
    set_meter(hass, 0)
    entry = make_entry(vtn.url)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    ven = VenTime(hass, entry, freezer)
    await ven.minutes(1, 14)
    await hass.async_stop()

    restart = T0 + timedelta(minutes=back, seconds=30)
    end = T0 + timedelta(minutes=reports_at[-1])
    freezer.move_to(restart)
    async with second_home_assistant() as hass2:
        set_meter(hass2, back)
        entry2 = make_entry(vtn.url)
        entry2.add_to_hass(hass2)
        assert await hass2.config_entries.async_setup(entry2.entry_id)
        ven2 = VenTime(hass2, entry2, freezer)
        await ven2.idle()
        # Readings are now taken at half past each minute (the first one at the restart).
        minute = back + 1
        while (half_past := T0 + minute * MINUTE + timedelta(seconds=30)) < end:
            set_meter(hass2, minute)
            await ven2.until(half_past)
            minute += 1
        await ven2.until(end)
        assert await hass2.config_entries.async_unload(entry2.entry_id)

    assert len(vtn.sent(CreatePartyRegistration)) == 1
    created = [u.reports[0].created_date_time for u in vtn.sent(UpdateReport)]
    assert created == [T0 + timedelta(minutes=m) for m in reports_at]
    good, bad = DataQuality.QUALITY_GOOD_NON_SPECIFIC, DataQuality.QUALITY_BAD_NON_SPECIFIC
    down = range(15, back)  # no reading taken: HA was not running
    assert usage(vtn, "power") == [
        (T0 + m * MINUTE, 0.0, bad) if m in down else (T0 + m * MINUTE, power_w(m), good) for m in reported
    ]
