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
    esc,
    format_bool,
    format_float,
    item_base,
    leaf,
    response,
    target,
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

_HEAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n<oadr:oadrPayload"
    + "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in ns.NSMAP.items())
    + '><oadr:oadrSignedObject oadr:Id="oadrSignedObject">'
)
_TAIL = "</oadr:oadrSignedObject></oadr:oadrPayload>"
#: Our own output is trusted XML; still no entities, no network.
_OWN_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, collect_ids=False)


# --------------------------------------------------------------------------------------------
# Events


def _intervals(w: list[str], intervals: tuple[Interval, ...]) -> None:
    """Duration, uid, exactly one payloadFloat, never a dtstart (R100-R103)."""
    append = w.append
    append("<strm:intervals>")
    for interval in intervals:
        append(
            f"<ei:interval><xcal:duration><xcal:duration>{format_duration(interval.duration)}"
            f"</xcal:duration></xcal:duration><xcal:uid><xcal:text>{int(interval.uid)}</xcal:text></xcal:uid>"
            f"<ei:signalPayload><ei:payloadFloat><ei:value>{format_float(interval.value)}</ei:value>"
            "</ei:payloadFloat></ei:signalPayload></ei:interval>"
        )
    append("</strm:intervals>")


def _active_period(w: list[str], value: ActivePeriod) -> None:
    w.append("<ei:eiActivePeriod><xcal:properties>")
    date_time(w, "xcal:dtstart", value.dtstart)
    duration_prop(w, "xcal:duration", value.duration)
    if value.start_after is not None:
        w.append(
            "<xcal:tolerance><xcal:tolerate><xcal:startafter>"
            f"{format_duration(value.start_after)}</xcal:startafter></xcal:tolerate></xcal:tolerance>"
        )
    if value.notification is not None:
        duration_prop(w, "ei:x-eiNotification", value.notification)
    if value.ramp_up is not None:
        duration_prop(w, "ei:x-eiRampUp", value.ramp_up)
    if value.recovery is not None:
        duration_prop(w, "ei:x-eiRecovery", value.recovery)
    w.append("</xcal:properties><xcal:components/></ei:eiActivePeriod>")


def _signal(w: list[str], value: EventSignal) -> None:
    w.append("<ei:eiEventSignal>")
    _intervals(w, value.intervals)
    if not value.target.empty:  # R111: omitted when there is no endDeviceAsset
        target(w, value.target)
    leaf(w, "ei:signalName", value.signal_name)
    leaf(w, "ei:signalType", value.signal_type)
    leaf(w, "ei:signalID", value.signal_id)
    if value.item_base is not None:
        item_base(w, value.item_base)
    if value.current_value is not None:
        w.append(
            f"<ei:currentValue><ei:payloadFloat><ei:value>{format_float(value.current_value)}"
            "</ei:value></ei:payloadFloat></ei:currentValue>"
        )
    w.append("</ei:eiEventSignal>")


def _baseline(w: list[str], value: Baseline) -> None:
    w.append("<ei:eiEventBaseline>")
    date_time(w, "xcal:dtstart", value.dtstart)
    duration_prop(w, "xcal:duration", value.duration)
    _intervals(w, value.intervals)
    leaf(w, "ei:baselineID", value.baseline_id)
    for resource_id in value.resource_ids:
        leaf(w, "ei:resourceID", resource_id)
    leaf(w, "ei:baselineName", value.baseline_name)
    if value.item_base is not None:
        item_base(w, value.item_base)
    w.append("</ei:eiEventBaseline>")


def _event(w: list[str], value: Event) -> None:
    d = value.descriptor
    w.append("<oadr:oadrEvent><ei:eiEvent><ei:eventDescriptor>")
    leaf(w, "ei:eventID", d.event_id)
    w.append(f"<ei:modificationNumber>{int(d.modification_number)}</ei:modificationNumber>")
    if d.modification_date_time is not None:
        w.append(
            f"<ei:modificationDateTime>{format_datetime(d.modification_date_time)}</ei:modificationDateTime>"
        )
    if d.modification_reason is not None:
        leaf(w, "ei:modificationReason", d.modification_reason)
    w.append(
        f"<ei:priority>{int(d.priority)}</ei:priority><ei:eiMarketContext><emix:marketContext>"
        f"{esc(d.market_context)}</emix:marketContext></ei:eiMarketContext>"
        f"<ei:createdDateTime>{format_datetime(d.created_date_time)}</ei:createdDateTime>"
    )
    leaf(w, "ei:eventStatus", d.event_status)
    if d.test_event is not None:
        leaf(w, "ei:testEvent", d.test_event)
    if d.vtn_comment is not None:
        leaf(w, "ei:vtnComment", d.vtn_comment)
    w.append("</ei:eventDescriptor>")
    _active_period(w, value.active_period)
    w.append("<ei:eiEventSignals>")
    for signal in value.signals:
        _signal(w, signal)
    if value.baseline is not None:
        _baseline(w, value.baseline)
    w.append("</ei:eiEventSignals>")
    target(w, value.target)
    w.append(
        f"</ei:eiEvent><oadr:oadrResponseRequired>{value.response_required.value}"
        "</oadr:oadrResponseRequired></oadr:oadrEvent>"
    )


