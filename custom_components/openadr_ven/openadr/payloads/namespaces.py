"""OpenADR 2.0b namespaces and every qualified element name the payload code uses.

Names are precomputed in Clark notation (``{uri}local``) once at import, so builders and
parsers never format a tag or build a namespace map per call.  Prefixes follow
VEN_REQUIREMENTS §0 (oadr, ei, pyld, emix, power, scale, xcal, strm).
"""

from __future__ import annotations

from typing import Final

OADR_NS: Final = "http://openadr.org/oadr-2.0b/2012/07"
EI_NS: Final = "http://docs.oasis-open.org/ns/energyinterop/201110"
PYLD_NS: Final = "http://docs.oasis-open.org/ns/energyinterop/201110/payloads"
EMIX_NS: Final = "http://docs.oasis-open.org/ns/emix/2011/06"
POWER_NS: Final = "http://docs.oasis-open.org/ns/emix/2011/06/power"
SCALE_NS: Final = "http://docs.oasis-open.org/ns/emix/2011/06/siscale"
XCAL_NS: Final = "urn:ietf:params:xml:ns:icalendar-2.0"
STRM_NS: Final = "urn:ietf:params:xml:ns:icalendar-2.0:stream"
DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"

#: Declared once on the oadrPayload root of every built document.
NSMAP: Final[dict[str, str]] = {
    "oadr": OADR_NS,
    "ei": EI_NS,
    "pyld": PYLD_NS,
    "emix": EMIX_NS,
    "power": POWER_NS,
    "scale": SCALE_NS,
    "xcal": XCAL_NS,
    "strm": STRM_NS,
}

_O = "{" + OADR_NS + "}"
_E = "{" + EI_NS + "}"
_P = "{" + PYLD_NS + "}"
_M = "{" + EMIX_NS + "}"
_W = "{" + POWER_NS + "}"
_S = "{" + SCALE_NS + "}"
_X = "{" + XCAL_NS + "}"
_T = "{" + STRM_NS + "}"

SCHEMA_VERSION_ATTR: Final = _E + "schemaVersion"
SIGNED_OBJECT_ID_ATTR: Final = _O + "Id"
DS_SIGNATURE: Final = "{" + DS_NS + "}Signature"

# --- oadr: envelope and messages ------------------------------------------------------------
O_PAYLOAD: Final = _O + "oadrPayload"
O_SIGNED_OBJECT: Final = _O + "oadrSignedObject"
O_DISTRIBUTE_EVENT: Final = _O + "oadrDistributeEvent"
O_CREATED_EVENT: Final = _O + "oadrCreatedEvent"
O_REQUEST_EVENT: Final = _O + "oadrRequestEvent"
O_RESPONSE: Final = _O + "oadrResponse"
O_CANCEL_OPT: Final = _O + "oadrCancelOpt"
O_CANCELED_OPT: Final = _O + "oadrCanceledOpt"
O_CREATE_OPT: Final = _O + "oadrCreateOpt"
O_CREATED_OPT: Final = _O + "oadrCreatedOpt"
O_CANCEL_REPORT: Final = _O + "oadrCancelReport"
O_CANCELED_REPORT: Final = _O + "oadrCanceledReport"
O_CREATE_REPORT: Final = _O + "oadrCreateReport"
O_CREATED_REPORT: Final = _O + "oadrCreatedReport"
O_REGISTER_REPORT: Final = _O + "oadrRegisterReport"
O_REGISTERED_REPORT: Final = _O + "oadrRegisteredReport"
O_UPDATE_REPORT: Final = _O + "oadrUpdateReport"
O_UPDATED_REPORT: Final = _O + "oadrUpdatedReport"
O_CANCEL_PARTY_REGISTRATION: Final = _O + "oadrCancelPartyRegistration"
O_CANCELED_PARTY_REGISTRATION: Final = _O + "oadrCanceledPartyRegistration"
O_CREATE_PARTY_REGISTRATION: Final = _O + "oadrCreatePartyRegistration"
O_CREATED_PARTY_REGISTRATION: Final = _O + "oadrCreatedPartyRegistration"
O_REQUEST_REREGISTRATION: Final = _O + "oadrRequestReregistration"
O_QUERY_REGISTRATION: Final = _O + "oadrQueryRegistration"
O_POLL: Final = _O + "oadrPoll"

