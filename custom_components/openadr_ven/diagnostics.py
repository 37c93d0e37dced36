"""Diagnostics: entry data, options and the VEN snapshot, with secrets and identities redacted."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.core import HomeAssistant

from .const import (
    CONF_CA_CERTIFICATES,
    CONF_CERTIFICATE,
    CONF_PRIVATE_KEY,
    CONF_VEN_ID,
    CONF_VTN_FINGERPRINT,
)
from .coordinator import OpenADRConfigEntry

# Fully hidden: key material, certificates (they identify the customer) and protocol identities.
TO_REDACT = {CONF_PRIVATE_KEY, CONF_CERTIFICATE, CONF_CA_CERTIFICATES, CONF_VEN_ID, "registration_id"}
# Partly shown: enough to compare with what the utility sees, not enough to reuse.
PARTIAL = {CONF_VTN_FINGERPRINT, "fingerprint"}


def _partial(value: Any) -> Any:
    if not isinstance(value, str) or len(value) < 8:
        return value if value in (None, "") else REDACTED
    return f"**{value[-5:]}"


def _plain(value: Any) -> Any:
    """Dataclasses, enums, datetimes and timedeltas as JSON-friendly values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def redact[T](data: T) -> T:
    """``data`` with secrets removed and fingerprints shortened (same shape)."""
    redacted: T = async_redact_data(data, TO_REDACT)
    result: T = _redact_partial(redacted)
    return result


def _redact_partial(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _partial(v) if k in PARTIAL else _redact_partial(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_redact_partial(v) for v in data]
    return data


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: OpenADRConfigEntry
) -> dict[str, Any]:
    coordinator = entry.runtime_data.coordinator
    snapshot = _plain(coordinator.data)
    return redact(
        {
            "entry": {
                "title": entry.title,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "snapshot": snapshot,
        }
    )
