"""Hostile and broken input: only PayloadError subclasses escape, with the element path named."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from dataclasses import replace

import pytest
from lxml import etree

from custom_components.openadr_ven.openadr.enums import ResponseRequired
from custom_components.openadr_ven.openadr.errors import (
    HostileInputError,
    PayloadError,
    UnexpectedPayloadError,
)
from custom_components.openadr_ven.openadr.models import DistributeEvent, InvalidEvent
from custom_components.openadr_ven.openadr.payloads import build, build_element, parse, parse_element
from custom_components.openadr_ven.openadr.payloads import namespaces as ns
from custom_components.openadr_ven.openadr.payloads.parse import _PARSER, declares_dtd
from tests.openadr import samples

NS = ns.NSMAP
HEAD = b'<?xml version="1.0"?>\n'
PAYLOAD_OPEN = b'<oadr:oadrPayload xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07">'

BILLION_LAUGHS = (
    HEAD
    + b"""<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<oadr:oadrPayload xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07">&lol9;</oadr:oadrPayload>"""
)

QUADRATIC = (
    HEAD
    + b'<!DOCTYPE x [<!ENTITY a "'
    + b"A" * 50_000
    + b'">]><oadr:oadrPayload xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07">'
    + b"&a;" * 5_000
    + b"</oadr:oadrPayload>"
)


def _xxe(uri: str) -> bytes:
    return (
        HEAD
        + f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{uri}">]>'.encode()
        + b'<oadr:oadrPayload xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07"><oadr:oadrSignedObject>'
        + b'<oadr:oadrPoll xmlns:ei="http://docs.oasis-open.org/ns/energyinterop/201110"><ei:venID>&xxe;</ei:venID>'
        + b"</oadr:oadrPoll></oadr:oadrSignedObject></oadr:oadrPayload>"
    )


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        QUADRATIC,
        _xxe("file:///etc/passwd"),
        _xxe("http://127.0.0.1:9/evil.dtd"),
        HEAD + b'<!DOCTYPE oadrPayload SYSTEM "http://127.0.0.1:9/x.dtd"><oadrPayload/>',
        HEAD + b'<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><x/>',
    ],
    ids=["billion-laughs", "quadratic-blowup", "xxe-file", "xxe-http", "external-dtd", "parameter-entity"],
)
def test_dtd_and_entities_are_refused(data: bytes) -> None:
    with pytest.raises(HostileInputError, match="DTD"):
        parse(data)


def test_the_parser_itself_never_resolves_entities(tmp_path: object) -> None:
    """Defence in depth: even without the pre-scan, the lxml parser expands nothing."""
    from pathlib import Path

    secret = Path(str(tmp_path)) / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = _xxe(secret.as_uri())
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        return
    assert b"TOP-SECRET" not in etree.tostring(root)
    laughs: etree._Element | None
    try:
        laughs = etree.fromstring(BILLION_LAUGHS, _PARSER)
    except etree.XMLSyntaxError:
        laughs = None
    assert laughs is None or len(etree.tostring(laughs)) < 10_000


def test_50_mb_document_is_refused_before_parsing_with_bounded_memory() -> None:
    data = PAYLOAD_OPEN + b"<x>" + b"A" * (50 * 1024 * 1024) + b"</x></oadr:oadrPayload>"
    tracemalloc.start()
    try:
        with pytest.raises(HostileInputError, match="exceeds"):
            parse(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024  # nothing proportional to the document was allocated


def test_size_cap_is_configurable() -> None:
    data = build(samples.POLL)
    assert parse(data, max_bytes=len(data)) == samples.POLL
    with pytest.raises(HostileInputError, match="exceeds"):
        parse(data, max_bytes=len(data) - 1)


def test_deep_nesting_is_refused() -> None:
    depth = 100_000
    data = PAYLOAD_OPEN + b"<a>" * depth + b"</a>" * depth + b"</oadr:oadrPayload>"
    with pytest.raises(HostileInputError):
        parse(data)


def test_moderate_nesting_inside_a_message_is_harmless() -> None:
    root = build_element(samples.POLL)
    el = root[0][0]
    for _ in range(200):
        el = etree.SubElement(el, "{urn:x}deep")
    assert parse(etree.tostring(root)) == samples.POLL


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml at all",
        b"<oadr:oadrPayload",
        b"\x00\x01\x02\x03",
        "<?xml version='1.0' encoding='UTF-16'?><a/>".encode("utf-16"),
        b"\xef\xbb\xbf<a>\xff\xfe</a>",
        build(samples.POLL)[:-20],
    ],
    ids=["empty", "text", "truncated-tag", "binary", "utf16", "bad-utf8", "truncated-doc"],
)
def test_not_xml_is_refused(data: bytes) -> None:
    with pytest.raises(HostileInputError):
        parse(data)


