"""Builders for the EiReport messages (VEN_REQUIREMENTS §3.3-§3.6)."""

from __future__ import annotations

from datetime import timedelta

from lxml import etree

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
from . import namespaces as ns
from .build_parts import (
    date_time,
    duration_prop,
    format_bool,
    format_float,
    item_base,
    response,
    text_el,
)
from .timeutil import format_datetime, format_duration

_SubElement = etree.SubElement
_ZERO = timedelta(0)

_LOAD_CONTROL_TAGS = (
    ("load_control_capacity", ns.O_CAPACITY),
    ("load_control_level_offset", ns.O_LEVEL_OFFSET),
    ("load_control_percent_offset", ns.O_PERCENT_OFFSET),
    ("load_control_setpoint", ns.O_SET_POINT),
)


def _pending(parent: etree._Element, ids: tuple[str, ...]) -> None:
    el = _SubElement(parent, ns.O_PENDING_REPORTS)
    for report_request_id in ids:
        text_el(el, ns.EI_REPORT_REQUEST_ID, report_request_id)


def _description(parent: etree._Element, value: ReportDescription) -> None:
    el = _SubElement(parent, ns.O_REPORT_DESCRIPTION)
    text_el(el, ns.EI_R_ID, value.r_id)
    if value.resource_id is not None:
        source = _SubElement(el, ns.EI_REPORT_DATA_SOURCE)
        text_el(source, ns.EI_RESOURCE_ID, value.resource_id)
    text_el(el, ns.EI_REPORT_TYPE, value.report_type.value)
    if value.item_base is not None:
        item_base(el, value.item_base)
    text_el(el, ns.EI_READING_TYPE, value.reading_type.value)
    if value.market_context is not None:
        text_el(el, ns.EMIX_MARKET_CONTEXT, value.market_context)
    if value.min_period is not None or value.max_period is not None:
        # R333: TELEMETRY_* data points carry a sampling rate; one given bound stands for both.
        low = _first(value.min_period, value.max_period)
        high = _first(value.max_period, value.min_period)
        rate = _SubElement(el, ns.O_SAMPLING_RATE)
        text_el(rate, ns.O_MIN_PERIOD, format_duration(low))
        text_el(rate, ns.O_MAX_PERIOD, format_duration(high))
        text_el(rate, ns.O_ON_CHANGE, format_bool(value.on_change))


def _first(a: timedelta | None, b: timedelta | None) -> timedelta:
    if a is not None:
        return a
    return b if b is not None else _ZERO


def _metadata_report(parent: etree._Element, value: ReportMetadata) -> None:
    # R305: no dtstart, no intervals, no eiReportID in METADATA reports; R312: duration.
    el = _SubElement(parent, ns.O_REPORT)
    if value.duration is not None:
        duration_prop(el, ns.XCAL_DURATION, value.duration)
    for description in value.descriptions:
        _description(el, description)
    text_el(el, ns.EI_REPORT_REQUEST_ID, value.report_request_id)  # "0" (R311)
    text_el(el, ns.EI_REPORT_SPECIFIER_ID, value.report_specifier_id)
    text_el(el, ns.EI_REPORT_NAME, value.report_name.value)
    text_el(el, ns.EI_CREATED_DATE_TIME, format_datetime(value.created_date_time))


def build_register_report(el: etree._Element, msg: RegisterReport) -> None:
    text_el(el, ns.PYLD_REQUEST_ID, msg.request_id)
    for report in msg.reports:  # none at all when the VEN has nothing to offer (R301, R305)
        _metadata_report(el, report)
    if msg.ven_id is not None:
        text_el(el, ns.EI_VEN_ID, msg.ven_id)
    if msg.report_request_id is not None:  # only when answering a METADATA request (R311)
        text_el(el, ns.EI_REPORT_REQUEST_ID, msg.report_request_id)


def _report_request(parent: etree._Element, value: ReportRequest) -> None:
    el = _SubElement(parent, ns.O_REPORT_REQUEST)
    text_el(el, ns.EI_REPORT_REQUEST_ID, value.report_request_id)
    spec = _SubElement(el, ns.EI_REPORT_SPECIFIER)
    text_el(spec, ns.EI_REPORT_SPECIFIER_ID, value.report_specifier_id)
    duration_prop(spec, ns.XCAL_GRANULARITY, value.granularity)
    duration_prop(spec, ns.EI_REPORT_BACK_DURATION, value.report_back_duration)
    if value.start is not None:
        # R321: the reportInterval holds only dtstart and duration.
        props = _SubElement(_SubElement(spec, ns.EI_REPORT_INTERVAL), ns.XCAL_PROPERTIES)
        date_time(props, ns.XCAL_DTSTART, value.start)
        duration_prop(props, ns.XCAL_DURATION, value.duration if value.duration is not None else _ZERO)
    for payload in value.specifier_payloads:
        sp = _SubElement(spec, ns.EI_SPECIFIER_PAYLOAD)
        text_el(sp, ns.EI_R_ID, payload.r_id)
        if payload.item_base is not None:
            item_base(sp, payload.item_base)
        text_el(sp, ns.EI_READING_TYPE, payload.reading_type)


