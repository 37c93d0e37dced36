"""Registration scenarios of VEN_REQUIREMENTS §4.4 / §9.2 for a pull VEN (sans-I/O)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest

from custom_components.openadr_ven.openadr.engine import VenEngine
from custom_components.openadr_ven.openadr.enums import ReportName, Service
from custom_components.openadr_ven.openadr.errors import NotRegisteredError
from custom_components.openadr_ven.openadr.models import (
    CanceledPartyRegistration,
    CancelPartyRegistration,
    CreatePartyRegistration,
    OadrResponse,
    Poll,
    RegisteredReport,
    RegisterReport,
    RequestEvent,
    RequestReregistration,
    Response,
)
from custom_components.openadr_ven.openadr.state import ErrorKind, NotificationKind
from tests.openadr.enginekit import (
    OK,
    POLL,
    REG,
    T0,
    VEN,
    VTN,
    config,
    created_registration,
    deliver,
    distribute,
    drain_outbox,
    event,
    poll_with,
    registered_engine,
)


def test_n1_0020_bootstrap_sequence_r401_r405_r309() -> None:
    engine = VenEngine(config(), rng=random.Random(1))
    first = engine.next_message(T0)
    assert first is not None
    assert first.service is Service.EI_REGISTER_PARTY
    assert first.message == CreatePartyRegistration(
        request_id=first.message.request_id,  # type: ignore[union-attr]
        ven_name="home",
        ven_id=None,  # R402: no venID unless pre-assigned, never a registrationID
        registration_id=None,
        profile_name="2.0b",
        transport_name="simpleHttp",
        report_only=False,
        xml_signature=False,
        http_pull_model=True,
    )
    engine.on_reply(first, created_registration(), T0)
    assert engine.registration is not None
    assert (engine.registration.ven_id, engine.registration.registration_id, engine.registration.vtn_id) == (
        VEN,
        REG,
        VTN,
    )
    assert engine.registration.poll_interval == POLL
    # R309/R405: METADATA first, then oadrRequestEvent, before any poll.
    metadata = engine.next_message(T0)
    assert metadata is not None
    assert isinstance(metadata.message, RegisterReport)
    assert metadata.service is Service.EI_REPORT
    names = [r.report_name for r in metadata.message.reports]
    assert names == [ReportName.METADATA_TELEMETRY_STATUS, ReportName.METADATA_TELEMETRY_USAGE]
    assert metadata.message.report_request_id is None  # R311
    assert all(r.report_request_id == "0" for r in metadata.message.reports)
    engine.on_reply(metadata, RegisteredReport(Response(200, "OK", ""), ven_id=VEN), T0)
    request = engine.next_message(T0)
    assert request is not None
    assert isinstance(request.message, RequestEvent)
    assert request.message == RequestEvent(request_id=request.message.request_id, ven_id=VEN)
    engine.on_reply(request, distribute(), T0)
    # Then polling at the VTN's frequency, never sooner (R500).
    assert engine.next_message(T0) is None
    assert engine.next_poll is not None
    assert POLL <= engine.next_poll - T0 <= POLL * 1.05
    poll = engine.next_message(engine.next_poll)
    assert poll is not None
    assert poll.message == Poll(ven_id=VEN)
    assert poll.service is Service.OADR_POLL


def test_metadata_offers_history_usage_when_meter_has_history() -> None:
    engine = VenEngine(config(), rng=random.Random(1), has_history=True)
    deliver(engine, created_registration(), T0)
    metadata = engine.next_message(T0)
    assert metadata is not None
    assert isinstance(metadata.message, RegisterReport)
    assert [r.report_name for r in metadata.message.reports][-1] is ReportName.METADATA_HISTORY_USAGE


def test_n1_0025_preassigned_ven_id_is_sent() -> None:
    engine = VenEngine(config(ven_id="PRE_1"), rng=random.Random(1))
    out = engine.next_message(T0)
    assert out is not None
    assert isinstance(out.message, CreatePartyRegistration)
    assert out.message.ven_id == "PRE_1"
    assert out.message.registration_id is None


def test_report_only_and_xml_signature_flags_are_declared() -> None:
    engine = VenEngine(config(report_only=True, xml_signature=True), rng=random.Random(1))
    out = engine.next_message(T0)
    assert out is not None
    assert isinstance(out.message, CreatePartyRegistration)
    assert out.message.report_only is True
    assert out.message.xml_signature is True


def test_missing_poll_frequency_uses_safe_default() -> None:
    engine = VenEngine(config(default_poll_interval=timedelta(seconds=45)), rng=random.Random(1))
    deliver(engine, created_registration(poll=None), T0)
    assert engine.registration is not None
    assert engine.registration.poll_interval == timedelta(seconds=45)


def test_refused_registration_retries_later() -> None:
    engine = VenEngine(config(), rng=random.Random(1))
    deliver(engine, created_registration(code=452), T0)
    assert engine.registration is None
    assert engine.next_message(T0 + timedelta(minutes=1)) is None
    later = engine.next_message(T0 + timedelta(minutes=5))
    assert later is not None
    assert isinstance(later.message, CreatePartyRegistration)


def test_n1_0050_vtn_requested_reregistration() -> None:
    engine = registered_engine()
    poll_with(engine, RequestReregistration(ven_id=VEN), T0)
    first = engine.next_message(T0)
    assert first is not None
    assert first.message == OadrResponse(Response(200, "OK", ""), VEN)
    assert first.service is Service.EI_REGISTER_PARTY
    engine.on_reply(first, OK, T0)
    second = engine.next_message(T0)
    assert second is not None
    assert isinstance(second.message, CreatePartyRegistration)
    assert (second.message.ven_id, second.message.registration_id) == (VEN, REG)
    engine.on_reply(second, created_registration(), T0)
    # R405: no METADATA exchange or oadrRequestEvent after a re-registration; drain continues.
    assert engine.outbox == []
    nxt = engine.next_message(T0)
    assert nxt is not None
    assert isinstance(nxt.message, Poll)


def test_n1_0040_vtn_cancels_registration_r407() -> None:
    engine = registered_engine()
    poll_with(engine, distribute(event()), T0)
    drain_outbox(engine, T0)
    assert engine.events
    poll_with(engine, CancelPartyRegistration("c-1", REG, VEN), T0)
    assert engine.registration is None
    assert not engine.events
    assert not engine.jobs
    kinds = [n.kind for n in engine.take_notifications()]
    assert NotificationKind.REGISTRATION_CANCELLED in kinds
    answer = engine.next_message(T0)
    assert answer is not None
    assert answer.message == CanceledPartyRegistration(Response(200, "OK", "c-1"), REG, VEN)
    engine.on_reply(answer, OK, T0)
    # A VTN-cancelled VEN does not register again on its own (R401: deployment-specific).
    assert engine.next_message(T0 + timedelta(hours=1)) is None
    engine.allow_registration()
    again = engine.next_message(T0 + timedelta(hours=1))
    assert again is not None
    assert isinstance(again.message, CreatePartyRegistration)


def test_n1_0070_cancel_with_wrong_registration_id_gets_452() -> None:
    engine = registered_engine()
    poll_with(engine, CancelPartyRegistration("c-1", "INVALID_REGISTRATION_ID", VEN), T0)
    answer = engine.next_message(T0)
    assert answer is not None
    assert answer.message == CanceledPartyRegistration(
        Response(452, "unknown registrationID", "c-1"), "INVALID_REGISTRATION_ID", VEN
    )
    engine.on_reply(answer, OK, T0)
    assert engine.registration is not None
    poll_with(engine, CancelPartyRegistration("c-2", REG, VEN), T0)
    answer = engine.next_message(T0)
    assert answer is not None
    assert answer.message.response.code == 200


def test_n1_0030_ven_cancels_registration() -> None:
    engine = registered_engine()
    out = engine.cancel_message()
    assert out.message == CancelPartyRegistration(out.message.request_id, REG, VEN)  # type: ignore[union-attr]
    engine.on_reply(out, CanceledPartyRegistration(Response(200, "OK", ""), REG, VEN), T0)
    assert engine.registration is None


@pytest.mark.parametrize("code", [452, 463])
def test_vtn_forgot_us_triggers_new_registration(code: int) -> None:
    engine = registered_engine()
    poll_with(engine, OadrResponse(Response(code, "who?", ""), VEN), T0)
    assert engine.registration is None
    out = engine.next_message(T0)
    assert out is not None
    assert isinstance(out.message, CreatePartyRegistration)
    assert out.message.registration_id is None  # a new registration (full bootstrap)


def test_restart_with_stored_registration_does_not_register() -> None:
    engine = registered_engine()
    restored = VenEngine(config(), rng=random.Random(2))
    assert restored.load_dict(engine.to_dict())
    out = restored.next_message(T0)
    assert out is not None
    assert isinstance(out.message, Poll)


def test_unknown_state_version_starts_fresh() -> None:
    engine = VenEngine(config(), rng=random.Random(2))
    assert not engine.load_dict({"version": 999})
    assert engine.registration is None


def test_commands_need_registration() -> None:
    engine = VenEngine(config(), rng=random.Random(2))
    with pytest.raises(NotRegisteredError):
        engine.request_events()


def test_r403_created_registration_without_registration_id_is_refused_and_retried() -> None:
    engine = VenEngine(config(), rng=random.Random(1))
    reply = replace(created_registration(), registration_id=None)
    deliver(engine, reply, T0)
    assert engine.registration is None
    assert engine.connection.last_error_kind is ErrorKind.VTN
    assert engine.connection.last_error is not None
    assert engine.connection.last_error == "VTN error 459: registration without venID/registrationID"
    assert engine.next_message(T0 + timedelta(minutes=1)) is None
    retry = engine.next_message(T0 + timedelta(minutes=5))
    assert retry is not None
    assert isinstance(retry.message, CreatePartyRegistration)
