"""Soak: ~1,000 polls with events and reports flowing, on a fast clock, over real loopback HTTP.

Nothing may grow with the number of polls: asyncio tasks, FakeClock sleepers, open connections,
traced memory (bench/soak.py runs 10,000 polls and prints the figures).
"""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from tests.vtn.soak import Checkpoint, soak

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("socket_enabled")]


async def test_thousand_polls_do_not_grow_tasks_sleepers_connections_or_memory() -> None:
    loop = asyncio.get_running_loop()
    debug = loop.get_debug()
    loop.set_debug(False)  # debug mode makes every exchange ~4x slower
    seen: list[Checkpoint] = []

    def checkpoint(point: Checkpoint) -> None:
        seen.append(point)
        if point.polls == 100:
            tracemalloc.start()  # warm-up done (connections, caches, first event and report)

    try:
        polled = await soak(1000, {100, 200, 1000}, checkpoint)
    finally:
        tracemalloc.stop()
        loop.set_debug(debug)
    assert polled >= 1000
    warm, base, end = seen[0], seen[1], seen[-1]
    assert (warm.polls, base.polls, end.polls) == (100, 200, polled)
    assert end.tasks <= warm.tasks
    assert end.sleepers == warm.sleepers == 1
    assert end.client_connections <= 1
    assert end.server_connections <= 1
    growth = end.traced_bytes - base.traced_bytes
    assert growth < 256 * 1024, f"memory grew by {growth} bytes over {end.polls - base.polls} polls"
