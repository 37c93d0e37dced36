"""Reports the VEN offers and sends (VEN_REQUIREMENTS §3, R300-R346).

Offered (``METADATA_`` prefixed in oadrRegisterReport, R331):

* TELEMETRY_STATUS, rID ``status``: oadrOnline + oadrManualOverride for our resource (R510).
* TELEMETRY_USAGE, rIDs ``power`` (powerReal W) and ``energy`` (energyReal Wh), Direct Read.
* HISTORY_USAGE, rID ``history_energy`` (energyReal Wh), only when the meter keeps history.

Telemetry is sampled continuously every :data:`SAMPLE_PERIOD` (R337) into a ring of
:data:`SAMPLE_BUFFER` samples per rID (at least 100, R510), so one-shot requests are answered at
once and periodic reports cover their whole window.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from ..config import VenConfig
from ..enums import DataQuality, ReadingType, ReportName, ReportType, ResponseCode
from ..models import (
    ItemBase,
    RegisterReport,
    ReportData,
    ReportDescription,
    ReportInterval,
    ReportMetadata,
    ReportRequest,
    ResourceStatus,
    UpdateReport,
)
from .codec import register
from .signals import OK, Verdict

SAMPLE_PERIOD = timedelta(minutes=1)  # oadrMinPeriod of the telemetry data points
MAX_PERIOD = timedelta(hours=1)  # oadrMaxPeriod (must not exceed the report duration, R312)
SAMPLE_BUFFER = 1440  # samples kept: 24 h at SAMPLE_PERIOD (>= 100 points per rID, R510)
TELEMETRY_SPAN = SAMPLE_PERIOD * SAMPLE_BUFFER  # metadata duration of telemetry (R312)
HISTORY_SPAN = timedelta(days=10)  # metadata duration of HISTORY_USAGE
HISTORY_STEP = timedelta(hours=1)  # recorded granularity of meter history (granularity 0, R317)
MAX_INTERVALS = 1000  # cap on intervals in one oadrReport

METADATA = "METADATA"  # reportSpecifierID asking for our metadata (R327)
SPEC_STATUS = "TELEMETRY_STATUS"
SPEC_USAGE = "TELEMETRY_USAGE"
SPEC_HISTORY = "HISTORY_USAGE"
RID_STATUS = "status"
RID_POWER = "power"
RID_ENERGY = "energy"
RID_HISTORY = "history_energy"

POWER_W = ItemBase(kind="powerReal", description="RealPower", units="W", si_scale_code="none")
ENERGY_WH = ItemBase(kind="energyReal", description="RealEnergy", units="Wh", si_scale_code="none")


class MeterSource(Protocol):
    """Where report data comes from (implemented by the Home Assistant layer)."""

    def power_w(self) -> float | None:
        """Instantaneous real power, W."""

    def energy_wh(self) -> float | None:
        """Cumulative real energy, Wh."""

    @property
    def has_history(self) -> bool:
        """True when :meth:`energy_history` can answer HISTORY_USAGE requests."""

    async def energy_history(
        self, start: datetime, end: datetime, step: timedelta
    ) -> list[tuple[datetime, float]]:
        """``(t, reading)`` for each ``step``-long interval starting at ``t`` in [start, end).

        ``reading`` is the cumulative meter register (Wh) at the end of that interval: HISTORY_USAGE
        is a Direct Read (R331) like TELEMETRY_USAGE's energy, not the energy used in the interval.
        Intervals without data are left out (the report then carries fewer intervals, R318).
        """


@register
@dataclass(frozen=True, slots=True)
class Sample:
    at: datetime
    power_w: float | None
    energy_wh: float | None
    manual_override: bool = False


@register
@dataclass(frozen=True, slots=True)
class ReportJob:
    """One accepted report request and when it is next due (persisted)."""

    request: ReportRequest
    next_due: datetime | None  # None: waiting for meter history
    end: datetime | None = None  # last delivery no later than this; None = open-ended (R325)
    inclusive_end: bool = True
    final: bool = False  # reportToFollow: one last report, then gone (R345)
    awaiting_history: bool = False

    @property
    def report_request_id(self) -> str:
        return self.request.report_request_id

    @property
    def specifier(self) -> str:
        return self.request.report_specifier_id

    @property
    def one_shot(self) -> bool:
        return self.request.report_back_duration <= timedelta(0)  # R324


def offered(has_history: bool) -> dict[str, frozenset[str]]:
    out = {SPEC_STATUS: frozenset({RID_STATUS}), SPEC_USAGE: frozenset({RID_POWER, RID_ENERGY})}
    if has_history:
        out[SPEC_HISTORY] = frozenset({RID_HISTORY})
    return out


def metadata(
    config: VenConfig,
    *,
    ven_id: str,
    has_history: bool,
    now: datetime,
    request_id: str,
    report_request_id: str | None = None,
) -> RegisterReport:
    """Our METADATA oadrRegisterReport: every capability (R306), reportRequestID 0 inside (R311)."""
    resource = config.resource_id or config.ven_name

    def usage(r_id: str, item: ItemBase) -> ReportDescription:
        return ReportDescription(
            r_id=r_id,
            report_type=ReportType.USAGE,
            reading_type=ReadingType.DIRECT_READ,
            item_base=item,
            resource_id=resource,
            min_period=SAMPLE_PERIOD,  # R333
            max_period=MAX_PERIOD,
        )

    reports = [
        ReportMetadata(
            report_specifier_id=SPEC_STATUS,
            report_name=ReportName.METADATA_TELEMETRY_STATUS,
            descriptions=(
                ReportDescription(
                    r_id=RID_STATUS,
                    report_type=ReportType.X_RESOURCE_STATUS,
                    reading_type=ReadingType.X_NOT_APPLICABLE,
                    resource_id=resource,  # R510: status of a resource identified by resourceID
                    min_period=SAMPLE_PERIOD,
                    max_period=MAX_PERIOD,
                ),
            ),
            created_date_time=now,
            duration=TELEMETRY_SPAN,
        ),
        ReportMetadata(
            report_specifier_id=SPEC_USAGE,
            report_name=ReportName.METADATA_TELEMETRY_USAGE,
            descriptions=(usage(RID_POWER, POWER_W), usage(RID_ENERGY, ENERGY_WH)),
            created_date_time=now,
            duration=TELEMETRY_SPAN,
        ),
    ]
    if has_history:
        reports.append(
            ReportMetadata(
                report_specifier_id=SPEC_HISTORY,
                report_name=ReportName.METADATA_HISTORY_USAGE,
                descriptions=(
                    ReportDescription(
                        r_id=RID_HISTORY,
                        report_type=ReportType.USAGE,
                        reading_type=ReadingType.DIRECT_READ,
                        item_base=ENERGY_WH,
                        resource_id=resource,
                    ),
                ),
                created_date_time=now,
                duration=HISTORY_SPAN,
            )
        )
    return RegisterReport(
        request_id=request_id, reports=tuple(reports), ven_id=ven_id, report_request_id=report_request_id
    )


def validate(request: ReportRequest, *, has_history: bool, now: datetime) -> Verdict:
    """452 for an unknown specifier or rID (R304), 454 for more than was offered (R340, R317)."""
    spec = request.report_specifier_id
    if spec == METADATA:
        return OK
    offer = offered(has_history)
    if spec not in offer:
        return Verdict(ResponseCode.INVALID_ID, f"unknown reportSpecifierID {spec}")
    unknown = sorted({p.r_id for p in request.specifier_payloads} - offer[spec])
    if unknown:
        return Verdict(ResponseCode.INVALID_ID, f"unknown rID {', '.join(unknown)}")
    zero = timedelta(0)
    g, rbd = request.granularity, request.report_back_duration
    if spec == SPEC_HISTORY:
        start = request.start or now - HISTORY_SPAN
        if start < now - HISTORY_SPAN - SAMPLE_PERIOD:
            return Verdict(ResponseCode.INVALID_DATA, "history older than offered")
        return OK
    if rbd > zero:  # one-shot telemetry ignores granularity (R324)
        if rbd < SAMPLE_PERIOD:
            return Verdict(ResponseCode.INVALID_DATA, "reportBackDuration below oadrMinPeriod")
        if zero < g < SAMPLE_PERIOD:
            return Verdict(ResponseCode.INVALID_DATA, "granularity below oadrMinPeriod")
        if g > rbd:
            return Verdict(ResponseCode.INVALID_DATA, "granularity above reportBackDuration")
        if g > MAX_PERIOD:
            return Verdict(ResponseCode.INVALID_DATA, "granularity above oadrMaxPeriod")
    return OK


def schedule(request: ReportRequest, now: datetime) -> ReportJob:
    """When the first report goes out (S p.37, R324, R325, R341)."""
    zero = timedelta(0)
    if request.report_back_duration <= zero or request.report_specifier_id == SPEC_HISTORY:
        history = request.report_specifier_id == SPEC_HISTORY
        return ReportJob(request, None if history else now, awaiting_history=history)
    start = max(request.start or now, now)
    end = start + request.duration if request.duration and request.duration > zero else None
    g, rbd = request.granularity, request.report_back_duration
    if g <= zero or g >= rbd:
        # Point data, or one interval per report: the first report goes out at once (R1_3027).
        return ReportJob(request, start, end=end, inclusive_end=False)
    return ReportJob(request, start + rbd, end=end, inclusive_end=True)


def after_delivery(job: ReportJob, sent_at: datetime) -> ReportJob | None:
    """The job after one delivery, or None when it is complete."""
    if job.one_shot or job.final or job.specifier == SPEC_HISTORY:
        return None
    rbd = job.request.report_back_duration
    due = (job.next_due or sent_at) + rbd
    if due < sent_at:
        # Several periods went by without the VEN running (host down or stalled): skip them
        # without a burst, staying on the grid. Their windows lie wholly in that gap, when no
        # reading was taken, so nothing is lost; the next report joins up with the last one.
        due += rbd * math.ceil((sent_at - due) / rbd)
    if job.end is not None and (due > job.end or (due == job.end and not job.inclusive_end)):
        return None
    return replace(job, next_due=due)


def wanted(job: ReportJob, all_ids: Iterable[str]) -> list[str]:
    """rIDs to include: those requested (R300); none listed means all."""
    ids = [p.r_id for p in job.request.specifier_payloads]
    return ids or sorted(all_ids)


def _last_sample(samples: list[Sample], start: datetime, end: datetime) -> Sample | None:
    chosen = None
    for s in samples:
        if start <= s.at < end:
            chosen = s
    return chosen


def _usage_value(sample: Sample | None, r_id: str) -> float | None:
    if sample is None:
        return None
    return sample.power_w if r_id == RID_POWER else sample.energy_wh


def _interval(start: datetime, duration: timedelta, r_id: str, value: float | None) -> ReportInterval:
    if value is None:
        # R318: a placeholder value flagged "Quality Bad" when there is no valid data.
        return ReportInterval(start, duration, r_id, 0.0, DataQuality.QUALITY_BAD_NON_SPECIFIC)
    return ReportInterval(start, duration, r_id, value, DataQuality.QUALITY_GOOD_NON_SPECIFIC)


def telemetry_intervals(
    job: ReportJob,
    samples: list[Sample],
    latest: Sample | None,
    now: datetime,
    *,
    window_end: datetime | None = None,
) -> list[ReportInterval]:
    """Intervals of a TELEMETRY_STATUS / TELEMETRY_USAGE report due at ``now`` (R313-R317, R337).

    Interval data covers the ``reportBackDuration`` before ``window_end`` (default ``now``): a
    report generated late (the host was down at its due time) still covers its own window, so
    consecutive reports join up without a gap or an overlap.
    """
    spec = job.specifier
    ids = wanted(job, offered(False)[spec])
    g, rbd = job.request.granularity, job.request.report_back_duration
    out: list[ReportInterval] = []
    if job.one_shot or g <= timedelta(0) or g >= rbd:
        # One interval per data point: the latest sample (one-shot R324, on-change R317).
        sample = latest
        for r_id in ids:
            if spec == SPEC_STATUS:
                override = sample.manual_override if sample else False
                out.append(ReportInterval(now, timedelta(0), r_id, ResourceStatus(True, override)))
            else:
                start = sample.at if sample else now
                out.append(_interval(start, SAMPLE_PERIOD, r_id, _usage_value(sample, r_id)))  # R337
        return out
    count = min(MAX_INTERVALS, max(1, int(rbd / g)))
    first = (window_end or now) - g * count
    for i in range(count):  # oldest to newest (R314)
        start = first + g * i
        sample = _last_sample(samples, start, start + g)
        for r_id in ids:
            if spec == SPEC_STATUS:
                override = sample.manual_override if sample else False
                out.append(ReportInterval(start, timedelta(0), r_id, ResourceStatus(True, override)))
            else:
                out.append(_interval(start, g, r_id, _usage_value(sample, r_id)))
    return out


def history_window(job: ReportJob, now: datetime) -> tuple[datetime, datetime, timedelta]:
    """[start, end) and step for a HISTORY_USAGE request (R325: duration 0 = all since dtstart)."""
    start = job.request.start or now - HISTORY_SPAN
    duration = job.request.duration
    end = min(now, start + duration) if duration and duration > timedelta(0) else now
    step = job.request.granularity if job.request.granularity > timedelta(0) else HISTORY_STEP
    return start, end, step


def history_intervals(
    job: ReportJob, points: list[tuple[datetime, float]], now: datetime
) -> list[ReportInterval]:
    start, _end, step = history_window(job, now)
    if not points:
        return [_interval(start, step, RID_HISTORY, None)]
    return [_interval(t, step, RID_HISTORY, v) for t, v in sorted(points)[-MAX_INTERVALS:]]


_NAMES = {
    SPEC_STATUS: ReportName.TELEMETRY_STATUS,
    SPEC_USAGE: ReportName.TELEMETRY_USAGE,
    SPEC_HISTORY: ReportName.HISTORY_USAGE,
}


def update_report(
    job: ReportJob, intervals: list[ReportInterval], *, ven_id: str, request_id: str, now: datetime
) -> UpdateReport:
    """One oadrUpdateReport for ``job`` (dtstart = first interval, R314; duration spans them, R315)."""
    start = min((iv.start for iv in intervals), default=now)
    end = max((iv.start + iv.duration for iv in intervals), default=now)
    data = ReportData(
        report_request_id=job.report_request_id,
        report_specifier_id=job.specifier,
        report_name=_NAMES[job.specifier],
        created_date_time=now,
        start=start,
        duration=end - start,
        intervals=tuple(intervals),
    )
    return UpdateReport(request_id=request_id, ven_id=ven_id, reports=(data,))
