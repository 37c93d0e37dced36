"""Realistic OpenADR 2.0b messages as models, one or more per message type (reusable by all tests).

``ALL_SAMPLES`` maps a readable name to a message; every entry must build to schema-valid XML
and survive ``parse(build(x)) == x``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from custom_components.openadr_ven.openadr.enums import (
    DataQuality,
    OptReason,
    OptType,
    ReadingType,
    ReportName,
    ReportType,
    ResponseRequired,
)
from custom_components.openadr_ven.openadr.models import (
    ActivePeriod,
    Availability,
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
    EventDescriptor,
    EventResponse,
    EventSignal,
    Interval,
    ItemBase,
    OadrResponse,
    Poll,
    Profile,
    QueryRegistration,
    RegisteredReport,
    RegisterReport,
    ReportData,
    ReportDescription,
    ReportInterval,
    ReportMetadata,
    ReportRequest,
    RequestEvent,
    RequestReregistration,
    ResourceStatus,
    Response,
    SpecifierPayload,
    Target,
    UpdatedReport,
    UpdateReport,
)

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
VEN_ID = "ven-7f3a"
VTN_ID = "vtn-utility"
MARKET = "http://market.example.com/program/summer"

POWER_REAL = ItemBase("powerReal", "RealPower", "W", "k", hertz=60.0, voltage=120.0, ac=True)
ENERGY_REAL = ItemBase("energyReal", "RealEnergy", "Wh", "none")
PRICE_PER_KWH = ItemBase("currencyPerKWh", "currencyPerKWh", "USD", "none")


def intervals(values: list[float], minutes: int = 15) -> tuple[Interval, ...]:
    return tuple(Interval(uid=i, duration=timedelta(minutes=minutes), value=v) for i, v in enumerate(values))


def simple_event(event_id: str = "event-1", modification: int = 0, **kw: object) -> Event:
    return Event(
        descriptor=EventDescriptor(
            event_id=event_id,
            modification_number=modification,
            market_context=MARKET,
            created_date_time=T0 - timedelta(hours=1),
            event_status="far",
            priority=1,
        ),
        active_period=ActivePeriod(
            dtstart=T0 + timedelta(hours=2),
            duration=timedelta(hours=1),
            start_after=timedelta(minutes=5),
            notification=timedelta(hours=24),
        ),
        signals=(
            EventSignal(
                signal_name="SIMPLE",
                signal_type="level",
                signal_id="sig-simple",
                intervals=intervals([1, 2, 3, 1]),
                current_value=0.0,
            ),
        ),
        target=Target(ven_ids=(VEN_ID,)),
        **kw,  # type: ignore[arg-type]
    )


PRICE_EVENT = Event(
    descriptor=EventDescriptor(
        event_id="event-price",
        modification_number=3,
        market_context=MARKET,
        created_date_time=T0 - timedelta(hours=1),
        event_status="active",
        priority=0,
        modification_date_time=T0 - timedelta(minutes=30),
        modification_reason="price update",
        test_event="false",
        vtn_comment="peak pricing",
    ),
    active_period=ActivePeriod(
        dtstart=T0,
        duration=timedelta(hours=6),
        notification=timedelta(hours=1),
        ramp_up=timedelta(minutes=-10),
        recovery=timedelta(minutes=15),
    ),
    signals=(
        EventSignal(
            signal_name="ELECTRICITY_PRICE",
            signal_type="price",
            signal_id="sig-price",
            intervals=intervals([0.12, 0.35, 0.5, -0.02, 1e-3, 123456.75], minutes=60),
            current_value=0.35,
            item_base=PRICE_PER_KWH,
            target=Target(end_device_assets=("Water_Heater", "Electric_Vehicle")),
        ),
        EventSignal(
            signal_name="LOAD_DISPATCH",
            signal_type="setpoint",
            signal_id="sig-dispatch",
            intervals=intervals([2.5], minutes=360),
            item_base=POWER_REAL,
        ),
    ),
    target=Target(
        ven_ids=(VEN_ID,),
        resource_ids=("res-1", "res-2"),
        group_ids=("group-a",),
        party_ids=("party-9",),
        others=(("meterAsset", "meter-1"), ("pnode", "PNODE-17"), ("groupName", "north")),  # schema order
    ),
    response_required=ResponseRequired.NEVER,
    baseline=Baseline(
        baseline_id="base-1",
        baseline_name="typical weekday",
        dtstart=T0,
        duration=timedelta(hours=1),
        intervals=intervals([3.0, 3.5, 4.0, 2.0]),
        resource_ids=("res-1",),
        item_base=POWER_REAL,
    ),
)

OPEN_ENDED_EVENT = Event(
    descriptor=EventDescriptor(
        event_id="event-open",
        modification_number=0,
        market_context=MARKET,
        created_date_time=T0,
        event_status="none",
    ),
    active_period=ActivePeriod(dtstart=T0, duration=timedelta(0)),
    signals=(
        EventSignal(
            signal_name="LOAD_CONTROL",
            signal_type="x-loadControlCapacity",
            signal_id="sig-lc",
            intervals=(Interval(0, timedelta(0), 0.5),),
        ),
    ),
)

DISTRIBUTE_EVENT = DistributeEvent(
    request_id="req-dist-1",
    vtn_id=VTN_ID,
    events=(simple_event(), PRICE_EVENT, OPEN_ENDED_EVENT),
    response=Response(200, "OK", "req-dist-1"),
)
EMPTY_DISTRIBUTE = DistributeEvent(request_id="", vtn_id=VTN_ID)

CREATED_EVENT = CreatedEvent(
    ven_id=VEN_ID,
    event_responses=(
        EventResponse("event-1", 0, OptType.OPT_IN, 200, "OK", "req-dist-1"),
        EventResponse("event-x", 2, OptType.OPT_OUT, 460, "signal not supported", "req-dist-1"),
        EventResponse("event-y", 1, OptType.OPT_OUT, 462, None, ""),
    ),
    response=Response(200, "OK", None),
)
CREATED_EVENT_ERROR = CreatedEvent(ven_id=VEN_ID, event_responses=(), response=Response(452, "bad vtnID"))

REQUEST_EVENT = RequestEvent(request_id="req-ev-1", ven_id=VEN_ID)
REQUEST_EVENT_LIMIT = RequestEvent(request_id="req-ev-2", ven_id=VEN_ID, reply_limit=5)

QUERY_REGISTRATION = QueryRegistration(request_id="req-q-1")
CREATE_PARTY_REGISTRATION = CreatePartyRegistration(request_id="req-reg-1", ven_name="Home VEN")
REREGISTRATION = CreatePartyRegistration(
    request_id="req-reg-2",
    ven_name="Home VEN",
    ven_id=VEN_ID,
    registration_id="reg-42",
    report_only=True,
    xml_signature=True,
)
PUSH_REGISTRATION = CreatePartyRegistration(
    request_id="req-reg-3",
    ven_name="Push VEN",
    transport_address="https://ven.example.com:8443/prefix/",
    http_pull_model=False,
)
CREATED_PARTY_REGISTRATION = CreatedPartyRegistration(
    response=Response(200, "OK", "req-reg-1"),
    vtn_id=VTN_ID,
    registration_id="reg-42",
    ven_id=VEN_ID,
    profiles=(Profile("2.0a", ("simpleHttp",)), Profile("2.0b", ("simpleHttp", "xmpp"))),
    poll_freq=timedelta(seconds=10),
    service_specific_info=(("maxReports", "100"), ("region", "north")),
)
QUERY_ANSWER = CreatedPartyRegistration(
    response=Response(200, "OK", "req-q-1"),
    vtn_id=VTN_ID,
    profiles=(Profile("2.0b", ("simpleHttp",)),),
)
CANCEL_PARTY_REGISTRATION = CancelPartyRegistration("req-cancel-1", "reg-42", VEN_ID)
CANCEL_PARTY_REGISTRATION_NO_VEN = CancelPartyRegistration("req-cancel-2", "reg-42")
CANCELED_PARTY_REGISTRATION = CanceledPartyRegistration(Response(200, "OK", "req-cancel-1"), "reg-42", VEN_ID)
CANCELED_PARTY_REGISTRATION_452 = CanceledPartyRegistration(Response(452, "unknown registrationID", "r"))
REQUEST_REREGISTRATION = RequestReregistration(VEN_ID)
OADR_RESPONSE = OadrResponse(Response(200, "OK", None), VEN_ID)
OADR_RESPONSE_NO_VEN = OadrResponse(Response(463, None, "req-9"))
POLL = Poll(VEN_ID)

EVENT_OPT = CreateOpt(
    request_id="req-opt-1",
    ven_id=VEN_ID,
    opt_id="opt-1",
    opt_type=OptType.OPT_OUT,
    opt_reason=OptReason.OVERRIDE_STATUS,
    created_date_time=T0,
    event_id="event-1",
    modification_number=2,
    target=Target(ven_ids=(VEN_ID,), resource_ids=("res-1",)),
)
SCHEDULE_OPT = CreateOpt(
    request_id="req-opt-2",
    ven_id=VEN_ID,
    opt_id="opt-2",
    opt_type=OptType.OPT_OUT,
    opt_reason=OptReason.X_SCHEDULE,
    created_date_time=T0,
    market_context=MARKET,
    availability=(
        Availability(T0 + timedelta(days=1), timedelta(hours=4)),
        Availability(T0 + timedelta(days=2), timedelta(0)),
    ),
    target=Target(ven_ids=(VEN_ID,)),
)
EMPTY_SCHEDULE_OPT = CreateOpt(
    request_id="",
    ven_id=VEN_ID,
    opt_id="opt-3",
    opt_type=OptType.OPT_IN,
    opt_reason=OptReason.PARTICIPATING,
    created_date_time=T0,
    target=Target(ven_ids=(VEN_ID,)),
)
CANCEL_OPT = CancelOpt("req-copt-1", VEN_ID, "opt-2")
CREATED_OPT = CreatedOpt(Response(200, "OK", "req-opt-1"), "opt-1")
CANCELED_OPT = CanceledOpt(Response(200, "OK", "req-copt-1"), "opt-2")

STATUS_METADATA = ReportMetadata(
    report_specifier_id="rs-status",
    report_name=ReportName.METADATA_TELEMETRY_STATUS,
    descriptions=(
        ReportDescription(
            r_id="status",
            report_type=ReportType.X_RESOURCE_STATUS,
            reading_type=ReadingType.X_NOT_APPLICABLE,
            resource_id="res-1",
            min_period=timedelta(minutes=1),
            max_period=timedelta(minutes=1),
        ),
    ),
    created_date_time=T0,
    duration=timedelta(hours=2),
)
USAGE_METADATA = ReportMetadata(
    report_specifier_id="rs-usage",
    report_name=ReportName.METADATA_TELEMETRY_USAGE,
    descriptions=(
        ReportDescription(
            r_id="power",
            report_type=ReportType.USAGE,
            reading_type=ReadingType.DIRECT_READ,
            item_base=POWER_REAL,
            resource_id="res-1",
            market_context=MARKET,
            min_period=timedelta(seconds=10),
            max_period=timedelta(minutes=10),
            on_change=True,
        ),
        ReportDescription(
            r_id="energy",
            report_type=ReportType.USAGE,
            reading_type=ReadingType.DIRECT_READ,
            item_base=ENERGY_REAL,
            resource_id="res-1",
            min_period=timedelta(minutes=1),
            max_period=timedelta(minutes=10),
        ),
        ReportDescription(
            r_id="pulses",
            report_type=ReportType.READING,
            reading_type=ReadingType.SUMMED,
            item_base=ItemBase("pulseCount", "pulse count", "count", pulse_factor=0.5),
        ),
    ),
    created_date_time=T0,
    duration=timedelta(days=1),
)
REGISTER_REPORT = RegisterReport("req-rr-1", (STATUS_METADATA, USAGE_METADATA), VEN_ID)
EMPTY_REGISTER_REPORT = RegisterReport("req-rr-2", (), VEN_ID)
METADATA_ANSWER = RegisterReport("req-rr-3", (STATUS_METADATA,), VEN_ID, report_request_id="rrq-meta")

TELEMETRY_REQUEST = ReportRequest(
    report_request_id="rrq-1",
    report_specifier_id="rs-usage",
    granularity=timedelta(minutes=1),
    report_back_duration=timedelta(minutes=5),
    specifier_payloads=(
        SpecifierPayload("power", "x-notApplicable"),
        SpecifierPayload("energy", "x-notApplicable", ENERGY_REAL),
    ),
    start=T0,
    duration=timedelta(hours=1),
)
ONE_SHOT_REQUEST = ReportRequest(
    report_request_id="rrq-2",
    report_specifier_id="rs-status",
    granularity=timedelta(0),
    report_back_duration=timedelta(0),
    specifier_payloads=(SpecifierPayload("status", "x-notApplicable"),),
)
REGISTERED_REPORT = RegisteredReport(
    Response(200, "OK", "req-rr-1"), (TELEMETRY_REQUEST, ONE_SHOT_REQUEST), VEN_ID
)
REGISTERED_REPORT_EMPTY = RegisteredReport(Response(200, "OK", "req-rr-1"))
CREATE_REPORT = CreateReport("req-cr-1", (TELEMETRY_REQUEST,), VEN_ID)
CREATE_METADATA_REPORT = CreateReport(
    "req-cr-2",
    (
        ReportRequest(
            "rrq-meta",
            "METADATA",
            timedelta(0),
            timedelta(0),
            (SpecifierPayload("0", "x-notApplicable"),),
        ),
    ),
)
CREATED_REPORT = CreatedReport(Response(200, "OK", "req-cr-1"), ("rrq-1", "rrq-2"), VEN_ID)
CREATED_REPORT_NONE_PENDING = CreatedReport(Response(452, "unknown rID", "req-cr-1"), (), VEN_ID)

USAGE_DATA = ReportData(
    report_request_id="rrq-1",
    report_specifier_id="rs-usage",
    report_name=ReportName.TELEMETRY_USAGE,
    created_date_time=T0 + timedelta(minutes=5),
    start=T0,
    duration=timedelta(minutes=2),
    intervals=(
        ReportInterval(T0, timedelta(minutes=1), "power", 1520.5, DataQuality.QUALITY_GOOD_NON_SPECIFIC),
        ReportInterval(T0, timedelta(minutes=1), "energy", 123456.0, confidence=95, accuracy=0.5),
        ReportInterval(T0 + timedelta(minutes=1), timedelta(minutes=1), "power", 0.0),
        ReportInterval(
            T0 + timedelta(minutes=1),
            timedelta(minutes=1),
            "energy",
            0.0,
            DataQuality.QUALITY_BAD_COMM_FAILURE,
        ),
    ),
    report_id="report-instance-1",
)
STATUS_DATA = ReportData(
    report_request_id="rrq-2",
    report_specifier_id="rs-status",
    report_name=ReportName.TELEMETRY_STATUS,
    created_date_time=T0,
    start=T0,
    duration=timedelta(0),
    intervals=(
        ReportInterval(
            T0,
            timedelta(0),
            "status",
            ResourceStatus(
                online=True, manual_override=False, load_control_capacity=0.75, load_control_setpoint=21.5
            ),
        ),
        ReportInterval(T0, timedelta(0), "status", ResourceStatus(online=False, manual_override=True)),
    ),
)
UPDATE_REPORT = UpdateReport("req-ur-1", VEN_ID, (USAGE_DATA, STATUS_DATA))
CANCEL_REPORT = CancelReport("req-can-1", ("rrq-1", "rrq-2"), True, VEN_ID)
UPDATED_REPORT = UpdatedReport(
    Response(200, "OK", "req-ur-1"), CancelReport("req-can-2", ("rrq-1",), False), VEN_ID
)
UPDATED_REPORT_PLAIN = UpdatedReport(Response(200, "OK", "req-ur-1"))
CANCELED_REPORT = CanceledReport(Response(200, "OK", "req-can-1"), ("rrq-1",), VEN_ID)
CANCELED_REPORT_EMPTY = CanceledReport(Response(452, "unknown reportRequestID", "req-can-1"), ())

ALL_SAMPLES: dict[str, object] = {
    name: value
    for name, value in globals().items()
    if name.isupper()
    and type(value).__module__.endswith("openadr.models")
    and type(value).__name__
    not in {"Event", "ReportMetadata", "ReportData", "ReportRequest", "ItemBase", "Target", "Response"}
}
