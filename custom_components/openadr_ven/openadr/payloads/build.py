"""Build OpenADR 2.0b documents from the models, both directions.

``build(message)`` returns the complete ``oadrPayload/oadrSignedObject`` document (R45: no
schemaLocation; R509: ``ei:schemaVersion="2.0b"`` on the message element; R1: UTC ``Z`` times).
VEN->VTN messages are the product; VTN->VEN builders exist for test VTNs and round-trip tests.
Report messages live in :mod:`.build_reports`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from lxml import etree

from ..models import (
    ActivePeriod,
    Baseline,
    CanceledOpt,
    CanceledPartyRegistration,
    CanceledReport,
    CancelOpt,
    CancelPartyRegistration,
    CancelReport,
    CreatedEvent,
    CreatedOpt,
    CreatedPartyRegistration,
    CreatedReport,
    CreateOpt,
    CreatePartyRegistration,
    CreateReport,
    DistributeEvent,
    Event,
    EventSignal,
    IncomingMessage,
    Interval,
    OadrResponse,
    OutgoingMessage,
    Poll,
    Profile,
    QueryRegistration,
    RegisteredReport,
    RegisterReport,
    RequestEvent,
    RequestReregistration,
    Target,
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
    target,
    text_el,
)
from .build_reports import (
    build_cancel_report,
    build_canceled_report,
    build_create_report,
    build_created_report,
    build_register_report,
    build_registered_report,
    build_update_report,
    build_updated_report,
)
from .timeutil import format_datetime, format_duration

__all__ = ["build", "build_element", "serialize"]

_SubElement = etree.SubElement
_Element = etree.Element
_SIGNED_OBJECT_ATTRS = {ns.SIGNED_OBJECT_ID_ATTR: "oadrSignedObject"}
_SCHEMA_VERSION_ATTRS = {ns.SCHEMA_VERSION_ATTR: "2.0b"}


# --------------------------------------------------------------------------------------------
# Events


def _intervals(parent: etree._Element, intervals: tuple[Interval, ...]) -> None:
    el = _SubElement(parent, ns.STRM_INTERVALS)
    for interval in intervals:
        # R100-R103: duration, uid, exactly one payloadFloat; never a dtstart.
        iv = _SubElement(el, ns.EI_INTERVAL)
        duration_prop(iv, ns.XCAL_DURATION, interval.duration)
        text_el(_SubElement(iv, ns.XCAL_UID), ns.XCAL_TEXT, str(interval.uid))
        payload = _SubElement(_SubElement(iv, ns.EI_SIGNAL_PAYLOAD), ns.EI_PAYLOAD_FLOAT)
        text_el(payload, ns.EI_VALUE, format_float(interval.value))


def _active_period(parent: etree._Element, value: ActivePeriod) -> None:
    props = _SubElement(_SubElement(parent, ns.EI_ACTIVE_PERIOD), ns.XCAL_PROPERTIES)
    date_time(props, ns.XCAL_DTSTART, value.dtstart)
    duration_prop(props, ns.XCAL_DURATION, value.duration)
    if value.start_after is not None:
        tolerate = _SubElement(_SubElement(props, ns.XCAL_TOLERANCE), ns.XCAL_TOLERATE)
        text_el(tolerate, ns.XCAL_STARTAFTER, format_duration(value.start_after))
    if value.notification is not None:
        duration_prop(props, ns.EI_X_NOTIFICATION, value.notification)
    if value.ramp_up is not None:
        duration_prop(props, ns.EI_X_RAMP_UP, value.ramp_up)
    if value.recovery is not None:
        duration_prop(props, ns.EI_X_RECOVERY, value.recovery)
    _SubElement(parent[-1], ns.XCAL_COMPONENTS)


def _signal(parent: etree._Element, value: EventSignal) -> None:
    el = _SubElement(parent, ns.EI_EVENT_SIGNAL)
    _intervals(el, value.intervals)
    if not value.target.empty:  # R111: omitted when there is no endDeviceAsset
        target(el, value.target)
    text_el(el, ns.EI_SIGNAL_NAME, value.signal_name)
    text_el(el, ns.EI_SIGNAL_TYPE, value.signal_type)
    text_el(el, ns.EI_SIGNAL_ID, value.signal_id)
    if value.item_base is not None:
        item_base(el, value.item_base)
    if value.current_value is not None:
        current = _SubElement(_SubElement(el, ns.EI_CURRENT_VALUE), ns.EI_PAYLOAD_FLOAT)
        text_el(current, ns.EI_VALUE, format_float(value.current_value))


def _baseline(parent: etree._Element, value: Baseline) -> None:
    el = _SubElement(parent, ns.EI_EVENT_BASELINE)
    date_time(el, ns.XCAL_DTSTART, value.dtstart)
    duration_prop(el, ns.XCAL_DURATION, value.duration)
    _intervals(el, value.intervals)
    text_el(el, ns.EI_BASELINE_ID, value.baseline_id)
    for resource_id in value.resource_ids:
        text_el(el, ns.EI_RESOURCE_ID, resource_id)
    text_el(el, ns.EI_BASELINE_NAME, value.baseline_name)
    if value.item_base is not None:
        item_base(el, value.item_base)


def _event(parent: etree._Element, value: Event) -> None:
    oadr_event = _SubElement(parent, ns.O_EVENT)
    ei_event = _SubElement(oadr_event, ns.EI_EVENT)
    d = value.descriptor
    desc = _SubElement(ei_event, ns.EI_EVENT_DESCRIPTOR)
    text_el(desc, ns.EI_EVENT_ID, d.event_id)
    text_el(desc, ns.EI_MODIFICATION_NUMBER, str(d.modification_number))
    if d.modification_date_time is not None:
        text_el(desc, ns.EI_MODIFICATION_DATE_TIME, format_datetime(d.modification_date_time))
    if d.modification_reason is not None:
        text_el(desc, ns.EI_MODIFICATION_REASON, d.modification_reason)
    text_el(desc, ns.EI_PRIORITY, str(d.priority))
    text_el(_SubElement(desc, ns.EI_MARKET_CONTEXT), ns.EMIX_MARKET_CONTEXT, d.market_context)
    text_el(desc, ns.EI_CREATED_DATE_TIME, format_datetime(d.created_date_time))
    text_el(desc, ns.EI_EVENT_STATUS, d.event_status)
    if d.test_event is not None:
        text_el(desc, ns.EI_TEST_EVENT, d.test_event)
    if d.vtn_comment is not None:
        text_el(desc, ns.EI_VTN_COMMENT, d.vtn_comment)
    _active_period(ei_event, value.active_period)
    signals = _SubElement(ei_event, ns.EI_EVENT_SIGNALS)
    for signal in value.signals:
        _signal(signals, signal)
    if value.baseline is not None:
        _baseline(signals, value.baseline)
    target(ei_event, value.target)
    text_el(oadr_event, ns.O_RESPONSE_REQUIRED, value.response_required.value)


def _distribute_event(el: etree._Element, msg: DistributeEvent) -> None:
    if msg.response is not None:
        response(el, msg.response)
    text_el(el, ns.PYLD_REQUEST_ID, msg.request_id)
    text_el(el, ns.EI_VTN_ID, msg.vtn_id)
    for event in msg.events:
        _event(el, event)


def _created_event(el: etree._Element, msg: CreatedEvent) -> None:
    created = _SubElement(el, ns.PYLD_EI_CREATED_EVENT)
    response(created, msg.response)
    if msg.event_responses:
        responses = _SubElement(created, ns.EI_EVENT_RESPONSES)
        for r in msg.event_responses:
            er = _SubElement(responses, ns.EI_EVENT_RESPONSE)
            text_el(er, ns.EI_RESPONSE_CODE, f"{r.code:03d}")
            if r.description is not None:
                text_el(er, ns.EI_RESPONSE_DESCRIPTION, r.description)
            text_el(er, ns.PYLD_REQUEST_ID, r.request_id)  # the distribute's requestID (R42)
            qualified = _SubElement(er, ns.EI_QUALIFIED_EVENT_ID)
            text_el(qualified, ns.EI_EVENT_ID, r.event_id)
            text_el(qualified, ns.EI_MODIFICATION_NUMBER, str(r.modification_number))
            text_el(er, ns.EI_OPT_TYPE, r.opt_type.value)
    text_el(created, ns.EI_VEN_ID, msg.ven_id)


def _request_event(el: etree._Element, msg: RequestEvent) -> None:
    request = _SubElement(el, ns.PYLD_EI_REQUEST_EVENT)
    text_el(request, ns.PYLD_REQUEST_ID, msg.request_id)
    text_el(request, ns.EI_VEN_ID, msg.ven_id)
    if msg.reply_limit is not None:
        text_el(request, ns.PYLD_REPLY_LIMIT, str(msg.reply_limit))


# --------------------------------------------------------------------------------------------
# Registration, poll, generic response


def _query_registration(el: etree._Element, msg: QueryRegistration) -> None:
    text_el(el, ns.PYLD_REQUEST_ID, msg.request_id)  # the schema has no venID here (§1.1)


def _create_party_registration(el: etree._Element, msg: CreatePartyRegistration) -> None:
    text_el(el, ns.PYLD_REQUEST_ID, msg.request_id)
    if msg.registration_id is not None:  # only when re-registering (R402)
        text_el(el, ns.EI_REGISTRATION_ID, msg.registration_id)
    if msg.ven_id is not None:
        text_el(el, ns.EI_VEN_ID, msg.ven_id)
    text_el(el, ns.O_PROFILE_NAME, msg.profile_name)
    text_el(el, ns.O_TRANSPORT_NAME, msg.transport_name)
    if msg.transport_address is not None:
        text_el(el, ns.O_TRANSPORT_ADDRESS, msg.transport_address)
    text_el(el, ns.O_REPORT_ONLY, format_bool(msg.report_only))
    text_el(el, ns.O_XML_SIGNATURE, format_bool(msg.xml_signature))
    text_el(el, ns.O_VEN_NAME, msg.ven_name)
    text_el(el, ns.O_HTTP_PULL_MODEL, format_bool(msg.http_pull_model))  # R402: always for simpleHttp


def _created_party_registration(el: etree._Element, msg: CreatedPartyRegistration) -> None:
    response(el, msg.response)
    if msg.registration_id is not None:
        text_el(el, ns.EI_REGISTRATION_ID, msg.registration_id)
    if msg.ven_id is not None:
        text_el(el, ns.EI_VEN_ID, msg.ven_id)
    text_el(el, ns.EI_VTN_ID, msg.vtn_id)
    profiles = _SubElement(el, ns.O_PROFILES)
    # The schema needs at least one profile; an empty tuple is written as 2.0b/simpleHttp.
    for profile in msg.profiles or _DEFAULT_PROFILES:
        p = _SubElement(profiles, ns.O_PROFILE)
        text_el(p, ns.O_PROFILE_NAME, profile.profile_name)
        transports = _SubElement(p, ns.O_TRANSPORTS)
        for transport in profile.transports:
            text_el(_SubElement(transports, ns.O_TRANSPORT), ns.O_TRANSPORT_NAME, transport)
    if msg.poll_freq is not None:
        duration_prop(el, ns.O_REQUESTED_POLL_FREQ, msg.poll_freq)
    if msg.service_specific_info:
        # The model keeps flat (key, value) pairs; they are written under one oadrService.
        service = _SubElement(_SubElement(el, ns.O_SERVICE_SPECIFIC_INFO), ns.O_SERVICE)
        text_el(service, ns.O_SERVICE_NAME, "EiRegisterParty")
        for key, value in msg.service_specific_info:
            info = _SubElement(service, ns.O_INFO)
            text_el(info, ns.O_KEY, key)
            text_el(info, ns.O_VALUE, value)


_DEFAULT_PROFILES = (Profile("2.0b", ("simpleHttp",)),)


def _cancel_party_registration(el: etree._Element, msg: CancelPartyRegistration) -> None:
    text_el(el, ns.PYLD_REQUEST_ID, msg.request_id)
    text_el(el, ns.EI_REGISTRATION_ID, msg.registration_id)
    if msg.ven_id is not None:
        text_el(el, ns.EI_VEN_ID, msg.ven_id)


def _canceled_party_registration(el: etree._Element, msg: CanceledPartyRegistration) -> None:
    response(el, msg.response)
    if msg.registration_id is not None:
        text_el(el, ns.EI_REGISTRATION_ID, msg.registration_id)
    if msg.ven_id is not None:
        text_el(el, ns.EI_VEN_ID, msg.ven_id)


def _request_reregistration(el: etree._Element, msg: RequestReregistration) -> None:
    text_el(el, ns.EI_VEN_ID, msg.ven_id)


def _oadr_response(el: etree._Element, msg: OadrResponse) -> None:
    response(el, msg.response)
    if msg.ven_id is not None:  # R508; omit only toward a 2.0a VTN
        text_el(el, ns.EI_VEN_ID, msg.ven_id)


def _poll(el: etree._Element, msg: Poll) -> None:
    text_el(el, ns.EI_VEN_ID, msg.ven_id)


# --------------------------------------------------------------------------------------------
# Opt


def _create_opt(el: etree._Element, msg: CreateOpt) -> None:
    text_el(el, ns.EI_OPT_ID, msg.opt_id)
    text_el(el, ns.EI_OPT_TYPE, msg.opt_type.value)
    text_el(el, ns.EI_OPT_REASON, msg.opt_reason.value)
    event_opt = msg.event_id is not None
    if msg.market_context is not None and not event_opt:  # R206: never with qualifiedEventID
        text_el(el, ns.EMIX_MARKET_CONTEXT, msg.market_context)
    text_el(el, ns.EI_VEN_ID, msg.ven_id)
    if not event_opt:  # R206: vavailability required without an eventID, forbidden with one
        components = _SubElement(_SubElement(el, ns.XCAL_VAVAILABILITY), ns.XCAL_COMPONENTS)
        for window in msg.availability:
            # R200: only dtstart and duration; PT0S = open-ended (R210)
            props = _SubElement(_SubElement(components, ns.XCAL_AVAILABLE), ns.XCAL_PROPERTIES)
            date_time(props, ns.XCAL_DTSTART, window.start)
            duration_prop(props, ns.XCAL_DURATION, window.duration)
    text_el(el, ns.EI_CREATED_DATE_TIME, format_datetime(msg.created_date_time))
    text_el(el, ns.PYLD_REQUEST_ID, msg.request_id)
    if msg.event_id is not None:
        qualified = _SubElement(el, ns.EI_QUALIFIED_EVENT_ID)
        text_el(qualified, ns.EI_EVENT_ID, msg.event_id)
        text_el(qualified, ns.EI_MODIFICATION_NUMBER, str(msg.modification_number or 0))
    # S p.46: the opt's eiTarget always carries the VEN's venID.
    opt_target = msg.target
    if msg.ven_id not in opt_target.ven_ids:
        opt_target = _with_ven_id(opt_target, msg.ven_id)
    target(el, opt_target)


def _with_ven_id(value: Target, ven_id: str) -> Target:
    return Target(
        ven_ids=(*value.ven_ids, ven_id),
        resource_ids=value.resource_ids,
        group_ids=value.group_ids,
        party_ids=value.party_ids,
        end_device_assets=value.end_device_assets,
        others=value.others,
    )


def _cancel_opt(el: etree._Element, msg: CancelOpt) -> None:
    text_el(el, ns.PYLD_REQUEST_ID, msg.request_id)
    text_el(el, ns.EI_OPT_ID, msg.opt_id)
    text_el(el, ns.EI_VEN_ID, msg.ven_id)


def _created_opt(el: etree._Element, msg: CreatedOpt) -> None:
    response(el, msg.response)
    text_el(el, ns.EI_OPT_ID, msg.opt_id)


def _canceled_opt(el: etree._Element, msg: CanceledOpt) -> None:
    response(el, msg.response)
    if msg.opt_id:
        text_el(el, ns.EI_OPT_ID, msg.opt_id)


# --------------------------------------------------------------------------------------------
# Envelope and dispatch

_BUILDERS: dict[type[Any], tuple[str, Callable[[etree._Element, Any], None]]] = {
    DistributeEvent: (ns.O_DISTRIBUTE_EVENT, _distribute_event),
    CreatedEvent: (ns.O_CREATED_EVENT, _created_event),
    RequestEvent: (ns.O_REQUEST_EVENT, _request_event),
    OadrResponse: (ns.O_RESPONSE, _oadr_response),
    CancelOpt: (ns.O_CANCEL_OPT, _cancel_opt),
    CanceledOpt: (ns.O_CANCELED_OPT, _canceled_opt),
    CreateOpt: (ns.O_CREATE_OPT, _create_opt),
    CreatedOpt: (ns.O_CREATED_OPT, _created_opt),
    CancelReport: (ns.O_CANCEL_REPORT, build_cancel_report),
    CanceledReport: (ns.O_CANCELED_REPORT, build_canceled_report),
    CreateReport: (ns.O_CREATE_REPORT, build_create_report),
    CreatedReport: (ns.O_CREATED_REPORT, build_created_report),
    RegisterReport: (ns.O_REGISTER_REPORT, build_register_report),
    RegisteredReport: (ns.O_REGISTERED_REPORT, build_registered_report),
    UpdateReport: (ns.O_UPDATE_REPORT, build_update_report),
    UpdatedReport: (ns.O_UPDATED_REPORT, build_updated_report),
    CancelPartyRegistration: (ns.O_CANCEL_PARTY_REGISTRATION, _cancel_party_registration),
    CanceledPartyRegistration: (ns.O_CANCELED_PARTY_REGISTRATION, _canceled_party_registration),
    CreatePartyRegistration: (ns.O_CREATE_PARTY_REGISTRATION, _create_party_registration),
    CreatedPartyRegistration: (ns.O_CREATED_PARTY_REGISTRATION, _created_party_registration),
    RequestReregistration: (ns.O_REQUEST_REREGISTRATION, _request_reregistration),
    QueryRegistration: (ns.O_QUERY_REGISTRATION, _query_registration),
    Poll: (ns.O_POLL, _poll),
}


def build_element(
    message: OutgoingMessage | IncomingMessage, *, now: datetime | None = None
) -> etree._Element:
    """The ``oadr:oadrPayload`` root element of ``message`` (sign it, then :func:`serialize`).

    ``now`` is accepted for API symmetry: every createdDateTime is a field of the models
    (the engine stamps them from its clock), so the builders never read the wall clock.
    """
    del now
    try:
        tag, builder = _BUILDERS[type(message)]
    except KeyError:
        raise TypeError(f"no OpenADR builder for {type(message).__name__}") from None
    root = _Element(ns.O_PAYLOAD, nsmap=ns.NSMAP)
    signed = _SubElement(root, ns.O_SIGNED_OBJECT, _SIGNED_OBJECT_ATTRS)
    builder(_SubElement(signed, tag, _SCHEMA_VERSION_ATTRS), message)
    return root


def serialize(root: etree._Element) -> bytes:
    """UTF-8 bytes with an XML declaration (spec §9.1: UTF-8 only)."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")  # type: ignore[no-any-return]


def build(message: OutgoingMessage | IncomingMessage, *, now: datetime | None = None) -> bytes:
    """The complete document for ``message`` as UTF-8 bytes."""
    return serialize(build_element(message, now=now))