def build_registered_report(el: etree._Element, msg: RegisteredReport) -> None:
    response(el, msg.response)
    for request in msg.report_requests:
        _report_request(el, request)
    if msg.ven_id is not None:
        text_el(el, ns.EI_VEN_ID, msg.ven_id)


def build_create_report(el: etree._Element, msg: CreateReport) -> None:
    text_el(el, ns.PYLD_REQUEST_ID, msg.request_id)
    for request in msg.report_requests:
        _report_request(el, request)
    if msg.ven_id is not None:
        text_el(el, ns.EI_VEN_ID, msg.ven_id)


def build_created_report(el: etree._Element, msg: CreatedReport) -> None:
    response(el, msg.response)
    _pending(el, msg.pending_report_request_ids)  # all scheduled requests (R329)
    text_el(el, ns.EI_VEN_ID, msg.ven_id)


def _resource_status(parent: etree._Element, value: ResourceStatus) -> None:
    el = _SubElement(parent, ns.O_PAYLOAD_RESOURCE_STATUS)
    text_el(el, ns.O_ONLINE, format_bool(value.online))
    text_el(el, ns.O_MANUAL_OVERRIDE, format_bool(value.manual_override))
    state: etree._Element | None = None
    for attr, tag in _LOAD_CONTROL_TAGS:
        current = getattr(value, attr)
        if current is None:
            continue
        if state is None:
            state = _SubElement(el, ns.O_LOAD_CONTROL_STATE)
        text_el(_SubElement(state, tag), ns.O_CURRENT, format_float(current))


def _data_report(parent: etree._Element, value: ReportData) -> None:
    el = _SubElement(parent, ns.O_REPORT)
    date_time(el, ns.XCAL_DTSTART, value.start)  # required in every update (R313, R314)
    duration_prop(el, ns.XCAL_DURATION, value.duration)
    intervals = _SubElement(el, ns.STRM_INTERVALS)
    for uid, interval in enumerate(value.intervals):
        iv = _SubElement(intervals, ns.EI_INTERVAL)
        date_time(iv, ns.XCAL_DTSTART, interval.start)
        if interval.duration:  # PT0S = point data: dtstart only (R342)
            duration_prop(iv, ns.XCAL_DURATION, interval.duration)
        text_el(_SubElement(iv, ns.XCAL_UID), ns.XCAL_TEXT, str(uid))
        payload = _SubElement(iv, ns.O_REPORT_PAYLOAD)
        text_el(payload, ns.EI_R_ID, interval.r_id)
        if interval.confidence is not None:
            text_el(payload, ns.EI_CONFIDENCE, str(interval.confidence))
        if interval.accuracy is not None:
            text_el(payload, ns.EI_ACCURACY, format_float(interval.accuracy))
        if isinstance(interval.value, ResourceStatus):
            _resource_status(payload, interval.value)
        else:
            text_el(_SubElement(payload, ns.EI_PAYLOAD_FLOAT), ns.EI_VALUE, format_float(interval.value))
        if interval.data_quality is not None:
            text_el(payload, ns.O_DATA_QUALITY, interval.data_quality.value)
    if value.report_id is not None:
        text_el(el, ns.EI_REPORT_ID, value.report_id)
    text_el(el, ns.EI_REPORT_REQUEST_ID, value.report_request_id)
    text_el(el, ns.EI_REPORT_SPECIFIER_ID, value.report_specifier_id)
    text_el(el, ns.EI_REPORT_NAME, value.report_name.value)
    text_el(el, ns.EI_CREATED_DATE_TIME, format_datetime(value.created_date_time))


def build_update_report(el: etree._Element, msg: UpdateReport) -> None:
    text_el(el, ns.PYLD_REQUEST_ID, msg.request_id)
    for report in msg.reports:
        _data_report(el, report)
    text_el(el, ns.EI_VEN_ID, msg.ven_id)


def build_cancel_report(el: etree._Element, msg: CancelReport) -> None:
    text_el(el, ns.PYLD_REQUEST_ID, msg.request_id)
    for report_request_id in msg.report_request_ids:
        text_el(el, ns.EI_REPORT_REQUEST_ID, report_request_id)
    text_el(el, ns.PYLD_REPORT_TO_FOLLOW, format_bool(msg.report_to_follow))
    if msg.ven_id is not None:
        text_el(el, ns.EI_VEN_ID, msg.ven_id)


def build_updated_report(el: etree._Element, msg: UpdatedReport) -> None:
    response(el, msg.response)
    if msg.cancel_report is not None:  # piggy-backed cancel (R328)
        build_cancel_report(_SubElement(el, ns.O_CANCEL_REPORT), msg.cancel_report)
    if msg.ven_id is not None:
        text_el(el, ns.EI_VEN_ID, msg.ven_id)


def build_canceled_report(el: etree._Element, msg: CanceledReport) -> None:
    response(el, msg.response)
    _pending(el, msg.pending_report_request_ids)
    if msg.ven_id is not None:
        text_el(el, ns.EI_VEN_ID, msg.ven_id)
