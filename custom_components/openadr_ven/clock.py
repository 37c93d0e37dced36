"""The library's clock port on Home Assistant's time: ``dt_util.utcnow`` and HA timers.

The VEN computes event status and timing from its clock (R114). Reading HA's notion of "now"
and sleeping on HA's timer helper (instead of ``datetime.now`` and ``asyncio.sleep``) keeps the
VEN in step with the rest of Home Assistant, and lets tests travel in time (frozen time plus
``async_fire_time_changed``) without waiting in real time.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util


class HomeAssistantClock:
    """Implements ``openadr.clock.Clock`` with Home Assistant's time helpers."""

    def __init__(self, hass: HomeAssistant) -> None:
        self._hass = hass

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        return dt_util.utcnow()

    def monotonic(self) -> float:
        """Seconds that never go back (``time.monotonic``; frozen-time tests move it too)."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` on an HA timer (cancelled with the waiting task)."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        woken: asyncio.Future[None] = self._hass.loop.create_future()

        @callback
        def _wake(_now: datetime) -> None:
            if not woken.done():
                woken.set_result(None)

        cancel_timer = async_call_later(self._hass, seconds, _wake)
        try:
            await woken
        finally:
            cancel_timer()
