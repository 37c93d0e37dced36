"""Parsers for the EiEvent messages (VEN_REQUIREMENTS §2.1): oadrDistributeEvent, oadrCreatedEvent,
oadrRequestEvent.  One bad oadrEvent never spoils a distribute: it becomes an InvalidEvent
so the engine can answer it on its own (R19, R48)."""

from __future__ import annotations

from datetime import datetime, timedelta

from lxml import etree

from ..enums import OptType, ResponseRequired
from ..errors import PayloadError
from ..models import (
    ActivePeriod,
    Baseline,
    CreatedEvent,
    DistributeEvent,
    Event,
    EventDescriptor,
    EventResponse,
    EventSignal,
    Interval,
    InvalidEvent,
    ItemBase,
    RequestEvent,
    Response,
    Target,
)
from . import namespaces as ns
from .parse_construct import (
    new_active_period,
    new_descriptor,
    new_distribute_event,
    new_event,
    new_interval,
    new_signal,
)
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
    target,
    text,
    to_datetime,
    to_duration,
    to_float,
    to_int,
)
from .timeutil import parse_duration

_EMPTY_TARGET = Target()
_RESPONSE_REQUIRED = {"always": ResponseRequired.ALWAYS, "never": ResponseRequired.NEVER}
_OPT_TYPES = {"optIn": OptType.OPT_IN, "optOut": OptType.OPT_OUT}

_P_EVENT = "oadrDistributeEvent/oadrEvent"
_P_DESC = _P_EVENT + "/eiEvent/eventDescriptor"
_P_PROPS = _P_EVENT + "/eiEvent/eiActivePeriod/properties"
_P_SIGNAL = _P_EVENT + "/eiEvent/eiEventSignals/eiEventSignal"
_P_BASELINE = _P_EVENT + "/eiEvent/eiEventSignals/eiEventBaseline"


# Speed notes for the distribute path (the VEN's hot message): children are walked as
# ``el[:]``, a list lxml builds in C, which costs less than starting lxml's child iterator
# (about 0.1 us a loop). Tags are bound to module globals: the loops compare every child's tag
# against these, and a global load is cheaper than a global plus an attribute load (``ns.X``).
_INTERVAL = ns.EI_INTERVAL
_DURATION = ns.XCAL_DURATION
_UID = ns.XCAL_UID
_SIGNAL_PAYLOAD = ns.EI_SIGNAL_PAYLOAD
_DTSTART = ns.XCAL_DTSTART
_PROPERTIES = ns.XCAL_PROPERTIES
_TOLERANCE = ns.XCAL_TOLERANCE
_STARTAFTER = ns.XCAL_STARTAFTER
_X_NOTIFICATION = ns.EI_X_NOTIFICATION
_X_RAMP_UP = ns.EI_X_RAMP_UP
_X_RECOVERY = ns.EI_X_RECOVERY
_INTERVALS = ns.STRM_INTERVALS
_TARGET = ns.EI_TARGET
_SIGNAL_NAME = ns.EI_SIGNAL_NAME
_SIGNAL_TYPE = ns.EI_SIGNAL_TYPE
_SIGNAL_ID = ns.EI_SIGNAL_ID
_CURRENT_VALUE = ns.EI_CURRENT_VALUE
_PAYLOAD_FLOAT = ns.EI_PAYLOAD_FLOAT
_EVENT_ID = ns.EI_EVENT_ID
_MODIFICATION_NUMBER = ns.EI_MODIFICATION_NUMBER
_MARKET_CONTEXT = ns.EI_MARKET_CONTEXT
_EMIX_MARKET_CONTEXT = ns.EMIX_MARKET_CONTEXT
_CREATED_DATE_TIME = ns.EI_CREATED_DATE_TIME
_EVENT_STATUS = ns.EI_EVENT_STATUS
_PRIORITY = ns.EI_PRIORITY
_MODIFICATION_DATE_TIME = ns.EI_MODIFICATION_DATE_TIME
_MODIFICATION_REASON = ns.EI_MODIFICATION_REASON
_TEST_EVENT = ns.EI_TEST_EVENT
_VTN_COMMENT = ns.EI_VTN_COMMENT
_EI_EVENT = ns.EI_EVENT
_RESPONSE_REQUIRED_TAG = ns.O_RESPONSE_REQUIRED
_EVENT_DESCRIPTOR = ns.EI_EVENT_DESCRIPTOR
_ACTIVE_PERIOD = ns.EI_ACTIVE_PERIOD
_EVENT_SIGNALS = ns.EI_EVENT_SIGNALS
_EVENT_SIGNAL = ns.EI_EVENT_SIGNAL
_EVENT_BASELINE = ns.EI_EVENT_BASELINE
_O_EVENT = ns.O_EVENT
_REQUEST_ID = ns.PYLD_REQUEST_ID
_VTN_ID = ns.EI_VTN_ID
_EI_RESPONSE = ns.EI_RESPONSE
_ITEM_KIND_BY_TAG = ns.ITEM_KIND_BY_TAG

