"""The sans-I/O VEN engine: the protocol state machine and its pure helper modules."""

from __future__ import annotations

from .common import Outgoing, service_for
from .reports import MeterSource
from .ven import VenEngine

__all__ = ["MeterSource", "Outgoing", "VenEngine", "service_for"]
