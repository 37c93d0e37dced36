"""Builders for the EiReport messages (VEN_REQUIREMENTS §3.3-§3.6)."""

from __future__ import annotations

from datetime import timedelta

from ..models import (
    CanceledReport,
    CancelReport,
    CreatedReport,
    CreateReport,
    RegisteredReport,
    RegisterReport,
    ReportData,
    ReportDescription,
    ReportMetadata,
    ReportRequest,
    ResourceStatus,
    UpdatedReport,
    UpdateReport,
)
from .build_parts import (
    date_time,
    duration_prop,
    esc,
    format_bool,
    format_float,
    item_base,
    leaf,
    response,
)
from .timeutil import format_datetime, format_duration

_ZERO = timedelta(0)
_LOAD_CONTROL = (
    ("load_control_capacity", "oadr:oadrCapacity"),
    ("load_control_level_offset", "oadr:oadrLevelOffset"),
    ("load_control_percent_offset", "oadr:oadrPercentOffset"),
    ("load_control_setpoint", "oadr:oadrSetPoint"),
)


def _ven_id(w: list[str], ven_id: str | None) -> None:
    if ven_id is not None:
        leaf(w, "ei:venID", ven_id)


def _pending(w: list[str], ids: tuple[str, ...]) -> None:
    if not ids:
        w.append("<oadr:oadrPendingReports/>")
        return
    w.append("<oadr:oadrPendingReports>")
    for report_request_id in ids:
        leaf(w, "ei:reportRequestID", report_request_id)
    w.append("</oadr:oadrPendingReports>")


def _first(a: timedelta | None, b: timedelta | None) -> timedelta:
    if a is not None:
        return a
    return b if b is not None else _ZERO


def _description(w: list[str], value: ReportDescription) -> None:
    w.append("<oadr:oadrReportDescription>")
    leaf(w, "ei:rID", value.r_id)
    if value.resource_id is not None:
        w.append(
            f"<ei:reportDataSource><ei:resourceID>{esc(value.resource_id)}</ei:resourceID></ei:reportDataSource>"
        )
    leaf(w, "ei:reportType", value.report_type.value)
    if value.item_base is not None:
        item_base(w, value.item_base)
    leaf(w, "ei:readingType", value.reading_type.value)
    if value.market_context is not None:
        leaf(w, "emix:marketContext", value.market_context)
    if value.min_period is not None or value.max_period is not None:
        # R333: TELEMETRY_* data points carry a sampling rate; one given bound stands for both.
        low = format_duration(_first(value.min_period, value.max_period))
        high = format_duration(_first(value.max_period, value.min_period))
        w.append(
            f"<oadr:oadrSamplingRate><oadr:oadrMinPeriod>{low}</oadr:oadrMinPeriod>"
            f"<oadr:oadrMaxPeriod>{high}</oadr:oadrMaxPeriod>"
            f"<oadr:oadrOnChange>{format_bool(value.on_change)}</oadr:oadrOnChange></oadr:oadrSamplingRate>"
        )
    w.append("</oadr:oadrReportDescription>")


def _metadata_report(w: list[str], value: ReportMetadata) -> None:
    # R305: no dtstart, no intervals, no eiReportID in METADATA reports; R312: duration.
    w.append("<oadr:oadrReport>")
    if value.duration is not None:
        duration_prop(w, "xcal:duration", value.duration)
    for description in value.descriptions:
        _description(w, description)
    leaf(w, "ei:reportRequestID", value.report_request_id)  # "0" (R311)
    leaf(w, "ei:reportSpecifierID", value.report_specifier_id)
    leaf(w, "ei:reportName", value.report_name.value)
    w.append(f"<ei:createdDateTime>{format_datetime(value.created_date_time)}</ei:createdDateTime>")
    w.append("</oadr:oadrReport>")


def build_register_report(w: list[str], msg: RegisterReport) -> None:
    leaf(w, "pyld:requestID", msg.request_id)
    for report in msg.reports:  # none at all when the VEN has nothing to offer (R301, R305)
        _metadata_report(w, report)
    _ven_id(w, msg.ven_id)
    if msg.report_request_id is not None:  # only when answering a METADATA request (R311)
        leaf(w, "ei:reportRequestID", msg.report_request_id)


def _report_request(w: list[str], value: ReportRequest) -> None:
    w.append("<oadr:oadrReportRequest>")
    leaf(w, "ei:reportRequestID", value.report_request_id)
    w.append("<ei:reportSpecifier>")
    leaf(w, "ei:reportSpecifierID", value.report_specifier_id)
    duration_prop(w, "xcal:granularity", value.granularity)
    duration_prop(w, "ei:reportBackDuration", value.report_back_duration)
    if value.start is not None:
        # R321: the reportInterval holds only dtstart and duration.
        w.append("<ei:reportInterval><xcal:properties>")
        date_time(w, "xcal:dtstart", value.start)
        duration_prop(w, "xcal:duration", value.duration if value.duration is not None else _ZERO)
        w.append("</xcal:properties></ei:reportInterval>")
    for payload in value.specifier_payloads:
        w.append("<ei:specifierPayload>")
        leaf(w, "ei:rID", payload.r_id)
        if payload.item_base is not None:
            item_base(w, payload.item_base)
        leaf(w, "ei:readingType", payload.reading_type)
        w.append("</ei:specifierPayload>")
    w.append("</ei:reportSpecifier></oadr:oadrReportRequest>")