# Fast path of to_int() for the values a distribute repeats (uid, modificationNumber,
# priority): the canonical spelling of 0..999 maps straight to its value. Anything else (other
# numbers, white space, signs, junk) goes through to_int(), which decides and words the errors.
_SMALL_INTS: dict[str | None, int] = {str(i): i for i in range(1000)}


def _intervals(el: etree._Element, path: str) -> tuple[Interval, ...]:
    """The hot loop of a distribute: one pass, one tag read per child, helpers inlined.

    Error paths (element names in the PayloadError) are built only when something is wrong;
    a value the fast path does not accept is handed to the helper, which raises its usual error.
    """
    out: list[Interval] = []
    append = out.append
    index = 0
    for iv in el[:]:
        if iv.tag != _INTERVAL:
            continue
        duration: timedelta | None = None
        uid = index
        value: float | None = None
        for c in iv[:]:
            tag = c.tag
            if tag == _DURATION:  # <xcal:duration><xcal:duration>PT1H</…></…>
                try:
                    duration = parse_duration(c[0].text or "")
                except IndexError:
                    raise missing(path + "/intervals/interval/duration/duration") from None
                except PayloadError as err:
                    raise invalid(path + "/intervals/interval/duration", str(err)) from None
            elif tag == _UID:  # <xcal:uid><xcal:text>0</…></…>
                try:
                    number = c[0].text
                except IndexError:
                    number = ""
                known = _SMALL_INTS.get(number)
                uid = to_int(number or "", path + "/intervals/interval/uid") if known is None else known
            elif tag == _SIGNAL_PAYLOAD and value is None:  # R100: exactly one payload
                try:
                    payload = c[0]
                except IndexError:
                    raise missing(path + "/intervals/interval/signalPayload/payloadFloat") from None
                try:
                    number = payload[0].text or ""
                except IndexError:
                    raise missing(path + "/intervals/interval/signalPayload/payloadFloat/value") from None
                value = to_float(number, path + "/intervals/interval/signalPayload/payloadFloat/value")
        if duration is None:
            raise missing(path + "/intervals/interval/duration")  # R102
        if value is None:
            raise missing(path + "/intervals/interval/signalPayload")
        append(new_interval(uid, duration, value))
        index += 1
    if not out:
        raise missing(path + "/intervals/interval")
    return tuple(out)


def _signal(el: etree._Element) -> EventSignal:
    intervals: tuple[Interval, ...] | None = None
    signal_target = _EMPTY_TARGET
    name = signal_type = signal_id = None
    item: ItemBase | None = None
    current: float | None = None
    for c in el[:]:
        tag = c.tag
        if tag == _INTERVALS:
            intervals = _intervals(c, _P_SIGNAL)
        elif tag == _SIGNAL_NAME:
            name = (c.text or "").strip()
        elif tag == _SIGNAL_TYPE:
            signal_type = (c.text or "").strip()
        elif tag == _SIGNAL_ID:
            signal_id = (c.text or "").strip()
        elif tag == _CURRENT_VALUE:
            current = payload_float(child(c, _PAYLOAD_FLOAT, _P_SIGNAL + "/currentValue"), _P_SIGNAL)
        elif tag == _TARGET:
            signal_target = target(c)
        else:
            kind = _ITEM_KIND_BY_TAG.get(tag)
            if kind is not None:
                item = _item(c, kind, _P_SIGNAL)
    if intervals is None:
        raise missing(_P_SIGNAL + "/intervals")
    if not name:
        raise missing(_P_SIGNAL + "/signalName")
    if not signal_type:
        raise missing(_P_SIGNAL + "/signalType")
    if signal_id is None:
        raise missing(_P_SIGNAL + "/signalID")
    return new_signal(name, signal_type, signal_id, intervals, current, item, signal_target)


