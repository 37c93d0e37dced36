"""Local event timing: randomized window, status (R114), current interval, views, notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..enums import EventStatus, OptType, ResponseRequired
from ..models import Event, EventSignal, Interval, ItemBase
from ..state import EventView, Notification, NotificationKind, SignalView
from .codec import register

ZERO = timedelta(0)


@register
@dataclass(frozen=True, slots=True)
class EventRecord:
    """A known event plus what this VEN decided about it (persisted)."""

    event: Event
    request_id: str  # requestID of the distribute it last arrived in (R42)
    random_offset: timedelta  # drawn once in [0, startafter] (R30)
    opt: OptType
    response_required: ResponseRequired = ResponseRequired.ALWAYS
    user_opt: bool = False  # the user chose ``opt`` (kept across modifications)
    opt_via_eiopt: bool = False  # oadrCreateOpt used: only oadrCreateOpt changes it now (R206)
    cancelled: bool = False
    cancel_end: datetime | None = None  # randomized termination after a cancel (R65)
    received_at: datetime | None = None


def window(record: EventRecord) -> tuple[datetime, datetime | None]:
    """Effective start and end: dtstart + random offset, + duration; cut at a cancel (R30, R47, R65)."""
    period = record.event.active_period
    start = period.dtstart + record.random_offset
    end: datetime | None = start + period.duration if period.duration > ZERO else None  # R47
    if record.cancel_end is not None:
        end = record.cancel_end if end is None else min(end, record.cancel_end)
    return start, end


def status(record: EventRecord, now: datetime) -> EventStatus:
    """Computed from the clock, whatever status the VTN sent (R114, R66)."""
    start, end = window(record)
    if record.cancelled and (end is None or end <= start or now >= end):
        return EventStatus.CANCELLED
    if end is not None and now >= end:
        return EventStatus.COMPLETED
    if now >= start:
        return EventStatus.ACTIVE
    ramp_up = record.event.active_period.ramp_up
    if ramp_up is not None and ramp_up > ZERO and now >= start - ramp_up:
        return EventStatus.NEAR  # R13: near from the start of ramp-up
    return EventStatus.FAR


def current_interval(record: EventRecord, signal: EventSignal, now: datetime) -> Interval | None:
    """The signal interval in force at ``now`` (R32), or None outside the event."""
    start, end = window(record)
    if now < start or (end is not None and now >= end) or not signal.intervals:
        return None
    t = start
    for interval in signal.intervals:
        if interval.duration <= ZERO or now < t + interval.duration:
            return interval
        t += interval.duration
    # An open-ended event (R47) holds its last interval until cancelled.
    return signal.intervals[-1] if end is None else None


def boundaries(record: EventRecord) -> list[datetime]:
    """Every instant at which status or a signal value of this event can change."""
    start, end = window(record)
    points = [start]
    ramp_up = record.event.active_period.ramp_up
    if ramp_up is not None and ramp_up > ZERO:
        points.append(start - ramp_up)
    for signal in record.event.signals:
        t = start
        for interval in signal.intervals:
            if interval.duration <= ZERO:
                break
            t += interval.duration
            points.append(t)
    if end is not None:
        points.append(end)
    return points


_SCALE = {
    "none": "",
    "p": "p",
    "n": "n",
    "micro": "µ",
    "m": "m",
    "c": "c",
    "d": "d",
    "k": "k",
    "M": "M",
    "G": "G",
    "T": "T",
}


def unit_of(item_base: ItemBase | None) -> tuple[str | None, str | None]:
    """(unit, currency) for display: ``kW``, ``USD/kWh``..."""
    if item_base is None:
        return None, None
    prefix = _SCALE.get(item_base.si_scale_code, item_base.si_scale_code)
    if item_base.kind == "currencyPerKWh":
        return f"{item_base.units}/kWh", item_base.units
    if item_base.kind == "currencyPerKW":
        return f"{item_base.units}/kW", item_base.units
    if item_base.kind == "currency":
        return item_base.units, item_base.units
    return f"{prefix}{item_base.units}", None


def view(record: EventRecord, now: datetime) -> EventView:
    ev = record.event
    start, end = window(record)
    signals = []
    for signal in ev.signals:
        interval = current_interval(record, signal, now)
        unit, currency = unit_of(signal.item_base)
        signals.append(
            SignalView(
                name=signal.signal_name,
                type=signal.signal_type,
                signal_id=signal.signal_id,
                current_value=interval.value if interval is not None else None,
                current_interval=interval.uid if interval is not None else None,
                unit=unit,
                currency=currency,
                intervals=signal.intervals,
            )
        )
    period = ev.active_period
    return EventView(
        event_id=ev.event_id,
        modification_number=ev.modification_number,
        status=status(record, now),
        start=start,
        end=end,
        opt=record.opt,
        signals=tuple(signals),
        market_context=ev.descriptor.market_context,
        priority=ev.descriptor.priority,
        test_event=ev.descriptor.is_test,
        random_offset=record.random_offset,
        notification=period.notification,
        ramp_up=period.ramp_up,
        recovery=period.recovery,
        vtn_comment=ev.descriptor.vtn_comment,
        cancelled=record.cancelled,
    )


_RUNNING = (EventStatus.ACTIVE,)
_DONE = (EventStatus.COMPLETED, EventStatus.CANCELLED)


def diff(
    previous: dict[str, tuple[str, dict[str, float | None]]], views: list[EventView]
) -> tuple[list[Notification], dict[str, tuple[str, dict[str, float | None]]]]:
    """Started/ended/signal-changed notifications between two looks at the events."""
    notes: list[Notification] = []
    seen: dict[str, tuple[str, dict[str, float | None]]] = {}
    for v in views:
        values = {s.signal_id: s.current_value for s in v.signals}
        seen[v.event_id] = (v.status.value, values)
        before_status, before_values = previous.get(v.event_id, (EventStatus.NONE.value, {}))
        was_active = before_status in _RUNNING
        if v.status in _RUNNING and not was_active:
            notes.append(_note(NotificationKind.EVENT_STARTED, v))
        for s in v.signals:
            old = before_values.get(s.signal_id)
            if old != s.current_value and (was_active or v.status in _RUNNING):
                notes.append(_note(NotificationKind.SIGNAL_CHANGED, v, s.name, s.current_value, old))
        if was_active and v.status in _DONE:
            notes.append(_note(NotificationKind.EVENT_ENDED, v))
    return notes, seen


def note_for(kind: NotificationKind, v: EventView) -> Notification:
    """A notification about event ``v`` (received, modified, cancelled, opt changed...)."""
    return _note(kind, v)


def _note(
    kind: NotificationKind,
    v: EventView,
    signal_name: str | None = None,
    value: float | None = None,
    previous_value: float | None = None,
) -> Notification:
    return Notification(
        kind,
        event_id=v.event_id,
        signal_name=signal_name,
        value=value,
        previous_value=previous_value,
        start=v.start,
        end=v.end,
        test_event=v.test_event,
        opt=v.opt,
    )