def test_non_bytes_are_refused() -> None:
    with pytest.raises(HostileInputError, match="bytes"):
        parse(build(samples.POLL).decode())  # type: ignore[arg-type]
    assert parse(bytearray(build(samples.POLL))) == samples.POLL  # type: ignore[arg-type]


def test_encoding_declaration_cannot_switch_away_from_utf8() -> None:
    data = build(samples.POLL).replace(b"encoding='UTF-8'", b"encoding='ISO-8859-1'")
    assert parse(data) == samples.POLL


def test_wrong_root_namespace_is_unexpected() -> None:
    data = build(samples.POLL).replace(
        b"http://openadr.org/oadr-2.0b/2012/07", b"http://openadr.org/oadr-2.0a/2012/07"
    )
    with pytest.raises(UnexpectedPayloadError, match="oadrPayload") as info:
        parse(data)
    assert info.value.code == 459


def test_bare_message_without_envelope_is_unexpected() -> None:
    root = build_element(samples.POLL)
    with pytest.raises(UnexpectedPayloadError):
        parse(etree.tostring(root[0][0]))


def test_unknown_message_type_is_unexpected() -> None:
    data = build(samples.POLL).replace(b"oadrPoll", b"oadrPing")
    with pytest.raises(UnexpectedPayloadError, match="oadrPing"):
        parse(data)


def test_empty_signed_object() -> None:
    data = PAYLOAD_OPEN + b"<oadr:oadrSignedObject/></oadr:oadrPayload>"
    with pytest.raises(PayloadError) as info:
        parse(data)
    assert info.value.element == "oadrPayload/oadrSignedObject/*"


def _mutated(message: object, xpath: str, action: Callable[[etree._Element], None]) -> bytes:
    root = build_element(message)  # type: ignore[arg-type]
    (target,) = root.xpath(xpath, namespaces=NS)
    action(target)
    return etree.tostring(root)


def _remove(el: etree._Element) -> None:
    parent = el.getparent()
    assert parent is not None
    parent.remove(el)


def _set(text: str) -> Callable[[etree._Element], None]:
    def action(el: etree._Element) -> None:
        el.text = text

    return action


@pytest.mark.parametrize(
    ("message", "xpath", "element"),
    [
        (samples.DISTRIBUTE_EVENT, "//oadr:oadrDistributeEvent/ei:vtnID", "oadrDistributeEvent/vtnID"),
        (
            samples.DISTRIBUTE_EVENT,
            "//oadr:oadrDistributeEvent/pyld:requestID",
            "oadrDistributeEvent/requestID",
        ),
        (samples.CREATED_PARTY_REGISTRATION, "//ei:vtnID", "oadrCreatedPartyRegistration/vtnID"),
        (samples.CREATED_PARTY_REGISTRATION, "//ei:eiResponse", "oadrCreatedPartyRegistration/eiResponse"),
        (samples.OADR_RESPONSE, "//ei:responseCode", "oadrResponse/eiResponse/responseCode"),
        (
            samples.CREATE_REPORT,
            "//ei:reportBackDuration",
            "oadrCreateReport/oadrReportRequest/reportSpecifier/reportBackDuration",
        ),
        (samples.CANCEL_REPORT, "//pyld:reportToFollow", "oadrCancelReport/reportToFollow"),
        (
            samples.REGISTERED_REPORT,
            "(//ei:specifierPayload)[3]/ei:rID",
            "oadrRegisteredReport/oadrReportRequest/reportSpecifier/specifierPayload/rID",
        ),
        (
            samples.UPDATE_REPORT,
            "(//oadr:oadrReport)[1]/ei:reportName",
            "oadrUpdateReport/oadrReport/reportName",
        ),
        (
            samples.REGISTER_REPORT,
            "(//oadr:oadrReport)[1]/ei:createdDateTime",
            "oadrRegisterReport/oadrReport/createdDateTime",
        ),
        (samples.CREATED_OPT, "//ei:optID", "oadrCreatedOpt/optID"),
        (samples.EVENT_OPT, "/*/*/oadr:oadrCreateOpt/ei:venID", "oadrCreateOpt/venID"),
        (
            samples.CANCEL_PARTY_REGISTRATION,
            "//ei:registrationID",
            "oadrCancelPartyRegistration/registrationID",
        ),
        (samples.POLL, "//ei:venID", "oadrPoll/venID"),
    ],
)
def test_missing_required_element_names_the_path(message: object, xpath: str, element: str) -> None:
    with pytest.raises(PayloadError) as info:
        parse(_mutated(message, xpath, _remove))
    assert info.value.element == element
    assert info.value.code == 459