def _item(el: etree._Element, kind: str, path: str) -> ItemBase:
    return item_base(el, kind, path + "/" + kind)


def _baseline(el: etree._Element) -> Baseline:
    dtstart: datetime | None = None
    duration: timedelta | None = None
    intervals: tuple[Interval, ...] | None = None
    baseline_id = name = None
    resource_ids: list[str] = []
    item: ItemBase | None = None
    for c in el:
        tag = c.tag
        if tag == ns.XCAL_DTSTART:
            dtstart = date_time(c, _P_BASELINE + "/dtstart")
        elif tag == ns.XCAL_DURATION:
            duration = duration_prop(c, _P_BASELINE + "/duration")
        elif tag == ns.STRM_INTERVALS:
            intervals = _intervals(c, _P_BASELINE)
        elif tag == ns.EI_BASELINE_ID:
            baseline_id = text(c)
        elif tag == ns.EI_RESOURCE_ID:
            resource_ids.append(text(c))
        elif tag == ns.EI_BASELINE_NAME:
            name = text(c)
        else:
            kind = ns.ITEM_KIND_BY_TAG.get(tag)
            if kind is not None:
                item = _item(c, kind, _P_BASELINE)
    if dtstart is None:
        raise missing(_P_BASELINE + "/dtstart")
    if duration is None:
        raise missing(_P_BASELINE + "/duration")
    if intervals is None:
        raise missing(_P_BASELINE + "/intervals")
    if baseline_id is None:
        raise missing(_P_BASELINE + "/baselineID")
    return Baseline(baseline_id, name or "", dtstart, duration, intervals, tuple(resource_ids), item)


def _descriptor(el: etree._Element) -> EventDescriptor:
    event_id = market = status = None
    modification: int | None = None
    created: datetime | None = None
    priority = 0
    mod_time: datetime | None = None
    mod_reason = test_event = comment = None
    for c in el[:]:
        tag = c.tag
        if tag == _EVENT_ID:
            event_id = (c.text or "").strip()
        elif tag == _MODIFICATION_NUMBER:
            known = _SMALL_INTS.get(c.text)  # fast path, else to_int() decides
            if known is None:
                known = to_int((c.text or "").strip(), _P_DESC + "/modificationNumber")
            modification = known
        elif tag == _MARKET_CONTEXT:
            market = text(child(c, _EMIX_MARKET_CONTEXT, _P_DESC + "/eiMarketContext/marketContext"))
        elif tag == _CREATED_DATE_TIME:
            created = to_datetime((c.text or "").strip(), _P_DESC + "/createdDateTime")
        elif tag == _EVENT_STATUS:
            status = (c.text or "").strip()
        elif tag == _PRIORITY:  # 0 = lowest (R3)
            known = _SMALL_INTS.get(c.text)
            if known is None:
                known = to_int((c.text or "").strip(), _P_DESC + "/priority")
            priority = known
        elif tag == _MODIFICATION_DATE_TIME:
            mod_time = to_datetime((c.text or "").strip(), _P_DESC + "/modificationDateTime")
        elif tag == _MODIFICATION_REASON:
            mod_reason = opt_text(c)
        elif tag == _TEST_EVENT:
            test_event = (c.text or "").strip()  # any value but "false" = test event (R6)
        elif tag == _VTN_COMMENT:
            comment = opt_text(c)
    if not event_id:
        raise missing(_P_DESC + "/eventID")
    if modification is None:
        raise missing(_P_DESC + "/modificationNumber")
    if market is None:
        raise missing(_P_DESC + "/eiMarketContext")
    if created is None:
        raise missing(_P_DESC + "/createdDateTime")
    if not status:
        raise missing(_P_DESC + "/eventStatus")
    return new_descriptor(
        event_id, modification, market, created, status, priority, mod_time, mod_reason, test_event, comment
    )


