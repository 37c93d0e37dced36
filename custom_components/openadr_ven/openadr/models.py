"""Typed OpenADR 2.0b protocol data: frozen dataclasses for every message a VEN sends or receives.

Names follow the specification (``oadrCreatedEvent`` -> :class:`CreatedEvent`) so the code reads
next to the spec.  Times are timezone-aware UTC ``datetime`` objects, durations are ``timedelta``.
Messages VEN->VTN are built by :mod:`.payloads.build`; messages VTN->VEN come out of
:mod:`.payloads.parse`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .enums import (
    DataQuality,
    OptReason,
    OptType,
    ReadingType,
    ReportName,
    ReportType,
    ResponseRequired,
)

# --------------------------------------------------------------------------------------------
# Shared pieces


@dataclass(frozen=True, slots=True)
class Response:
    """ei:eiResponse: responseCode, responseDescription and the echoed requestID."""

    code: int = 200
    description: str | None = "OK"
    request_id: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 300


@dataclass(frozen=True, slots=True)
class Target:
    """ei:eiTarget. Empty means "everything the VEN controls" (VEN_REQUIREMENTS §2.5)."""

    ven_ids: tuple[str, ...] = ()
    resource_ids: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()
    party_ids: tuple[str, ...] = ()
    end_device_assets: tuple[str, ...] = ()
    # Criteria the VEN cannot resolve itself, as (element local name, value): groupName, pnode,
    # aggregatedPnode, serviceDeliveryPoint (node), meterAsset (mrid), serviceArea, serviceLocation,
    # transportInterface (value ""). Kept so such a target is never mistaken for an empty one (R48).
    others: tuple[tuple[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not (
            self.ven_ids
            or self.resource_ids
            or self.group_ids
            or self.party_ids
            or self.end_device_assets
            or self.others
        )


@dataclass(frozen=True, slots=True)
class ItemBase:
    """emix:itemBase: the unit of a signal or report value.

    ``kind`` is the element's local name (``currency``, ``powerReal``, ``energyReal``,
    ``voltage``, ``temperature``, ``pulseCount``, ``customUnit``, ...);
    ``units`` the itemUnits text (``USD``, ``W``, ``Wh``); ``si_scale_code`` the siScaleCode
    (``none``, ``k``, ``M``, ...); ``power_attributes`` (hertz, voltage, ac) for power kinds.
    """

    kind: str
    description: str
    units: str
    si_scale_code: str = "none"
    hertz: float | None = None
    voltage: float | None = None
    ac: bool | None = None
    pulse_factor: float | None = None  # oadr:pulseFactor of a pulseCount item (it has no siScaleCode)


@dataclass(frozen=True, slots=True)
class Interval:
    """An ei:interval of an event signal or baseline: uid, duration, one payloadFloat (R100-R103)."""

    uid: int
    duration: timedelta
    value: float


@dataclass(frozen=True, slots=True)
class Availability:
    """One xcal:vavailability/available window: when the resource is available (opt schedules)."""

    start: datetime
    duration: timedelta


# --------------------------------------------------------------------------------------------
# Events (EiEvent)


@dataclass(frozen=True, slots=True)
class EventDescriptor:
    event_id: str
    modification_number: int
    market_context: str
    created_date_time: datetime
    event_status: str  # as sent by the VTN; the VEN computes its own (R114)
    priority: int = 0  # 0 = no priority = lowest (R3)
    modification_date_time: datetime | None = None
    modification_reason: str | None = None
    test_event: str | None = None  # any value but "false" marks a test event (R6)
    vtn_comment: str | None = None

    @property
    def is_test(self) -> bool:
        return self.test_event is not None and self.test_event.strip().lower() != "false"


@dataclass(frozen=True, slots=True)
class ActivePeriod:
    dtstart: datetime
    duration: timedelta  # PT0S = open-ended until cancelled (R47)
    start_after: timedelta | None = None  # xcal:tolerance/tolerate/startafter (R30)
    notification: timedelta | None = None  # ei:x-eiNotification (R105)
    ramp_up: timedelta | None = None
    recovery: timedelta | None = None


@dataclass(frozen=True, slots=True)
class EventSignal:
    signal_name: str  # kept as str so an unsupported name can be answered with 460
    signal_type: str
    signal_id: str
    intervals: tuple[Interval, ...]
    current_value: float | None = None
    item_base: ItemBase | None = None
    target: Target = field(default_factory=Target)


@dataclass(frozen=True, slots=True)
class Baseline:
    baseline_id: str
    baseline_name: str
    dtstart: datetime
    duration: timedelta
    intervals: tuple[Interval, ...]
    resource_ids: tuple[str, ...] = ()
    item_base: ItemBase | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """oadr:oadrEvent: ei:eiEvent plus oadrResponseRequired."""

    descriptor: EventDescriptor
    active_period: ActivePeriod
    signals: tuple[EventSignal, ...]
    target: Target = field(default_factory=Target)
    response_required: ResponseRequired = ResponseRequired.ALWAYS
    baseline: Baseline | None = None

    @property
    def event_id(self) -> str:
        return self.descriptor.event_id

    @property
    def modification_number(self) -> int:
        return self.descriptor.modification_number


@dataclass(frozen=True, slots=True)
class InvalidEvent:
    """An oadrEvent of a distribute that could not be parsed; answered on its own (R19).

    ``event_id`` / ``modification_number`` are what could be read (may be empty / 0).
    """

    event_id: str
    modification_number: int
    code: int
    reason: str
    response_required: ResponseRequired = ResponseRequired.ALWAYS


@dataclass(frozen=True, slots=True)
class DistributeEvent:
    """oadrDistributeEvent (VTN -> VEN)."""

    request_id: str
    vtn_id: str
    events: tuple[Event, ...] = ()
    invalid_events: tuple[InvalidEvent, ...] = ()
    response: Response | None = None


@dataclass(frozen=True, slots=True)
class EventResponse:
    """One eiEventResponse of oadrCreatedEvent."""

    event_id: str
    modification_number: int
    opt_type: OptType
    code: int = 200
    description: str | None = "OK"
    request_id: str = ""  # the requestID of the oadrDistributeEvent (R42, R43)


@dataclass(frozen=True, slots=True)
class CreatedEvent:
    """oadrCreatedEvent (VEN -> VTN)."""

    ven_id: str
    event_responses: tuple[EventResponse, ...]
    response: Response = field(default_factory=Response)


@dataclass(frozen=True, slots=True)
class RequestEvent:
    """oadrRequestEvent (VEN -> VTN)."""

    request_id: str
    ven_id: str
    reply_limit: int | None = None


# --------------------------------------------------------------------------------------------
# Registration (EiRegisterParty)


@dataclass(frozen=True, slots=True)
class QueryRegistration:
    request_id: str


@dataclass(frozen=True, slots=True)
class CreatePartyRegistration:
    """oadrCreatePartyRegistration (VEN -> VTN), VEN_REQUIREMENTS §4.2."""

    request_id: str
    ven_name: str
    ven_id: str | None = None
    registration_id: str | None = None
    profile_name: str = "2.0b"
    transport_name: str = "simpleHttp"
    transport_address: str | None = None
    report_only: bool = False
    xml_signature: bool = False
    http_pull_model: bool = True


@dataclass(frozen=True, slots=True)
class Profile:
    profile_name: str
    transports: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CreatedPartyRegistration:
    """oadrCreatedPartyRegistration (VTN -> VEN), answer to create and to query."""

    response: Response
    vtn_id: str
    registration_id: str | None = None
    ven_id: str | None = None
    profiles: tuple[Profile, ...] = ()
    poll_freq: timedelta | None = None  # oadrRequestedOadrPollFreq
    service_specific_info: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CancelPartyRegistration:
    """oadrCancelPartyRegistration (either direction)."""

    request_id: str
    registration_id: str
    ven_id: str | None = None


@dataclass(frozen=True, slots=True)
class CanceledPartyRegistration:
    """oadrCanceledPartyRegistration (either direction)."""

    response: Response
    registration_id: str | None = None
    ven_id: str | None = None


@dataclass(frozen=True, slots=True)
class RequestReregistration:
    """oadrRequestReregistration (VTN -> VEN)."""

    ven_id: str


# --------------------------------------------------------------------------------------------
# Generic answers and poll


@dataclass(frozen=True, slots=True)
class OadrResponse:
    """oadrResponse (either direction): an eiResponse plus venID."""

    response: Response
    ven_id: str | None = None


@dataclass(frozen=True, slots=True)
class Poll:
    """oadrPoll (VEN -> VTN)."""

    ven_id: str


# --------------------------------------------------------------------------------------------
# Opt (EiOpt)


@dataclass(frozen=True, slots=True)
class CreateOpt:
    """oadrCreateOpt (VEN -> VTN): either an event opt (qualified_event_id) or an availability
    schedule (availability windows), VEN_REQUIREMENTS §5."""

    request_id: str
    ven_id: str
    opt_id: str
    opt_type: OptType
    opt_reason: OptReason
    created_date_time: datetime
    market_context: str | None = None
    event_id: str | None = None
    modification_number: int | None = None
    availability: tuple[Availability, ...] = ()
    target: Target = field(default_factory=Target)


@dataclass(frozen=True, slots=True)
class CancelOpt:
    """oadrCancelOpt (VEN -> VTN)."""

    request_id: str
    ven_id: str
    opt_id: str


@dataclass(frozen=True, slots=True)
class CreatedOpt:
    response: Response
    opt_id: str


@dataclass(frozen=True, slots=True)
class CanceledOpt:
    response: Response
    opt_id: str


# --------------------------------------------------------------------------------------------
# Reports (EiReport)


@dataclass(frozen=True, slots=True)
class ReportDescription:
    """oadr:oadrReportDescription in a METADATA report: one data point (rID) the VEN offers."""

    r_id: str
    report_type: ReportType
    reading_type: ReadingType
    item_base: ItemBase | None = None
    resource_id: str | None = None
    market_context: str | None = None
    min_period: timedelta | None = None  # oadrSamplingRate/oadrMinPeriod
    max_period: timedelta | None = None  # oadrSamplingRate/oadrMaxPeriod
    on_change: bool = False


@dataclass(frozen=True, slots=True)
class ReportMetadata:
    """One oadr:oadrReport inside oadrRegisterReport (reportName METADATA_*)."""

    report_specifier_id: str
    report_name: ReportName
    descriptions: tuple[ReportDescription, ...]
    created_date_time: datetime
    duration: timedelta | None = None  # how much history is available (HISTORY_USAGE)
    report_request_id: str = "0"  # always 0 in METADATA reports


@dataclass(frozen=True, slots=True)
class RegisterReport:
    """oadrRegisterReport (either direction)."""

    request_id: str
    reports: tuple[ReportMetadata, ...]
    ven_id: str | None = None
    report_request_id: str | None = None


@dataclass(frozen=True, slots=True)
class SpecifierPayload:
    """oadr:specifierPayload: which rID the VTN wants, with which reading type."""

    r_id: str
    reading_type: str
    item_base: ItemBase | None = None


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """oadr:oadrReportRequest (in oadrCreateReport or piggy-backed on oadrRegisteredReport)."""

    report_request_id: str
    report_specifier_id: str
    granularity: timedelta  # PT0S = one-shot / on change
    report_back_duration: timedelta
    specifier_payloads: tuple[SpecifierPayload, ...]
    start: datetime | None = None  # reportInterval dtstart (delayed start); None = now
    duration: timedelta | None = None  # reportInterval duration; None/PT0S = open-ended


@dataclass(frozen=True, slots=True)
class RegisteredReport:
    """oadrRegisteredReport (either direction)."""

    response: Response
    report_requests: tuple[ReportRequest, ...] = ()
    ven_id: str | None = None


@dataclass(frozen=True, slots=True)
class CreateReport:
    """oadrCreateReport (VTN -> VEN)."""

    request_id: str
    report_requests: tuple[ReportRequest, ...]
    ven_id: str | None = None


@dataclass(frozen=True, slots=True)
class CreatedReport:
    """oadrCreatedReport (VEN -> VTN)."""

    response: Response
    pending_report_request_ids: tuple[str, ...]
    ven_id: str


@dataclass(frozen=True, slots=True)
class ResourceStatus:
    """oadr:oadrPayloadResourceStatus of a TELEMETRY_STATUS report."""

    online: bool
    manual_override: bool
    load_control_capacity: float | None = None
    load_control_level_offset: float | None = None
    load_control_percent_offset: float | None = None
    load_control_setpoint: float | None = None


@dataclass(frozen=True, slots=True)
class ReportInterval:
    """One interval of an oadrUpdateReport: dtstart, duration, an rID and its value."""

    start: datetime
    duration: timedelta
    r_id: str
    value: float | ResourceStatus
    data_quality: DataQuality | None = None
    confidence: int | None = None
    accuracy: float | None = None


@dataclass(frozen=True, slots=True)
class ReportData:
    """One oadr:oadrReport inside oadrUpdateReport."""

    report_request_id: str
    report_specifier_id: str
    report_name: ReportName
    created_date_time: datetime
    start: datetime
    duration: timedelta
    intervals: tuple[ReportInterval, ...]
    report_id: str | None = None


@dataclass(frozen=True, slots=True)
class UpdateReport:
    """oadrUpdateReport (VEN -> VTN)."""

    request_id: str
    ven_id: str
    reports: tuple[ReportData, ...]


@dataclass(frozen=True, slots=True)
class CancelReport:
    """oadrCancelReport (VTN -> VEN, or piggy-backed on oadrUpdatedReport)."""

    request_id: str
    report_request_ids: tuple[str, ...]
    report_to_follow: bool
    ven_id: str | None = None


@dataclass(frozen=True, slots=True)
class UpdatedReport:
    """oadrUpdatedReport (VTN -> VEN), may carry an oadrCancelReport."""

    response: Response
    cancel_report: CancelReport | None = None
    ven_id: str | None = None


@dataclass(frozen=True, slots=True)
class CanceledReport:
    """oadrCanceledReport (VEN -> VTN, or VTN -> VEN)."""

    response: Response
    pending_report_request_ids: tuple[str, ...]
    ven_id: str | None = None


# Unions the rest of the library dispatches on.
OutgoingMessage = (
    QueryRegistration
    | CreatePartyRegistration
    | CancelPartyRegistration
    | CanceledPartyRegistration
    | OadrResponse
    | Poll
    | RequestEvent
    | CreatedEvent
    | CreateOpt
    | CancelOpt
    | RegisterReport
    | RegisteredReport
    | CreatedReport
    | UpdateReport
    | CanceledReport
)

IncomingMessage = (
    CreatedPartyRegistration
    | CanceledPartyRegistration
    | CancelPartyRegistration
    | RequestReregistration
    | OadrResponse
    | DistributeEvent
    | CreatedOpt
    | CanceledOpt
    | RegisterReport
    | RegisteredReport
    | CreateReport
    | UpdatedReport
    | CancelReport
    | CanceledReport
)