def _distribute_event(w: list[str], msg: DistributeEvent) -> None:
    if msg.response is not None:
        response(w, msg.response)
    leaf(w, "pyld:requestID", msg.request_id)
    leaf(w, "ei:vtnID", msg.vtn_id)
    for event in msg.events:
        _event(w, event)


def _created_event(w: list[str], msg: CreatedEvent) -> None:
    w.append("<pyld:eiCreatedEvent>")
    response(w, msg.response)
    if msg.event_responses:
        w.append("<ei:eventResponses>")
        for r in msg.event_responses:
            w.append(f"<ei:eventResponse><ei:responseCode>{r.code:03d}</ei:responseCode>")
            if r.description is not None:
                leaf(w, "ei:responseDescription", r.description)
            leaf(w, "pyld:requestID", r.request_id)  # the distribute's requestID (R42)
            w.append("<ei:qualifiedEventID>")
            leaf(w, "ei:eventID", r.event_id)
            w.append(
                f"<ei:modificationNumber>{int(r.modification_number)}</ei:modificationNumber>"
                f"</ei:qualifiedEventID><ei:optType>{r.opt_type.value}</ei:optType></ei:eventResponse>"
            )
        w.append("</ei:eventResponses>")
    leaf(w, "ei:venID", msg.ven_id)
    w.append("</pyld:eiCreatedEvent>")


def _request_event(w: list[str], msg: RequestEvent) -> None:
    w.append("<pyld:eiRequestEvent>")
    leaf(w, "pyld:requestID", msg.request_id)
    leaf(w, "ei:venID", msg.ven_id)
    if msg.reply_limit is not None:
        w.append(f"<pyld:replyLimit>{int(msg.reply_limit)}</pyld:replyLimit>")
    w.append("</pyld:eiRequestEvent>")


# --------------------------------------------------------------------------------------------
# Registration, poll, generic response


def _query_registration(w: list[str], msg: QueryRegistration) -> None:
    leaf(w, "pyld:requestID", msg.request_id)  # the schema has no venID here (§1.1)


def _create_party_registration(w: list[str], msg: CreatePartyRegistration) -> None:
    leaf(w, "pyld:requestID", msg.request_id)
    if msg.registration_id is not None:  # only when re-registering (R402)
        leaf(w, "ei:registrationID", msg.registration_id)
    if msg.ven_id is not None:
        leaf(w, "ei:venID", msg.ven_id)
    leaf(w, "oadr:oadrProfileName", msg.profile_name)
    leaf(w, "oadr:oadrTransportName", msg.transport_name)
    if msg.transport_address is not None:
        leaf(w, "oadr:oadrTransportAddress", msg.transport_address)
    w.append(
        f"<oadr:oadrReportOnly>{format_bool(msg.report_only)}</oadr:oadrReportOnly>"
        f"<oadr:oadrXmlSignature>{format_bool(msg.xml_signature)}</oadr:oadrXmlSignature>"
    )
    leaf(w, "oadr:oadrVenName", msg.ven_name)
    # R402: always present for simpleHttp
    w.append(f"<oadr:oadrHttpPullModel>{format_bool(msg.http_pull_model)}</oadr:oadrHttpPullModel>")


_DEFAULT_PROFILES = (Profile("2.0b", ("simpleHttp",)),)


