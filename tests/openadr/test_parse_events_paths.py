"""The distribute parser's inlined fast paths: every error branch names the same element, code
and message as the helpers it replaces, and values the fast path does not take (white space,
signs, numbers beyond its table) still go through the helpers with their usual result."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from custom_components.openadr_ven.openadr.enums import ResponseRequired
from custom_components.openadr_ven.openadr.models import DistributeEvent, InvalidEvent
from custom_components.openadr_ven.openadr.payloads import build, parse
from custom_components.openadr_ven.openadr.payloads import namespaces as ns
from tests.openadr.samples import PRICE_EVENT, VTN_ID

P_EVENT = "oadrDistributeEvent/oadrEvent"
P_DESC = P_EVENT + "/eiEvent/eventDescriptor"


def _impossible_date_error() -> str:
    """Python's own words for 30 February (they changed in 3.14); the parser passes them on."""
    try:
        datetime(2026, 2, 30, tzinfo=UTC)
    except ValueError as err:
        return str(err)
    raise AssertionError("30 February exists")


P_PROPS = P_EVENT + "/eiEvent/eiActivePeriod/properties"
P_SIGNAL = P_EVENT + "/eiEvent/eiEventSignals/eiEventSignal"
P_BASELINE = P_EVENT + "/eiEvent/eiEventSignals/eiEventBaseline"
MISSING = "required element is missing"

Mutation = Callable[[etree._Element], None]


def _document() -> etree._Element:
    message = DistributeEvent(request_id="req-1", vtn_id=VTN_ID, events=(PRICE_EVENT,))
    return etree.fromstring(build(message))


def _first(root: etree._Element, *tags: str) -> etree._Element:
    """The first element of ``tags[-1]`` inside the first ``tags[0]`` (and so on)."""
    el = root
    for tag in tags:
        el = next(el.iter(tag))
    return el


def _signal(*tags: str) -> Callable[[etree._Element], etree._Element]:
    return lambda root: _first(root, ns.EI_EVENT_SIGNAL, *tags)


def _remove(find: Callable[[etree._Element], etree._Element]) -> Mutation:
    def mutate(root: etree._Element) -> None:
        el = find(root)
        parent = el.getparent()
        assert parent is not None
        parent.remove(el)

    return mutate


def _empty(find: Callable[[etree._Element], etree._Element]) -> Mutation:
    def mutate(root: etree._Element) -> None:
        el = find(root)
        for c in list(el):
            el.remove(c)

    return mutate


