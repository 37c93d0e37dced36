"""A long run of the real VEN stack against the scripted VTN, shared by the soak test and bench/soak.py.

Every poll period the VEN polls; every ``EVENT_EVERY`` polls the VTN modifies the one running
event (new modificationNumber, so an oadrCreatedEvent follows); a TELEMETRY_USAGE report is
requested every minute and the meter changes every poll.  At each checkpoint the caller gets
the figures that must not grow: asyncio tasks, pending FakeClock sleepers, open connections
(client and server side), traced memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from custom_components.openadr_ven.openadr.models import (
    CreateReport,
    ReportRequest,
    SpecifierPayload,
)
from tests.openadr.enginekit import event, signal
from tests.vtn.harness import FixedMeter, RecordingClock, VenHarness
from tests.vtn.scripted import ScriptedVTN

POLL = timedelta(seconds=10)
EVENT_EVERY = 50


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


QUIET = ("custom_components.openadr_ven", "aiohttp", "openleadr")
_NOT_OURS = (
    tracemalloc.Filter(False, "*/logging/*"),
    tracemalloc.Filter(False, "*/_pytest/*"),
    tracemalloc.Filter(False, "*/tracemalloc.py"),
)


def _traced() -> int:
    if not tracemalloc.is_tracing():
        return 0
    snapshot = tracemalloc.take_snapshot().filter_traces(_NOT_OURS)
    return sum(stat.size for stat in snapshot.statistics("filename"))


@contextlib.contextmanager
def quiet_logs() -> object:
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


async def soak(polls: int, checkpoints: set[int], report: Callable[[Checkpoint], None]) -> int:
    """Run about ``polls`` polls; call ``report`` when the poll count reaches each checkpoint.

    Returns the number of polls the VTN saw.
    """
    with quiet_logs():
        return await _soak(polls, checkpoints, report)


async def _soak(polls: int, checkpoints: set[int], report: Callable[[Checkpoint], None]) -> int:
    vtn = ScriptedVTN(poll_freq=POLL, validate=False, history=50)
    meter = FixedMeter()
    async with vtn, VenHarness(vtn.url, meter=meter, record=False, clock=RecordingClock(record=False)) as h:
        vtn.clock = h.clock.now
        await h.start()
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
            await h.advance(POLL.total_seconds() * 1.05 + 0.01)
            polled += max(1, _polls(vtn) - before)
            if polled in checkpoints or (checkpoints and polled > max(checkpoints) and polled >= polls):
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
