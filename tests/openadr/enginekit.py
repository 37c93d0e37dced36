"""Builders shared by the engine and driver tests: events, distributes, a registered engine."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from custom_components.openadr_ven.openadr.config import VenConfig
from custom_components.openadr_ven.openadr.engine import Outgoing, VenEngine
from custom_components.openadr_ven.openadr.enums import ResponseRequired
from custom_components.openadr_ven.openadr.models import (
    ActivePeriod,
    CreatedPartyRegistration,
    DistributeEvent,
    Event,
    EventDescriptor,
    EventSignal,
    Interval,
    ItemBase,
    OadrResponse,
    RegisteredReport,
    ReportRequest,
    Response,
    SpecifierPayload,
    Target,
)

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
VTN = "VTN_1"
VEN = "VEN_1"
REG = "REG_1"
MC = "http://market.example.com/program"
POLL = timedelta(seconds=10)


def config(**kw: object) -> VenConfig:
    base: dict[str, object] = {"ven_name": "home", "resource_id": "res1"}
    base.update(kw)
    return VenConfig(**base)  # type: ignore[arg-type]


def signal(
    name: str = "SIMPLE",
    type_: str = "level",
    values: tuple[float, ...] = (1.0,),
    *,
    minutes: int = 30,
    item_base: ItemBase | None = None,
    target: Target | None = None,
    signal_id: str = "sig1",
) -> EventSignal:
    intervals = tuple(Interval(i, timedelta(minutes=minutes), v) for i, v in enumerate(values))
    return EventSignal(name, type_, signal_id, intervals, item_base=item_base, target=target or Target())


def event(
    event_id: str = "ev1",
    mod: int = 0,
    *,
    start: datetime = T0 + timedelta(hours=1),
    duration: timedelta | None = None,
    signals: tuple[EventSignal, ...] | None = None,
    status: str = "far",
    start_after: timedelta | None = None,
    ramp_up: timedelta | None = None,
    market_context: str = MC,
    target: Target | None = None,
    response_required: ResponseRequired = ResponseRequired.ALWAYS,
    priority: int = 0,
    test_event: str | None = None,
) -> Event:
    sigs = signals if signals is not None else (signal(),)
    if duration is None:
        duration = sum((iv.duration for iv in sigs[0].intervals), timedelta(0))
    return Event(
        descriptor=EventDescriptor(
            event_id=event_id,
            modification_number=mod,
            market_context=market_context,
            created_date_time=T0,
            event_status=status,
            priority=priority,
            test_event=test_event,
        ),
        active_period=ActivePeriod(
            dtstart=start,
            duration=duration,
            start_after=start_after,
            notification=timedelta(hours=1),
            ramp_up=ramp_up,
        ),
        signals=sigs,
        target=target or Target(),
        response_required=response_required,
    )


def distribute(
    *events: Event, request_id: str = "dist-1", vtn_id: str = VTN, invalid: tuple = ()
) -> DistributeEvent:
    return DistributeEvent(
        request_id=request_id,
        vtn_id=vtn_id,
        events=events,
        invalid_events=invalid,
        response=Response(200, "OK", ""),
    )


def report_request(  # noqa: PLR0917 - reads like the spec tables
    rrid: str = "rr1",
    spec: str = "TELEMETRY_STATUS",
    granularity: timedelta = timedelta(0),
    back: timedelta = timedelta(0),
    rids: tuple[str, ...] = ("status",),
    start: datetime | None = None,
    duration: timedelta | None = None,
) -> ReportRequest:
    """A report request naming ``rids`` (default: a one-shot TELEMETRY_STATUS of rID "status")."""
    payloads = tuple(SpecifierPayload(r, "x-notApplicable") for r in rids)
    return ReportRequest(rrid, spec, granularity, back, payloads, start, duration)


def created_registration(poll: timedelta | None = POLL, code: int = 200) -> CreatedPartyRegistration:
    return CreatedPartyRegistration(
        response=Response(code, "OK" if code == 200 else "refused", ""),
        vtn_id=VTN,
        registration_id=REG,
        ven_id=VEN,
        poll_freq=poll,
    )


OK = OadrResponse(Response(200, "OK", ""), VEN)


def registered_engine(
    cfg: VenConfig | None = None, *, has_history: bool = False, seed: int = 1, now: datetime = T0
) -> VenEngine:
    """An engine that completed the bootstrap (registration, metadata, oadrRequestEvent)."""
    engine = VenEngine(cfg or config(), rng=random.Random(seed), has_history=has_history)
    out = engine.next_message(now)
    assert out is not None
    engine.on_reply(out, created_registration(), now)
    register_report = engine.next_message(now)
    assert register_report is not None
    engine.on_reply(register_report, RegisteredReport(Response(200, "OK", ""), ven_id=VEN), now)
    request_event = engine.next_message(now)
    assert request_event is not None
    engine.on_reply(request_event, distribute(), now)
    engine.take_notifications()
    return engine


def deliver(engine: VenEngine, reply: object, now: datetime) -> Outgoing:
    """Send the engine's next message and feed ``reply`` back; returns what was sent."""
    out = engine.next_message(now)
    assert out is not None
    engine.on_reply(out, reply, now)  # type: ignore[arg-type]
    return out


def poll_with(engine: VenEngine, message: object, now: datetime) -> None:
    """Deliver ``message`` as the reply to a poll (the engine must be about to poll)."""
    engine.poll_now(now)
    out = engine.next_message(now)
    assert out is not None
    assert out.purpose == "poll", out
    engine.on_reply(out, message, now)  # type: ignore[arg-type]


def drain_outbox(engine: VenEngine, now: datetime) -> list[object]:
    """Deliver every owed message (each answered with oadrResponse); returns the messages."""
    sent = []
    while engine.outbox:
        out = engine.outbox[0]
        sent.append(out.message)
        engine.on_reply(out, OK, now)
    return sent
