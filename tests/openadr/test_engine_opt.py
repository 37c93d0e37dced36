"""Opt scenarios (VEN_REQUIREMENTS §5, R200-R211, §9.5 P1_20xx, E1_1060, A_E1_0280)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from custom_components.openadr_ven.openadr.enums import OptReason, OptType, ResponseRequired
from custom_components.openadr_ven.openadr.errors import UnknownEventError, UnknownOptError
from custom_components.openadr_ven.openadr.models import (
    Availability,
    CancelOpt,
    CreatedEvent,
    CreatedOpt,
    CreateOpt,
    EventResponse,
    Response,
    Target,
)
from custom_components.openadr_ven.openadr.state import NotificationKind
from tests.openadr.enginekit import (
    T0,
    VEN,
    config,
    deliver,
    distribute,
    drain_outbox,
    event,
    poll_with,
    registered_engine,
)

H = timedelta(hours=1)


def with_events(*events: object, **cfg: object):  # type: ignore[no-untyped-def]
    engine = registered_engine(config(**cfg))
    poll_with(engine, distribute(*events, request_id="D1"), T0)  # type: ignore[arg-type]
    drain_outbox(engine, T0)
    engine.take_notifications()
    return engine


def test_a_e1_0280_async_opt_out_via_created_event_r17_r42() -> None:
    engine = with_events(event())
    view = engine.opt(OptType.OPT_OUT, "ev1", T0)
    assert view.opt is OptType.OPT_OUT
    sent = drain_outbox(engine, T0)
    assert sent == [
        CreatedEvent(
            VEN, (EventResponse("ev1", 0, OptType.OPT_OUT, 200, "OK", "D1"),), Response(200, "OK", "")
        )
    ]
    notes = engine.take_notifications()
    assert [(n.kind, n.opt) for n in notes] == [(NotificationKind.OPT_CHANGED, OptType.OPT_OUT)]


def test_user_opt_survives_modification() -> None:
    engine = with_events(event())
    engine.opt(OptType.OPT_OUT, "ev1", T0)
    drain_outbox(engine, T0)
    poll_with(engine, distribute(event(mod=1), request_id="D2"), T0)
    sent = drain_outbox(engine, T0)
    assert sent[0].event_responses[0].opt_type is OptType.OPT_OUT  # type: ignore[attr-defined]


def test_e1_1060_r206_opt_via_create_opt_with_qualified_event_id() -> None:
    engine = with_events(event(), event_opt_via_eiopt=True)
    engine.opt(OptType.OPT_OUT, "ev1", T0)
    sent = drain_outbox(engine, T0)
    assert len(sent) == 1
    opt = sent[0]
    assert isinstance(opt, CreateOpt)
    assert (opt.event_id, opt.modification_number, opt.opt_type, opt.opt_reason) == (
        "ev1",
        0,
        OptType.OPT_OUT,
        OptReason.NOT_PARTICIPATING,
    )
    assert opt.market_context is None  # R206: no marketContext, no vavailability with an event
    assert opt.availability == ()
    assert opt.target == Target(ven_ids=(VEN,), resource_ids=("res1",))
    assert opt.ven_id == VEN
    assert opt.created_date_time == T0


def test_r206_once_create_opt_used_only_create_opt_changes_it() -> None:
    engine = with_events(event(), event_opt_via_eiopt=True)
    engine.opt(OptType.OPT_OUT, "ev1", T0)
    drain_outbox(engine, T0)
    engine.config = config()  # even if the preference changes, the event stays on EiOpt
    engine.opt(OptType.OPT_IN, "ev1", T0)
    sent = drain_outbox(engine, T0)
    assert [type(m).__name__ for m in sent] == ["CreateOpt"]


def test_r12_r206_never_event_opt_is_local_only() -> None:
    engine = with_events(event(response_required=ResponseRequired.NEVER))
    view = engine.opt(OptType.OPT_OUT, None, T0)
    assert view.opt is OptType.OPT_OUT
    assert engine.outbox == []


def test_default_opt_target_is_active_then_next_event() -> None:
    engine = with_events(event("later", start=T0 + 5 * H), event("now", start=T0, signals=None))
    assert engine.opt(OptType.OPT_OUT, None, T0 + timedelta(minutes=1)).event_id == "now"
    engine2 = with_events(event("later", start=T0 + 5 * H), event("sooner", start=T0 + H))
    assert engine2.opt(OptType.OPT_OUT, None, T0).event_id == "sooner"


def test_opt_without_events_raises() -> None:
    engine = registered_engine()
    with pytest.raises(UnknownEventError):
        engine.opt(OptType.OPT_OUT, None, T0)
    with pytest.raises(UnknownEventError):
        engine.opt(OptType.OPT_OUT, "missing", T0)


def test_p1_2010_availability_schedule_and_p1_2020_cancel() -> None:
    engine = registered_engine()
    windows = [Availability(T0 + 28 * H, 4 * H), Availability(T0 + 80 * H, 8 * H)]
    opt_id = engine.set_availability(windows, OptType.OPT_IN, OptReason.X_SCHEDULE, T0)
    out = engine.next_message(T0)
    assert out is not None
    opt = out.message
    assert isinstance(opt, CreateOpt)
    assert (opt.opt_id, opt.opt_type, opt.opt_reason, opt.availability) == (
        opt_id,
        OptType.OPT_IN,
        OptReason.X_SCHEDULE,
        tuple(windows),
    )
    assert opt.event_id is None
    assert VEN in opt.target.ven_ids
    engine.on_reply(out, CreatedOpt(Response(200, "OK", opt.request_id), opt_id), T0)
    assert engine.snapshot(T0).availability_opt_ids == (opt_id,)
    engine.clear_availability(opt_id)
    cancel = drain_outbox(engine, T0)
    assert cancel == [CancelOpt(cancel[0].request_id, VEN, opt_id)]  # type: ignore[attr-defined]
    assert engine.snapshot(T0).availability_opt_ids == ()


def test_p1_2015_open_ended_schedule_and_clear_all() -> None:
    engine = registered_engine()
    first = engine.set_availability(
        [Availability(T0, timedelta(0))], OptType.OPT_OUT, OptReason.X_SCHEDULE, T0
    )
    second = engine.set_availability([Availability(T0 + H, H)], OptType.OPT_OUT, OptReason.X_SCHEDULE, T0)
    drain_outbox(engine, T0)
    engine.clear_availability(None)
    cancels = drain_outbox(engine, T0)
    assert [c.opt_id for c in cancels] == [first, second]  # type: ignore[attr-defined]


def test_unknown_opt_id_raises() -> None:
    engine = registered_engine()
    with pytest.raises(UnknownOptError):
        engine.clear_availability("nope")


def test_refused_schedule_is_forgotten() -> None:
    engine = registered_engine()
    opt_id = engine.set_availability([Availability(T0, H)], OptType.OPT_OUT, OptReason.X_SCHEDULE, T0)
    deliver(engine, CreatedOpt(Response(452, "bad", ""), opt_id), T0)
    assert engine.snapshot(T0).availability_opt_ids == ()


def test_empty_schedule_is_rejected() -> None:
    engine = registered_engine()
    with pytest.raises(ValueError, match="window"):
        engine.set_availability([], OptType.OPT_OUT, OptReason.X_SCHEDULE, T0)
