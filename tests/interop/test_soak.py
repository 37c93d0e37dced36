"""Soak: ~1,000 polls with events and reports flowing, on a fast clock, over real loopback HTTP.

Nothing may grow with the number of polls: asyncio tasks, FakeClock sleepers, open connections,
traced memory.  The bounded caches (telemetry sample ring, date-time caches) would take ~11,000
polls to fill at this pace, so they are filled before the first poll (``fill_caps``): from then on
every new entry evicts an old one.  Tracing runs from the start, so evicted entries count too.
bench/soak.py runs 12,000 warm-up + 10,000 measured polls and prints the figures.
"""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from tests.vtn.soak import Checkpoint, fill_caps, soak

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("socket_enabled")]

GROWTH_LIMIT = 64 * 1024  # bytes from poll 200 to poll 1,000, with every cache full


async def test_thousand_polls_do_not_grow_tasks_sleepers_connections_or_memory() -> None:
    loop = asyncio.get_running_loop()
    debug = loop.get_debug()
    loop.set_debug(False)  # debug mode makes every exchange ~4x slower
    seen: list[Checkpoint] = []
    tracemalloc.start()
    try:
        polled = await soak(1000, {100, 200, 1000}, seen.append, prepare=fill_caps)
    finally:
        tracemalloc.stop()
        loop.set_debug(debug)
    assert polled >= 1000
    warm, base, end = seen
    assert warm.polls >= 100
    assert base.polls >= 200
    assert end.polls == polled
    assert all(cache.full for cache in base.caches), base.caches
    assert end.tasks <= warm.tasks
    assert end.sleepers == warm.sleepers == 1
    assert end.client_connections <= 1
    assert end.server_connections <= 1
    growth = end.traced_bytes - base.traced_bytes
    assert growth < GROWTH_LIMIT, f"memory grew by {growth} bytes over {end.polls - base.polls} polls"
