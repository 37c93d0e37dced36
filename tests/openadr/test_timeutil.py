"""xs:dateTime and duration helpers (R1: UTC Z times, no decimals in durations)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from custom_components.openadr_ven.openadr.errors import PayloadError
from custom_components.openadr_ven.openadr.payloads.timeutil import (
    format_datetime,
    format_duration,
    parse_datetime,
    parse_duration,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2026, 1, 1, tzinfo=UTC), "2026-01-01T00:00:00Z"),
        (datetime(2026, 7, 4, 13, 5, 9, 123000, tzinfo=UTC), "2026-07-04T13:05:09.123000Z"),
        # Another zone is converted to UTC, never written as +hh:mm (R1).
        (
            datetime(2026, 1, 1, 1, 30, tzinfo=timezone(timedelta(hours=1, minutes=30))),
            "2026-01-01T00:00:00Z",
        ),
        (datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5))), "2026-01-01T05:00:00Z"),
    ],
)
def test_format_datetime_is_utc_z(value: datetime, text: str) -> None:
    assert format_datetime(value) == text


def test_format_datetime_refuses_naive() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_datetime(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2026-01-01T00:00:00Z", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2013-04-22T15:26:44.123Z", datetime(2013, 4, 22, 15, 26, 44, 123000, tzinfo=UTC)),
        # More than 6 fraction digits: truncated (R1: the receiver truncates).
        ("2026-01-01T00:00:00.1234567891Z", datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)),
        ("2026-01-01T02:00:00+02:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T00:00:00-01:30", datetime(2026, 1, 1, 1, 30, tzinfo=UTC)),
        ("2026-01-01T00:00:00", datetime(2026, 1, 1, tzinfo=UTC)),  # no zone: UTC
        (" 2026-01-01T00:00:00Z\n", datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
def test_parse_datetime(text: str, value: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == value
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-01-01",
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-01-01T25:00:00Z",
        "2026-01-01 00:00:00Z",
        "yesterday",
        "2026-01-01T00:00:00+0000",
        "+2026-01-01T00:00:00Z",
    ],
)
def test_parse_datetime_rejects(text: str) -> None:
    with pytest.raises(PayloadError, match="date-time"):
        parse_datetime(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "PT0S"),
        (timedelta(hours=1), "PT1H"),
        (timedelta(minutes=-5), "-PT5M"),
        (timedelta(days=1, hours=2, minutes=3, seconds=4), "P1DT2H3M4S"),
        (timedelta(days=3), "P3D"),
        (timedelta(minutes=90), "PT1H30M"),
        (timedelta(seconds=1, microseconds=900000), "PT1S"),  # no decimals (R1)
        (timedelta(days=-2, hours=-1), "-P2DT1H"),
    ],
)
def test_format_duration(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("PT0S", timedelta(0)),
        ("P0D", timedelta(0)),
        ("PT15M", timedelta(minutes=15)),
        ("-PT5M", timedelta(minutes=-5)),
        ("+PT5M", timedelta(minutes=5)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("PT240M", timedelta(hours=4)),
        ("P1W", timedelta(days=7)),
        ("P1Y", timedelta(days=365)),  # approximated (S p.25: accept years and months)
        ("P2M", timedelta(days=60)),
        ("P1Y1M1DT1H1M1S", timedelta(days=396, hours=1, minutes=1, seconds=1)),
        ("PT1.5S", timedelta(seconds=1, microseconds=500000)),
    ],
)
def test_parse_duration(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "P",
        "PT",
        "-P",
        "1W",
        "P1H",
        "PT1D",
        "P1.5D",
        "PT-5M",
        "P1W2D",
        "PTS",
        "P99999999999D",
        "5 minutes",
    ],
)
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(PayloadError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize("seconds", [0, 1, 59, 60, 3599, 3600, 86399, 86400, 90061, -1, -86401, 10**9])
def test_duration_round_trip(seconds: int) -> None:
    value = timedelta(seconds=seconds)
    assert parse_duration(format_duration(value)) == value
