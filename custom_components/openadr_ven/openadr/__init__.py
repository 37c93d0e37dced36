"""OpenADR 2.0b VEN library: pure asyncio, no Home Assistant import.

Public API re-exports are added here as the modules land; import submodules directly
(``openadr.models``, ``openadr.payloads``, ``openadr.transport``...) in the meantime.
"""

from __future__ import annotations

__all__: list[str] = []
