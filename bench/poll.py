"""The idle poll cycle of our VenClient + Transport against a loopback VTN in another process.

The VEN runs its real loop (``VenClient.run``) with the real ``Transport`` over an aiohttp session;
only the clock is virtual: ``sleep`` jumps ahead instantly, so the VEN polls back to back as if each
poll interval had passed.  CPU figures are this process's ``process_time`` (the VTN's CPU is in the
child process and does not count).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from custom_components.openadr_ven.openadr.config import VenConfig
from custom_components.openadr_ven.openadr.driver import VenClient
from custom_components.openadr_ven.openadr.enums import Service
from custom_components.openadr_ven.openadr.storage import MemoryStorage
from custom_components.openadr_ven.openadr.transport import Transport, TransportConfig

from .common import T0

ROOT = Path(__file__).resolve().parents[1]


class VirtualClock:
    """Wall-clock-free time: ``sleep`` moves ``now`` forward at once and yields to the loop."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        self._now += timedelta(seconds=max(0.0, seconds))
        await asyncio.sleep(0)


class CountingTransport:
    """Wraps the real transport: counts sends per service and wakes whoever waits for poll N."""

    def __init__(self, inner: Transport) -> None:
        self._inner = inner
        self.sent: Counter[str] = Counter()
        self.polls = 0
        self._waiters: dict[int, asyncio.Future[None]] = {}

    async def send(self, service: Service, payload: bytes) -> bytes:
        body = await self._inner.send(service, payload)
        self.sent[service.value] += 1
        if service is Service.OADR_POLL:
            self.polls += 1
            waiter = self._waiters.pop(self.polls, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        return body

    async def until(self, polls: int, task: asyncio.Task[None]) -> None:
        """Wait until the VEN has made ``polls`` polls (fails if its loop dies)."""
        if self.polls >= polls:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters[polls] = waiter
        await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
        if not waiter.done():
            raise RuntimeError(f"the VEN loop stopped after {self.polls} polls: {task!r}")


@asynccontextmanager
async def loopback_vtn() -> AsyncIterator[str]:
    """Start ``bench.loopvtn`` in a child process; yields its base URL."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.loopvtn",
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
        if not line.startswith("PORT "):
            raise RuntimeError(f"loopback VTN did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()  # our own child, by its handle
            await proc.wait()


@asynccontextmanager
async def running_ven(
    base_url: str,
) -> AsyncIterator[tuple[VenClient, CountingTransport, asyncio.Task[None]]]:
    async with aiohttp.ClientSession() as session:
        transport = CountingTransport(Transport(session, TransportConfig(vtn_url=base_url)))
        client = VenClient(VenConfig(ven_name="bench"), transport, MemoryStorage(), clock=VirtualClock(T0))
        await client.load()
        task = asyncio.create_task(client.run())
        try:
            yield client, transport, task
        finally:
            await client.stop()
            await task


def _state_size(client: VenClient) -> int:
    return len(json.dumps(client.engine.to_dict(), default=str))


def _rss_bytes() -> int | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


async def poll_cpu(base_url: str, *, warmup: int, block: int, blocks: int) -> dict[str, Any]:
    """CPU and wall time per idle poll cycle: median over ``blocks`` blocks of ``block`` polls."""
    async with running_ven(base_url) as (client, transport, task):
        await transport.until(warmup, task)
        cpus: list[float] = []
        walls: list[float] = []
        for n in range(blocks):
            gc.collect()
            wall0, cpu0 = time.perf_counter(), time.process_time()
            await transport.until(warmup + (n + 1) * block, task)
            cpus.append((time.process_time() - cpu0) / block)
            walls.append((time.perf_counter() - wall0) / block)
        snapshot = client.snapshot
        result = {
            "cpu_seconds_per_poll": statistics.median(cpus),
            "wall_seconds_per_poll": statistics.median(walls),
            "polls_measured": block * blocks,
            "blocks": blocks,
            "sent": dict(transport.sent),
            "registered": snapshot.registration is not None,
            "online": snapshot.connection.online,
        }
    if not (result["registered"] and result["online"]):
        raise RuntimeError(f"the VEN did not stay registered and online: {result}")
    return result


async def poll_memory(base_url: str, *, first: int, last: int) -> dict[str, Any]:
    """Traced Python memory of the whole VEN process after ``first`` and after ``last`` polls."""
    tracemalloc.start()
    try:
        async with running_ven(base_url) as (client, transport, task):
            await transport.until(first, task)
            gc.collect()
            traced_first, state_first, rss_first = (
                tracemalloc.get_traced_memory()[0],
                _state_size(client),
                _rss_bytes(),
            )
            await transport.until(last, task)
            gc.collect()
            traced_last, state_last, rss_last = (
                tracemalloc.get_traced_memory()[0],
                _state_size(client),
                _rss_bytes(),
            )
    finally:
        tracemalloc.stop()
    return {
        "polls": [first, last],
        "traced_bytes": [traced_first, traced_last],
        "growth_bytes": traced_last - traced_first,
        "state_json_bytes": [state_first, state_last],
        "rss_bytes": [rss_first, rss_last],
    }


async def run_poll_benchmarks(*, quick: bool) -> dict[str, Any]:
    async with loopback_vtn() as base_url:
        if quick:
            cpu = await poll_cpu(base_url, warmup=3, block=5, blocks=2)
            memory = await poll_memory(base_url, first=5, last=20)
        else:
            cpu = await poll_cpu(base_url, warmup=200, block=1000, blocks=5)
            memory = await poll_memory(base_url, first=100, last=10_000)
    return {"poll": cpu, "memory": memory}
