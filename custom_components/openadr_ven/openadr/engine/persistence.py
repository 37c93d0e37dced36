"""What the engine saves across restarts, how, and how it knows that something changed.

:class:`SavedState` is the single list of persisted fields (apart from the telemetry samples,
which are saved on a slower cadence).  Every field is immutable (frozen models in tuples), so
comparing two of them is a handful of identity checks when nothing changed: that is what
:class:`ChangeCounter` does for ``VenEngine.revision``, and the driver saves only when the
revision moved, instead of serializing the whole state after every step.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..models import CreateOpt
from ..state import RegistrationState
from .codec import decode, encode
from .common import Outgoing
from .reports import ReportJob, Sample
from .timing import EventRecord

_LOGGER = logging.getLogger(__name__)

STATE_VERSION = 1
PERSISTED_SAMPLES = 100  # telemetry samples kept across restarts (R510)

SeenValues = tuple[tuple[str, float | None], ...]
Seen = tuple[tuple[str, str, SeenValues], ...]  # (eventID, status, signal values) last notified


@dataclass(frozen=True, slots=True)
class SavedState:
    """Everything persisted but the samples, as immutable values."""

    registration: RegistrationState | None
    vtn_cancelled: bool
    events: tuple[EventRecord, ...]
    jobs: tuple[ReportJob, ...]
    outbox: tuple[Outgoing, ...]
    availability: tuple[CreateOpt, ...]
    seen: Seen


def freeze_seen(seen: Mapping[str, tuple[str, Mapping[str, float | None]]]) -> Seen:
    return tuple((event_id, status, tuple(values.items())) for event_id, (status, values) in seen.items())


def to_dict(state: SavedState, samples: Iterable[Sample]) -> dict[str, Any]:
    """JSON-compatible data (the tagged codec) for the storage port."""
    data: dict[str, Any] = {"version": STATE_VERSION}
    for f in fields(state):
        value = getattr(state, f.name)
        if f.name == "seen":
            data["seen"] = {event_id: [status, dict(values)] for event_id, status, values in value}
        else:
            data[f.name] = encode(value)
    data["samples"] = encode(list(samples)[-PERSISTED_SAMPLES:])
    return data


@dataclass(frozen=True, slots=True)
class Restored:
    state: SavedState
    samples: tuple[Sample, ...]


def from_dict(data: Mapping[str, Any]) -> Restored | None:
    """Inverse of :func:`to_dict`; None for a state of an unknown version.

    Raises ``CodecError``, ``KeyError``, ``TypeError`` or ``ValueError`` for damaged data.
    """
    if data.get("version") != STATE_VERSION:
        _LOGGER.warning("Ignoring stored VEN state of version %s", data.get("version"))
        return None
    seen = {k: (v[0], dict(v[1])) for k, v in data.get("seen", {}).items()}
    state = SavedState(
        registration=decode(data["registration"]),
        vtn_cancelled=bool(data.get("vtn_cancelled", False)),
        events=tuple(decode(data["events"])),
        jobs=tuple(decode(data["jobs"])),
        outbox=tuple(decode(data["outbox"])),
        availability=tuple(decode(data["availability"])),
        seen=freeze_seen(seen),
    )
    return Restored(state, tuple(decode(data.get("samples", []))))


class ChangeCounter:
    """A revision number that moves when the observed :class:`SavedState` differs from the last one."""

    def __init__(self) -> None:
        self.revision = 0
        self._last: SavedState | None = None

    def observe(self, state: SavedState) -> int:
        if state != self._last:
            self._last = state
            self.revision += 1
        return self.revision