def _set_text(find: Callable[[etree._Element], etree._Element], value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        find(root).text = value

    return mutate


def _parse(mutate: Mutation) -> DistributeEvent:
    root = _document()
    mutate(root)
    message = parse(etree.tostring(root))
    assert isinstance(message, DistributeEvent)
    return message


ERRORS: list[tuple[str, Mutation, str, int, str]] = [
    (
        "interval duration without its inner duration",
        _empty(_signal(ns.EI_INTERVAL, ns.XCAL_DURATION)),
        P_SIGNAL + "/intervals/interval/duration/duration",
        459,
        MISSING,
    ),
    (
        "interval value NaN",
        _set_text(_signal(ns.EI_INTERVAL, ns.EI_VALUE), "nan"),
        P_SIGNAL + "/intervals/interval/signalPayload/payloadFloat/value",
        454,
        "not a finite number: 'nan'",
    ),
    (
        "interval value too long",
        _set_text(_signal(ns.EI_INTERVAL, ns.EI_VALUE), "0." + "0" * 70),
        P_SIGNAL + "/intervals/interval/signalPayload/payloadFloat/value",
        454,
        "not a finite number: '0.000000000000000000000000000000'",
    ),
    (
        "interval value not a number",
        _set_text(_signal(ns.EI_INTERVAL, ns.EI_VALUE), "abc"),
        P_SIGNAL + "/intervals/interval/signalPayload/payloadFloat/value",
        454,
        "not a number: 'abc'",
    ),
    (
        "interval uid negative",
        _set_text(_signal(ns.EI_INTERVAL, ns.XCAL_UID, ns.XCAL_TEXT), "-1"),
        P_SIGNAL + "/intervals/interval/uid",
        454,
        "negative value -1",
    ),
    (
        "interval uid without text element",
        _empty(_signal(ns.EI_INTERVAL, ns.XCAL_UID)),
        P_SIGNAL + "/intervals/interval/uid",
        454,
        "not an integer: ''",
    ),
    (
        "interval without signalPayload",
        _remove(_signal(ns.EI_INTERVAL, ns.EI_SIGNAL_PAYLOAD)),
        P_SIGNAL + "/intervals/interval/signalPayload",
        459,
        MISSING,
    ),
    (
        "intervals without interval",
        _empty(_signal(ns.STRM_INTERVALS)),
        P_SIGNAL + "/intervals/interval",
        459,
        MISSING,
    ),
    (
        "currentValue without payloadFloat",
        _empty(_signal(ns.EI_CURRENT_VALUE)),
        P_SIGNAL + "/currentValue",
        459,
        MISSING,
    ),
    (
        "currentValue payloadFloat without value",
        _empty(_signal(ns.EI_CURRENT_VALUE, ns.EI_PAYLOAD_FLOAT)),
        P_SIGNAL + "/value",
        459,
        MISSING,
    ),
    (
        "currentValue infinite",
        _set_text(_signal(ns.EI_CURRENT_VALUE, ns.EI_VALUE), "INF"),
        P_SIGNAL + "/value",
        454,
        "not a finite number: 'INF'",
    ),
    (
        "signal without signalType",
        _remove(_signal(ns.EI_SIGNAL_TYPE)),
        P_SIGNAL + "/signalType",
        459,
        MISSING,
    ),
    ("signal without signalID", _remove(_signal(ns.EI_SIGNAL_ID)), P_SIGNAL + "/signalID", 459, MISSING),
    (
        "baseline without dtstart",
        _remove(lambda root: _first(root, ns.EI_EVENT_BASELINE, ns.XCAL_DTSTART)),
        P_BASELINE + "/dtstart",
        459,
        MISSING,
    ),
    (
        "baseline without intervals",
        _remove(lambda root: _first(root, ns.EI_EVENT_BASELINE, ns.STRM_INTERVALS)),
        P_BASELINE + "/intervals",
        459,
        MISSING,
    ),
    (
        "baseline without baselineID",
        _remove(lambda root: _first(root, ns.EI_EVENT_BASELINE, ns.EI_BASELINE_ID)),
        P_BASELINE + "/baselineID",
        459,
        MISSING,
    ),
    (
        "modificationNumber not a number",
        _set_text(lambda root: _first(root, ns.EI_MODIFICATION_NUMBER), "x3"),
        P_DESC + "/modificationNumber",
        454,
        "not an integer: 'x3'",
    ),
    (
        "priority negative",
        _set_text(lambda root: _first(root, ns.EI_PRIORITY), "-2"),
        P_DESC + "/priority",
        454,
        "negative value -2",
    ),
    (
        "createdDateTime malformed",
        _set_text(lambda root: _first(root, ns.EI_CREATED_DATE_TIME), "junk"),
        P_DESC + "/createdDateTime",
        454,
        "invalid date-time 'junk'",
    ),
    (
        "modificationDateTime malformed",
        _set_text(lambda root: _first(root, ns.EI_MODIFICATION_DATE_TIME), " junk "),
        P_DESC + "/modificationDateTime",
        454,
        "invalid date-time 'junk'",
    ),
    (
        "eiMarketContext without marketContext",
        _empty(lambda root: _first(root, ns.EI_MARKET_CONTEXT)),
        P_DESC + "/eiMarketContext/marketContext",
        459,
        MISSING,
    ),
    (
        "descriptor without eventStatus",
        _remove(lambda root: _first(root, ns.EI_EVENT_STATUS)),
        P_DESC + "/eventStatus",
        459,
        MISSING,
    ),
    (
        "eiActivePeriod without properties",
        _empty(lambda root: _first(root, ns.EI_ACTIVE_PERIOD)),
        P_PROPS,
        459,
        MISSING,
    ),
    (
        "active period dtstart without date-time",
        _empty(lambda root: _first(root, ns.EI_ACTIVE_PERIOD, ns.XCAL_DTSTART)),
        P_PROPS + "/dtstart/date-time",
        459,
        MISSING,
    ),
    (
        "active period dtstart malformed",
        _set_text(lambda root: _first(root, ns.EI_ACTIVE_PERIOD, ns.XCAL_DATE_TIME), "2026-02-30T00:00:00Z"),
        P_PROPS + "/dtstart",
        454,
        f"invalid date-time '2026-02-30T00:00:00Z': {_impossible_date_error()}",
    ),
    (
        "active period duration without inner duration",
        _empty(lambda root: _first(root, ns.EI_ACTIVE_PERIOD, ns.XCAL_DURATION)),
        P_PROPS + "/duration/duration",
        459,
        MISSING,
    ),
    (
        "active period duration malformed",
        _set_text(lambda root: _first(root, ns.EI_ACTIVE_PERIOD, ns.XCAL_DURATION)[0], "1H"),
        P_PROPS + "/duration",
        454,
        "invalid duration '1H'",
    ),
    (
        "eiEvent without eiActivePeriod",
        _remove(lambda root: _first(root, ns.EI_ACTIVE_PERIOD)),
        P_EVENT + "/eiEvent/eiActivePeriod",
        459,
        MISSING,
    ),
    (
        "unknown oadrResponseRequired",
        _set_text(lambda root: _first(root, ns.O_RESPONSE_REQUIRED), "sometimes"),
        P_EVENT + "/oadrResponseRequired",
        454,
        "unknown value 'sometimes'",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "element", "code", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in ERRORS],
)
def test_broken_event_names_element_code_and_message(
    mutate: Mutation, element: str, code: int, message: str
) -> None:
    result = _parse(mutate)
    assert result.events == ()
    # what cannot be read back falls to its default: modification 0, response required ALWAYS
    modification = 0 if element.endswith("modificationNumber") else 3
    required = ResponseRequired.ALWAYS if element.endswith("oadrResponseRequired") else ResponseRequired.NEVER
    expected = InvalidEvent("event-price", modification, code, f"{element}: {message}", required)
    assert result.invalid_events == (expected,)


def test_values_beside_the_fast_path_go_through_the_helpers() -> None:
    def mutate(root: etree._Element) -> None:
        _first(root, ns.EI_EVENT_SIGNAL, ns.EI_INTERVAL, ns.XCAL_UID, ns.XCAL_TEXT).text = " 1000 "
        _first(root, ns.EI_EVENT_SIGNAL, ns.EI_INTERVAL, ns.EI_VALUE).text = " 2.5 "
        _first(root, ns.EI_MODIFICATION_NUMBER).text = "\n 3 \n"
        _first(root, ns.EI_PRIORITY).text = "+4"
        _first(root, ns.EI_CREATED_DATE_TIME).text = " 2026-01-01T01:00:00+01:00 "
        _first(root, ns.O_RESPONSE_REQUIRED).text = " never "

    (event,) = _parse(mutate).events
    first = event.signals[0].intervals[0]
    assert (first.uid, first.value, first.duration) == (1000, 2.5, timedelta(hours=1))
    assert event.descriptor.modification_number == 3
    assert event.descriptor.priority == 4
    assert event.descriptor.created_date_time == PRICE_EVENT.descriptor.created_date_time.replace(
        year=2026, month=1, day=1, hour=0, minute=0, second=0, microsecond=0
    )
    assert event.response_required is ResponseRequired.NEVER


def test_untouched_document_parses_to_the_model() -> None:
    assert _parse(lambda root: None).events == (PRICE_EVENT,)
