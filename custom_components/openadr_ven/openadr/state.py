"""What the VEN shows the outside world: an immutable snapshot and change notifications.

The engine produces a new :class:`VenSnapshot` after every change; the Home Assistant layer
maps it onto entities.  :class:`Notification` objects describe discrete happenings (an event
started, a SIMPLE level changed) for event entities and device triggers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from .enums import EventStatus, OptType
from .models import Interval


@dataclass(frozen=True, slots=True)
class RegistrationState:
    ven_id: str
    registration_id: str
    vtn_id: str
    poll_interval: timedelta
    registered_at: datetime | None = None


class ErrorKind(StrEnum):
    """What kind of problem the last exchange with the VTN had (``ConnectionState.last_error_kind``).

    The Home Assistant layer acts on some: a rejected certificate asks for new credentials, a
    fingerprint mismatch raises a repair issue.
    """

    CERTIFICATE_REJECTED = "certificate_rejected"  # the VTN refused our client certificate (or 403, R517)
    FINGERPRINT_MISMATCH = "fingerprint_mismatch"  # the VTN's certificate is not the pinned one
    TLS = "tls"  # any other TLS failure (untrusted or expired VTN certificate, hostname)
    TIMEOUT = "timeout"
    CONNECTION = "connection"  # DNS / TCP: the VTN is down or unreachable
    HTTP = "http"  # an HTTP error status (§9.1.4-9.1.5)
    VTN = "vtn"  # an application-level refusal (responseCode != 200), e.g. of a registration
    PAYLOAD = "payload"  # the VTN's answer could not be read
    SIGNATURE = "signature"  # the VTN's answer was unsigned or its XML signature invalid (R514)


@dataclass(frozen=True, slots=True)
class ConnectionState:
    online: bool = False
    last_success: datetime | None = None
    failing_since: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    last_error_kind: ErrorKind | None = None  # cleared by the next good exchange


@dataclass(frozen=True, slots=True)
class SignalView:
    """One signal of an event as the VEN sees it now."""

    name: str
    type: str
    signal_id: str
    current_value: float | None  # value of the current interval, None outside the event
    current_interval: int | None  # uid of the current interval
    unit: str | None = None  # itemUnits with scale, e.g. "USD", "kW"
    currency: str | None = None  # for price signals
    # Every interval of the signal in order (uid, duration, payload value), so the HA layer can
    # show values of events that have not started yet (calendar, price forecasts).
    intervals: tuple[Interval, ...] = ()


@dataclass(frozen=True, slots=True)
class EventView:
    """One known DR event with locally computed status and timing (R114)."""

    event_id: str
    modification_number: int
    status: EventStatus
    start: datetime  # dtstart plus the randomized offset (R30)
    end: datetime | None  # None for open-ended events
    opt: OptType
    signals: tuple[SignalView, ...]
    market_context: str
    priority: int = 0
    test_event: bool = False
    random_offset: timedelta = timedelta(0)
    notification: timedelta | None = None
    ramp_up: timedelta | None = None
    recovery: timedelta | None = None
    vtn_comment: str | None = None
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class VenSnapshot:
    registration: RegistrationState | None = None
    connection: ConnectionState = field(default_factory=ConnectionState)
    events: tuple[EventView, ...] = ()  # ordered by start; includes recent completed/cancelled
    active_report_requests: tuple[str, ...] = ()
    availability_opt_ids: tuple[str, ...] = ()
    manual_override: bool = False

    @property
    def active_events(self) -> tuple[EventView, ...]:
        """Active events, highest priority first (lower number wins, 0 lowest, R3)."""
        active = [e for e in self.events if e.status is EventStatus.ACTIVE]
        return tuple(sorted(active, key=lambda e: (e.priority == 0, e.priority, e.start)))

    @property
    def pending_events(self) -> tuple[EventView, ...]:
        return tuple(e for e in self.events if e.status in (EventStatus.FAR, EventStatus.NEAR))


class NotificationKind(StrEnum):
    EVENT_RECEIVED = "event_received"
    EVENT_MODIFIED = "event_modified"
    EVENT_CANCELLED = "event_cancelled"
    EVENT_STARTED = "event_started"
    EVENT_ENDED = "event_ended"
    SIGNAL_CHANGED = "signal_changed"
    OPT_CHANGED = "opt_changed"
    REGISTRATION_CANCELLED = "registration_cancelled"


@dataclass(frozen=True, slots=True)
class Notification:
    kind: NotificationKind
    event_id: str | None = None
    signal_name: str | None = None
    value: float | None = None
    previous_value: float | None = None
    start: datetime | None = None
    end: datetime | None = None
    test_event: bool = False
    opt: OptType | None = None
