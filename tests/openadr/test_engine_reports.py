"""Report scenarios of VEN_REQUIREMENTS §3 / §9.4 (R1_3xxx) for a pull VEN (sans-I/O)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from custom_components.openadr_ven.openadr.engine import VenEngine
from custom_components.openadr_ven.openadr.engine import reports as rep
from custom_components.openadr_ven.openadr.engine.ven import MAX_OUTBOX
from custom_components.openadr_ven.openadr.enums import DataQuality, OptType, ReportName
from custom_components.openadr_ven.openadr.models import (
    CanceledReport,
    CancelReport,
    CreatedReport,
    CreateReport,
    RegisteredReport,
    RegisterReport,
    ReportRequest,
    ResourceStatus,
    Response,
    UpdatedReport,
    UpdateReport,
)
from tests.openadr.enginekit import (
    T0,
    VEN,
    deliver,
    distribute,
    drain_outbox,
    event,
    poll_with,
    registered_engine,
)
from tests.openadr.enginekit import report_request as request

M = timedelta(minutes=1)
ZERO = timedelta(0)


def create(engine: VenEngine, *requests: ReportRequest, now: datetime = T0) -> list[object]:
    poll_with(engine, CreateReport("cr1", requests, VEN), now)
    return drain_outbox(engine, now)


def run_until(
    engine: VenEngine, end: datetime, step: timedelta = timedelta(seconds=15)
) -> list[UpdateReport]:
    """Tick every ``step`` (sampling the meter as the driver does); return the updates sent."""
    sent: list[UpdateReport] = []
    now = T0
    while now < end:
        now += step
        engine.record_sample(now, 1000.0, 5000.0 + (now - T0).total_seconds())
        engine.tick(now)
        sent.extend(m for m in drain_outbox(engine, now) if isinstance(m, UpdateReport))  # type: ignore[misc]
    return sent


def test_r1_3010_one_shot_status_report() -> None:
    engine = registered_engine()
    sent = create(engine, request())
    assert sent[0] == CreatedReport(Response(200, "OK", "cr1"), ("rr1",), VEN)  # R329 (literal reading)
    update = sent[1]
    assert isinstance(update, UpdateReport)
    data = update.reports[0]
    assert (data.report_request_id, data.report_specifier_id, data.report_name) == (
        "rr1",
        "TELEMETRY_STATUS",
        ReportName.TELEMETRY_STATUS,
    )
    assert [(iv.r_id, iv.value) for iv in data.intervals] == [("status", ResourceStatus(True, False))]
    assert engine.jobs == {}
    assert len(sent) == 2


def test_r337_one_shot_usage_one_interval_per_point_with_duration() -> None:
    engine = registered_engine()
    engine.record_sample(T0, 1200.0, 34000.0)
    sent = create(engine, request(spec="TELEMETRY_USAGE", granularity=M, rids=("power", "energy")))
    data = sent[1].reports[0]  # type: ignore[attr-defined]
    assert [(iv.r_id, iv.value, iv.duration, iv.data_quality) for iv in data.intervals] == [
        ("power", 1200.0, M, DataQuality.QUALITY_GOOD_NON_SPECIFIC),
        ("energy", 34000.0, M, DataQuality.QUALITY_GOOD_NON_SPECIFIC),
    ]


def test_r318_no_meter_data_gives_quality_bad_placeholder() -> None:
    engine = registered_engine()
    sent = create(engine, request(spec="TELEMETRY_USAGE", rids=("power",)))
    interval = sent[1].reports[0].intervals[0]  # type: ignore[attr-defined]
    assert (interval.value, interval.data_quality) == (0.0, DataQuality.QUALITY_BAD_NON_SPECIFIC)


def test_r1_3020_periodic_status_every_back_duration() -> None:
    engine = registered_engine()
    sent = create(engine, request(granularity=M, back=M, start=T0, duration=5 * M))
    assert isinstance(sent[1], UpdateReport)  # granularity == rbd: first report at once
    updates = run_until(engine, T0 + 10 * M)
    times = [u.reports[0].created_date_time for u in updates]
    assert times == [T0 + i * M for i in range(1, 5)]  # never faster than rbd; stops at the end
    assert engine.jobs == {}


def test_r1_3025_delayed_start() -> None:
    engine = registered_engine()
    sent = create(engine, request(granularity=ZERO, back=M, start=T0 + 2 * M, duration=5 * M))
    assert [type(m).__name__ for m in sent] == ["CreatedReport"]
    updates = run_until(engine, T0 + 3 * M)
    assert [u.reports[0].created_date_time for u in updates] == [T0 + 2 * M, T0 + 3 * M]


def test_r1_3160_granularity_below_back_duration_collects_intervals() -> None:
    engine = registered_engine()
    create(engine, request("rr2", "TELEMETRY_USAGE", M, 2 * M, ("energy",), T0, 10 * M))
    updates = run_until(engine, T0 + 4 * M)
    assert [u.reports[0].created_date_time for u in updates] == [T0 + 2 * M, T0 + 4 * M]
    first = updates[0].reports[0]
    assert first.start == T0
    assert first.duration == 2 * M
    assert [(iv.start, iv.duration) for iv in first.intervals] == [(T0, M), (T0 + M, M)]
    assert all(iv.data_quality is DataQuality.QUALITY_GOOD_NON_SPECIFIC for iv in first.intervals)


def test_r1_3040_cancel_stops_reports() -> None:
    engine = registered_engine()
    create(engine, request(granularity=M, back=M, start=T0, duration=5 * M))
    poll_with(engine, CancelReport("can1", ("rr1",), report_to_follow=False, ven_id=VEN), T0)
    sent = drain_outbox(engine, T0)
    assert sent == [CanceledReport(Response(200, "OK", "can1"), (), VEN)]
    assert run_until(engine, T0 + 5 * M) == []


def test_r1_3045_cancel_with_report_to_follow_sends_one_final_report() -> None:
    engine = registered_engine()
    create(engine, request(granularity=M, back=M, start=T0, duration=ZERO))
    poll_with(
        engine,
        CancelReport("can1", ("rr1",), report_to_follow=True, ven_id=VEN),
        T0 + 10 * 1 * timedelta(seconds=1),
    )
    sent = drain_outbox(engine, T0)
    assert sent[0] == CanceledReport(Response(200, "OK", "can1"), ("rr1",), VEN)  # final still owed
    assert isinstance(sent[1], UpdateReport)
    assert engine.jobs == {}
    assert run_until(engine, T0 + 3 * M) == []


def test_r336_cancel_of_unknown_request_gets_452() -> None:
    engine = registered_engine()
    poll_with(engine, CancelReport("can1", ("nope",), report_to_follow=False, ven_id=VEN), T0)
    sent = drain_outbox(engine, T0)
    assert sent == [CanceledReport(Response(452, "unknown reportRequestID nope", "can1"), (), VEN)]


def test_r1_3050_cancel_piggy_backed_on_updated_report() -> None:
    engine = registered_engine()
    poll_with(engine, CreateReport("cr1", (request(granularity=M, back=M, start=T0),), VEN), T0)
    drain_outbox(engine, T0)  # CreatedReport
    engine.record_sample(T0 + M, 1.0, 1.0)
    engine.tick(T0 + M)
    update = engine.next_message(T0 + M)
    assert update is not None
    assert isinstance(update.message, UpdateReport)
    cancel = CancelReport("", ("rr1",), report_to_follow=False)
    engine.on_reply(update, UpdatedReport(Response(200, "OK", ""), cancel_report=cancel), T0 + M)
    assert engine.outbox == []  # R335: no confirmation
    assert engine.jobs == {}


def test_r1_3170_metadata_requests_one_shot_and_periodic() -> None:
    engine = registered_engine()
    sent = create(engine, request("m1", "METADATA", rids=("0",)))
    assert isinstance(sent[0], CreatedReport)
    assert sent[0].pending_report_request_ids == ()
    assert isinstance(sent[1], RegisterReport)
    assert sent[1].report_request_id == "m1"  # R311
    sent = create(
        engine,
        request("m2", "METADATA", back=5 * M, rids=("0",)),
        request("t1", granularity=M, back=M, start=T0),
    )
    assert sent[0].pending_report_request_ids == ("m2", "t1")  # type: ignore[attr-defined]
    poll_with(engine, CancelReport("c", ("t1",), report_to_follow=False), T0)
    assert drain_outbox(engine, T0)[0].pending_report_request_ids == ("m2",)  # type: ignore[attr-defined]
    engine.tick(T0 + 5 * M)
    metadata = [m for m in drain_outbox(engine, T0 + 5 * M) if isinstance(m, RegisterReport)]
    assert [m.report_request_id for m in metadata] == ["m2"]


def test_r1_3180_two_one_shots_in_one_request() -> None:
    engine = registered_engine()
    sent = create(engine, request("a"), request("b", "TELEMETRY_USAGE", rids=("power",)))
    assert sent[0].pending_report_request_ids == ("a", "b")  # type: ignore[attr-defined]
    assert [u.reports[0].report_request_id for u in sent[1:]] == ["a", "b"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("req", "code"),
    [
        (request(spec="NO_SUCH_SPEC"), 452),
        (request(rids=("bogus",)), 452),
        (request("x", "TELEMETRY_USAGE", timedelta(seconds=10), M, ("power",)), 454),  # below minPeriod
        (request("x", "TELEMETRY_USAGE", 2 * M, M, ("power",)), 454),  # granularity > rbd (R317)
        (request("x", "HISTORY_USAGE", rids=("history_energy",)), 452),  # not offered without history
    ],
)
def test_r1_3190_r340_invalid_requests(req: ReportRequest, code: int) -> None:
    engine = registered_engine()
    sent = create(engine, req)
    assert isinstance(sent[0], CreatedReport)
    assert sent[0].response.code == code
    assert sent[0].pending_report_request_ids == ()
    assert len(sent) == 1


def test_r1_3060_piggy_backed_requests_on_registered_report() -> None:
    engine = registered_engine()
    engine.outbox.clear()
    metadata = engine._metadata(T0)
    engine._queue(metadata)
    deliver(engine, RegisteredReport(Response(200, "OK", ""), (request(),), VEN), T0)
    sent = drain_outbox(engine, T0)
    assert [type(m).__name__ for m in sent] == ["CreatedReport", "UpdateReport"]


def test_r301_vtn_metadata_is_acknowledged() -> None:
    engine = registered_engine()
    poll_with(engine, RegisterReport("vtn-rr", (), ven_id=None), T0)
    assert drain_outbox(engine, T0) == [RegisteredReport(Response(200, "OK", "vtn-rr"), (), VEN)]


def test_r1_3130_history_usage_from_meter() -> None:
    engine = registered_engine(has_history=True)
    sent = create(
        engine,
        request(
            "h1", "HISTORY_USAGE", rids=("history_energy",), start=T0 - 3 * timedelta(hours=1), duration=ZERO
        ),
    )
    assert [type(m).__name__ for m in sent] == ["CreatedReport"]
    queries = engine.history_queries(T0)
    assert queries == [("h1", T0 - timedelta(hours=3), T0, timedelta(hours=1))]
    points = [(T0 - timedelta(hours=h), 100.0 * h) for h in (3, 2, 1)]
    engine.history_ready("h1", points, T0)
    update = drain_outbox(engine, T0)[0]
    assert isinstance(update, UpdateReport)
    assert [(iv.start, iv.value) for iv in update.reports[0].intervals] == sorted(points)
    assert update.reports[0].report_name is ReportName.HISTORY_USAGE
    assert engine.jobs == {}


def test_r340_history_older_than_offered_gets_454() -> None:
    engine = registered_engine(has_history=True)
    sent = create(
        engine, request("h1", "HISTORY_USAGE", rids=("history_energy",), start=T0 - timedelta(days=30))
    )
    assert sent[0].response.code == 454  # type: ignore[attr-defined]


def test_manual_override_reported_while_opted_out_of_active_event() -> None:
    engine = registered_engine()
    poll_with(engine, distribute(event(start=T0)), T0)
    drain_outbox(engine, T0)
    now = T0 + M
    engine.opt(OptType.OPT_OUT, "ev1", now)
    drain_outbox(engine, now)
    engine.record_sample(now, 1.0, 1.0)
    sent = create(engine, request(), now=now)
    assert sent[1].reports[0].intervals[0].value == ResourceStatus(True, True)  # type: ignore[attr-defined]


def test_r510_sample_buffer_is_bounded_and_keeps_100_points() -> None:
    engine = registered_engine()
    for i in range(rep.SAMPLE_BUFFER + 50):
        engine.record_sample(T0 + i * M, float(i), float(i))
    assert len(engine.samples) == rep.SAMPLE_BUFFER >= 100
    assert engine.samples[0].power_w == 50.0
    restored = VenEngine(engine.config)
    restored.load_dict(engine.to_dict())
    assert len(restored.samples) == 100


def test_outbox_is_bounded_dropping_oldest_report() -> None:
    engine = registered_engine()
    create(engine, request(granularity=M, back=M, start=T0))
    for i in range(1, MAX_OUTBOX + 10):
        engine.tick(T0 + i * M)
    assert len(engine.outbox) == MAX_OUTBOX
    first = engine.outbox[0].message
    assert isinstance(first, UpdateReport)
    assert first.reports[0].created_date_time == T0 + 10 * M
