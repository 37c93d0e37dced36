"""Builders: every message validates against the official 2.0b XSD and carries exactly what the
rules ask for (envelope R45/R509, venID R508, UTC Z times R1, element order of the schema)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from lxml import etree
from oadr_xsd import assert_valid

from custom_components.openadr_ven.openadr.enums import OptReason, OptType
from custom_components.openadr_ven.openadr.models import (
    CreateOpt,
    DistributeEvent,
    EventSignal,
    ItemBase,
    Poll,
    RegisterReport,
    Target,
    UpdateReport,
)
from custom_components.openadr_ven.openadr.payloads import build, build_element, serialize
from custom_components.openadr_ven.openadr.payloads import namespaces as ns
from tests.openadr import samples
from tests.openadr.samples import ALL_SAMPLES, T0, VEN_ID

NS = {**ns.NSMAP}
VEN_TO_VTN = {
    "QueryRegistration",
    "CreatePartyRegistration",
    "CancelPartyRegistration",
    "CanceledPartyRegistration",
    "OadrResponse",
    "Poll",
    "RequestEvent",
    "CreatedEvent",
    "CreateOpt",
    "CancelOpt",
    "RegisterReport",
    "RegisteredReport",
    "CreatedReport",
    "UpdateReport",
    "CanceledReport",
}


def xp(root: etree._Element, path: str) -> list[str]:
    return [
        e.text or "" if isinstance(e, etree._Element) else str(e) for e in root.xpath(path, namespaces=NS)
    ]


@pytest.mark.parametrize("name", sorted(ALL_SAMPLES))
def test_every_sample_is_schema_valid(name: str) -> None:
    assert_valid(build(ALL_SAMPLES[name]))  # type: ignore[arg-type]


def test_all_23_message_types_have_samples() -> None:
    assert len({type(m) for m in ALL_SAMPLES.values()}) == 23


@pytest.mark.parametrize("name", sorted(ALL_SAMPLES))
def test_envelope_schema_version_and_no_schema_location(name: str) -> None:
    data = build(ALL_SAMPLES[name])  # type: ignore[arg-type]
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<oadr:oadrPayload ")
    assert b"schemaLocation" not in data  # R45
    root = etree.fromstring(data)
    assert root.tag == ns.O_PAYLOAD
    (signed,) = root
    assert signed.tag == ns.O_SIGNED_OBJECT
    assert signed.get(ns.SIGNED_OBJECT_ID_ATTR) == "oadrSignedObject"
    (message,) = signed
    assert message.get(ns.SCHEMA_VERSION_ATTR) == "2.0b"  # R509
    assert root.nsmap == ns.NSMAP  # prefixes of VEN_REQUIREMENTS §0, declared once


@pytest.mark.parametrize("name", sorted(n for n, m in ALL_SAMPLES.items() if type(m).__name__ in VEN_TO_VTN))
def test_ven_messages_carry_ven_id_where_the_schema_allows(name: str) -> None:
    message = ALL_SAMPLES[name]
    if getattr(message, "ven_id", "x") is None or type(message).__name__ == "QueryRegistration":
        pytest.skip("no venID by design (first registration, query, or optional)")
    data = build(message)  # type: ignore[arg-type]
    assert f"<ei:venID>{VEN_ID}</ei:venID>".encode() in data  # R508


def test_created_event_exact_content() -> None:
    root = build_element(samples.CREATED_EVENT)
    base = "/oadr:oadrPayload/oadr:oadrSignedObject/oadr:oadrCreatedEvent/pyld:eiCreatedEvent"
    # R42: the eiResponse requestID is empty, each eventResponse echoes the distribute's requestID.
    assert xp(root, base + "/ei:eiResponse/pyld:requestID") == [""]
    assert xp(root, base + "/ei:eiResponse/ei:responseCode") == ["200"]
    responses = base + "/ei:eventResponses/ei:eventResponse"
    assert xp(root, responses + "/ei:responseCode") == ["200", "460", "462"]
    assert xp(root, responses + "/pyld:requestID") == ["req-dist-1", "req-dist-1", ""]
    assert xp(root, responses + "/ei:qualifiedEventID/ei:eventID") == ["event-1", "event-x", "event-y"]
    assert xp(root, responses + "/ei:qualifiedEventID/ei:modificationNumber") == ["0", "2", "1"]
    assert xp(root, responses + "/ei:optType") == ["optIn", "optOut", "optOut"]
    assert xp(root, responses + "/ei:responseDescription") == ["OK", "signal not supported"]
    assert xp(root, base + "/ei:venID") == [VEN_ID]


def test_created_event_without_responses_omits_event_responses() -> None:
    root = build_element(samples.CREATED_EVENT_ERROR)
    assert root.xpath("//ei:eventResponses", namespaces=NS) == []
    assert xp(root, "//ei:eiResponse/ei:responseCode") == ["452"]


def test_first_registration_has_no_ids_and_pull_flags() -> None:
    root = build_element(samples.CREATE_PARTY_REGISTRATION)
    (message,) = root[0]
    assert [etree.QName(c).localname for c in message] == [
        "requestID",
        "oadrProfileName",
        "oadrTransportName",
        "oadrReportOnly",
        "oadrXmlSignature",
        "oadrVenName",
        "oadrHttpPullModel",
    ]  # R402: no registrationID/venID on a first registration
    assert [c.text for c in message] == [
        "req-reg-1",
        "2.0b",
        "simpleHttp",
        "false",
        "false",
        "Home VEN",
        "true",
    ]


def test_reregistration_carries_ids() -> None:
    root = build_element(samples.REREGISTRATION)
    assert xp(root, "//ei:registrationID") == ["reg-42"]
    assert xp(root, "//ei:venID") == [VEN_ID]
    assert xp(root, "//oadr:oadrReportOnly") == ["true"]
    assert xp(root, "//oadr:oadrXmlSignature") == ["true"]


def test_push_registration_has_transport_address() -> None:
    root = build_element(samples.PUSH_REGISTRATION)
    assert xp(root, "//oadr:oadrTransportAddress") == ["https://ven.example.com:8443/prefix/"]
    assert xp(root, "//oadr:oadrHttpPullModel") == ["false"]


def test_event_opt_has_qualified_event_and_no_vavailability_nor_market_context() -> None:
    opt = replace(samples.EVENT_OPT, market_context="http://ignored")
    root = build_element(opt)
    assert_valid(root)
    assert root.xpath("//xcal:vavailability", namespaces=NS) == []  # R206
    assert root.xpath("//emix:marketContext", namespaces=NS) == []  # R206
    assert xp(root, "//ei:qualifiedEventID/ei:eventID") == ["event-1"]
    assert xp(root, "//ei:qualifiedEventID/ei:modificationNumber") == ["2"]
    assert xp(root, "//ei:eiTarget/ei:resourceID") == ["res-1"]
    assert xp(root, "//ei:eiTarget/ei:venID") == [VEN_ID]


def test_schedule_opt_has_vavailability_windows() -> None:
    root = build_element(samples.SCHEDULE_OPT)
    windows = "//xcal:vavailability/xcal:components/xcal:available/xcal:properties"
    assert xp(root, windows + "/xcal:dtstart/xcal:date-time") == [
        "2026-01-02T12:00:00Z",
        "2026-01-03T12:00:00Z",
    ]
    assert xp(root, windows + "/xcal:duration/xcal:duration") == ["PT4H", "PT0S"]  # PT0S open-ended (R210)
    assert xp(root, "//emix:marketContext") == [samples.MARKET]
    assert root.xpath("//ei:qualifiedEventID", namespaces=NS) == []


def test_opt_target_always_contains_the_ven_id() -> None:
    opt = CreateOpt(
        "r", VEN_ID, "o", OptType.OPT_OUT, OptReason.ECONOMIC, T0, target=Target(resource_ids=("res-2",))
    )
    root = build_element(opt)
    assert_valid(root)
    assert xp(root, "//ei:eiTarget/ei:resourceID") == ["res-2"]
    assert xp(root, "//ei:eiTarget/ei:venID") == [VEN_ID]  # S p.46


def test_empty_register_report_has_no_report() -> None:
    root = build_element(samples.EMPTY_REGISTER_REPORT)
    assert root.xpath("//oadr:oadrReport", namespaces=NS) == []  # R301/R305
    assert xp(root, "/*/*/oadr:oadrRegisterReport/ei:reportRequestID") == []  # R311


def test_metadata_report_content() -> None:
    root = build_element(samples.REGISTER_REPORT)
    reports = "//oadr:oadrRegisterReport/oadr:oadrReport"
    assert xp(root, reports + "/ei:reportRequestID") == ["0", "0"]  # R311
    assert xp(root, reports + "/ei:reportName") == ["METADATA_TELEMETRY_STATUS", "METADATA_TELEMETRY_USAGE"]
    assert xp(root, reports + "/xcal:duration/xcal:duration") == ["PT2H", "P1D"]  # R312
    assert root.xpath(reports + "/xcal:dtstart|" + reports + "/strm:intervals", namespaces=NS) == []  # R305
    desc = reports + "/oadr:oadrReportDescription"
    assert xp(root, desc + "/ei:rID") == ["status", "power", "energy", "pulses"]
    assert xp(root, desc + "/ei:reportType") == ["x-resourceStatus", "usage", "usage", "reading"]
    assert xp(root, desc + "/ei:readingType") == ["x-notApplicable", "Direct Read", "Direct Read", "Summed"]
    assert xp(root, desc + "/ei:reportDataSource/ei:resourceID") == ["res-1", "res-1", "res-1"]
    assert xp(root, desc + "/oadr:oadrSamplingRate/oadr:oadrMinPeriod") == ["PT1M", "PT10S", "PT1M"]
    assert xp(root, desc + "/oadr:oadrSamplingRate/oadr:oadrOnChange") == ["false", "true", "false"]
    assert xp(root, desc + "/power:powerReal/power:powerAttributes/power:hertz") == ["60"]
    assert xp(root, desc + "/oadr:pulseCount/oadr:pulseFactor") == ["0.5"]
    assert xp(root, "/*/*/oadr:oadrRegisterReport/ei:venID") == [VEN_ID]


def test_metadata_answer_has_top_level_report_request_id() -> None:
    root = build_element(samples.METADATA_ANSWER)
    assert xp(root, "/*/*/oadr:oadrRegisterReport/ei:reportRequestID") == ["rrq-meta"]  # R311


def test_update_report_content_point_and_interval_data() -> None:
    root = build_element(samples.UPDATE_REPORT)
    usage, status = root.xpath("//oadr:oadrReport", namespaces=NS)
    assert xp(usage, "xcal:dtstart/xcal:date-time") == ["2026-01-01T12:00:00Z"]  # R313/R314
    assert xp(usage, "strm:intervals/ei:interval/xcal:duration/xcal:duration") == ["PT1M"] * 4
    assert xp(usage, "strm:intervals/ei:interval/xcal:uid/xcal:text") == ["0", "1", "2", "3"]
    payloads = "strm:intervals/ei:interval/oadr:oadrReportPayload"
    assert xp(usage, payloads + "/ei:rID") == ["power", "energy", "power", "energy"]
    assert xp(usage, payloads + "/ei:payloadFloat/ei:value") == ["1520.5", "123456", "0", "0"]
    assert xp(usage, payloads + "/ei:confidence") == ["95"]
    assert xp(usage, payloads + "/ei:accuracy") == ["0.5"]
    assert xp(usage, payloads + "/oadr:oadrDataQuality") == [
        "Quality Good - Non Specific",
        "Quality Bad - Comm Failure",
    ]
    assert xp(usage, "ei:eiReportID") == ["report-instance-1"]
    assert xp(usage, "ei:reportName") == ["TELEMETRY_USAGE"]
    # Point data: dtstart only, no interval duration (R342).
    assert status.xpath("strm:intervals/ei:interval/xcal:duration", namespaces=NS) == []
    rs = payloads + "/oadr:oadrPayloadResourceStatus"
    assert xp(status, rs + "/oadr:oadrOnline") == ["true", "false"]
    assert xp(status, rs + "/oadr:oadrManualOverride") == ["false", "true"]
    assert xp(status, rs + "/oadr:oadrLoadControlState/oadr:oadrCapacity/oadr:oadrCurrent") == ["0.75"]
    assert xp(status, rs + "/oadr:oadrLoadControlState/oadr:oadrSetPoint/oadr:oadrCurrent") == ["21.5"]


def test_report_request_with_several_rids_and_interval() -> None:
    root = build_element(samples.CREATE_REPORT)
    spec = "//oadr:oadrReportRequest/ei:reportSpecifier"
    assert xp(root, spec + "/ei:specifierPayload/ei:rID") == ["power", "energy"]
    assert xp(root, spec + "/xcal:granularity/xcal:duration") == ["PT1M"]
    assert xp(root, spec + "/ei:reportBackDuration/xcal:duration") == ["PT5M"]
    assert xp(root, spec + "/ei:reportInterval/xcal:properties/xcal:dtstart/xcal:date-time") == [
        "2026-01-01T12:00:00Z"
    ]


def test_pending_report_ids_may_be_empty() -> None:
    root = build_element(samples.CREATED_REPORT_NONE_PENDING)
    assert_valid(root)
    (pending,) = root.xpath("//oadr:oadrPendingReports", namespaces=NS)
    assert len(pending) == 0


def test_updated_report_piggybacks_cancel_without_schema_version() -> None:
    root = build_element(samples.UPDATED_REPORT)
    (cancel,) = root.xpath("//oadr:oadrUpdatedReport/oadr:oadrCancelReport", namespaces=NS)
    assert cancel.get(ns.SCHEMA_VERSION_ATTR) is None
    assert xp(cancel, "ei:reportRequestID") == ["rrq-1"]
    assert xp(cancel, "pyld:reportToFollow") == ["false"]


def test_distribute_event_structure() -> None:
    root = build_element(samples.DISTRIBUTE_EVENT)
    events = root.xpath("//oadr:oadrEvent", namespaces=NS)
    assert len(events) == 3
    first = events[0]
    props = "ei:eiEvent/ei:eiActivePeriod/xcal:properties"
    assert xp(first, props + "/xcal:tolerance/xcal:tolerate/xcal:startafter") == ["PT5M"]
    assert xp(first, props + "/ei:x-eiNotification/xcal:duration") == ["P1D"]
    assert xp(events[1], props + "/ei:x-eiRampUp/xcal:duration") == ["-PT10M"]  # negative ramp-up
    # Intervals: duration, uid and one payload, never a dtstart (R100-R103).
    intervals = first.xpath(".//strm:intervals/ei:interval", namespaces=NS)
    assert [etree.QName(c).localname for c in intervals[0]] == ["duration", "uid", "signalPayload"]
    # Signal-level target only when there are endDeviceAssets (R111).
    signal_targets = events[1].xpath(".//ei:eiEventSignal/ei:eiTarget", namespaces=NS)
    assert len(signal_targets) == 1
    assert xp(signal_targets[0], "power:endDeviceAsset/power:mrid") == ["Water_Heater", "Electric_Vehicle"]
    # Event target in schema order with the criteria the models keep in `others`.
    (target,) = events[1].xpath("ei:eiEvent/ei:eiTarget", namespaces=NS)
    assert [etree.QName(c).localname for c in target] == [
        "meterAsset",
        "pnode",
        "groupID",
        "groupName",
        "resourceID",
        "resourceID",
        "venID",
        "partyID",
    ]
    # Empty target: an empty element (the schema requires it).
    (empty_target,) = events[2].xpath("ei:eiEvent/ei:eiTarget", namespaces=NS)
    assert len(empty_target) == 0
    assert xp(events[1], "oadr:oadrResponseRequired") == ["never"]


def test_many_intervals_and_many_events_stay_valid() -> None:
    signal = EventSignal("SIMPLE", "level", "s", samples.intervals([i % 4 for i in range(500)], minutes=1))
    events = tuple(
        replace(samples.simple_event(f"e{i}"), signals=(signal,), target=Target()) for i in range(20)
    )
    message = DistributeEvent("req", "vtn", events)
    data = build(message)
    assert_valid(data)
    assert data.count(b"<ei:interval>") == 20 * 500


@pytest.mark.parametrize(
    "item",
    [
        ItemBase("powerReal", "RealPower", "W", "none"),  # powerAttributes defaulted (schema requires them)
        ItemBase("powerApparent", "ApparentPower", "VA", "k", 50, 230, ac=False),
        ItemBase("powerReactive", "ReactivePower", "VAR", "M", 60, 240, ac=True),
        ItemBase("energyReal", "RealEnergy", "Wh", "k"),
        ItemBase("energyApparent", "ApparentEnergy", "VAh", "none"),
        ItemBase("energyReactive", "ReactiveEnergy", "VARh", "none"),
        ItemBase("voltage", "Voltage", "V", "none"),
        ItemBase("currency", "currency", "EUR", "none"),
        ItemBase("currencyPerKW", "currencyPerKW", "USD", "none"),
        ItemBase("current", "Current", "A", "m"),
        ItemBase("frequency", "Frequency", "Hz", "none"),
        ItemBase("Therm", "Therm", "thm", "none"),
        ItemBase("temperature", "temperature", "celsius", "none"),
        ItemBase("pulseCount", "pulse count", "count", pulse_factor=2.5),
        ItemBase("customUnit", "Widgets", "w", "none"),
    ],
)
def test_every_unit_kind_validates(item: ItemBase) -> None:
    signal = EventSignal("x-CUSTOM", "level", "s", samples.intervals([1.0]), item_base=item)
    event = replace(samples.simple_event(), signals=(signal,))
    assert_valid(build(DistributeEvent("r", "v", (event,))))


def test_unknown_item_kind_is_a_programming_error() -> None:
    signal = EventSignal(
        "SIMPLE", "level", "s", samples.intervals([1.0]), item_base=ItemBase("bogus", "", "")
    )
    with pytest.raises(ValueError, match="bogus"):
        build(DistributeEvent("r", "v", (replace(samples.simple_event(), signals=(signal,)),)))


def test_non_finite_values_are_refused() -> None:
    interval = replace(samples.USAGE_DATA.intervals[0], value=float("nan"))
    report = replace(samples.USAGE_DATA, intervals=(interval,))
    with pytest.raises(ValueError, match="non-finite"):
        build(UpdateReport("r", VEN_ID, (report,)))


def test_unknown_message_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="no OpenADR builder"):
        build(T0)  # type: ignore[arg-type]


def test_serialize_matches_build_and_is_utf8() -> None:
    message = replace(samples.CREATE_PARTY_REGISTRATION, ven_name="Maison Élise ☀")
    data = build(message)
    assert serialize(build_element(message)) == data
    assert "Maison Élise ☀".encode() in data


def test_times_are_utc_z_even_from_other_zones() -> None:
    from datetime import timezone

    local = T0.astimezone(timezone(timedelta(hours=2)))
    root = build_element(replace(samples.EVENT_OPT, created_date_time=local))
    assert xp(root, "//ei:createdDateTime") == ["2026-01-01T12:00:00Z"]


def test_poll_is_minimal() -> None:
    data = build(Poll(VEN_ID))
    assert data.endswith(
        b'<oadr:oadrSignedObject oadr:Id="oadrSignedObject"><oadr:oadrPoll ei:schemaVersion="2.0b">'
        b"<ei:venID>ven-7f3a</ei:venID></oadr:oadrPoll></oadr:oadrSignedObject></oadr:oadrPayload>"
    )


def test_register_report_without_ven_id_is_valid() -> None:
    assert_valid(build(RegisterReport("r", ())))


def test_free_text_is_escaped_and_round_trips() -> None:
    tricky = "A&B <c> \"d\" 'e' \r\n\t f]]>g"
    message = replace(samples.CREATE_PARTY_REGISTRATION, ven_name=tricky, request_id="<&>")
    data = build(message)
    assert_valid(data)
    assert b"A&amp;B &lt;c&gt;" in data
    from custom_components.openadr_ven.openadr.payloads import parse

    assert parse(data) == message


@pytest.mark.parametrize("bad", ["\x00", "a\x01b", "\x1f", "\ufffe", "\ud800"])
def test_text_xml_cannot_carry_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="XML cannot carry"):
        build(Poll(bad))


def test_build_element_is_the_same_document() -> None:
    for message in ALL_SAMPLES.values():
        root = build_element(message)  # type: ignore[arg-type]
        assert etree.tostring(root, method="c14n") == etree.tostring(
            etree.fromstring(build(message)),  # type: ignore[arg-type]
            method="c14n",
        )
        assert root.nsmap == ns.NSMAP
