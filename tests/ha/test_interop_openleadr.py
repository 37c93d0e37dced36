"""Home Assistant with the REAL VEN stack against openleadr's VTN on 127.0.0.1.

Nothing of the library is mocked: the config entry builds the real ``VenClient`` and ``Transport``
on HA's shared aiohttp session, the clock is HA's, and openleadr's ``OpenADRServer`` is the VTN.
One scenario, in real time (a few seconds):

registration ids reach the diagnostic sensors -> the power sensor's value arrives at the VTN as
TELEMETRY_USAGE -> a SIMPLE level 2 event goes pending -> active -> completed on schedule (level
2 -> 0), the calendar lists it, the ``dr_event`` entity fires received/started/ended -> the
``openadr_ven.opt_out`` service reaches the VTN as optOut.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, UnitOfPower
from homeassistant.core import Event, EventStateChangedData, HomeAssistant
from homeassistant.helpers import entity_registry as er
from openleadr import OpenADRServer
from openleadr.service import VTNService
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openadr_ven.const import (
    CONF_ALLOW_INSECURE,
    CONF_DEFAULT_OPT,
    CONF_MARKET_CONTEXTS,
    CONF_POWER_ENTITY,
    CONF_VEN_NAME,
    CONF_VTN_URL,
    CONF_XML_SIGNATURE,
    DOMAIN,
)

pytestmark = pytest.mark.interop

VTN_ID = "openleadr-vtn"
VEN_NAME = "Interop Home"
UNIQUE_ID = "ven-interop"
MARKET_CONTEXT = "http://market.example.com/interop"
POWER_ENTITY = "sensor.house_power"
REAL_TIMEOUT = 15.0  # seconds any single wait may take before the test fails


@dataclass
class OpenleadrVtn:
    """openleadr's VTN with the handlers a utility would write; records what it saw."""

    server: OpenADRServer = field(init=False)
    url: str = ""
    registrations: list[dict[str, Any]] = field(default_factory=list)
    offered: list[tuple[str, str | None]] = field(default_factory=list)  # (measurement, unit)
    telemetry: list[tuple[datetime, float]] = field(default_factory=list)
    opts: list[tuple[str, str]] = field(default_factory=list)  # (event_id, opt_type)
    ven_id: str = "ven-openleadr-1"
    registration_id: str = "reg-openleadr-1"

    def lookup(self, ven_id: str) -> dict[str, Any] | None:
        if ven_id != self.ven_id or not self.registrations:
            return None
        return {
            "ven_id": self.ven_id,
            "ven_name": VEN_NAME,
            "fingerprint": None,
            "registration_id": self.registration_id,
        }

    def on_create_party_registration(self, info: dict[str, Any]) -> tuple[str, str]:
        self.registrations.append(dict(info))
        return self.ven_id, self.registration_id

    def on_register_report(
        self,
        *,
        ven_id: str,
        resource_id: str | None,
        measurement: str | None,
        unit: str | None,
        scale: str | None,
        min_sampling_interval: timedelta | None,
        max_sampling_interval: timedelta | None,
    ) -> tuple[Callable[[list[tuple[datetime, float]]], None], timedelta] | None:
        self.offered.append((str(measurement), unit))
        if measurement != "RealPower":
            return None
        # Sample at the VEN's oadrMinPeriod, report every sample (point data, sent at once).
        return self.telemetry.extend, min_sampling_interval or timedelta(minutes=1)

    def on_opt(self, ven_id: str, event_id: str, opt_type: str) -> None:
        self.opts.append((event_id, opt_type))
        # openleadr forgets an event's callback after the first oadrCreatedEvent: re-arm it so
        # a later change of mind (the user opting out) reaches this handler too.
        for event in self.server.events.get(ven_id, []):
            if event.event_descriptor.event_id == event_id:
                self.server.event_callbacks[event_id] = (event, self.on_opt)

    def add_simple_event(self, start: datetime, duration: timedelta, level: float) -> str:
        event_id: str = self.server.add_event(
            ven_id=self.ven_id,
            signal_name="SIMPLE",
            signal_type="level",
            intervals=[{"dtstart": start, "duration": duration, "signal_payload": level}],
            callback=self.on_opt,
            market_context=MARKET_CONTEXT,
        )
        return event_id


@pytest.fixture
async def vtn(socket_enabled: None) -> AsyncIterator[OpenleadrVtn]:
    """openleadr's VTN on a free loopback port (plain http), polled every second."""
    peer = OpenleadrVtn()
    server = peer.server = OpenADRServer(
        vtn_id=VTN_ID,
        http_host="127.0.0.1",
        http_port=0,
        requested_poll_freq=timedelta(seconds=1),
        ven_lookup=peer.lookup,
    )
    # Python 3.14: a functools.partial stored on a class is no longer a plain function there, so
    # openleadr's message factory would get 'cert' twice; make it a staticmethod.
    factory = VTNService.__dict__.get("_create_message")
    if isinstance(factory, functools.partial):
        VTNService._create_message = staticmethod(factory)  # type: ignore[assignment]
    server.add_handler("on_create_party_registration", peer.on_create_party_registration)
    server.add_handler("on_register_report", peer.on_register_report)
    await server.run()
    peer.url = f"http://127.0.0.1:{server.app_runner.addresses[0][1]}"
    try:
        yield peer
    finally:
        await server.stop()