def _created_party_registration(w: list[str], msg: CreatedPartyRegistration) -> None:
    response(w, msg.response)
    if msg.registration_id is not None:
        leaf(w, "ei:registrationID", msg.registration_id)
    if msg.ven_id is not None:
        leaf(w, "ei:venID", msg.ven_id)
    leaf(w, "ei:vtnID", msg.vtn_id)
    w.append("<oadr:oadrProfiles>")
    # The schema needs at least one profile; an empty tuple is written as 2.0b/simpleHttp.
    for profile in msg.profiles or _DEFAULT_PROFILES:
        w.append("<oadr:oadrProfile>")
        leaf(w, "oadr:oadrProfileName", profile.profile_name)
        w.append("<oadr:oadrTransports>")
        for transport in profile.transports:
            w.append(f"<oadr:oadrTransport><oadr:oadrTransportName>{esc(transport)}</oadr:oadrTransportName>")
            w.append("</oadr:oadrTransport>")
        w.append("</oadr:oadrTransports></oadr:oadrProfile>")
    w.append("</oadr:oadrProfiles>")
    if msg.poll_freq is not None:
        duration_prop(w, "oadr:oadrRequestedOadrPollFreq", msg.poll_freq)
    if msg.service_specific_info:
        # The model keeps flat (key, value) pairs; they are written under one oadrService.
        w.append(
            "<oadr:oadrServiceSpecificInfo><oadr:oadrService>"
            "<oadr:oadrServiceName>EiRegisterParty</oadr:oadrServiceName>"
        )
        for key, value in msg.service_specific_info:
            w.append(f"<oadr:oadrInfo><oadr:oadrKey>{esc(key)}</oadr:oadrKey>")
            w.append(f"<oadr:oadrValue>{esc(value)}</oadr:oadrValue></oadr:oadrInfo>")
        w.append("</oadr:oadrService></oadr:oadrServiceSpecificInfo>")


def _cancel_party_registration(w: list[str], msg: CancelPartyRegistration) -> None:
    leaf(w, "pyld:requestID", msg.request_id)
    leaf(w, "ei:registrationID", msg.registration_id)
    if msg.ven_id is not None:
        leaf(w, "ei:venID", msg.ven_id)


def _canceled_party_registration(w: list[str], msg: CanceledPartyRegistration) -> None:
    response(w, msg.response)
    if msg.registration_id is not None:
        leaf(w, "ei:registrationID", msg.registration_id)
    if msg.ven_id is not None:
        leaf(w, "ei:venID", msg.ven_id)


def _request_reregistration(w: list[str], msg: RequestReregistration) -> None:
    leaf(w, "ei:venID", msg.ven_id)


def _oadr_response(w: list[str], msg: OadrResponse) -> None:
    response(w, msg.response)
    if msg.ven_id is not None:  # R508; omit only toward a 2.0a VTN
        leaf(w, "ei:venID", msg.ven_id)


def _poll(w: list[str], msg: Poll) -> None:
    leaf(w, "ei:venID", msg.ven_id)


# --------------------------------------------------------------------------------------------
# Opt


def _create_opt(w: list[str], msg: CreateOpt) -> None:
    leaf(w, "ei:optID", msg.opt_id)
    w.append(f"<ei:optType>{msg.opt_type.value}</ei:optType>")
    leaf(w, "ei:optReason", msg.opt_reason.value)
    event_opt = msg.event_id is not None
    if msg.market_context is not None and not event_opt:  # R206: never with qualifiedEventID
        leaf(w, "emix:marketContext", msg.market_context)
    leaf(w, "ei:venID", msg.ven_id)
    if not event_opt:  # R206: vavailability required without an eventID, forbidden with one
        if not msg.availability:
            w.append("<xcal:vavailability><xcal:components/></xcal:vavailability>")
        else:
            w.append("<xcal:vavailability><xcal:components>")
            for window in msg.availability:
                # R200: only dtstart and duration; PT0S = open-ended (R210)
                w.append("<xcal:available><xcal:properties>")
                date_time(w, "xcal:dtstart", window.start)
                duration_prop(w, "xcal:duration", window.duration)
                w.append("</xcal:properties></xcal:available>")
            w.append("</xcal:components></xcal:vavailability>")
    w.append(f"<ei:createdDateTime>{format_datetime(msg.created_date_time)}</ei:createdDateTime>")
    leaf(w, "pyld:requestID", msg.request_id)
    if msg.event_id is not None:
        w.append("<ei:qualifiedEventID>")
        leaf(w, "ei:eventID", msg.event_id)
        w.append(
            f"<ei:modificationNumber>{int(msg.modification_number or 0)}</ei:modificationNumber>"
            "</ei:qualifiedEventID>"
        )
    # S p.46: the opt's eiTarget always carries the VEN's venID.
    opt_target = msg.target
    if msg.ven_id not in opt_target.ven_ids:
        opt_target = _with_ven_id(opt_target, msg.ven_id)
    target(w, opt_target)