@pytest.mark.parametrize(
    ("message", "xpath", "text", "element"),
    [
        (samples.OADR_RESPONSE, "//ei:responseCode", "2000", "oadrResponse/eiResponse/responseCode"),
        (samples.OADR_RESPONSE, "//ei:responseCode", "abc", "oadrResponse/eiResponse/responseCode"),
        (
            samples.CREATED_PARTY_REGISTRATION,
            "//oadr:oadrRequestedOadrPollFreq/xcal:duration",
            "ten seconds",
            "oadrCreatedPartyRegistration/oadrRequestedOadrPollFreq",
        ),
        (samples.CANCEL_REPORT, "//pyld:reportToFollow", "maybe", "oadrCancelReport/reportToFollow"),
        (
            samples.UPDATE_REPORT,
            "(//ei:payloadFloat/ei:value)[1]",
            "lots",
            "oadrUpdateReport/oadrReport/intervals/interval/oadrReportPayload/payloadFloat/value",
        ),
        (
            samples.UPDATE_REPORT,
            "(//ei:payloadFloat/ei:value)[1]",
            "NaN",
            "oadrUpdateReport/oadrReport/intervals/interval/oadrReportPayload/payloadFloat/value",
        ),
        (
            samples.UPDATE_REPORT,
            "(//ei:confidence)[1]",
            "-5",
            "oadrUpdateReport/oadrReport/intervals/interval/oadrReportPayload/confidence",
        ),
        (
            samples.CREATE_REPORT,
            "//ei:reportInterval//xcal:date-time",
            "2026-02-30T00:00:00Z",
            "oadrCreateReport/oadrReportRequest/reportSpecifier/reportInterval/properties/dtstart",
        ),
        (
            samples.REGISTER_REPORT,
            "(//oadr:oadrMinPeriod)[1]",
            "P1H",
            "oadrRegisterReport/oadrReport/oadrReportDescription/oadrSamplingRate/oadrMinPeriod",
        ),
        (
            samples.REGISTER_REPORT,
            "(//ei:reportName)[1]",
            "BOGUS_REPORT",
            "oadrRegisterReport/oadrReport/reportName",
        ),
        (samples.EVENT_OPT, "//ei:optType", "maybe", "oadrCreateOpt/optType"),
        (
            samples.EVENT_OPT,
            "//ei:qualifiedEventID/ei:modificationNumber",
            "1_000",
            "oadrCreateOpt/qualifiedEventID/modificationNumber",
        ),
        (
            samples.CREATE_PARTY_REGISTRATION,
            "//oadr:oadrHttpPullModel",
            "yes",
            "oadrCreatePartyRegistration/oadrHttpPullModel",
        ),
    ],
)
def test_bad_values_name_the_path(message: object, xpath: str, text: str, element: str) -> None:
    with pytest.raises(PayloadError) as info:
        parse(_mutated(message, xpath, _set(text)))
    assert info.value.element == element
    assert info.value.code == 454


@pytest.mark.parametrize(
    ("xpath", "action", "element"),
    [
        (
            "ei:eiEvent/ei:eventDescriptor/ei:createdDateTime",
            _set("2026-01-01"),
            "eventDescriptor/createdDateTime",
        ),
        (
            "ei:eiEvent/ei:eiActivePeriod/xcal:properties/xcal:duration/xcal:duration",
            _set("PT1X"),
            "properties/duration",
        ),
        ("ei:eiEvent/ei:eiActivePeriod/xcal:properties/xcal:dtstart", _remove, "properties/dtstart"),
        ("(.//ei:signalPayload/ei:payloadFloat/ei:value)[2]", _set("high"), "payloadFloat/value"),
        ("(.//ei:interval)[1]/xcal:duration", _remove, "interval/duration"),
        (
            "ei:eiEvent/ei:eventDescriptor/ei:modificationNumber",
            _set("-1"),
            "eventDescriptor/modificationNumber",
        ),
        ("oadr:oadrResponseRequired", _set("sometimes"), "oadrEvent/oadrResponseRequired"),
        ("ei:eiEvent/ei:eiEventSignals/ei:eiEventSignal/ei:signalName", _remove, "eiEventSignal/signalName"),
        ("ei:eiEvent/ei:eiEventSignals", _remove, "eiEventSignals/eiEventSignal"),
        ("ei:eiEvent/ei:eventDescriptor/ei:eiMarketContext", _remove, "eventDescriptor/eiMarketContext"),
    ],
)
def test_one_bad_event_does_not_spoil_the_distribute(
    xpath: str, action: Callable[[etree._Element], None], element: str
) -> None:
    """R19/R48: every other event parses; the bad one becomes an InvalidEvent with what could be read."""
    first = samples.simple_event("good-1")
    bad = replace(samples.simple_event("bad", modification=7), response_required=ResponseRequired.NEVER)
    last = samples.simple_event("good-2")
    root = build_element(DistributeEvent("req-9", "vtn", (first, bad, last)))
    bad_el = root.xpath("//oadr:oadrEvent", namespaces=NS)[1]
    (target,) = bad_el.xpath(xpath, namespaces=NS)
    action(target)
    message = parse(etree.tostring(root))
    assert isinstance(message, DistributeEvent)
    assert message.events == (first, last)
    (invalid,) = message.invalid_events
    assert isinstance(invalid, InvalidEvent)
    assert invalid.event_id == "bad"
    assert invalid.modification_number == (0 if "modificationNumber" in element else 7)
    assert invalid.code in (454, 459)
    assert element in invalid.reason
    expected_required = ResponseRequired.ALWAYS if "ResponseRequired" in element else ResponseRequired.NEVER
    assert invalid.response_required is expected_required


