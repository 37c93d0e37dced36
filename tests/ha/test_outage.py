"""Events keep executing while the VTN is unreachable (the issue's outage requirement), at HA level.

The real stack (``VenClient`` + ``Transport`` on HA's aiohttp session, HA ``Store``) against the
scripted VTN on 127.0.0.1, which stops listening for a quarter of an hour. Home Assistant's time
is frozen and moved from one driver deadline to the next (see ``test_restart_persistence``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from custom_components.openadr_ven.const import EVENT_OPENADR
from custom_components.openadr_ven.openadr.enums import OptType
from custom_components.openadr_ven.openadr.models import CreatedEvent, Poll
from tests.ha.test_restart_persistence import (  # the shared helpers of the real-stack HA tests
    MINUTE,
    T0,
    VenTime,
    entity_id,
    make_entry,
    spy_clock,  # noqa: F401 - fixture
    state,
)
from tests.openadr.enginekit import event, signal
from tests.vtn.fixtures import vtn  # noqa: F401 - fixture
from tests.vtn.scripted import ScriptedVTN

INTEGRATION_LOGGER = "custom_components.openadr_ven"

# SIMPLE level 1 for 5 minutes, then level 3 for 5 minutes: T0+5 min to T0+15 min, no randomization.
EVENT = event("ev-outage", start=T0 + 5 * MINUTE, signals=(signal(values=(1.0, 3.0), minutes=5),))


def integration_logs(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name.startswith(INTEGRATION_LOGGER) and r.levelno == level
    ]


def unavailable(hass: HomeAssistant, entry_id: str) -> list[str]:
    """The entry's enabled entities that are unavailable."""
    entries = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    enabled = [e.entity_id for e in entries if e.disabled_by is None]
    assert len(enabled) >= 12
    return [eid for eid in enabled if (s := hass.states.get(eid)) is None or s.state == STATE_UNAVAILABLE]


@pytest.mark.freeze_time(T0)
@pytest.mark.usefixtures("spy_clock")
async def test_event_runs_on_schedule_while_the_vtn_is_unreachable(
    hass: HomeAssistant,
    vtn: ScriptedVTN,  # noqa: F811
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=INTEGRATION_LOGGER)
    vtn.clock = dt_util.utcnow
    vtn.events = [EVENT]
    bus: list[tuple[str, str | None, float | None, str]] = []

    @callback
    def _record(event: Event) -> None:
        bus.append(
            (event.data["type"], event.data["event_id"], event.data["value"], dt_util.utcnow().isoformat())
        )

    hass.bus.async_listen(EVENT_OPENADR, _record)

    entry = make_entry(vtn.url)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    ven = VenTime(hass, entry, freezer)
    await ven.idle()
    assert [r.opt_type for r in vtn.sent(CreatedEvent)[0].event_responses] == [OptType.OPT_IN]
    assert state(hass, "binary_sensor", "vtn_connectivity") == STATE_ON
    assert state(hass, "sensor", "event_status") == "far"

    # The VTN goes away one minute in; nothing reaches it from then on.
    await ven.until(T0 + MINUTE)
    await vtn.go_down()
    polls_before = len(vtn.sent(Poll))
    await ven.until(T0 + 5 * MINUTE - timedelta(seconds=1))
    assert state(hass, "binary_sensor", "vtn_connectivity") == STATE_OFF
    assert ven.client.snapshot.connection.consecutive_failures >= 5
    assert state(hass, "sensor", "event_status") == "far"
    assert state(hass, "sensor", "next_event_start") == (T0 + 5 * MINUTE).isoformat()
    assert unavailable(hass, entry.entry_id) == []

    # The event starts on schedule (the VEN's clock, R114), offline.
    await ven.until(T0 + 5 * MINUTE)
    assert state(hass, "sensor", "event_status") == "active"
    assert state(hass, "binary_sensor", "event_active") == STATE_ON
    assert state(hass, "sensor", "simple_level") == "1"
    assert state(hass, "sensor", "current_event_end") == (T0 + 15 * MINUTE).isoformat()
    assert state(hass, "binary_sensor", "vtn_connectivity") == STATE_OFF
    assert unavailable(hass, entry.entry_id) == []  # stored data, not the network, feeds them

    # Its second interval raises the level, then it ends on schedule, still offline.
    await ven.until(T0 + 10 * MINUTE)
    assert state(hass, "sensor", "simple_level") == "3"
    await ven.until(T0 + 15 * MINUTE)
    assert state(hass, "sensor", "event_status") == "completed"
    assert state(hass, "binary_sensor", "event_active") == STATE_OFF
    assert state(hass, "sensor", "simple_level") == "0"
    assert state(hass, "sensor", "active_events") == "0"
    assert unavailable(hass, entry.entry_id) == [
        entity_id(hass, "select", "opt_decision")
    ]  # nothing to decide
    assert len(vtn.sent(Poll)) == polls_before
    # Every happening on the bus at its scheduled time, none while waiting for the VTN.
    at = [(T0 + m * MINUTE).isoformat() for m in (5, 10, 15)]
    assert bus[1:] == [
        ("event_started", "ev-outage", None, at[0]),
        ("signal_changed", "ev-outage", 1.0, at[0]),
        ("signal_changed", "ev-outage", 3.0, at[1]),
        ("signal_changed", "ev-outage", None, at[2]),
        ("event_ended", "ev-outage", None, at[2]),
    ]
    assert bus[0][:2] == ("event_received", "ev-outage")
    last = hass.states.get(entity_id(hass, "event", "dr_event"))
    assert last is not None
    assert last.attributes["event_type"] == "event_ended"

    # The VTN comes back: the VEN reaches it within one capped back-off period (§9.1.7, 300 s).
    seen = len(vtn.exchanges)
    await vtn.listen()
    await ven.until(T0 + 21 * MINUTE)
    assert state(hass, "binary_sensor", "vtn_connectivity") == STATE_ON
    assert set(vtn.kinds(seen)) == {"Poll"}  # nothing was owed; no re-registration (R500)
    assert len(vtn.kinds(seen)) >= 2

    # One WARNING when the VTN was lost, one INFO when it came back; nothing else above INFO.
    warnings = integration_logs(caplog, logging.WARNING)
    assert len(warnings) == 1
    assert warnings[0].startswith("VTN unreachable: ")
    assert integration_logs(caplog, logging.ERROR) == []
    assert integration_logs(caplog, logging.INFO) == ["VTN reachable again"]

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