def _with_ven_id(value: Target, ven_id: str) -> Target:
    return Target(
        ven_ids=(*value.ven_ids, ven_id),
        resource_ids=value.resource_ids,
        group_ids=value.group_ids,
        party_ids=value.party_ids,
        end_device_assets=value.end_device_assets,
        others=value.others,
    )


def _cancel_opt(w: list[str], msg: CancelOpt) -> None:
    leaf(w, "pyld:requestID", msg.request_id)
    leaf(w, "ei:optID", msg.opt_id)
    leaf(w, "ei:venID", msg.ven_id)


def _created_opt(w: list[str], msg: CreatedOpt) -> None:
    response(w, msg.response)
    leaf(w, "ei:optID", msg.opt_id)


def _canceled_opt(w: list[str], msg: CanceledOpt) -> None:
    response(w, msg.response)
    if msg.opt_id:
        leaf(w, "ei:optID", msg.opt_id)


# --------------------------------------------------------------------------------------------
# Envelope and dispatch

_BUILDERS: dict[type[Any], tuple[str, Callable[[list[str], Any], None]]] = {
    DistributeEvent: ("oadr:oadrDistributeEvent", _distribute_event),
    CreatedEvent: ("oadr:oadrCreatedEvent", _created_event),
    RequestEvent: ("oadr:oadrRequestEvent", _request_event),
    OadrResponse: ("oadr:oadrResponse", _oadr_response),
    CancelOpt: ("oadr:oadrCancelOpt", _cancel_opt),
    CanceledOpt: ("oadr:oadrCanceledOpt", _canceled_opt),
    CreateOpt: ("oadr:oadrCreateOpt", _create_opt),
    CreatedOpt: ("oadr:oadrCreatedOpt", _created_opt),
    CancelReport: ("oadr:oadrCancelReport", build_cancel_report),
    CanceledReport: ("oadr:oadrCanceledReport", build_canceled_report),
    CreateReport: ("oadr:oadrCreateReport", build_create_report),
    CreatedReport: ("oadr:oadrCreatedReport", build_created_report),
    RegisterReport: ("oadr:oadrRegisterReport", build_register_report),
    RegisteredReport: ("oadr:oadrRegisteredReport", build_registered_report),
    UpdateReport: ("oadr:oadrUpdateReport", build_update_report),
    UpdatedReport: ("oadr:oadrUpdatedReport", build_updated_report),
    CancelPartyRegistration: ("oadr:oadrCancelPartyRegistration", _cancel_party_registration),
    CanceledPartyRegistration: ("oadr:oadrCanceledPartyRegistration", _canceled_party_registration),
    CreatePartyRegistration: ("oadr:oadrCreatePartyRegistration", _create_party_registration),
    CreatedPartyRegistration: ("oadr:oadrCreatedPartyRegistration", _created_party_registration),
    RequestReregistration: ("oadr:oadrRequestReregistration", _request_reregistration),
    QueryRegistration: ("oadr:oadrQueryRegistration", _query_registration),
    Poll: ("oadr:oadrPoll", _poll),
}


def build(message: OutgoingMessage | IncomingMessage, *, now: datetime | None = None) -> bytes:
    """The complete ``oadrPayload/oadrSignedObject`` document of ``message``, UTF-8 with a declaration.

    ``now`` is accepted for API symmetry: every createdDateTime is a field of the models
    (the engine stamps them from its clock), so the builders never read the wall clock.
    """
    del now
    try:
        q, builder = _BUILDERS[type(message)]
    except KeyError:
        raise TypeError(f"no OpenADR builder for {type(message).__name__}") from None
    w = [_HEAD, f'<{q} ei:schemaVersion="2.0b">']
    builder(w, message)
    w.append(f"</{q}>{_TAIL}")
    return "".join(w).encode()


def build_element(
    message: OutgoingMessage | IncomingMessage, *, now: datetime | None = None
) -> etree._Element:
    """The ``oadr:oadrPayload`` root element of ``message`` (sign it, then :func:`serialize`)."""
    return etree.fromstring(build(message, now=now), _OWN_PARSER)


def serialize(root: etree._Element) -> bytes:
    """UTF-8 bytes with an XML declaration (spec §9.1: UTF-8 only)."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")  # type: ignore[no-any-return]
