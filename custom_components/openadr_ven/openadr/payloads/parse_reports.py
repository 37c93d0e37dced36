"""Parsers for the EiReport messages (VEN_REQUIREMENTS §3.3-§3.6)."""

from __future__ import annotations

from datetime import datetime, timedelta

from lxml import etree

from ..enums import DataQuality, ReadingType, ReportName, ReportType
from ..models import (
    CanceledReport,
    CancelReport,
    CreatedReport,
    CreateReport,
    ItemBase,
    RegisteredReport,
    RegisterReport,
    ReportData,
    ReportDescription,
    ReportInterval,
    ReportMetadata,
    ReportRequest,
    ResourceStatus,
    Response,
    SpecifierPayload,
    UpdatedReport,
    UpdateReport,
)
from . import namespaces as ns
from .parse_parts import (
    child,
    date_time,
    duration_prop,
    invalid,
    item_base,
    missing,
    opt_text,
    payload_float,
    response,
    text,
    to_bool,
    to_datetime,
    to_duration,
    to_float,
    to_int,
)

_REPORT_NAMES = {m.value: m for m in ReportName}
_REPORT_TYPES = {m.value: m for m in ReportType}
_READING_TYPES = {m.value: m for m in ReadingType}
_DATA_QUALITIES = {m.value: m for m in DataQuality}
_LOAD_CONTROL = {
    ns.O_CAPACITY: "load_control_capacity",
    ns.O_LEVEL_OFFSET: "load_control_level_offset",
    ns.O_PERCENT_OFFSET: "load_control_percent_offset",
    ns.O_SET_POINT: "load_control_setpoint",
}


def _report_name(value: str, path: str) -> ReportName | None:
    """A well-known name, None for an ``x-`` extension name (R331), PayloadError otherwise."""
    name = _REPORT_NAMES.get(value)
    if name is None and not value.startswith("x-"):
        raise invalid(path, f"unknown reportName {value[:32]!r}")
    return name


def _pending(el: etree._Element) -> tuple[str, ...]:
    return tuple(text(c) for c in el if c.tag == ns.EI_REPORT_REQUEST_ID)


# --------------------------------------------------------------------------------------------
# METADATA (oadrRegisterReport)


def _description(el: etree._Element, path: str) -> ReportDescription | None:
    r_id: str | None = None
    report_type = reading_type = None
    item: ItemBase | None = None
    resource_id = market = None
    min_period: timedelta | None = None
    max_period: timedelta | None = None
    on_change = False
    for c in el:
        tag = c.tag
        if tag == ns.EI_R_ID:
            r_id = text(c)
        elif tag == ns.EI_REPORT_DATA_SOURCE:
            for s in c:
                if s.tag == ns.EI_RESOURCE_ID and resource_id is None:
                    resource_id = opt_text(s)
        elif tag == ns.EI_REPORT_TYPE:
            report_type = text(c)
        elif tag == ns.EI_READING_TYPE:
            reading_type = text(c)
        elif tag == ns.EMIX_MARKET_CONTEXT:
            market = opt_text(c)
        elif tag == ns.O_SAMPLING_RATE:
            for s in c:
                if s.tag == ns.O_MIN_PERIOD:
                    min_period = to_duration(text(s), path + "/oadrSamplingRate/oadrMinPeriod")
                elif s.tag == ns.O_MAX_PERIOD:
                    max_period = to_duration(text(s), path + "/oadrSamplingRate/oadrMaxPeriod")
                elif s.tag == ns.O_ON_CHANGE:
                    on_change = to_bool(text(s), path + "/oadrSamplingRate/oadrOnChange")
        else:
            kind = ns.ITEM_KIND_BY_TAG.get(tag)
            if kind is not None:
                item = item_base(c, kind, path + "/" + kind)
    if not r_id:
        raise missing(path + "/rID")
    if report_type is None:
        raise missing(path + "/reportType")
    if reading_type is None:
        raise missing(path + "/readingType")
    rtype = _REPORT_TYPES.get(report_type)
    reading = _READING_TYPES.get(reading_type)
    if rtype is None or reading is None:
        # An x- extension data point (Annex B) the models cannot express: skipped.
        if report_type.startswith("x-") or reading_type.startswith("x-"):
            return None
        raise invalid(path, f"unknown reportType/readingType {report_type[:32]!r}/{reading_type[:32]!r}")
    return ReportDescription(
        r_id, rtype, reading, item, resource_id, market, min_period, max_period, on_change
    )


