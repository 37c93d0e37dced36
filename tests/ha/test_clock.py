"""The library's clock port on Home Assistant's time."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.openadr_ven.clock import HomeAssistantClock


async def test_now_follows_home_assistant_time(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to("2026-07-01T17:00:00+00:00")
    clock = HomeAssistantClock(hass)
    assert clock.now() == dt_util.parse_datetime("2026-07-01T17:00:00+00:00")
    assert clock.now().tzinfo is not None


async def test_sleep_wakes_on_home_assistant_timer(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    clock = HomeAssistantClock(hass)
    task = asyncio.ensure_future(clock.sleep(30))
    await asyncio.sleep(0)
    freezer.tick(timedelta(seconds=29))
    async_fire_time_changed(hass)
    for _ in range(5):
        await asyncio.sleep(0)
    assert not task.done()
    freezer.tick(timedelta(seconds=1))
    async_fire_time_changed(hass)
    await asyncio.wait_for(task, timeout=5)
    assert task.done()
    assert task.exception() is None


async def test_sleep_zero_only_yields(hass: HomeAssistant) -> None:
    clock = HomeAssistantClock(hass)
    timers_before = len(hass.loop._scheduled)
    await clock.sleep(0)
    await clock.sleep(-1)
    assert len(hass.loop._scheduled) == timers_before


async def test_cancelled_sleep_cancels_its_timer(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    clock = HomeAssistantClock(hass)
    task = asyncio.ensure_future(clock.sleep(600))
    await asyncio.sleep(0)
    handles = [h for h in hass.loop._scheduled if not h.cancelled()]
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert task.cancelled()
    # The timer the sleep created is cancelled with it: nothing fires 10 minutes later.
    assert any(h.cancelled() for h in handles)
    freezer.tick(timedelta(minutes=11))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
