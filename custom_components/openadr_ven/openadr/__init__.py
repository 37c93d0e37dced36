"""OpenADR 2.0b VEN library: pure asyncio, no Home Assistant import.

Public API: :class:`VenClient` (the async driver), :class:`VenConfig`, :class:`MeterSource`
(the meter port the host implements) and the sans-I/O :class:`VenEngine`.  Import other
submodules directly (``openadr.models``, ``openadr.payloads``, ``openadr.transport``...).
"""

from __future__ import annotations

from .config import VenConfig
from .driver import VenClient
from .engine import MeterSource, VenEngine

__all__: list[str] = ["MeterSource", "VenClient", "VenConfig", "VenEngine"]
