"""A long run of the real VEN stack against the scripted VTN, shared by the soak test and bench/soak.py.

Every poll period the VEN polls; every ``EVENT_EVERY`` polls the VTN modifies the one running
event (new modificationNumber, so an oadrCreatedEvent follows); a TELEMETRY_USAGE report is
requested every minute and the meter changes every poll.  At each checkpoint the caller gets
the figures that must not grow: asyncio tasks, pending FakeClock sleepers, open connections
(client and server side), traced memory, and how full each bounded cache is.

Bounded caches fill slowly at the soak's pace (the telemetry sample ring takes 1,440 samples,
one a minute: ~8,200 polls), so memory measured before they are full grows by their filling.
:func:`fill_caps` fills them at once with entries that are never used (for the fast test); the
benchmark warms up past every cap instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from custom_components.openadr_ven.openadr.engine.reports import SAMPLE_PERIOD, Sample
from custom_components.openadr_ven.openadr.models import (
    CreateReport,
    ReportRequest,
    SpecifierPayload,
)
from custom_components.openadr_ven.openadr.payloads import timeutil
from tests.openadr.enginekit import event, signal
from tests.vtn.harness import FixedMeter, RecordingClock, VenHarness
from tests.vtn.scripted import ScriptedVTN

POLL = timedelta(seconds=10)
EVENT_EVERY = 50
POLL_PERIOD = POLL * 1.05  # the harness advances a little over one poll interval per step
_CACHED = {
    "format_datetime": timeutil.format_datetime,
    "parse_datetime": timeutil.parse_datetime,
    "format_duration": timeutil.format_duration,
    "parse_duration": timeutil.parse_duration,
}


@dataclass(frozen=True, slots=True)
class Cache:
    name: str
    size: int
    capacity: int

    @property
    def full(self) -> bool:
        return self.size >= self.capacity


@dataclass(frozen=True, slots=True)
class Checkpoint:
    polls: int
    tasks: int
    sleepers: int
    client_connections: int
    server_connections: int
    traced_bytes: int  # traced memory minus logging / pytest / tracemalloc itself
    cpu_seconds: float
    wall_seconds: float
    caches: tuple[Cache, ...] = ()


QUIET = ("custom_components.openadr_ven", "aiohttp", "openleadr")
NOT_OURS = (
    tracemalloc.Filter(False, "*/logging/*"),
    tracemalloc.Filter(False, "*/_pytest/*"),
    tracemalloc.Filter(False, "*/tracemalloc.py"),
)


def traced_snapshot() -> tracemalloc.Snapshot:
    """The current traced allocations, minus those that are not the VEN's (see :data:`NOT_OURS`)."""
    return tracemalloc.take_snapshot().filter_traces(NOT_OURS)


def _traced() -> int:
    if not tracemalloc.is_tracing():
        return 0
    return sum(stat.size for stat in traced_snapshot().statistics("filename"))


def caches(h: VenHarness) -> tuple[Cache, ...]:
    """How full every bounded cache of the stack is: the sample ring and the date-time caches."""
    samples = h.ven.engine.samples
    out = [Cache("telemetry samples", len(samples), samples.maxlen or 0)]
    for name, fn in _CACHED.items():
        info = fn.cache_info()
        out.append(Cache(name, info.currsize, info.maxsize or 0))
    return tuple(out)


def fill_caps(h: VenHarness) -> None:
    """Fill every bounded cache to capacity with entries the soak never uses.

    The sample ring gets samples older than anything a report asks for; the date-time caches get
    times and durations of another century.  From then on a new entry evicts an old one, so the
    memory the soak adds is what does not stay bounded.
    """
    engine = h.ven.engine
    ring = engine.samples
    missing = (ring.maxlen or 0) - len(ring)
    oldest = ring[0].at if ring else h.clock.now()
    old = [Sample(oldest - SAMPLE_PERIOD * (i + 1), 0.0, 0.0) for i in range(missing)]
    ring.extendleft(old)  # oldest first in the ring: extendleft reverses
    base = datetime(1900, 1, 1, tzinfo=UTC)
    for i in range(timeutil.format_datetime.cache_info().maxsize or 0):
        moment = base + timedelta(seconds=i)
        timeutil.format_datetime(moment)
        timeutil.parse_datetime(f"1900-01-02T00:00:00.{i:06d}Z")
        timeutil.format_duration(timedelta(days=1000, seconds=i))
        timeutil.parse_duration(f"P{1000 + i}D")