def _active_period(el: etree._Element) -> ActivePeriod:
    props = child(el, _PROPERTIES, _P_PROPS)
    dtstart: datetime | None = None
    duration: timedelta | None = None
    start_after = notification = ramp_up = recovery = None
    for c in props[:]:
        tag = c.tag
        if tag == _DTSTART:
            dtstart = date_time(c, _P_PROPS + "/dtstart")
        elif tag == _DURATION:
            duration = duration_prop(c, _P_PROPS + "/duration")
        elif tag == _TOLERANCE:
            for tolerate in c:
                for s in tolerate:
                    if s.tag == _STARTAFTER:  # randomization window (R30)
                        start_after = to_duration(text(s), _P_PROPS + "/tolerance/tolerate/startafter")
        elif tag == _X_NOTIFICATION:
            notification = duration_prop(c, _P_PROPS + "/x-eiNotification")
        elif tag == _X_RAMP_UP:
            ramp_up = duration_prop(c, _P_PROPS + "/x-eiRampUp")
        elif tag == _X_RECOVERY:
            recovery = duration_prop(c, _P_PROPS + "/x-eiRecovery")
    if dtstart is None:
        raise missing(_P_PROPS + "/dtstart")
    if duration is None:
        raise missing(_P_PROPS + "/duration")
    return new_active_period(dtstart, duration, start_after, notification, ramp_up, recovery)


def parse_event(oadr_event: etree._Element) -> Event:
    ei_event: etree._Element | None = None
    required = ResponseRequired.ALWAYS
    for c in oadr_event[:]:
        tag = c.tag  # read once: lxml builds a new string on every read
        if tag == _EI_EVENT:
            ei_event = c
        elif tag == _RESPONSE_REQUIRED_TAG:
            value = (c.text or "").strip()
            known = _RESPONSE_REQUIRED.get(value)
            if known is None:
                raise invalid(_P_EVENT + "/oadrResponseRequired", f"unknown value {value[:32]!r}")
            required = known
    if ei_event is None:
        raise missing(_P_EVENT + "/eiEvent")
    descriptor: EventDescriptor | None = None
    period: ActivePeriod | None = None
    signals: list[EventSignal] = []
    baseline: Baseline | None = None
    event_target = _EMPTY_TARGET
    for c in ei_event[:]:
        tag = c.tag
        if tag == _EVENT_DESCRIPTOR:
            descriptor = _descriptor(c)
        elif tag == _ACTIVE_PERIOD:
            period = _active_period(c)
        elif tag == _EVENT_SIGNALS:
            for s in c[:]:
                signal_tag = s.tag
                if signal_tag == _EVENT_SIGNAL:
                    signals.append(_signal(s))
                elif signal_tag == _EVENT_BASELINE:
                    baseline = _baseline(s)
        elif tag == _TARGET:
            event_target = target(c)
    if descriptor is None:
        raise missing(_P_DESC)
    if period is None:
        raise missing(_P_EVENT + "/eiEvent/eiActivePeriod")
    if not signals:
        raise missing(_P_SIGNAL)
    return new_event(descriptor, period, tuple(signals), event_target, required, baseline)


def _invalid_event(oadr_event: etree._Element, error: PayloadError) -> InvalidEvent:
    """What can still be read of a broken oadrEvent, for its own error answer."""
    event_id = ""
    modification = 0
    required = ResponseRequired.ALWAYS
    for c in oadr_event.iter(ns.EI_EVENT_ID, ns.EI_MODIFICATION_NUMBER, ns.O_RESPONSE_REQUIRED):
        value = text(c)
        if c.tag == ns.EI_EVENT_ID and not event_id:
            event_id = value
        elif c.tag == ns.EI_MODIFICATION_NUMBER and value.isascii() and value.isdigit() and len(value) < 11:
            modification = int(value)
        elif c.tag == ns.O_RESPONSE_REQUIRED:
            required = _RESPONSE_REQUIRED.get(value, ResponseRequired.ALWAYS)
    return InvalidEvent(event_id, modification, error.code, str(error), required)


