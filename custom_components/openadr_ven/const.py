"""Constants of the OpenADR VEN integration."""

from __future__ import annotations

from typing import Final

from homeassistant.const import Platform

DOMAIN: Final = "openadr_ven"

# Entity platforms set up for every config entry (owned by the entities layer).
PLATFORMS: Final = (
    Platform.BINARY_SENSOR,
    Platform.CALENDAR,
    Platform.EVENT,
    Platform.SELECT,
    Platform.SENSOR,
)