def test_event_without_any_identity() -> None:
    root = build_element(DistributeEvent("r", "vtn", (samples.simple_event("x"),)))
    (desc,) = root.xpath("//ei:eventDescriptor", namespaces=NS)
    desc.getparent().remove(desc)
    message = parse(etree.tostring(root))
    assert isinstance(message, DistributeEvent)
    assert message.events == ()
    assert message.invalid_events == (
        InvalidEvent(
            "", 0, 459, "oadrDistributeEvent/oadrEvent/eiEvent/eventDescriptor: required element is missing"
        ),
    )


def test_unknown_target_criteria_are_kept_not_dropped() -> None:
    """R48: an unrecognized target must not read as "everything" (an empty target)."""
    root = build_element(DistributeEvent("r", "vtn", (samples.OPEN_ENDED_EVENT,)))
    (target,) = root.xpath("//ei:eiEvent/ei:eiTarget", namespaces=NS)
    etree.SubElement(target, "{urn:vendor}zone").text = "Z9"
    etree.SubElement(target, ns.TARGET_OTHER_TAGS["serviceArea"])
    message = parse(etree.tostring(root))
    assert isinstance(message, DistributeEvent)
    event_target = message.events[0].target
    assert not event_target.empty
    assert event_target.others == (("zone", "Z9"), ("serviceArea", ""))


def test_comments_and_processing_instructions_are_ignored() -> None:
    data = build(samples.POLL).replace(b"<ei:venID>", b"<!-- hi --><?pi x?><ei:venID>")
    assert parse(data) == samples.POLL


def test_parse_element_accepts_a_prebuilt_tree_with_comments() -> None:
    root = build_element(samples.CANCEL_OPT)
    root[0][0].insert(0, etree.Comment("signed"))
    assert parse_element(root) == samples.CANCEL_OPT


def test_signature_before_signed_object_is_skipped() -> None:
    root = build_element(samples.POLL)
    root.insert(0, etree.Element("{http://www.w3.org/2000/09/xmldsig#}Signature"))
    assert parse_element(root) == samples.POLL


@pytest.mark.parametrize(
    ("prolog", "shortcut"),
    [
        (b"", True),
        (b"<?xml version='1.0' encoding='UTF-8'?>\n", True),
        (b"<?xml version='1.0'?><?pi x?>\n", True),
        (b"<?xml version='1.0'?><?pi <a> ?>\n", True),  # a "<" inside a PI is no root tag
        (b"<?xml version='1.0'?><!-- <a> -->\n", False),  # a comment: the whole document is scanned
        (b"\xef\xbb\xbf<?xml version='1.0'?>\n", False),  # a BOM: scanned whole
        (b"junk<?xml version='1.0'?>\n", False),  # text in the prolog: scanned whole
    ],
)
def test_doctype_after_any_prolog_is_refused_before_parsing(prolog: bytes, shortcut: bool) -> None:
    """The prolog shortcut of the DTD check never lets a DOCTYPE through, wherever it sits."""
    doctype = b'<!DOCTYPE x [<!ENTITY e "v">]>'
    document = prolog + doctype + b"<oadrPayload/>"
    assert declares_dtd(document)
    with pytest.raises(HostileInputError, match="DTD"):
        parse(document)
    assert declares_dtd(doctype + prolog + b"<oadrPayload/>")
    # Only a prolog of PIs and white space before the root start tag skips the full scan, which
    # would also refuse the harmless "<!DOCTYPE" text of this CDATA section.
    assert declares_dtd(prolog + b"<oadrPayload><![CDATA[<!DOCTYPE]]></oadrPayload>") is not shortcut
