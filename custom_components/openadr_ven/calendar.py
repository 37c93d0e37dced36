"""Calendar of the OpenADR VEN: every known DR event, upcoming and recent.

Each event of the snapshot becomes one :class:`CalendarEvent`:

* ``start`` is the VEN's own start, dtstart plus the randomized offset (R30);
* ``end`` is the event's end; an open-ended event (duration PT0S, R47) has no end yet, so it is
  shown as lasting until one hour after now (:data:`OPEN_ENDED_HORIZON`): the calendar stays
  "on" while it runs, and its end moves forward until the VTN ends or cancels the event;
* cancelled events are left out: they will not happen, and a calendar trigger must not fire
  for them (the event entity reports the cancellation);
* ``uid`` is the event ID; the summary names the signal values ("DR event: SIMPLE level 2",
  "DR event: price 0.45 USD/kWh", "[test]" for test events, R6); the description lists the
  signals, values, opt status, market context and event ID.

Calendar triggers (with offsets) work on these events like on any calendar.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.components.calendar import CalendarEntity, CalendarEntityDescription, CalendarEvent
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import OpenADRConfigEntry
from .entity import PRICE_SIGNALS, OpenADREntity, price_unit
from .openadr.enums import EventStatus, OptType, SignalName
from .openadr.state import EventView, SignalView

PARALLEL_UPDATES = 0

# How far past now an open-ended event is shown to last.
OPEN_ENDED_HORIZON = timedelta(hours=1)

# A CalendarEntityDescription, not a plain EntityDescription: newer Home Assistant reads
# calendar-specific fields (initial_color) from it when registering the entity.
DESCRIPTION = CalendarEntityDescription(key="events", translation_key="events")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenADRConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the DR event calendar of a VEN."""
    async_add_entities([OpenADRCalendar(entry.runtime_data.coordinator, DESCRIPTION)])


def _format_number(value: float) -> str:
    """2.0 -> "2", 0.45 -> "0.45" (no float noise)."""
    return f"{value:.6g}"


def _signal_values(signal: SignalView) -> list[float]:
    """The value now while the event runs, else every interval's value (distinct, in order)."""
    if signal.current_value is not None:
        return [signal.current_value]
    values: list[float] = []
    for interval in signal.intervals:
        if interval.value not in values:
            values.append(interval.value)
    return values


def _value_range(values: list[float]) -> str:
    if not values:
        return "?"
    low, high = min(values), max(values)
    return _format_number(low) if low == high else f"{_format_number(low)}-{_format_number(high)}"


def _signal_summary(signal: SignalView) -> str:
    values = _value_range(_signal_values(signal))
    if signal.name == SignalName.SIMPLE:
        return f"SIMPLE level {values}"
    if signal.name in PRICE_SIGNALS:
        unit = price_unit(signal)
        kind = "price" if signal.name == SignalName.ELECTRICITY_PRICE else "energy price"
        if signal.type == "priceMultiplier":
            return f"{kind} x{values}"
        if signal.type == "priceRelative":
            return f"{kind} {'+' if not values.startswith('-') else ''}{values}{' ' + unit if unit else ''}"
        return f"{kind} {values}{' ' + unit if unit else ''}"
    unit = signal.unit or ""
    return f"{signal.name} {values}{' ' + unit if unit else ''}"


def event_summary(event: EventView) -> str:
    """One line naming what the event asks for."""
    summary = "DR event"
    if event.signals:
        summary += ": " + ", ".join(_signal_summary(s) for s in event.signals)
    if event.test_event:
        summary += " [test]"
    return summary


def event_description(event: EventView) -> str:
    """Signals, values, opt status, market context and event ID, one per line."""
    lines = []
    for signal in event.signals:
        values = ", ".join(_format_number(i.value) for i in signal.intervals) or "?"
        line = f"{signal.name} ({signal.type}): {values}"
        if signal.current_value is not None:
            line += f" (now {_format_number(signal.current_value)})"
        lines.append(line)
    lines += [
        "Opted in" if event.opt is OptType.OPT_IN else "Opted out",
        f"Status: {event.status}",
        f"Market context: {event.market_context}",
        f"Event ID: {event.event_id}",
    ]
    if event.test_event:
        lines.append("Test event")
    if event.vtn_comment:
        lines.append(f"Comment: {event.vtn_comment}")
    return "\n".join(lines)


def to_calendar_event(event: EventView, now: datetime) -> CalendarEvent:
    """The calendar view of one event (open-ended: until ``now`` + horizon)."""
    end = event.end if event.end is not None else max(now, event.start) + OPEN_ENDED_HORIZON
    if end <= event.start:  # zero-length events still need a visible span
        end = event.start + timedelta(minutes=1)
    return CalendarEvent(
        start=dt_util.as_local(event.start),
        end=dt_util.as_local(end),
        summary=event_summary(event),
        description=event_description(event),
        uid=event.event_id,
    )


class OpenADRCalendar(OpenADREntity, CalendarEntity):
    """The VEN's DR events as a calendar."""

    def _calendar_events(self, now: datetime) -> list[CalendarEvent]:
        """Every event that is not cancelled, ordered by start."""
        events = [e for e in self.snapshot.events if e.status is not EventStatus.CANCELLED]
        return sorted((to_calendar_event(e, now) for e in events), key=lambda c: c.start_datetime_local)

    @property
    def event(self) -> CalendarEvent | None:
        """The event running now, else the next one to start."""
        now = dt_util.utcnow()
        return next((c for c in self._calendar_events(now) if c.end_datetime_local > now), None)

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Events overlapping [start_date, end_date)."""
        now = dt_util.utcnow()
        return [
            c
            for c in self._calendar_events(now)
            if c.start_datetime_local < end_date and c.end_datetime_local > start_date
        ]