def _metadata(el: etree._Element, path: str) -> ReportMetadata | None:
    specifier = name = created = None
    duration: timedelta | None = None
    request_id = "0"
    descriptions: list[ReportDescription] = []
    for c in el:
        tag = c.tag
        if tag == ns.O_REPORT_DESCRIPTION:
            description = _description(c, path + "/oadrReportDescription")
            if description is not None:
                descriptions.append(description)
        elif tag == ns.XCAL_DURATION:
            duration = duration_prop(c, path + "/duration")
        elif tag == ns.EI_REPORT_SPECIFIER_ID:
            specifier = text(c)
        elif tag == ns.EI_REPORT_NAME:
            name = text(c)
        elif tag == ns.EI_REPORT_REQUEST_ID:
            request_id = text(c)
        elif tag == ns.EI_CREATED_DATE_TIME:
            created = to_datetime(text(c), path + "/createdDateTime")
    if specifier is None:
        raise missing(path + "/reportSpecifierID")
    if name is None:
        raise missing(path + "/reportName")
    if created is None:
        raise missing(path + "/createdDateTime")
    report_name = _report_name(name, path + "/reportName")
    if report_name is None:
        return None  # x- custom report: not expressible in the models, skipped
    return ReportMetadata(specifier, report_name, tuple(descriptions), created, duration, request_id)


def parse_register_report(el: etree._Element) -> RegisterReport:
    path = "oadrRegisterReport"
    request_id: str | None = None
    ven_id = report_request_id = None
    reports: list[ReportMetadata] = []
    for c in el:
        tag = c.tag
        if tag == ns.O_REPORT:
            report = _metadata(c, path + "/oadrReport")
            if report is not None:
                reports.append(report)
        elif tag == ns.PYLD_REQUEST_ID:
            request_id = text(c)
        elif tag == ns.EI_VEN_ID:
            ven_id = text(c)
        elif tag == ns.EI_REPORT_REQUEST_ID:
            report_request_id = text(c)
    if request_id is None:
        raise missing(path + "/requestID")
    return RegisterReport(request_id, tuple(reports), ven_id, report_request_id)


# --------------------------------------------------------------------------------------------
# Requests


def _report_request(el: etree._Element, path: str) -> ReportRequest:
    request_id: str | None = None
    spec: etree._Element | None = None
    for c in el:
        if c.tag == ns.EI_REPORT_REQUEST_ID:
            request_id = text(c)
        elif c.tag == ns.EI_REPORT_SPECIFIER:
            spec = c
    if request_id is None:
        raise missing(path + "/reportRequestID")
    if spec is None:
        raise missing(path + "/reportSpecifier")
    path += "/reportSpecifier"
    specifier_id: str | None = None
    granularity = back = None
    start: datetime | None = None
    duration: timedelta | None = None
    payloads: list[SpecifierPayload] = []
    for c in spec:
        tag = c.tag
        if tag == ns.EI_REPORT_SPECIFIER_ID:
            specifier_id = text(c)
        elif tag == ns.XCAL_GRANULARITY:
            granularity = duration_prop(c, path + "/granularity")
        elif tag == ns.EI_REPORT_BACK_DURATION:
            back = duration_prop(c, path + "/reportBackDuration")
        elif tag == ns.EI_REPORT_INTERVAL:
            props = child(c, ns.XCAL_PROPERTIES, path + "/reportInterval/properties")
            for p in props:
                if p.tag == ns.XCAL_DTSTART:
                    start = date_time(p, path + "/reportInterval/properties/dtstart")
                elif p.tag == ns.XCAL_DURATION:
                    duration = duration_prop(p, path + "/reportInterval/properties/duration")
        elif tag == ns.EI_SPECIFIER_PAYLOAD:
            payloads.append(_specifier_payload(c, path + "/specifierPayload"))
    if specifier_id is None:
        raise missing(path + "/reportSpecifierID")
    if granularity is None:
        raise missing(path + "/granularity")
    if back is None:
        raise missing(path + "/reportBackDuration")
    if not payloads:
        raise missing(path + "/specifierPayload")
    return ReportRequest(request_id, specifier_id, granularity, back, tuple(payloads), start, duration)


def _specifier_payload(el: etree._Element, path: str) -> SpecifierPayload:
    r_id = reading = None
    item: ItemBase | None = None
    for c in el:
        tag = c.tag
        if tag == ns.EI_R_ID:
            r_id = text(c)
        elif tag == ns.EI_READING_TYPE:
            reading = text(c)
        else:
            kind = ns.ITEM_KIND_BY_TAG.get(tag)
            if kind is not None:
                item = item_base(c, kind, path + "/" + kind)
    if r_id is None:
        raise missing(path + "/rID")
    if reading is None:
        raise missing(path + "/readingType")
    return SpecifierPayload(r_id, reading, item)


