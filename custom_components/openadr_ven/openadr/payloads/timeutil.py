"""xs:dateTime and ISO 8601 durations as OpenADR 2.0b writes them (R1).

Outgoing times are always UTC with a ``Z`` suffix (never ``+0000``, R1); outgoing durations never
use decimals (R1).  Incoming values are read leniently where the spec allows it (fractional
seconds truncated to microseconds, an explicit ``±hh:mm`` offset, weeks/years/months in
durations) and refused with :class:`PayloadError` otherwise.  Parsed results are cached: a
distribute repeats the same timestamps and durations many times.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from ..errors import PayloadError

__all__ = [
    "DAYS_PER_MONTH",
    "DAYS_PER_YEAR",
    "format_datetime",
    "format_duration",
    "parse_datetime",
    "parse_duration",
]

#: Calendar units have no fixed length; durations approximate them (S p.25 asks receivers to
#: accept years and months).  A year is 365 days and a month 30 days.
DAYS_PER_YEAR = 365
DAYS_PER_MONTH = 30

_DATETIME_RE = re.compile(
    r"\s*(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,32}))?(Z|[+-]\d{2}:\d{2})?\s*"
)
_DURATION_RE = re.compile(
    r"\s*([+-])?P(?:(\d{1,12})W|(?:(\d{1,12})Y)?(?:(\d{1,12})M)?(?:(\d{1,12})D)?"
    r"(?:T(?:(\d{1,12})H)?(?:(\d{1,12})M)?(?:(\d{1,12})(?:\.(\d{1,32}))?S)?)?)\s*"
)


@lru_cache(maxsize=2048)
def format_datetime(dt: datetime) -> str:
    """``2026-01-01T00:00:00Z`` (microseconds kept as ``.ffffff`` when present). ``dt`` must be aware."""
    offset = dt.utcoffset()
    if offset is None:
        raise ValueError(f"naive datetime {dt!r}: OpenADR times must be timezone-aware")
    if offset:
        dt = (dt - offset).replace(tzinfo=UTC)
    us = dt.microsecond
    base = f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"
    return f"{base}.{us:06d}Z" if us else base + "Z"


@lru_cache(maxsize=2048)
def parse_datetime(text: str) -> datetime:
    """An xs:dateTime as an aware UTC datetime; no zone = UTC; extra fraction digits truncate (R1)."""
    match = _DATETIME_RE.fullmatch(text)
    if match is None:
        raise PayloadError(f"invalid date-time {text[:64]!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction + "00000")[:6]) if fraction else 0
    try:
        value = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=UTC
        )
        if zone and zone != "Z":
            sign = 1 if zone[0] == "+" else -1
            value -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    except (ValueError, OverflowError) as err:
        raise PayloadError(f"invalid date-time {text[:64]!r}: {err}") from None
    return value


@lru_cache(maxsize=2048)
def format_duration(td: timedelta) -> str:
    """``PT1H``, ``-PT5M``, ``P1DT2H``, ``PT0S``.  Sub-second parts are dropped (no decimals, R1)."""
    total = int(td.total_seconds())  # truncates toward zero
    if total == 0:
        return "PT0S"
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = [sign, "P"]
    if days:
        out.append(f"{days}D")
    if hours or minutes or seconds:
        out.append("T")
        if hours:
            out.append(f"{hours}H")
        if minutes:
            out.append(f"{minutes}M")
        if seconds:
            out.append(f"{seconds}S")
    return "".join(out)


@lru_cache(maxsize=2048)
def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration; ``P1W`` is 7 days, years and months are approximated (365 / 30 days)."""
    match = _DURATION_RE.fullmatch(text)
    if match is None:
        raise PayloadError(f"invalid duration {text[:64]!r}")
    sign, weeks, years, months, days, hours, minutes, seconds, fraction = match.groups()
    if weeks is None and not any((years, months, days, hours, minutes, seconds)):
        raise PayloadError(f"invalid duration {text[:64]!r}: no components")
    if "T" in text and not (hours or minutes or seconds):
        raise PayloadError(f"invalid duration {text[:64]!r}: empty time part")
    try:
        if weeks is not None:
            value = timedelta(weeks=int(weeks))
        else:
            total_days = int(years or 0) * DAYS_PER_YEAR + int(months or 0) * DAYS_PER_MONTH + int(days or 0)
            micro = int((fraction + "00000")[:6]) if fraction else 0
            value = timedelta(
                days=total_days,
                hours=int(hours or 0),
                minutes=int(minutes or 0),
                seconds=int(seconds or 0),
                microseconds=micro,
            )
    except OverflowError:
        raise PayloadError(f"duration {text[:64]!r} is out of range") from None
    return -value if sign == "-" else value