@contextlib.contextmanager
def quiet_logs() -> Iterator[None]:
    """Per-exchange DEBUG/INFO lines would be kept by the test's log capture (that is not our
    memory) and cost more time than the exchange: warnings only during a soak."""
    loggers = [logging.getLogger(name) for name in QUIET]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


async def soak(
    polls: int,
    checkpoints: set[int],
    report: Callable[[Checkpoint], None],
    *,
    prepare: Callable[[VenHarness], Any] | None = None,
) -> int:
    """Run about ``polls`` polls; call ``report`` once the poll count reaches each checkpoint
    (the count may pass a checkpoint by one: a drain polls twice) and at the end of the run.

    ``prepare`` is called with the harness once the VEN is registered (e.g. :func:`fill_caps`).
    Returns the number of polls the VTN saw.
    """
    with quiet_logs():
        return await _soak(polls, checkpoints, report, prepare)


async def _soak(
    polls: int,
    checkpoints: set[int],
    report: Callable[[Checkpoint], None],
    prepare: Callable[[VenHarness], Any] | None,
) -> int:
    vtn = ScriptedVTN(poll_freq=POLL, validate=False, history=50)
    meter = FixedMeter()
    async with vtn, VenHarness(vtn.url, meter=meter, record=False, clock=RecordingClock(record=False)) as h:
        vtn.clock = h.clock.now
        await h.start()
        if prepare is not None:
            prepare(h)
        usage = ReportRequest(
            report_request_id="soak-usage",
            report_specifier_id="TELEMETRY_USAGE",
            granularity=timedelta(minutes=1),
            report_back_duration=timedelta(minutes=1),
            specifier_payloads=(
                SpecifierPayload("power", "Direct Read"),
                SpecifierPayload("energy", "Direct Read"),
            ),
        )
        vtn.queue.append(CreateReport("cr-soak", (usage,), vtn.ven_id))
        polled = 0
        pending = set(checkpoints)  # reported once the poll count reaches them (drains poll twice)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        assert h.session is not None
        while polled < polls:
            before = _polls(vtn)
            if polled % EVENT_EVERY == 0:
                mod = polled // EVENT_EVERY
                start = h.clock.now() + timedelta(minutes=2)
                ev = event("soak", mod, start=start, signals=(signal(values=(float(mod % 4),), minutes=5),))
                vtn.queue.append(vtn.distribute(ev, request_id=f"d{mod}"))
            meter.power = 1000.0 + polled
            meter.energy = 10_000.0 + polled
            await h.advance(POLL_PERIOD.total_seconds() + 0.01)
            polled += max(1, _polls(vtn) - before)
            due = [c for c in pending if c <= polled]
            if due or (polled >= polls and pending):
                pending.difference_update(due)
                if polled >= polls:
                    pending.clear()  # the last checkpoint is the end of the run
                gc.collect()
                report(
                    Checkpoint(
                        polls=polled,
                        tasks=len(asyncio.all_tasks()),
                        sleepers=h.clock.sleepers,
                        client_connections=_client_connections(h),
                        server_connections=len(vtn.server_connections()),
                        traced_bytes=_traced(),
                        cpu_seconds=time.process_time() - cpu0,
                        wall_seconds=time.perf_counter() - wall0,
                        caches=caches(h),
                    )
                )
        return polled


def _polls(vtn: ScriptedVTN) -> int:
    return vtn.poll_count


def _client_connections(h: VenHarness) -> int:
    assert h.session is not None
    connector = h.session.connector
    assert connector is not None
    return sum(len(v) for v in connector._conns.values()) + len(connector._acquired)
