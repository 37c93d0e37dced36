"""The clock port: the engine never reads the wall clock itself, so tests can travel in time.

Two times, as an operating system has them: the **wall clock** (``now``, what event schedules are
written in; it can be stepped by NTP or by the user) and a **monotonic clock** (``monotonic``,
seconds that only ever move forward at the rate of real time; what waits and retries are measured
in). A VEN that measured its poll interval on the wall clock would stop polling for six hours when
the clock is stepped back six hours.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What the VEN needs from time."""

    def now(self) -> datetime:
        """The current wall-clock time, timezone-aware UTC."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (only differences mean anything)."""

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of monotonic time."""


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock that moves only when told to; sleepers wake when time passes their deadline.

    ``advance`` moves both clocks forward and lets every due sleeper run; ``set`` (and ``jump``)
    step the wall clock alone, as NTP or a user does, and wake nobody.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._mono = 1000.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def set(self, when: datetime) -> None:
        """Step the wall clock to ``when`` (forwards or back); monotonic time does not move."""
        self._now = when

    def jump(self, delta: timedelta) -> None:
        """Step the wall clock by ``delta``; monotonic time does not move."""
        self._now = self._now + delta

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._mono + seconds, fut))
        try:
            await fut
        finally:
            self._sleepers = [(d, f) for d, f in self._sleepers if f is not fut]

    @property
    def sleepers(self) -> int:
        return sum(1 for _, f in self._sleepers if not f.done())

    def next_deadline(self) -> datetime | None:
        """The wall-clock instant at which the next sleeper wakes (if the clock is not stepped)."""
        pending = [d for d, f in self._sleepers if not f.done()]
        return self._now + timedelta(seconds=min(pending) - self._mono) if pending else None

    async def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, waking sleepers in deadline order."""
        # Wall-clock instants are whole microseconds: a deadline read through ``next_deadline`` and
        # handed back as seconds may fall short of the float deadline by rounding, so within half
        # a microsecond counts as reached.
        target = self._mono + seconds + 5e-7
        while True:
            await _settle()
            pending = sorted(((d, f) for d, f in self._sleepers if not f.done()), key=lambda x: x[0])
            due = [(d, f) for d, f in pending if d <= target]
            if not due:
                break
            deadline, fut = due[0]
            self._move_to(max(self._mono, deadline))
            fut.set_result(None)
        self._move_to(max(self._mono, target - 5e-7))
        await _settle()

    def _move_to(self, mono: float) -> None:
        self._now += timedelta(seconds=mono - self._mono)
        self._mono = mono


async def _settle(rounds: int = 20) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)
