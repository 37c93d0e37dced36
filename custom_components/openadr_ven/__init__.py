"""The OpenADR VEN integration (set-up lands with the Home Assistant layer)."""

from __future__ import annotations
