"""When the driver saves the engine state: on every change, and only then (engine.revision).

An idle poll (the VTN answers oadrResponse) must cost no serialization and no storage write;
every kind of change must reach storage before the driver rests, so that the stored state equals
the engine's at every rest.  Telemetry samples alone are saved every SAMPLE_SAVE_INTERVAL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from custom_components.openadr_ven.openadr.clock import FakeClock
from custom_components.openadr_ven.openadr.driver import SAMPLE_SAVE_INTERVAL, VenClient
from custom_components.openadr_ven.openadr.engine import VenEngine
from custom_components.openadr_ven.openadr.engine.reports import schedule
from custom_components.openadr_ven.openadr.enums import OptReason, OptType
from custom_components.openadr_ven.openadr.models import (
    Availability,
    CancelPartyRegistration,
    CancelReport,
    CreateReport,
    RegisterReport,
    ReportRequest,
    RequestReregistration,
    SpecifierPayload,
)
from custom_components.openadr_ven.openadr.storage import MemoryStorage
from tests.openadr.enginekit import (
    POLL,
    REG,
    T0,
    VEN,
    distribute,
    drain_outbox,
    event,
    registered_engine,
)
from tests.openadr.test_driver import FakeVTN, finish, make_client, start
from tests.vtn.harness import FixedMeter

M = timedelta(minutes=1)
USAGE = ReportRequest(
    "rr1", "TELEMETRY_USAGE", M, timedelta(minutes=5), (SpecifierPayload("power", "Direct Read"),)
)


class CountingEngine:
    """Counts ``to_dict`` calls of one engine (the serialization the driver must avoid)."""

    def __init__(self, engine: VenEngine) -> None:
        self.calls = 0
        self.inner = engine.to_dict  # the real serialization, uncounted

        def to_dict() -> dict[str, Any]:
            self.calls += 1
            return self.inner()

        engine.to_dict = to_dict  # type: ignore[method-assign]


@dataclass
class Rig:
    vtn: FakeVTN
    clock: FakeClock
    storage: MemoryStorage
    client: VenClient
    task: asyncio.Task[None]
    counter: CountingEngine

    async def poll(self, *replies: Any) -> None:
        """The next polls return ``replies``; poll now and let everything settle."""
        self.vtn.queue.extend(replies)
        await self.client.poll_now()
        await self.clock.advance(0)

    def stored_matches_engine(self) -> bool:
        assert self.storage.data is not None
        stored = {k: v for k, v in self.storage.data.items() if k != "samples"}
        live = {k: v for k, v in self.counter.inner().items() if k != "samples"}
        return stored == live


async def rig(meter: FixedMeter | None = None, events: tuple[Any, ...] = ()) -> Rig:
    vtn, clock, storage = FakeVTN(), FakeClock(T0), MemoryStorage()
    vtn.events = list(events)
    client = make_client(vtn, clock, storage, meter=meter)
    await client.load()
    task = await start(client, clock)
    return Rig(vtn, clock, storage, client, task, CountingEngine(client.engine))


async def test_idle_polls_neither_serialize_nor_save() -> None:
    r = await rig()
    assert r.stored_matches_engine()
    saves, polls = r.storage.saves, r.vtn.kinds().count("Poll")
    for _ in range(5):
        await r.clock.advance(POLL.total_seconds() * 1.06)
    assert r.vtn.kinds().count("Poll") == polls + 5
    assert r.storage.saves == saves
    assert r.counter.calls == 0
    await r.poll()  # an explicit poll answered with oadrResponse: still nothing to save
    assert r.vtn.kinds()[-1] == "Poll"
    assert (r.storage.saves, r.counter.calls) == (saves, 0)
    await finish(r.client, r.task, r.clock)
    assert (r.storage.saves, r.counter.calls) == (saves + 1, 1)  # the shutdown save, always


async def test_samples_alone_are_saved_every_interval_and_at_shutdown() -> None:
    meter = FixedMeter(power_w=700.0)
    r = await rig(meter)
    saves = r.storage.saves
    minutes = int(SAMPLE_SAVE_INTERVAL / M)
    await r.clock.advance((minutes - 1) * 60 - 1)
    assert r.storage.saves == saves  # samples taken every minute, not saved yet
    assert len(r.client.engine.samples) >= minutes - 1
    await r.clock.advance(61)
    assert r.storage.saves == saves + 1
    assert r.storage.data is not None
    stored = r.storage.data["samples"]
    assert len(stored) == len(r.client.engine.samples)
    assert stored[-1]["power_w"] == 700.0
    await r.clock.advance(60)
    assert r.storage.saves == saves + 1
    meter.power = 900.0
    await r.clock.advance(60)
    await finish(r.client, r.task, r.clock)
    assert r.storage.data["samples"][-1]["power_w"] == 900.0  # the shutdown save has them all


Change = Callable[[Rig], Awaitable[None]]


async def _new_event(r: Rig) -> None:
    await r.poll(distribute(event("e1")))


async def _modified_event(r: Rig) -> None:
    await r.poll(distribute(event("e0", 1, start=T0 + timedelta(hours=2))))


async def _cancelled_event(r: Rig) -> None:
    await r.poll(distribute(event("e0", 1, status="cancelled")))


async def _report_request(r: Rig) -> None:
    await r.poll(CreateReport("cr1", (USAGE,), VEN))


async def _report_cancel(r: Rig) -> None:
    await r.poll(CreateReport("cr1", (USAGE,), VEN))
    saves = r.storage.saves
    await r.poll(CancelReport("cx1", ("rr1",), False, VEN))
    assert r.storage.saves > saves


async def _vtn_metadata(r: Rig) -> None:
    await r.poll(RegisterReport("vtn-rr", (), VEN))


async def _vtn_cancels_registration(r: Rig) -> None:
    await r.poll(CancelPartyRegistration("c1", REG, VEN))


async def _reregistration(r: Rig) -> None:
    await r.poll(RequestReregistration(VEN))


async def _opt(r: Rig) -> None:
    await r.client.opt(OptType.OPT_OUT, "e0")
    await r.clock.advance(0)


async def _availability(r: Rig) -> None:
    window = Availability(T0 + timedelta(hours=3), timedelta(hours=1))
    await r.client.set_availability([window])
    await r.clock.advance(0)


async def _clear_availability(r: Rig) -> None:
    await _availability(r)
    saves = r.storage.saves
    await r.client.clear_availability()
    await r.clock.advance(0)
    assert r.storage.saves > saves


async def _request_events(r: Rig) -> None:
    await r.client.request_events()
    await r.clock.advance(0)


async def _event_starts(r: Rig) -> None:
    await r.clock.advance(3600 + 60)  # e0 starts at T0+1h: the timer alone changes its status


async def _event_ends(r: Rig) -> None:
    await r.clock.advance(3600 + 31 * 60)  # e0 ran 30 min: completed (kept a while, then pruned)


async def _report_buffered_offline(r: Rig) -> None:
    await r.poll(CreateReport("cr1", (USAGE,), VEN))
    r.vtn.offline = True
    saves = r.storage.saves
    await r.clock.advance(5 * 60 + 1)  # the report is due while the VTN is down: kept in the outbox
    assert r.storage.saves > saves
    assert r.storage.data is not None
    assert any(o["message"]["__t"] == "UpdateReport" for o in r.storage.data["outbox"])
    r.vtn.offline = False


CHANGES: dict[str, tuple[Change, Callable[[dict[str, Any]], bool]]] = {
    "new-event": (
        _new_event,
        lambda d: {e["event"]["descriptor"]["event_id"] for e in d["events"]} == {"e0", "e1"},
    ),
    "modified-event": (
        _modified_event,
        lambda d: d["events"][0]["event"]["descriptor"]["modification_number"] == 1,
    ),
    "cancelled-event": (_cancelled_event, lambda d: d["events"] == [] or d["events"][0]["cancelled"]),
    "report-request": (
        _report_request,
        lambda d: [j["request"]["report_request_id"] for j in d["jobs"]] == ["rr1"],
    ),
    "report-cancel": (_report_cancel, lambda d: d["jobs"] == []),
    "vtn-metadata": (_vtn_metadata, lambda d: d["outbox"] == []),
    "vtn-cancels-registration": (
        _vtn_cancels_registration,
        lambda d: d["registration"] is None and d["vtn_cancelled"],
    ),
    "reregistration": (_reregistration, lambda d: d["registration"]["ven_id"] == VEN),
    "opt-command": (_opt, lambda d: d["events"][0]["user_opt"] is True),
    "availability-command": (_availability, lambda d: len(d["availability"]) == 1),
    "clear-availability-command": (_clear_availability, lambda d: d["availability"] == []),
    "request-events-command": (_request_events, lambda d: d["outbox"] == []),
    "event-starts-on-timer": (_event_starts, lambda d: d["seen"]["e0"][0] == "active"),
    "event-ends-on-timer": (_event_ends, lambda d: d["seen"]["e0"][0] == "completed"),
    "report-buffered-offline": (_report_buffered_offline, lambda d: d["jobs"] != []),
}


@pytest.mark.parametrize("name", list(CHANGES))
async def test_every_kind_of_change_is_saved(name: str) -> None:
    change, check = CHANGES[name]
    r = await rig(events=(event("e0"),))
    assert r.stored_matches_engine()
    saves = r.storage.saves
    await change(r)
    assert r.storage.saves > saves, "the change was not saved"
    assert r.stored_matches_engine(), "storage differs from the engine at rest"
    assert r.storage.data is not None
    assert check(r.storage.data), r.storage.data
    await finish(r.client, r.task, r.clock)


async def test_stored_state_restores_to_the_same_engine() -> None:
    r = await rig(events=(event("e0"),))
    await _report_request(r)
    await _opt(r)
    await finish(r.client, r.task, r.clock)
    restored = make_client(FakeVTN(), r.clock, r.storage)
    await restored.load()
    assert restored.engine.to_dict() == r.counter.inner()
    saves = r.storage.saves
    task = await start(restored, r.clock)
    await r.clock.advance(POLL.total_seconds() * 1.06)
    assert r.storage.saves == saves  # loading is not a change: nothing to save
    await finish(restored, task, r.clock)


def test_revision_follows_every_persisted_field() -> None:
    """The tracked fields are the saved fields: changing any one of them moves the revision."""
    engine = registered_engine()
    engine._on_distribute(distribute(event("e0"), event("e1")), T0)
    engine.set_availability([Availability(T0, M)], OptType.OPT_OUT, OptReason.X_SCHEDULE, T0)
    drain_outbox(engine, T0)
    engine.tick(T0)
    mutations: dict[str, Callable[[], object]] = {
        "registration": lambda: setattr(engine, "registration", None),
        "vtn_cancelled": lambda: setattr(engine, "vtn_cancelled", True),
        "events": lambda: engine.events.pop("e1"),
        "jobs": lambda: engine.jobs.update(rr1=schedule(USAGE, T0)),
        "outbox": lambda: engine.outbox.append(engine.query_message()),
        "availability": engine.availability.clear,
        "seen": lambda: engine._seen.update(zz=("active", {})),
    }
    assert set(engine.to_dict()) - {"version", "samples"} == set(mutations)
    for name, mutate in mutations.items():
        before = engine.revision
        assert engine.revision == before  # reading does not move it
        mutate()
        assert engine.revision == before + 1, name
    before = engine.revision
    engine.record_sample(T0, 1.0, 2.0)
    assert engine.revision == before  # samples have their own, slower cadence
    assert engine.last_sample_at == T0