# --- oadr: parts ----------------------------------------------------------------------------
O_EVENT: Final = _O + "oadrEvent"
O_RESPONSE_REQUIRED: Final = _O + "oadrResponseRequired"
O_PROFILE_NAME: Final = _O + "oadrProfileName"
O_TRANSPORT_NAME: Final = _O + "oadrTransportName"
O_TRANSPORT_ADDRESS: Final = _O + "oadrTransportAddress"
O_REPORT_ONLY: Final = _O + "oadrReportOnly"
O_XML_SIGNATURE: Final = _O + "oadrXmlSignature"
O_VEN_NAME: Final = _O + "oadrVenName"
O_HTTP_PULL_MODEL: Final = _O + "oadrHttpPullModel"
O_PROFILES: Final = _O + "oadrProfiles"
O_PROFILE: Final = _O + "oadrProfile"
O_TRANSPORTS: Final = _O + "oadrTransports"
O_TRANSPORT: Final = _O + "oadrTransport"
O_REQUESTED_POLL_FREQ: Final = _O + "oadrRequestedOadrPollFreq"
O_SERVICE_SPECIFIC_INFO: Final = _O + "oadrServiceSpecificInfo"
O_SERVICE: Final = _O + "oadrService"
O_SERVICE_NAME: Final = _O + "oadrServiceName"
O_INFO: Final = _O + "oadrInfo"
O_KEY: Final = _O + "oadrKey"
O_VALUE: Final = _O + "oadrValue"
O_DEVICE_CLASS: Final = _O + "oadrDeviceClass"
O_PENDING_REPORTS: Final = _O + "oadrPendingReports"
O_REPORT: Final = _O + "oadrReport"
O_REPORT_REQUEST: Final = _O + "oadrReportRequest"
O_REPORT_DESCRIPTION: Final = _O + "oadrReportDescription"
O_SAMPLING_RATE: Final = _O + "oadrSamplingRate"
O_MIN_PERIOD: Final = _O + "oadrMinPeriod"
O_MAX_PERIOD: Final = _O + "oadrMaxPeriod"
O_ON_CHANGE: Final = _O + "oadrOnChange"
O_REPORT_PAYLOAD: Final = _O + "oadrReportPayload"
O_DATA_QUALITY: Final = _O + "oadrDataQuality"
O_PAYLOAD_RESOURCE_STATUS: Final = _O + "oadrPayloadResourceStatus"
O_ONLINE: Final = _O + "oadrOnline"
O_MANUAL_OVERRIDE: Final = _O + "oadrManualOverride"
O_LOAD_CONTROL_STATE: Final = _O + "oadrLoadControlState"
O_CAPACITY: Final = _O + "oadrCapacity"
O_LEVEL_OFFSET: Final = _O + "oadrLevelOffset"
O_PERCENT_OFFSET: Final = _O + "oadrPercentOffset"
O_SET_POINT: Final = _O + "oadrSetPoint"
O_CURRENT: Final = _O + "oadrCurrent"
O_PULSE_FACTOR: Final = _O + "pulseFactor"
O_ITEM_DESCRIPTION: Final = _O + "itemDescription"
O_ITEM_UNITS: Final = _O + "itemUnits"

