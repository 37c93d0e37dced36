"""Parse OpenADR 2.0b documents into the models, refusing hostile input.

``parse(data)`` checks the bytes before lxml sees them (size cap, UTF-8 only, no DOCTYPE or
ENTITY declarations), parses with a hardened parser (no entities, no network, no DTD, no huge
trees), then walks the tree once, dispatching on Clark-notation tags.  Only
:class:`PayloadError` subclasses ever escape.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from ..enums import OptReason, OptType
from ..errors import HostileInputError, PayloadError, UnexpectedPayloadError
from ..models import (
    Availability,
    CanceledOpt,
    CanceledPartyRegistration,
    CancelOpt,
    CancelPartyRegistration,
    CreatedOpt,
    CreatedPartyRegistration,
    CreateOpt,
    CreatePartyRegistration,
    IncomingMessage,
    OadrResponse,
    OutgoingMessage,
    Poll,
    Profile,
    QueryRegistration,
    RequestReregistration,
    Response,
    Target,
)
from . import namespaces as ns
from .parse_events import parse_created_event, parse_distribute_event, parse_request_event
from .parse_parts import (
    child,
    date_time,
    duration_prop,
    invalid,
    missing,
    opt_text,
    response,
    target,
    text,
    to_bool,
    to_datetime,
    to_int,
)
from .parse_reports import (
    parse_cancel_report,
    parse_canceled_report,
    parse_create_report,
    parse_created_report,
    parse_register_report,
    parse_registered_report,
    parse_update_report,
    parse_updated_report,
)

__all__ = ["DEFAULT_MAX_BYTES", "parse", "parse_element"]

DEFAULT_MAX_BYTES = 4 * 1024 * 1024

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    dtd_validation=False,
    remove_comments=True,
    remove_pis=True,
    collect_ids=False,
    encoding="utf-8",  # UTF-8 only (spec §9.1); a declaration cannot switch it
)
_OPT_TYPES = {"optIn": OptType.OPT_IN, "optOut": OptType.OPT_OUT}
_OPT_REASONS = {m.value: m for m in OptReason}
_UNEXPECTED_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_BYTES_LIKE = (bytes, bytearray, memoryview)  # a tuple: ``A | B | C`` builds a union per call
_O_PAYLOAD = ns.O_PAYLOAD
_O_SIGNED_OBJECT = ns.O_SIGNED_OBJECT


# --------------------------------------------------------------------------------------------
# Registration, poll, generic response


def _query_registration(el: etree._Element) -> QueryRegistration:
    return QueryRegistration(text(child(el, ns.PYLD_REQUEST_ID, "oadrQueryRegistration/requestID")))


def _create_party_registration(el: etree._Element) -> CreatePartyRegistration:
    path = "oadrCreatePartyRegistration"
    request_id = profile = transport = None
    registration_id = ven_id = address = None
    report_only = xml_signature = None
    ven_name = ""
    pull = True
    for c in el:
        tag = c.tag
        if tag == ns.PYLD_REQUEST_ID:
            request_id = text(c)
        elif tag == ns.EI_REGISTRATION_ID:
            registration_id = opt_text(c)
        elif tag == ns.EI_VEN_ID:
            ven_id = opt_text(c)
        elif tag == ns.O_PROFILE_NAME:
            profile = text(c)
        elif tag == ns.O_TRANSPORT_NAME:
            transport = text(c)
        elif tag == ns.O_TRANSPORT_ADDRESS:
            address = opt_text(c)
        elif tag == ns.O_REPORT_ONLY:
            report_only = to_bool(text(c), path + "/oadrReportOnly")
        elif tag == ns.O_XML_SIGNATURE:
            xml_signature = to_bool(text(c), path + "/oadrXmlSignature")
        elif tag == ns.O_VEN_NAME:
            ven_name = text(c)
        elif tag == ns.O_HTTP_PULL_MODEL:
            pull = to_bool(text(c), path + "/oadrHttpPullModel")
    if request_id is None:
        raise missing(path + "/requestID")
    if profile is None:
        raise missing(path + "/oadrProfileName")
    if transport is None:
        raise missing(path + "/oadrTransportName")
    if report_only is None:
        raise missing(path + "/oadrReportOnly")
    if xml_signature is None:
        raise missing(path + "/oadrXmlSignature")
    return CreatePartyRegistration(
        request_id,
        ven_name,
        ven_id,
        registration_id,
        profile,
        transport,
        address,
        report_only,
        xml_signature,
        pull,
    )


def _created_party_registration(el: etree._Element) -> CreatedPartyRegistration:
    path = "oadrCreatedPartyRegistration"
    ei_response: Response | None = None
    vtn_id = registration_id = ven_id = None
    profiles: list[Profile] = []
    poll_freq = None
    info: list[tuple[str, str]] = []
    for c in el:
        tag = c.tag
        if tag == ns.EI_RESPONSE:
            ei_response = response(c, path + "/eiResponse")
        elif tag == ns.EI_VTN_ID:
            vtn_id = text(c)
        elif tag == ns.EI_REGISTRATION_ID:
            registration_id = opt_text(c)
        elif tag == ns.EI_VEN_ID:
            ven_id = opt_text(c)
        elif tag == ns.O_PROFILES:
            for p in c:
                if p.tag == ns.O_PROFILE:
                    profiles.append(_profile(p))
        elif tag == ns.O_REQUESTED_POLL_FREQ:
            poll_freq = duration_prop(c, path + "/oadrRequestedOadrPollFreq")
        elif tag == ns.O_SERVICE_SPECIFIC_INFO:
            for service in c:
                for i in service:
                    if i.tag == ns.O_INFO:
                        key = value = ""
                        for kv in i:
                            if kv.tag == ns.O_KEY:
                                key = text(kv)
                            elif kv.tag == ns.O_VALUE:
                                value = text(kv)
                        info.append((key, value))
    if ei_response is None:
        raise missing(path + "/eiResponse")
    if vtn_id is None:
        raise missing(path + "/vtnID")
    return CreatedPartyRegistration(
        ei_response, vtn_id, registration_id, ven_id, tuple(profiles), poll_freq, tuple(info)
    )


def _profile(el: etree._Element) -> Profile:
    name = ""
    transports: list[str] = []
    for c in el:
        if c.tag == ns.O_PROFILE_NAME:
            name = text(c)
        elif c.tag == ns.O_TRANSPORTS:
            for t in c:
                for n in t:
                    if n.tag == ns.O_TRANSPORT_NAME:
                        transports.append(text(n))
    return Profile(name, tuple(transports))


def _cancel_party_registration(el: etree._Element) -> CancelPartyRegistration:
    path = "oadrCancelPartyRegistration"
    request_id = registration_id = ven_id = None
    for c in el:
        tag = c.tag
        if tag == ns.PYLD_REQUEST_ID:
            request_id = text(c)
        elif tag == ns.EI_REGISTRATION_ID:
            registration_id = text(c)
        elif tag == ns.EI_VEN_ID:
            ven_id = opt_text(c)
    if request_id is None:
        raise missing(path + "/requestID")
    if registration_id is None:
        raise missing(path + "/registrationID")
    return CancelPartyRegistration(request_id, registration_id, ven_id)


def _response_ids(el: etree._Element, path: str) -> tuple[Response, str | None, str | None]:
    ei_response: Response | None = None
    registration_id = ven_id = None
    for c in el:
        tag = c.tag
        if tag == ns.EI_RESPONSE:
            ei_response = response(c, path + "/eiResponse")
        elif tag == ns.EI_REGISTRATION_ID:
            registration_id = opt_text(c)
        elif tag == ns.EI_VEN_ID:
            ven_id = opt_text(c)
    if ei_response is None:
        raise missing(path + "/eiResponse")
    return ei_response, registration_id, ven_id


def _canceled_party_registration(el: etree._Element) -> CanceledPartyRegistration:
    return CanceledPartyRegistration(*_response_ids(el, "oadrCanceledPartyRegistration"))


def _oadr_response(el: etree._Element) -> OadrResponse:
    ei_response, _, ven_id = _response_ids(el, "oadrResponse")
    return OadrResponse(ei_response, ven_id)


def _request_reregistration(el: etree._Element) -> RequestReregistration:
    return RequestReregistration(text(child(el, ns.EI_VEN_ID, "oadrRequestReregistration/venID")))


def _poll(el: etree._Element) -> Poll:
    return Poll(text(child(el, ns.EI_VEN_ID, "oadrPoll/venID")))


# --------------------------------------------------------------------------------------------
# Opt


def _create_opt(el: etree._Element) -> CreateOpt:
    path = "oadrCreateOpt"
    opt_id = opt_type = opt_reason = ven_id = request_id = created = None
    market = event_id = None
    modification: int | None = None
    windows: list[Availability] = []
    opt_target = Target()
    for c in el:
        tag = c.tag
        if tag == ns.EI_OPT_ID:
            opt_id = text(c)
        elif tag == ns.EI_OPT_TYPE:
            opt_type = _OPT_TYPES.get(text(c))
            if opt_type is None:
                raise invalid(path + "/optType", f"unknown optType {text(c)[:32]!r}")
        elif tag == ns.EI_OPT_REASON:
            opt_reason = _OPT_REASONS.get(text(c))
            if opt_reason is None:
                raise invalid(path + "/optReason", f"unsupported optReason {text(c)[:32]!r}")
        elif tag == ns.EMIX_MARKET_CONTEXT:
            market = opt_text(c)
        elif tag == ns.EI_VEN_ID:
            ven_id = text(c)
        elif tag == ns.XCAL_VAVAILABILITY:
            for components in c:
                for available in components:
                    props = child(available, ns.XCAL_PROPERTIES, path + "/vavailability/available/properties")
                    windows.append(_window(props, path + "/vavailability/available/properties"))
        elif tag == ns.EI_CREATED_DATE_TIME:
            created = to_datetime(text(c), path + "/createdDateTime")
        elif tag == ns.PYLD_REQUEST_ID:
            request_id = text(c)
        elif tag == ns.EI_QUALIFIED_EVENT_ID:
            for q in c:
                if q.tag == ns.EI_EVENT_ID:
                    event_id = text(q)
                elif q.tag == ns.EI_MODIFICATION_NUMBER:
                    modification = to_int(text(q), path + "/qualifiedEventID/modificationNumber")
        elif tag == ns.EI_TARGET:
            opt_target = target(c)
    for value, name in (
        (opt_id, "optID"),
        (opt_type, "optType"),
        (opt_reason, "optReason"),
        (ven_id, "venID"),
        (created, "createdDateTime"),
        (request_id, "requestID"),
    ):
        if value is None:
            raise missing(f"{path}/{name}")
    assert opt_id is not None and opt_type is not None and opt_reason is not None  # noqa: PT018
    assert ven_id is not None and created is not None and request_id is not None  # noqa: PT018
    return CreateOpt(
        request_id,
        ven_id,
        opt_id,
        opt_type,
        opt_reason,
        created,
        market,
        event_id,
        modification,
        tuple(windows),
        opt_target,
    )


def _window(props: etree._Element, path: str) -> Availability:
    start = duration = None
    for p in props:
        if p.tag == ns.XCAL_DTSTART:
            start = date_time(p, path + "/dtstart")
        elif p.tag == ns.XCAL_DURATION:
            duration = duration_prop(p, path + "/duration")
    if start is None:
        raise missing(path + "/dtstart")
    if duration is None:
        raise missing(path + "/duration")
    return Availability(start, duration)


def _cancel_opt(el: etree._Element) -> CancelOpt:
    path = "oadrCancelOpt"
    request_id = opt_id = ven_id = None
    for c in el:
        tag = c.tag
        if tag == ns.PYLD_REQUEST_ID:
            request_id = text(c)
        elif tag == ns.EI_OPT_ID:
            opt_id = text(c)
        elif tag == ns.EI_VEN_ID:
            ven_id = text(c)
    if request_id is None:
        raise missing(path + "/requestID")
    if opt_id is None:
        raise missing(path + "/optID")
    if ven_id is None:
        raise missing(path + "/venID")
    return CancelOpt(request_id, ven_id, opt_id)


def _response_opt(el: etree._Element, path: str) -> tuple[Response, str | None]:
    ei_response: Response | None = None
    opt_id = None
    for c in el:
        if c.tag == ns.EI_RESPONSE:
            ei_response = response(c, path + "/eiResponse")
        elif c.tag == ns.EI_OPT_ID:
            opt_id = text(c)
    if ei_response is None:
        raise missing(path + "/eiResponse")
    return ei_response, opt_id


def _created_opt(el: etree._Element) -> CreatedOpt:
    ei_response, opt_id = _response_opt(el, "oadrCreatedOpt")
    if opt_id is None:
        raise missing("oadrCreatedOpt/optID")
    return CreatedOpt(ei_response, opt_id)


def _canceled_opt(el: etree._Element) -> CanceledOpt:
    ei_response, opt_id = _response_opt(el, "oadrCanceledOpt")
    return CanceledOpt(ei_response, opt_id or "")


# --------------------------------------------------------------------------------------------
# Envelope and dispatch

_PARSERS: dict[str, Callable[[etree._Element], IncomingMessage | OutgoingMessage]] = {
    ns.O_DISTRIBUTE_EVENT: parse_distribute_event,
    ns.O_CREATED_EVENT: parse_created_event,
    ns.O_REQUEST_EVENT: parse_request_event,
    ns.O_RESPONSE: _oadr_response,
    ns.O_CANCEL_OPT: _cancel_opt,
    ns.O_CANCELED_OPT: _canceled_opt,
    ns.O_CREATE_OPT: _create_opt,
    ns.O_CREATED_OPT: _created_opt,
    ns.O_CANCEL_REPORT: parse_cancel_report,
    ns.O_CANCELED_REPORT: parse_canceled_report,
    ns.O_CREATE_REPORT: parse_create_report,
    ns.O_CREATED_REPORT: parse_created_report,
    ns.O_REGISTER_REPORT: parse_register_report,
    ns.O_REGISTERED_REPORT: parse_registered_report,
    ns.O_UPDATE_REPORT: parse_update_report,
    ns.O_UPDATED_REPORT: parse_updated_report,
    ns.O_CANCEL_PARTY_REGISTRATION: _cancel_party_registration,
    ns.O_CANCELED_PARTY_REGISTRATION: _canceled_party_registration,
    ns.O_CREATE_PARTY_REGISTRATION: _create_party_registration,
    ns.O_CREATED_PARTY_REGISTRATION: _created_party_registration,
    ns.O_REQUEST_REREGISTRATION: _request_reregistration,
    ns.O_QUERY_REGISTRATION: _query_registration,
    ns.O_POLL: _poll,
}


def message_element(root: etree._Element) -> etree._Element:
    """The message element inside ``oadrPayload/oadrSignedObject`` (a ds:Signature may precede)."""
    if root.tag != _O_PAYLOAD:
        raise UnexpectedPayloadError(
            f"root element is {_name(root.tag)!r}, not oadrPayload", element="oadrPayload", code=459
        )
    for c in root[:]:  # a list built in C: cheaper than lxml's child iterator
        if c.tag == _O_SIGNED_OBJECT:
            for message in c[:]:
                if isinstance(message.tag, str):
                    return message
            raise missing("oadrPayload/oadrSignedObject/*")
    raise missing("oadrPayload/oadrSignedObject")


def parse_element(root: etree._Element) -> IncomingMessage | OutgoingMessage:
    """The model of an already parsed (for instance signature-verified) oadrPayload tree."""
    try:
        message = message_element(root)
        handler = _PARSERS.get(message.tag)
        if handler is None:
            raise UnexpectedPayloadError(
                f"{_name(message.tag)!r} is not an OpenADR 2.0b message",
                element="oadrPayload/oadrSignedObject",
                code=459,
            )
        return handler(message)
    except PayloadError:
        raise
    except _UNEXPECTED_ERRORS as err:  # safety net: never leak a Python error (fuzzed)
        raise PayloadError(f"unreadable payload: {type(err).__name__}: {err}") from None


def parse(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> IncomingMessage | OutgoingMessage:
    """Parse a received document.  Raises only PayloadError subclasses."""
    return parse_element(parse_xml(data, max_bytes=max_bytes))


_NAME_START = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_:")


def declares_dtd(raw: bytes) -> bool:
    """Whether ``raw`` may hold a DOCTYPE or entity declaration (refused before parsing).

    XML allows a DOCTYPE only in the prolog, before the root start tag (XML 1.0 §2.8; one later
    is not well-formed), and entity declarations only inside it. So a document whose prolog
    holds processing instructions only (the XML declaration) and whose root starts with an ASCII
    name is checked on its first bytes; any other prolog (comments, "<!", other encodings) is
    scanned whole, as before.
    """
    pos = 0
    while True:
        start = raw.find(b"<", pos)
        if start < 0 or start + 1 >= len(raw) or raw[pos:start].strip(b" \t\r\n"):
            break  # no tag, or text in the prolog: not well-formed, scanned whole anyway
        marker = raw[start + 1]
        if marker == 0x3F:  # "<?": skip the whole processing instruction
            end = raw.find(b"?>", start + 2)
            if end < 0:
                break
            pos = end + 2
        elif marker in _NAME_START:
            return False  # the root start tag, after PIs and white space only
        else:
            break
    return b"<!DOCTYPE" in raw or b"<!ENTITY" in raw


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """The hardened lxml parse alone (also used before signature verification)."""
    if not isinstance(data, _BYTES_LIKE):
        raise HostileInputError(f"payload must be bytes, not {type(data).__name__}")
    size = len(data)
    if size > max_bytes:
        raise HostileInputError(f"payload of {size} bytes exceeds the {max_bytes}-byte limit")
    if not size:
        raise HostileInputError("empty payload")
    raw = data if type(data) is bytes else bytes(data)
    if declares_dtd(raw):
        raise HostileInputError("DTDs and entity declarations are refused")
    if raw.startswith(_UTF16_BOMS) or raw.find(b"\x00", 0, 64) >= 0:  # no slice copies
        raise HostileInputError("payload is not UTF-8")
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as err:
        raise HostileInputError(f"not well-formed XML: {err}") from None
    except (ValueError, etree.LxmlError) as err:
        raise HostileInputError(f"unparseable payload: {err}") from None
    if root is None:
        raise HostileInputError("no document element")
    return root


def _name(tag: object) -> str:
    if not isinstance(tag, str):
        return repr(tag)[:40]
    return tag.rpartition("}")[2][:64]
