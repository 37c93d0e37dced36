"""Messages produced by openleadr 0.5.36 (the test VTN) parse into the exact expected models."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from custom_components.openadr_ven.openadr.enums import ResponseRequired
from custom_components.openadr_ven.openadr.models import (
    ActivePeriod,
    CanceledOpt,
    CanceledPartyRegistration,
    CancelPartyRegistration,
    CancelReport,
    CreatedOpt,
    CreatedPartyRegistration,
    CreateReport,
    DistributeEvent,
    EventDescriptor,
    Interval,
    ItemBase,
    OadrResponse,
    Profile,
    RegisteredReport,
    ReportRequest,
    RequestReregistration,
    Response,
    SpecifierPayload,
    Target,
    UpdatedReport,
)
from custom_components.openadr_ven.openadr.payloads import build, parse

openleadr_messaging = pytest.importorskip("openleadr.messaging")
objects = pytest.importorskip("openleadr.objects")
logging.getLogger("openleadr").setLevel(logging.ERROR)

FUTURE = datetime(2099, 6, 1, 12, tzinfo=UTC)  # far in the future: openleadr computes status "far"
CREATED = datetime(2099, 5, 1, 8, tzinfo=UTC)
RESPONSE = {"response_code": 200, "response_description": "OK", "request_id": "req-1"}


def ol(message_type: str, **kwargs: object) -> bytes:
    return openleadr_messaging.create_message(message_type, **kwargs).encode()


def _event(event_id: str, signals: list[object], targets: list[object], **period: object) -> object:
    return objects.Event(
        event_descriptor=objects.EventDescriptor(
            event_id=event_id,
            modification_number=1,
            market_context="http://market.example.com/dr",
            event_status="far",
            created_date_time=CREATED,
            priority=2,
            test_event=False,
            vtn_comment="be nice",
        ),
        active_period=objects.ActivePeriod(dtstart=FUTURE, duration=timedelta(hours=1), **period),
        event_signals=signals,
        targets=targets,
        response_required="always",
    )


def _simple_signal() -> object:
    return objects.EventSignal(
        intervals=[
            objects.Interval(dtstart=FUTURE, duration=timedelta(minutes=30), signal_payload=1),
            objects.Interval(
                dtstart=FUTURE + timedelta(minutes=30), duration=timedelta(minutes=30), signal_payload=3
            ),
        ],
        signal_name="SIMPLE",
        signal_type="level",
        signal_id="sig-simple",
        current_value=0,
    )


def _price_signal() -> object:
    return objects.EventSignal(
        intervals=[objects.Interval(dtstart=FUTURE, duration=timedelta(hours=1), signal_payload=0.25)],
        signal_name="ELECTRICITY_PRICE",
        signal_type="price",
        signal_id="sig-price",
        measurement=objects.Measurement(
            name="currencyPerKWh", description="currencyPerKWh", unit="USD", scale="none"
        ),
    )


def test_distribute_event_with_several_events() -> None:
    data = ol(
        "oadrDistributeEvent",
        request_id="req-1",
        vtn_id="vtn-1",
        response=RESPONSE,
        events=[
            _event(
                "ev-simple",
                [_simple_signal()],
                [objects.Target(ven_id="ven-1")],
                tolerance={"startafter": timedelta(minutes=10)},
                notification_period=timedelta(hours=24),
                ramp_up_period=timedelta(minutes=5),
                recovery_period=timedelta(minutes=15),
            ),
            _event(
                "ev-price",
                [_price_signal(), _simple_signal()],
                [
                    objects.Target(resource_id="res-1"),
                    objects.Target(group_id="grp-1"),
                    objects.Target(party_id="p"),
                ],
            ),
        ],
    )
    message = parse(data)
    assert isinstance(message, DistributeEvent)
    assert message.request_id == "req-1"
    assert message.vtn_id == "vtn-1"
    assert message.response == Response(200, "OK", "req-1")
    assert message.invalid_events == ()
    first, second = message.events
    assert first.descriptor == EventDescriptor(
        event_id="ev-simple",
        modification_number=1,
        market_context="http://market.example.com/dr",
        created_date_time=CREATED,
        event_status="far",
        priority=2,
        modification_date_time=first.descriptor.modification_date_time,  # stamped "now" by openleadr
        test_event="false",
        vtn_comment="be nice",
    )
    assert not first.descriptor.is_test
    assert first.active_period == ActivePeriod(
        dtstart=FUTURE,
        duration=timedelta(hours=1),
        start_after=timedelta(minutes=10),
        notification=timedelta(hours=24),
        ramp_up=timedelta(minutes=5),
        recovery=timedelta(minutes=15),
    )
    (simple,) = first.signals
    assert (simple.signal_name, simple.signal_type, simple.signal_id) == ("SIMPLE", "level", "sig-simple")
    assert simple.intervals == (
        Interval(0, timedelta(minutes=30), 1.0),
        Interval(1, timedelta(minutes=30), 3.0),
    )
    assert simple.current_value == 0.0
    assert first.target == Target(ven_ids=("ven-1",))
    assert first.response_required is ResponseRequired.ALWAYS
    price, simple2 = second.signals
    assert price.item_base == ItemBase("currencyPerKWh", "currencyPerKWh", "USD", "none")
    assert price.intervals == (Interval(0, timedelta(hours=1), 0.25),)
    assert simple2.signal_id == "sig-simple"
    assert second.target == Target(resource_ids=("res-1",), group_ids=("grp-1",), party_ids=("p",))
    assert second.active_period.start_after is None


def test_created_party_registration() -> None:
    data = ol(
        "oadrCreatedPartyRegistration",
        response=RESPONSE,
        registration_id="reg-1",
        ven_id="ven-1",
        vtn_id="vtn-1",
        profiles=[{"profile_name": "2.0b", "transports": [{"transport_name": "simpleHttp"}]}],
        requested_oadr_poll_freq=timedelta(seconds=10),
    )
    assert parse(data) == CreatedPartyRegistration(
        response=Response(200, "OK", "req-1"),
        vtn_id="vtn-1",
        registration_id="reg-1",
        ven_id="ven-1",
        profiles=(Profile("2.0b", ("simpleHttp",)),),
        poll_freq=timedelta(seconds=10),
    )


def _report_request(request_id: str, specifier_id: str, r_ids: list[str], **kw: object) -> object:
    return objects.ReportRequest(
        report_request_id=request_id,
        report_specifier=objects.ReportSpecifier(
            report_specifier_id=specifier_id,
            granularity=timedelta(seconds=10),
            report_back_duration=timedelta(minutes=1),
            specifier_payloads=[objects.SpecifierPayload(r_id=r, reading_type="Direct Read") for r in r_ids],
            **kw,
        ),
    )


def test_registered_report_with_piggybacked_requests() -> None:
    data = ol(
        "oadrRegisteredReport",
        response=RESPONSE,
        ven_id="ven-1",
        report_requests=[
            _report_request("rr-1", "rs-usage", ["power", "energy"]),
            _report_request(
                "rr-2",
                "rs-status",
                ["status"],
                report_interval={"dtstart": FUTURE, "duration": timedelta(hours=2)},
            ),
        ],
    )
    assert parse(data) == RegisteredReport(
        response=Response(200, "OK", "req-1"),
        report_requests=(
            ReportRequest(
                "rr-1",
                "rs-usage",
                timedelta(seconds=10),
                timedelta(minutes=1),
                (SpecifierPayload("power", "Direct Read"), SpecifierPayload("energy", "Direct Read")),
            ),
            ReportRequest(
                "rr-2",
                "rs-status",
                timedelta(seconds=10),
                timedelta(minutes=1),
                (SpecifierPayload("status", "Direct Read"),),
                start=FUTURE,
                duration=timedelta(hours=2),
            ),
        ),
        ven_id="ven-1",
    )


def test_create_report() -> None:
    data = ol(
        "oadrCreateReport",
        request_id="req-cr",
        ven_id="ven-1",
        report_requests=[_report_request("rr-3", "METADATA", ["0"])],
    )
    message = parse(data)
    assert isinstance(message, CreateReport)
    assert message.request_id == "req-cr"
    assert message.ven_id == "ven-1"
    assert [(r.report_request_id, r.report_specifier_id) for r in message.report_requests] == [
        ("rr-3", "METADATA")
    ]
    assert message.report_requests[0].specifier_payloads == (SpecifierPayload("0", "Direct Read"),)


def test_cancel_report() -> None:
    data = ol(
        "oadrCancelReport", request_id="req-c", report_request_id="rr-1", report_to_follow=True, ven_id="v"
    )
    assert parse(data) == CancelReport("req-c", ("rr-1",), True, "v")


def test_updated_report_with_cancel() -> None:
    data = ol(
        "oadrUpdatedReport",
        response=RESPONSE,
        ven_id="ven-1",
        cancel_report={
            "request_id": "req-cx",
            "report_request_id": ["rr-1", "rr-2"],
            "report_to_follow": False,
            "ven_id": "ven-1",
        },
    )
    assert parse(data) == UpdatedReport(
        Response(200, "OK", "req-1"), CancelReport("req-cx", ("rr-1", "rr-2"), False, "ven-1"), "ven-1"
    )


def test_oadr_response() -> None:
    assert parse(ol("oadrResponse", response=RESPONSE, ven_id="ven-1")) == OadrResponse(
        Response(200, "OK", "req-1"), "ven-1"
    )


def test_oadr_response_without_request_id() -> None:
    response = {"response_code": 200, "response_description": "OK", "request_id": None}
    assert parse(ol("oadrResponse", response=response, ven_id="ven-1")) == OadrResponse(
        Response(200, "OK", None), "ven-1"
    )


def test_cancel_party_registration() -> None:
    data = ol("oadrCancelPartyRegistration", request_id="req-x", registration_id="reg-1", ven_id="ven-1")
    assert parse(data) == CancelPartyRegistration("req-x", "reg-1", "ven-1")


def test_canceled_party_registration() -> None:
    data = ol("oadrCanceledPartyRegistration", response=RESPONSE, registration_id="reg-1", ven_id="ven-1")
    assert parse(data) == CanceledPartyRegistration(Response(200, "OK", "req-1"), "reg-1", "ven-1")


def test_request_reregistration() -> None:
    assert parse(ol("oadrRequestReregistration", ven_id="ven-1")) == RequestReregistration("ven-1")


def test_created_and_canceled_opt() -> None:
    assert parse(ol("oadrCreatedOpt", response=RESPONSE, opt_id="opt-1")) == CreatedOpt(
        Response(200, "OK", "req-1"), "opt-1"
    )
    assert parse(ol("oadrCanceledOpt", response=RESPONSE, opt_id="opt-1")) == CanceledOpt(
        Response(200, "OK", "req-1"), "opt-1"
    )


def test_our_messages_parse_in_openleadr() -> None:
    """The other direction: openleadr's own (schema-validating) parser reads what we build."""
    from tests.openadr import samples

    for message in (
        samples.CREATED_EVENT,
        samples.CREATE_PARTY_REGISTRATION,
        samples.UPDATE_REPORT,
        samples.POLL,
    ):
        kind, payload = openleadr_messaging.parse_message(build(message))
        assert kind == "oadr" + type(message).__name__
        assert payload