def _requests_response_ven(
    el: etree._Element, path: str
) -> tuple[Response | None, str | None, list[ReportRequest], str | None]:
    ei_response: Response | None = None
    request_id = ven_id = None
    requests: list[ReportRequest] = []
    for c in el:
        tag = c.tag
        if tag == ns.O_REPORT_REQUEST:
            requests.append(_report_request(c, path + "/oadrReportRequest"))
        elif tag == ns.EI_RESPONSE:
            ei_response = response(c, path + "/eiResponse")
        elif tag == ns.PYLD_REQUEST_ID:
            request_id = text(c)
        elif tag == ns.EI_VEN_ID:
            ven_id = text(c)
    return ei_response, request_id, requests, ven_id


def parse_registered_report(el: etree._Element) -> RegisteredReport:
    ei_response, _, requests, ven_id = _requests_response_ven(el, "oadrRegisteredReport")
    if ei_response is None:
        raise missing("oadrRegisteredReport/eiResponse")
    return RegisteredReport(ei_response, tuple(requests), ven_id)


def parse_create_report(el: etree._Element) -> CreateReport:
    _, request_id, requests, ven_id = _requests_response_ven(el, "oadrCreateReport")
    if request_id is None:
        raise missing("oadrCreateReport/requestID")
    if not requests:
        raise missing("oadrCreateReport/oadrReportRequest")
    return CreateReport(request_id, tuple(requests), ven_id)


def _response_pending_ven(el: etree._Element, path: str) -> tuple[Response, tuple[str, ...], str | None]:
    ei_response: Response | None = None
    pending: tuple[str, ...] | None = None
    ven_id = None
    for c in el:
        tag = c.tag
        if tag == ns.EI_RESPONSE:
            ei_response = response(c, path + "/eiResponse")
        elif tag == ns.O_PENDING_REPORTS:
            pending = _pending(c)
        elif tag == ns.EI_VEN_ID:
            ven_id = text(c)
    if ei_response is None:
        raise missing(path + "/eiResponse")
    if pending is None:
        raise missing(path + "/oadrPendingReports")
    return ei_response, pending, ven_id


def parse_created_report(el: etree._Element) -> CreatedReport:
    ei_response, pending, ven_id = _response_pending_ven(el, "oadrCreatedReport")
    return CreatedReport(ei_response, pending, ven_id or "")


def parse_canceled_report(el: etree._Element) -> CanceledReport:
    ei_response, pending, ven_id = _response_pending_ven(el, "oadrCanceledReport")
    return CanceledReport(ei_response, pending, ven_id)


def parse_cancel_report(el: etree._Element, path: str = "oadrCancelReport") -> CancelReport:
    request_id = ven_id = None
    ids: list[str] = []
    follow: bool | None = None
    for c in el:
        tag = c.tag
        if tag == ns.EI_REPORT_REQUEST_ID:
            ids.append(text(c))
        elif tag == ns.PYLD_REQUEST_ID:
            request_id = text(c)
        elif tag == ns.PYLD_REPORT_TO_FOLLOW:
            follow = to_bool(text(c), path + "/reportToFollow")
        elif tag == ns.EI_VEN_ID:
            ven_id = text(c)
    if request_id is None:
        raise missing(path + "/requestID")
    if not ids:
        raise missing(path + "/reportRequestID")
    if follow is None:
        raise missing(path + "/reportToFollow")
    return CancelReport(request_id, tuple(ids), follow, ven_id)


def parse_updated_report(el: etree._Element) -> UpdatedReport:
    path = "oadrUpdatedReport"
    ei_response: Response | None = None
    cancel: CancelReport | None = None
    ven_id = None
    for c in el:
        tag = c.tag
        if tag == ns.EI_RESPONSE:
            ei_response = response(c, path + "/eiResponse")
        elif tag == ns.O_CANCEL_REPORT:  # piggy-backed cancel (R328, R335)
            cancel = parse_cancel_report(c, path + "/oadrCancelReport")
        elif tag == ns.EI_VEN_ID:
            ven_id = text(c)
    if ei_response is None:
        raise missing(path + "/eiResponse")
    return UpdatedReport(ei_response, cancel, ven_id)


# --------------------------------------------------------------------------------------------
# Data (oadrUpdateReport)


def _resource_status(el: etree._Element, path: str) -> ResourceStatus:
    online = override = None
    values: dict[str, float] = {}
    for c in el:
        tag = c.tag
        if tag == ns.O_ONLINE:
            online = to_bool(text(c), path + "/oadrOnline")
        elif tag == ns.O_MANUAL_OVERRIDE:
            override = to_bool(text(c), path + "/oadrManualOverride")
        elif tag == ns.O_LOAD_CONTROL_STATE:
            for s in c:
                attr = _LOAD_CONTROL.get(s.tag)
                if attr is not None:
                    current = child(s, ns.O_CURRENT, path + "/oadrLoadControlState/oadrCurrent")
                    values[attr] = to_float(text(current), path + "/oadrLoadControlState/oadrCurrent")
    if online is None:
        raise missing(path + "/oadrOnline")
    if override is None:
        raise missing(path + "/oadrManualOverride")
    return ResourceStatus(online, override, **values)