async def until(predicate: Callable[[], object], what: str) -> None:
    """Wait in real time (the VEN and the VTN talk over real sockets) until ``predicate()``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + REAL_TIMEOUT
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def entity_id(hass: HomeAssistant, platform: str, key: str) -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{UNIQUE_ID}_{key}")
    assert found is not None, f"no {platform} entity for {key}"
    return found


async def test_home_assistant_against_openleadr_vtn(hass: HomeAssistant, vtn: OpenleadrVtn) -> None:
    hass.states.async_set(
        POWER_ENTITY, "1500", {ATTR_UNIT_OF_MEASUREMENT: UnitOfPower.WATT, "device_class": "power"}
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=VEN_NAME,
        unique_id=UNIQUE_ID,
        data={
            CONF_VTN_URL: vtn.url,
            CONF_VEN_NAME: VEN_NAME,
            CONF_XML_SIGNATURE: False,
            CONF_ALLOW_INSECURE: True,  # plain http to 127.0.0.1: testing only
        },
        options={
            CONF_POWER_ENTITY: POWER_ENTITY,
            CONF_DEFAULT_OPT: "opt_in",
            CONF_MARKET_CONTEXTS: [MARKET_CONTEXT],
        },
    )
    entry.add_to_hass(hass)
    # The registration ID sensor is disabled by default; enable it before set-up.
    er.async_get(hass).async_get_or_create(
        "sensor", DOMAIN, f"{UNIQUE_ID}_registration_id", config_entry=entry
    )
    fired: list[str] = []

    # -- registration (at set-up, over the real transport) ----------------------------------------
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert len(vtn.registrations) == 1
    info = vtn.registrations[0]
    assert info["ven_name"] == VEN_NAME
    assert info["http_pull_model"] is True
    assert info["xml_signature"] is False
    assert hass.states.get(entity_id(hass, "sensor", "ven_id")).state == vtn.ven_id
    assert hass.states.get(entity_id(hass, "sensor", "vtn_id")).state == VTN_ID
    assert hass.states.get(entity_id(hass, "sensor", "registration_id")).state == vtn.registration_id
    connectivity = entity_id(hass, "binary_sensor", "vtn_connectivity")
    await until(lambda: hass.states.get(connectivity).state == "on", "the VEN to be online")

    dr_event = entity_id(hass, "event", "dr_event")

    def _record(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] == dr_event and (new := event.data["new_state"]) is not None:
            fired.append(str(new.attributes.get("event_type")))

    unsubscribe = hass.bus.async_listen("state_changed", _record)

    # -- TELEMETRY_USAGE: the power sensor's value reaches the VTN --------------------------------
    await until(lambda: vtn.telemetry, "a TELEMETRY_USAGE report at the VTN")
    assert ("RealPower", "W") in vtn.offered
    assert ("RealEnergy", "Wh") in vtn.offered
    assert vtn.telemetry[0][1] == pytest.approx(1500.0)

    # -- a SIMPLE level 2 event runs on schedule --------------------------------------------------
    now = datetime.now(UTC).replace(microsecond=0)
    start = now + timedelta(seconds=4)
    event_id = vtn.add_simple_event(start, timedelta(seconds=3), 2.0)
    later_id = vtn.add_simple_event(now + timedelta(hours=2), timedelta(hours=1), 1.0)
    status = entity_id(hass, "sensor", "event_status")
    level = entity_id(hass, "sensor", "simple_level")
    active = entity_id(hass, "binary_sensor", "event_active")

    await until(lambda: (event_id, "optIn") in vtn.opts, "the VEN's optIn at the VTN")
    assert (later_id, "optIn") in vtn.opts
    assert hass.states.get(status).state in ("far", "near")
    assert hass.states.get(level).state == "0"
    assert "event_received" in fired

    calendar = entity_id(hass, "calendar", "events")
    listed = await hass.services.async_call(
        "calendar",
        "get_events",
        {"entity_id": calendar, "start_date_time": now, "end_date_time": now + timedelta(hours=4)},
        blocking=True,
        return_response=True,
    )
    entries: list[dict[str, Any]] = listed[calendar]["events"]  # type: ignore[assignment,index]
    assert [(datetime.fromisoformat(e["start"]), datetime.fromisoformat(e["end"])) for e in entries] == [
        (start, start + timedelta(seconds=3)),
        (now + timedelta(hours=2), now + timedelta(hours=3)),
    ]
    assert [e["summary"] for e in entries] == ["DR event: SIMPLE level 2", "DR event: SIMPLE level 1"]
    assert event_id in entries[0]["description"]

    await until(lambda: hass.states.get(status).state == "active", "the event to start")
    assert datetime.now(UTC) >= start
    assert hass.states.get(level).state == "2"
    assert hass.states.get(active).state == "on"
    assert hass.states.get(active).attributes["event_id"] == event_id
    assert "event_started" in fired

    await until(lambda: hass.states.get(level).state == "0", "the event to end")
    assert datetime.now(UTC) >= start + timedelta(seconds=3)
    assert hass.states.get(active).state == "off"
    assert "event_ended" in fired
    # The ended event is the latest past one; the later one is pending: the status shows the
    # relevant (pending) event.
    assert hass.states.get(status).state in ("far", "near")
    assert fired.index("event_received") < fired.index("event_started") < fired.index("event_ended")

    # -- the user opts out of the later event: optOut at the VTN ---------------------------------
    await hass.services.async_call(
        DOMAIN,
        "opt_out",
        {"config_entry_id": entry.entry_id, "event_id": later_id},
        blocking=True,
    )
    await until(lambda: (later_id, "optOut") in vtn.opts, "the VEN's optOut at the VTN")
    assert hass.states.get(entity_id(hass, "sensor", "opt_status")).state == "opt_out"

    unsubscribe()
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