def parse_distribute_event(el: etree._Element) -> DistributeEvent:
    request_id: str | None = None
    vtn_id: str | None = None
    ei_response: Response | None = None
    events: list[Event] = []
    invalid_events: list[InvalidEvent] = []
    for c in el[:]:
        tag = c.tag
        if tag == _O_EVENT:
            try:
                events.append(parse_event(c))
            except PayloadError as err:
                invalid_events.append(_invalid_event(c, err))
            except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as err:
                invalid_events.append(_invalid_event(c, PayloadError(f"unreadable event: {err}")))
        elif tag == _REQUEST_ID:
            request_id = (c.text or "").strip()
        elif tag == _VTN_ID:
            vtn_id = (c.text or "").strip()
        elif tag == _EI_RESPONSE:
            ei_response = response(c, "oadrDistributeEvent/eiResponse")
    if request_id is None:
        raise missing("oadrDistributeEvent/requestID")
    if vtn_id is None:
        raise missing("oadrDistributeEvent/vtnID")
    return new_distribute_event(request_id, vtn_id, tuple(events), tuple(invalid_events), ei_response)


def parse_created_event(el: etree._Element) -> CreatedEvent:
    created = child(el, ns.PYLD_EI_CREATED_EVENT, "oadrCreatedEvent/eiCreatedEvent")
    path = "oadrCreatedEvent/eiCreatedEvent"
    ei_response: Response | None = None
    ven_id: str | None = None
    responses: list[EventResponse] = []
    for c in created:
        tag = c.tag
        if tag == ns.EI_RESPONSE:
            ei_response = response(c, path + "/eiResponse")
        elif tag == ns.EI_VEN_ID:
            ven_id = text(c)
        elif tag == ns.EI_EVENT_RESPONSES:
            for r in c:
                if r.tag == ns.EI_EVENT_RESPONSE:
                    responses.append(_event_response(r, path + "/eventResponses/eventResponse"))
    if ei_response is None:
        raise missing(path + "/eiResponse")
    if ven_id is None:
        raise missing(path + "/venID")
    return CreatedEvent(ven_id, tuple(responses), ei_response)


def _event_response(el: etree._Element, path: str) -> EventResponse:
    # An eventResponse has the eiResponse shape plus qualifiedEventID and optType.
    code = response(el, path)
    event_id: str | None = None
    modification: int | None = None
    opt: OptType | None = None
    for c in el:
        tag = c.tag
        if tag == ns.EI_QUALIFIED_EVENT_ID:
            for q in c:
                if q.tag == ns.EI_EVENT_ID:
                    event_id = text(q)
                elif q.tag == ns.EI_MODIFICATION_NUMBER:
                    modification = to_int(text(q), path + "/qualifiedEventID/modificationNumber")
        elif tag == ns.EI_OPT_TYPE:
            opt = _OPT_TYPES.get(text(c))
            if opt is None:
                raise invalid(path + "/optType", f"unknown optType {text(c)[:32]!r}")
    if event_id is None:
        raise missing(path + "/qualifiedEventID/eventID")
    if modification is None:
        raise missing(path + "/qualifiedEventID/modificationNumber")
    if opt is None:
        raise missing(path + "/optType")
    return EventResponse(event_id, modification, opt, code.code, code.description, code.request_id or "")


def parse_request_event(el: etree._Element) -> RequestEvent:
    path = "oadrRequestEvent/eiRequestEvent"
    request = child(el, ns.PYLD_EI_REQUEST_EVENT, path)
    request_id: str | None = None
    ven_id: str | None = None
    limit: int | None = None
    for c in request:
        tag = c.tag
        if tag == ns.PYLD_REQUEST_ID:
            request_id = text(c)
        elif tag == ns.EI_VEN_ID:
            ven_id = text(c)
        elif tag == ns.PYLD_REPLY_LIMIT:
            limit = to_int(text(c), path + "/replyLimit")
    if request_id is None:
        raise missing(path + "/requestID")
    if ven_id is None:
        raise missing(path + "/venID")
    return RequestEvent(request_id, ven_id, limit)
