"""The storage port: the VEN persists a JSON-compatible dict; the host decides where."""

from __future__ import annotations

import copy
from typing import Any, Protocol


class Storage(Protocol):
    """Where the VEN keeps its state across restarts."""

    async def load(self) -> dict[str, Any] | None:
        """The last saved state, or None when there is none."""

    async def save(self, data: dict[str, Any]) -> None:
        """Persist ``data`` (JSON-compatible: str, int, float, bool, None, list, dict)."""


class MemoryStorage:
    """In-memory storage for tests and for running without persistence."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data: dict[str, Any] | None = copy.deepcopy(data)
        self.saves = 0

    async def load(self) -> dict[str, Any] | None:
        return copy.deepcopy(self.data)

    async def save(self, data: dict[str, Any]) -> None:
        self.data = copy.deepcopy(data)
        self.saves += 1