# --- ei -------------------------------------------------------------------------------------
EI_RESPONSE: Final = _E + "eiResponse"
EI_RESPONSE_CODE: Final = _E + "responseCode"
EI_RESPONSE_DESCRIPTION: Final = _E + "responseDescription"
EI_VEN_ID: Final = _E + "venID"
EI_VTN_ID: Final = _E + "vtnID"
EI_REGISTRATION_ID: Final = _E + "registrationID"
EI_EVENT: Final = _E + "eiEvent"
EI_EVENT_DESCRIPTOR: Final = _E + "eventDescriptor"
EI_EVENT_ID: Final = _E + "eventID"
EI_MODIFICATION_NUMBER: Final = _E + "modificationNumber"
EI_MODIFICATION_DATE_TIME: Final = _E + "modificationDateTime"
EI_MODIFICATION_REASON: Final = _E + "modificationReason"
EI_PRIORITY: Final = _E + "priority"
EI_MARKET_CONTEXT: Final = _E + "eiMarketContext"
EI_CREATED_DATE_TIME: Final = _E + "createdDateTime"
EI_EVENT_STATUS: Final = _E + "eventStatus"
EI_TEST_EVENT: Final = _E + "testEvent"
EI_VTN_COMMENT: Final = _E + "vtnComment"
EI_ACTIVE_PERIOD: Final = _E + "eiActivePeriod"
EI_X_NOTIFICATION: Final = _E + "x-eiNotification"
EI_X_RAMP_UP: Final = _E + "x-eiRampUp"
EI_X_RECOVERY: Final = _E + "x-eiRecovery"
EI_EVENT_SIGNALS: Final = _E + "eiEventSignals"
EI_EVENT_SIGNAL: Final = _E + "eiEventSignal"
EI_EVENT_BASELINE: Final = _E + "eiEventBaseline"
EI_BASELINE_ID: Final = _E + "baselineID"
EI_BASELINE_NAME: Final = _E + "baselineName"
EI_INTERVAL: Final = _E + "interval"
EI_SIGNAL_PAYLOAD: Final = _E + "signalPayload"
EI_PAYLOAD_FLOAT: Final = _E + "payloadFloat"
EI_VALUE: Final = _E + "value"
EI_SIGNAL_NAME: Final = _E + "signalName"
EI_SIGNAL_TYPE: Final = _E + "signalType"
EI_SIGNAL_ID: Final = _E + "signalID"
EI_CURRENT_VALUE: Final = _E + "currentValue"
EI_TARGET: Final = _E + "eiTarget"
EI_GROUP_ID: Final = _E + "groupID"
EI_GROUP_NAME: Final = _E + "groupName"
EI_RESOURCE_ID: Final = _E + "resourceID"
EI_PARTY_ID: Final = _E + "partyID"
EI_EVENT_RESPONSES: Final = _E + "eventResponses"
EI_EVENT_RESPONSE: Final = _E + "eventResponse"
EI_QUALIFIED_EVENT_ID: Final = _E + "qualifiedEventID"
EI_OPT_TYPE: Final = _E + "optType"
EI_OPT_ID: Final = _E + "optID"
EI_OPT_REASON: Final = _E + "optReason"
EI_REPORT_REQUEST_ID: Final = _E + "reportRequestID"
EI_REPORT_SPECIFIER_ID: Final = _E + "reportSpecifierID"
EI_REPORT_NAME: Final = _E + "reportName"
EI_REPORT_ID: Final = _E + "eiReportID"
EI_R_ID: Final = _E + "rID"
EI_REPORT_SUBJECT: Final = _E + "reportSubject"
EI_REPORT_DATA_SOURCE: Final = _E + "reportDataSource"
EI_REPORT_TYPE: Final = _E + "reportType"
EI_READING_TYPE: Final = _E + "readingType"
EI_CONFIDENCE: Final = _E + "confidence"
EI_ACCURACY: Final = _E + "accuracy"
EI_REPORT_SPECIFIER: Final = _E + "reportSpecifier"
EI_REPORT_BACK_DURATION: Final = _E + "reportBackDuration"
EI_REPORT_INTERVAL: Final = _E + "reportInterval"
EI_SPECIFIER_PAYLOAD: Final = _E + "specifierPayload"