def _data_intervals(el: etree._Element, path: str, report_start: datetime | None) -> list[ReportInterval]:
    out: list[ReportInterval] = []
    for iv in el:
        if iv.tag != ns.EI_INTERVAL:
            continue
        start = report_start
        duration = _ZERO
        payloads: list[etree._Element] = []
        for c in iv:
            tag = c.tag
            if tag == ns.XCAL_DTSTART:
                start = date_time(c, path + "/dtstart")
            elif tag == ns.XCAL_DURATION:
                duration = duration_prop(c, path + "/duration")
            elif tag == ns.O_REPORT_PAYLOAD:
                payloads.append(c)
        if start is None:
            raise missing(path + "/dtstart")
        if not payloads:
            raise missing(path + "/oadrReportPayload")
        for payload in payloads:
            out.append(_report_payload(payload, path + "/oadrReportPayload", start, duration))
    return out


def _report_payload(el: etree._Element, path: str, start: datetime, duration: timedelta) -> ReportInterval:
    r_id: str | None = None
    value: float | ResourceStatus | None = None
    quality: DataQuality | None = None
    confidence: int | None = None
    accuracy: float | None = None
    for c in el:
        tag = c.tag
        if tag == ns.EI_R_ID:
            r_id = text(c)
        elif tag == ns.EI_PAYLOAD_FLOAT:
            value = payload_float(c, path + "/payloadFloat")
        elif tag == ns.O_PAYLOAD_RESOURCE_STATUS:
            value = _resource_status(c, path + "/oadrPayloadResourceStatus")
        elif tag == ns.O_DATA_QUALITY:
            quality = _DATA_QUALITIES.get(text(c))  # x- extension qualities read as None
        elif tag == ns.EI_CONFIDENCE:
            confidence = to_int(text(c), path + "/confidence")
        elif tag == ns.EI_ACCURACY:
            accuracy = to_float(text(c), path + "/accuracy")
    if r_id is None:
        raise missing(path + "/rID")
    if value is None:
        raise missing(path + "/payloadBase")
    return ReportInterval(start, duration, r_id, value, quality, confidence, accuracy)


_ZERO = timedelta(0)


def _data_report(el: etree._Element, path: str) -> ReportData | None:
    start: datetime | None = None
    duration = _ZERO
    intervals_el: etree._Element | None = None
    report_id = request_id = specifier = name = None
    created: datetime | None = None
    for c in el:
        tag = c.tag
        if tag == ns.XCAL_DTSTART:
            start = date_time(c, path + "/dtstart")
        elif tag == ns.XCAL_DURATION:
            duration = duration_prop(c, path + "/duration")
        elif tag == ns.STRM_INTERVALS:
            intervals_el = c
        elif tag == ns.EI_REPORT_ID:
            report_id = opt_text(c)
        elif tag == ns.EI_REPORT_REQUEST_ID:
            request_id = text(c)
        elif tag == ns.EI_REPORT_SPECIFIER_ID:
            specifier = text(c)
        elif tag == ns.EI_REPORT_NAME:
            name = text(c)
        elif tag == ns.EI_CREATED_DATE_TIME:
            created = to_datetime(text(c), path + "/createdDateTime")
    intervals = (
        _data_intervals(intervals_el, path + "/intervals/interval", start) if intervals_el is not None else []
    )
    if start is None:  # R313/R314: required; fall back on the first interval's start
        if not intervals:
            raise missing(path + "/dtstart")
        start = intervals[0].start
    if request_id is None:
        raise missing(path + "/reportRequestID")
    if specifier is None:
        raise missing(path + "/reportSpecifierID")
    if name is None:
        raise missing(path + "/reportName")
    if created is None:
        raise missing(path + "/createdDateTime")
    report_name = _report_name(name, path + "/reportName")
    if report_name is None:
        return None
    return ReportData(
        request_id, specifier, report_name, created, start, duration, tuple(intervals), report_id
    )


def parse_update_report(el: etree._Element) -> UpdateReport:
    path = "oadrUpdateReport"
    request_id = ven_id = None
    reports: list[ReportData] = []
    for c in el:
        tag = c.tag
        if tag == ns.O_REPORT:
            report = _data_report(c, path + "/oadrReport")
            if report is not None:
                reports.append(report)
        elif tag == ns.PYLD_REQUEST_ID:
            request_id = text(c)
        elif tag == ns.EI_VEN_ID:
            ven_id = text(c)
    if request_id is None:
        raise missing(path + "/requestID")
    return UpdateReport(request_id, ven_id or "", tuple(reports))
