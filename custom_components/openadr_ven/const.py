"""Constants of the OpenADR VEN integration."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "openadr_ven"