# --- pyld -----------------------------------------------------------------------------------
PYLD_REQUEST_ID: Final = _P + "requestID"
PYLD_REPLY_LIMIT: Final = _P + "replyLimit"
PYLD_EI_REQUEST_EVENT: Final = _P + "eiRequestEvent"
PYLD_EI_CREATED_EVENT: Final = _P + "eiCreatedEvent"
PYLD_REPORT_TO_FOLLOW: Final = _P + "reportToFollow"

# --- emix / power / scale -------------------------------------------------------------------
EMIX_MARKET_CONTEXT: Final = _M + "marketContext"
POWER_END_DEVICE_ASSET: Final = _W + "endDeviceAsset"
POWER_MRID: Final = _W + "mrid"
POWER_NODE: Final = _W + "node"
POWER_ITEM_DESCRIPTION: Final = _W + "itemDescription"
POWER_ITEM_UNITS: Final = _W + "itemUnits"
POWER_ATTRIBUTES: Final = _W + "powerAttributes"
POWER_HERTZ: Final = _W + "hertz"
POWER_VOLTAGE: Final = _W + "voltage"
POWER_AC: Final = _W + "ac"
SCALE_SI_SCALE_CODE: Final = _S + "siScaleCode"

# --- xcal / strm ----------------------------------------------------------------------------
XCAL_PROPERTIES: Final = _X + "properties"
XCAL_COMPONENTS: Final = _X + "components"
XCAL_DTSTART: Final = _X + "dtstart"
XCAL_DATE_TIME: Final = _X + "date-time"
XCAL_DURATION: Final = _X + "duration"
XCAL_TOLERANCE: Final = _X + "tolerance"
XCAL_TOLERATE: Final = _X + "tolerate"
XCAL_STARTAFTER: Final = _X + "startafter"
XCAL_UID: Final = _X + "uid"
XCAL_TEXT: Final = _X + "text"
XCAL_GRANULARITY: Final = _X + "granularity"
XCAL_VAVAILABILITY: Final = _X + "vavailability"
XCAL_AVAILABLE: Final = _X + "available"
STRM_INTERVALS: Final = _T + "intervals"

# --- emix:itemBase substitutes: local name -> (element tag, itemDescription tag, itemUnits tag)
#: power: kinds carry power:powerAttributes when their name starts with "power".
POWER_ITEM_KINDS: Final = frozenset(
    {
        "powerReal",
        "powerApparent",
        "powerReactive",
        "energyReal",
        "energyApparent",
        "energyReactive",
        "voltage",
    }
)
OADR_ITEM_KINDS: Final = frozenset(
    {
        "currency",
        "currencyPerKWh",
        "currencyPerKW",
        "currencyPerThm",
        "current",
        "frequency",
        "Therm",
        "temperature",
        "pulseCount",
        "customUnit",
    }
)
ITEM_TAGS: Final[dict[str, str]] = {
    **{kind: _W + kind for kind in POWER_ITEM_KINDS},
    **{kind: _O + kind for kind in OADR_ITEM_KINDS},
}
#: element tag -> kind (local name), for the parser.
ITEM_KIND_BY_TAG: Final[dict[str, str]] = {tag: kind for kind, tag in ITEM_TAGS.items()}

# --- eiTarget criteria the models keep in Target.others (local name -> tag), schema order ----
TARGET_NODE_KINDS: Final = ("aggregatedPnode", "pnode", "serviceDeliveryPoint")
TARGET_OTHER_TAGS: Final[dict[str, str]] = {
    "aggregatedPnode": _W + "aggregatedPnode",
    "meterAsset": _W + "meterAsset",
    "pnode": _W + "pnode",
    "serviceArea": _M + "serviceArea",
    "serviceDeliveryPoint": _W + "serviceDeliveryPoint",
    "serviceLocation": _W + "serviceLocation",
    "transportInterface": _W + "transportInterface",
    "groupName": EI_GROUP_NAME,
}
TARGET_OTHER_KIND_BY_TAG: Final[dict[str, str]] = {tag: kind for kind, tag in TARGET_OTHER_TAGS.items()}