def build_registered_report(w: list[str], msg: RegisteredReport) -> None:
    response(w, msg.response)
    for request in msg.report_requests:
        _report_request(w, request)
    _ven_id(w, msg.ven_id)


def build_create_report(w: list[str], msg: CreateReport) -> None:
    leaf(w, "pyld:requestID", msg.request_id)
    for request in msg.report_requests:
        _report_request(w, request)
    _ven_id(w, msg.ven_id)


def build_created_report(w: list[str], msg: CreatedReport) -> None:
    response(w, msg.response)
    _pending(w, msg.pending_report_request_ids)  # all scheduled requests (R329)
    leaf(w, "ei:venID", msg.ven_id)


def _resource_status(w: list[str], value: ResourceStatus) -> None:
    w.append(
        f"<oadr:oadrPayloadResourceStatus><oadr:oadrOnline>{format_bool(value.online)}</oadr:oadrOnline>"
        f"<oadr:oadrManualOverride>{format_bool(value.manual_override)}</oadr:oadrManualOverride>"
    )
    states = [
        f"<{q}><oadr:oadrCurrent>{format_float(current)}</oadr:oadrCurrent></{q}>"
        for attr, q in _LOAD_CONTROL
        if (current := getattr(value, attr)) is not None
    ]
    if states:
        w.append("<oadr:oadrLoadControlState>" + "".join(states) + "</oadr:oadrLoadControlState>")
    w.append("</oadr:oadrPayloadResourceStatus>")


def _data_report(w: list[str], value: ReportData) -> None:
    w.append("<oadr:oadrReport>")
    date_time(w, "xcal:dtstart", value.start)  # required in every update (R313, R314)
    duration_prop(w, "xcal:duration", value.duration)
    w.append("<strm:intervals>")
    for uid, interval in enumerate(value.intervals):
        w.append(
            f"<ei:interval><xcal:dtstart><xcal:date-time>{format_datetime(interval.start)}"
            "</xcal:date-time></xcal:dtstart>"
        )
        if interval.duration:  # PT0S = point data: dtstart only (R342)
            duration_prop(w, "xcal:duration", interval.duration)
        w.append(f"<xcal:uid><xcal:text>{uid}</xcal:text></xcal:uid><oadr:oadrReportPayload>")
        leaf(w, "ei:rID", interval.r_id)
        if interval.confidence is not None:
            w.append(f"<ei:confidence>{int(interval.confidence)}</ei:confidence>")
        if interval.accuracy is not None:
            w.append(f"<ei:accuracy>{format_float(interval.accuracy)}</ei:accuracy>")
        if isinstance(interval.value, ResourceStatus):
            _resource_status(w, interval.value)
        else:
            w.append(
                f"<ei:payloadFloat><ei:value>{format_float(interval.value)}</ei:value></ei:payloadFloat>"
            )
        if interval.data_quality is not None:
            leaf(w, "oadr:oadrDataQuality", interval.data_quality.value)
        w.append("</oadr:oadrReportPayload></ei:interval>")
    w.append("</strm:intervals>")
    if value.report_id is not None:
        leaf(w, "ei:eiReportID", value.report_id)
    leaf(w, "ei:reportRequestID", value.report_request_id)
    leaf(w, "ei:reportSpecifierID", value.report_specifier_id)
    leaf(w, "ei:reportName", value.report_name.value)
    w.append(f"<ei:createdDateTime>{format_datetime(value.created_date_time)}</ei:createdDateTime>")
    w.append("</oadr:oadrReport>")


def build_update_report(w: list[str], msg: UpdateReport) -> None:
    leaf(w, "pyld:requestID", msg.request_id)
    for report in msg.reports:
        _data_report(w, report)
    leaf(w, "ei:venID", msg.ven_id)


def build_cancel_report(w: list[str], msg: CancelReport) -> None:
    leaf(w, "pyld:requestID", msg.request_id)
    for report_request_id in msg.report_request_ids:
        leaf(w, "ei:reportRequestID", report_request_id)
    w.append(f"<pyld:reportToFollow>{format_bool(msg.report_to_follow)}</pyld:reportToFollow>")
    _ven_id(w, msg.ven_id)


def build_updated_report(w: list[str], msg: UpdatedReport) -> None:
    response(w, msg.response)
    if msg.cancel_report is not None:  # piggy-backed cancel (R328)
        w.append("<oadr:oadrCancelReport>")
        build_cancel_report(w, msg.cancel_report)
        w.append("</oadr:oadrCancelReport>")
    _ven_id(w, msg.ven_id)


def build_canceled_report(w: list[str], msg: CanceledReport) -> None:
    response(w, msg.response)
    _pending(w, msg.pending_report_request_ids)
    _ven_id(w, msg.ven_id)
