"""The clock port: the real clock clamps negative sleeps, the fake one yields without sleeping."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from custom_components.openadr_ven.openadr import clock as clock_module
from custom_components.openadr_ven.openadr.clock import FakeClock, SystemClock


def test_system_clock_now_is_aware_utc() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)
    assert now.tzinfo is UTC
    assert before <= now <= after


@pytest.mark.parametrize(("asked", "slept"), [(-5.0, 0.0), (0.0, 0.0), (0.25, 0.25)])
async def test_system_clock_sleep_never_passes_a_negative_delay(
    monkeypatch: pytest.MonkeyPatch, asked: float, slept: float
) -> None:
    calls: list[float] = []

    async def record(seconds: float) -> None:
        calls.append(seconds)

    monkeypatch.setattr(clock_module.asyncio, "sleep", record)
    await SystemClock().sleep(asked)
    assert calls == [slept]


@pytest.mark.parametrize("seconds", [0.0, -3.0])
async def test_fake_clock_zero_or_negative_sleep_yields_once_without_a_sleeper(seconds: float) -> None:
    start = datetime(2026, 5, 1, tzinfo=UTC)
    fake = FakeClock(start)
    ran: list[str] = []

    async def other() -> None:
        ran.append("other")

    task = asyncio.get_running_loop().create_task(other())
    await fake.sleep(seconds)  # returns without advance(): nothing waits on the fake time
    assert ran == ["other"]  # it gave the loop one turn
    assert fake.now() == start
    assert fake.sleepers == 0
    assert fake.next_deadline() is None
    await task


async def test_fake_clock_positive_sleep_waits_for_advance() -> None:
    fake = FakeClock()
    start = fake.now()
    sleeper = asyncio.get_running_loop().create_task(fake.sleep(10))
    await fake.advance(0)
    assert fake.sleepers == 1
    assert fake.next_deadline() == start + timedelta(seconds=10)
    await fake.advance(9)
    assert not sleeper.done()
    await fake.advance(1)
    assert sleeper.done()
    assert fake.sleepers == 0
    assert fake.now() == start + timedelta(seconds=10)


def test_fake_clock_set_moves_time_without_waking_sleepers() -> None:
    fake = FakeClock()
    later = datetime(2027, 1, 1, tzinfo=UTC)
    fake.set(later)
    assert fake.now() == later
