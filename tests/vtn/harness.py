"""The real VEN stack (VenClient + Transport + aiohttp + payloads) against a VTN on 127.0.0.1.

Time is a :class:`RecordingClock` (a FakeClock that remembers every sleep the driver asked for);
the network is real, so "advance the clock" means: wake the driver at its next deadline, let it
finish its real exchanges, repeat until the target time (:meth:`VenHarness.advance`).
"""

from __future__ import annotations

import asyncio
import random
import ssl
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from custom_components.openadr_ven.openadr.clock import FakeClock
from custom_components.openadr_ven.openadr.config import VenConfig
from custom_components.openadr_ven.openadr.driver import VenClient
from custom_components.openadr_ven.openadr.engine import MeterSource
from custom_components.openadr_ven.openadr.storage import MemoryStorage
from custom_components.openadr_ven.openadr.transport import Backoff, Transport, TransportConfig

REAL_TIMEOUT = 10.0  # seconds of real time any wait may take before the test fails


T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)  # tests.openadr.enginekit.T0: its events fit


class RecordingClock(FakeClock):
    """A FakeClock that records the duration of every sleep (back-off is read from here)."""

    def __init__(self, start: datetime | None = None, *, record: bool = True) -> None:
        super().__init__(start or T0)
        self.sleeps: list[float] = []
        self.record = record  # off for soak runs (the list would grow with every sleep)

    async def sleep(self, seconds: float) -> None:
        if self.record:
            self.sleeps.append(seconds)
        await super().sleep(seconds)


class FixedMeter:
    """A MeterSource whose readings the test sets; counts reads."""

    def __init__(self, power_w: float | None = 1500.0, energy_wh: float | None = 10_000.0) -> None:
        self.power = power_w
        self.energy = energy_wh
        self.reads = 0

    def power_w(self) -> float | None:
        self.reads += 1
        return self.power

    def energy_wh(self) -> float | None:
        return self.energy

    @property
    def has_history(self) -> bool:
        return False

    async def energy_history(
        self, start: datetime, end: datetime, step: timedelta
    ) -> list[tuple[datetime, float]]:
        return []


async def until(predicate: Callable[[], object], *, limit: float = REAL_TIMEOUT, what: str = "") -> None:
    """Wait (real time) until ``predicate()`` is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.002)


class VenHarness:
    """One VenClient over a real aiohttp session to ``url``; use as ``async with``."""

    def __init__(
        self,
        url: str,
        config: VenConfig | None = None,
        *,
        clock: RecordingClock | None = None,
        storage: MemoryStorage | None = None,
        meter: MeterSource | None = None,
        seed: int = 7,
        timeout: float = 5.0,
        max_response_bytes: int = 4 * 1024 * 1024,
        ssl_context: ssl.SSLContext | None = None,
        vtn_fingerprint: str | None = None,
        backoff: Backoff | None = None,
        record: bool = True,
        **client_kw: Any,
    ) -> None:
        self.url = url
        self.config = config or VenConfig(ven_name="home", resource_id="res1")
        self.clock = clock or RecordingClock()
        self.storage = storage if storage is not None else MemoryStorage()
        self.meter = meter
        self.seed = seed
        self.transport_config = TransportConfig(
            url,
            timeout=timeout,
            ssl=ssl_context,
            vtn_fingerprint=vtn_fingerprint,
            max_response_bytes=max_response_bytes,
        )
        self.backoff = backoff
        self.client_kw = client_kw
        self.record = record  # keep every snapshot and notification (off for soak runs)
        self.session: aiohttp.ClientSession | None = None
        self.client: VenClient | None = None
        self.task: asyncio.Task[None] | None = None
        self.snapshots: list[Any] = []
        self.notifications: list[Any] = []

    @property
    def ven(self) -> VenClient:
        assert self.client is not None
        return self.client

    async def __aenter__(self) -> VenHarness:
        self.session = aiohttp.ClientSession()
        rng = random.Random(self.seed)
        self.client = VenClient(
            self.config,
            Transport(self.session, self.transport_config),
            self.storage,
            clock=self.clock,
            meter=self.meter,
            rng=rng,
            backoff=self.backoff or Backoff(rng=random.Random(self.seed + 1)),
            **self.client_kw,
        )
        if self.record:
            self.client.add_listener(self.snapshots.append)
            self.client.add_notification_listener(self.notifications.append)
        await self.client.load()
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.stop()
        finally:
            if self.session is not None:
                await self.session.close()

    async def start(self) -> None:
        """Start ``run()`` and wait until the driver rests (registration, bootstrap done)."""
        self.task = asyncio.create_task(self.ven.run())
        await self.idle()

    async def stop(self) -> None:
        if self.task is not None and not self.task.done():
            await self.ven.stop()
            assert self.task.done()
        if self.task is not None and self.task.done() and not self.task.cancelled():
            self.task.result()  # re-raise a crash of the loop
        self.task = None

    # ------------------------------------------------------------------ time

    def _resting(self) -> bool:
        client = self.ven
        if self.task is not None and self.task.done():
            return True  # crashed or stopped: nothing more will happen
        return (
            self.clock.sleepers > 0
            and not client._wake.is_set()  # a command is being picked up
            and not client._lock.locked()  # an exchange is in flight
        )

    async def idle(self, limit: float = REAL_TIMEOUT) -> None:
        """Wait (real time) until the driver sleeps on the clock with nothing in flight."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        stable = spins = 0
        while stable < 3:
            if self._resting():
                stable += 1
                await asyncio.sleep(0)
                continue
            stable = 0
            spins += 1
            if loop.time() > deadline:
                raise AssertionError("the VEN driver did not come to rest")
            # Loopback I/O completes within a few loop turns: spin first, then really sleep.
            await asyncio.sleep(0 if spins < 500 else 0.001)
        if self.task is not None and self.task.done() and not self.task.cancelled():
            self.task.result()

    async def advance(self, seconds: float, *, max_steps: int = 100_000) -> None:
        """Move the clock ``seconds`` forward, letting the driver do everything due on the way."""
        target = self.clock.now() + timedelta(seconds=seconds)
        for _ in range(max_steps):
            await self.idle()
            deadline = self.clock.next_deadline()
            if deadline is None or deadline > target:
                break
            await self.clock.advance(max(0.0, (deadline - self.clock.now()).total_seconds()))
        else:
            raise AssertionError(f"more than {max_steps} wake-ups in {seconds} s")
        await self.clock.advance(max(0.0, (target - self.clock.now()).total_seconds()))
        await self.idle()


async def poll_with(harness: VenHarness, vtn: Any, *replies: Any) -> list[Any]:
    """Queue ``replies`` for the next polls, make the VEN poll now, wait until it rests again.

    Returns the exchanges (``tests.vtn.scripted.Exchange``) that happened meanwhile.
    """
    start = len(vtn.exchanges)
    vtn.queue.extend(replies)
    await harness.ven.poll_now()
    await harness.idle()
    return list(vtn.exchanges[start:])
