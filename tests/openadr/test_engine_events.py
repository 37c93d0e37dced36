"""One test per row of the event processing table (VEN_REQUIREMENTS §2.6) and §2.2-§2.4 timing."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from custom_components.openadr_ven.openadr.engine import VenEngine
from custom_components.openadr_ven.openadr.engine.events import MAX_EVENTS, prune
from custom_components.openadr_ven.openadr.engine.timing import EventRecord
from custom_components.openadr_ven.openadr.enums import EventStatus, OptType, ResponseRequired
from custom_components.openadr_ven.openadr.models import (
    CreatedEvent,
    EventResponse,
    InvalidEvent,
    ItemBase,
    Response,
    Target,
)
from custom_components.openadr_ven.openadr.state import NotificationKind
from tests.openadr.enginekit import (
    MC,
    T0,
    VEN,
    config,
    distribute,
    drain_outbox,
    event,
    poll_with,
    registered_engine,
    signal,
)

H = timedelta(hours=1)


def answers(engine: VenEngine, dist: object, now: object = T0) -> list[CreatedEvent]:
    poll_with(engine, dist, now)  # type: ignore[arg-type]
    return [m for m in drain_outbox(engine, now) if isinstance(m, CreatedEvent)]  # type: ignore[arg-type]


def only_response(created: list[CreatedEvent]) -> EventResponse:
    assert len(created) == 1
    assert created[0].response == Response(200, "OK", "")  # R42: empty requestID in eiResponse
    assert created[0].ven_id == VEN
    assert len(created[0].event_responses) == 1
    return created[0].event_responses[0]


def test_r56_new_event_opt_in_with_distribute_request_id() -> None:
    engine = registered_engine()
    response = only_response(answers(engine, distribute(event(), request_id="REQ_9")))
    assert response == EventResponse("ev1", 0, OptType.OPT_IN, 200, "OK", "REQ_9")
    notes = engine.take_notifications()
    assert [n.kind for n in notes] == [NotificationKind.EVENT_RECEIVED]
    assert engine.snapshot(T0).events[0].status is EventStatus.FAR


def test_a_e1_0110_new_event_with_modification_number_above_zero_is_new() -> None:
    engine = registered_engine()
    assert only_response(answers(engine, distribute(event(mod=3)))).code == 200


def test_r12_unchanged_event_is_answered_again() -> None:
    engine = registered_engine()
    answers(engine, distribute(event()))
    again = only_response(answers(engine, distribute(event(), request_id="dist-2")))
    assert again == EventResponse("ev1", 0, OptType.OPT_IN, 200, "OK", "dist-2")  # R43: no uniqueness assumed


def test_r57_r30_modified_event_replaces_and_keeps_random_offset() -> None:
    engine = registered_engine()
    answers(engine, distribute(event(start_after=timedelta(minutes=10))))
    offset = engine.snapshot(T0).events[0].random_offset
    assert timedelta(0) <= offset <= timedelta(minutes=10)
    engine.take_notifications()
    moved = event(mod=1, start=T0 + 2 * H, start_after=timedelta(minutes=10))
    assert only_response(answers(engine, distribute(moved))).modification_number == 1
    view = engine.snapshot(T0).events[0]
    assert view.random_offset == offset
    assert view.start == T0 + 2 * H + offset
    assert view.end == view.start + timedelta(minutes=30)
    assert [n.kind for n in engine.take_notifications()] == [NotificationKind.EVENT_MODIFIED]


def test_r30_offset_redrawn_when_startafter_changes() -> None:
    engine = registered_engine(seed=3)
    answers(engine, distribute(event(start_after=timedelta(hours=1))))
    first = engine.snapshot(T0).events[0].random_offset
    answers(engine, distribute(event(mod=1, start_after=timedelta(seconds=2))))
    second = engine.snapshot(T0).events[0].random_offset
    assert second <= timedelta(seconds=2) < first


def test_r58_lower_modification_number_gets_450_even_when_cancelled() -> None:
    engine = registered_engine()
    answers(engine, distribute(event(mod=5)))
    response = only_response(answers(engine, distribute(event(mod=3), request_id="d3")))
    assert response == EventResponse(
        "ev1", 3, OptType.OPT_OUT, 450, "modificationNumber lower than known", "d3"
    )
    assert engine.snapshot(T0).events[0].modification_number == 5
    answers(engine, distribute(event(mod=6, status="cancelled")))
    assert only_response(answers(engine, distribute(event(mod=4)))).code == 450


def test_r59_r36_cancelled_known_event_confirmed_with_opt_in() -> None:
    engine = registered_engine()
    answers(engine, distribute(event()))
    engine.take_notifications()
    response = only_response(answers(engine, distribute(event(mod=1, status="cancelled"))))
    assert (response.opt_type, response.code, response.modification_number) == (OptType.OPT_IN, 200, 1)
    view = engine.snapshot(T0).events[0]
    assert view.cancelled
    assert view.status is EventStatus.CANCELLED
    assert [n.kind for n in engine.take_notifications()] == [NotificationKind.EVENT_CANCELLED]
    # Acknowledged: later distributes without it do not produce answers for it (R36).
    assert answers(engine, distribute()) == []


def test_r65_cancel_of_active_randomized_event_ends_within_startafter() -> None:
    engine = registered_engine()
    ev = event(start=T0, start_after=timedelta(minutes=5), signals=(signal(minutes=60),))
    answers(engine, distribute(ev))
    now = T0 + timedelta(minutes=20)
    answers(
        engine, distribute(event(mod=1, status="cancelled", start=T0, start_after=timedelta(minutes=5))), now
    )
    view = engine.snapshot(now).events[0]
    assert view.end is not None
    assert now <= view.end <= now + timedelta(minutes=5)
    assert view.status is (EventStatus.ACTIVE if view.end > now else EventStatus.CANCELLED)
    assert engine.snapshot(now + timedelta(minutes=5)).events[0].status is EventStatus.CANCELLED


def test_r60_cancelled_unknown_event_is_answered_not_stored() -> None:
    engine = registered_engine()
    response = only_response(answers(engine, distribute(event("ghost", 2, status="cancelled"))))
    assert (response.event_id, response.code, response.opt_type) == ("ghost", 200, OptType.OPT_IN)
    assert engine.events == {}


def test_r61_implicit_cancellation_a_e1_0370() -> None:
    engine = registered_engine()
    answers(engine, distribute(event()))
    engine.take_notifications()
    assert answers(engine, distribute()) == []  # nothing to answer
    view = engine.snapshot(T0).events[0]
    assert view.cancelled
    assert view.status is EventStatus.CANCELLED
    assert [n.kind for n in engine.take_notifications()] == [NotificationKind.EVENT_CANCELLED]
    engine.tick(T0 + 2 * H)
    assert NotificationKind.EVENT_STARTED not in [n.kind for n in engine.take_notifications()]


def test_r66_completed_status_does_not_stop_execution_a_e1_0340() -> None:
    engine = registered_engine()
    running = event("ev1", start=T0, start_after=timedelta(minutes=10))
    pending = event("ev2")
    answers(engine, distribute(running, pending))
    now = T0 + timedelta(minutes=31)
    offset = engine.snapshot(now).events[0].random_offset
    created = answers(
        engine,
        distribute(event("ev1", status="completed", start=T0, start_after=timedelta(minutes=10)), pending),
        now,
    )
    assert len(created[0].event_responses) == 2
    expected = EventStatus.ACTIVE if offset > timedelta(minutes=1) else EventStatus.COMPLETED
    assert engine.snapshot(now).events[0].status is expected


def test_r6_test_event_is_flagged_and_opted_in() -> None:
    engine = registered_engine()
    response = only_response(answers(engine, distribute(event(test_event="true"))))
    assert response.opt_type is OptType.OPT_IN
    assert engine.snapshot(T0).events[0].test_event
    engine2 = registered_engine()
    answers(engine2, distribute(event(test_event="false")))
    assert not engine2.snapshot(T0).events[0].test_event


def test_r19_mixed_valid_and_invalid_events_answered_individually() -> None:
    engine = registered_engine()
    bad = InvalidEvent("ev_bad", 0, 459, "missing eiActivePeriod")
    created = answers(engine, distribute(event(), invalid=(bad,)))
    assert created[0].response.code == 200
    assert created[0].event_responses == (
        EventResponse("ev1", 0, OptType.OPT_IN, 200, "OK", "dist-1"),
        EventResponse("ev_bad", 0, OptType.OPT_OUT, 459, "missing eiActivePeriod", "dist-1"),
    )


def test_r48_market_context_mismatch_462_and_r512_normalization() -> None:
    engine = registered_engine(config(market_contexts=("http://Market.Example.com/program",)))
    assert only_response(answers(engine, distribute(event()))).code == 200  # host case-insensitive
    response = only_response(answers(engine, distribute(event("ev2", market_context="http://other/x"))))
    assert (response.code, response.opt_type) == (462, OptType.OPT_OUT)
    assert "ev2" not in engine.events


@pytest.mark.parametrize(
    ("target", "code"),
    [
        (Target(resource_ids=("res1",)), 200),
        (Target(ven_ids=(VEN,)), 200),
        (Target(ven_ids=("OTHER",), resource_ids=("res1",)), 200),  # OR'd (R22)
        (Target(resource_ids=("other",)), 462),
        (Target(group_ids=("g9",)), 462),
        (Target(others=(("pnode", "P1"),)), 462),
    ],
)
def test_r22_r48_event_target(target: Target, code: int) -> None:
    engine = registered_engine()
    response = only_response(answers(engine, distribute(event(target=target))))
    assert response.code == code
    assert response.opt_type is (OptType.OPT_IN if code == 200 else OptType.OPT_OUT)


@pytest.mark.parametrize(
    ("sig", "code"),
    [
        (signal("x-CUSTOM_SIGNAL", "price"), 460),  # E1_1070
        (signal("SIMPLE", "price"), 460),  # R116
        (signal("ELECTRICITY_PRICE", "setpoint"), 460),
        (signal("LOAD_DISPATCH", "setpoint", item_base=ItemBase("currencyPerKWh", "currency", "USD")), 460),
        (signal("SIMPLE", "level", (7.0,)), 454),
        (signal("LOAD_DISPATCH", "level", (11.0,)), 454),
        (signal("CHARGE_STATE", "multiplier", (1.5,)), 454),
        (signal("SIMPLE", "level", target=Target(end_device_assets=("Pool_Pump",))), 469),
        (signal("SIMPLE", "level", target=Target(resource_ids=("elsewhere",))), 469),
    ],
)
def test_r109_r112_unsupported_or_unresolvable_signal(sig: object, code: int) -> None:
    engine = registered_engine(config(end_device_assets=("Water_Heater",)))
    response = only_response(answers(engine, distribute(event(signals=(sig,)))))  # type: ignore[arg-type]
    assert (response.code, response.opt_type) == (code, OptType.OPT_OUT)


@pytest.mark.parametrize(
    ("name", "type_", "item_base"),
    [
        ("SIMPLE", "level", None),
        ("simple", "level", None),
        ("ELECTRICITY_PRICE", "price", ItemBase("currencyPerKWh", "currencyPerKWh", "USD")),
        ("ELECTRICITY_PRICE", "priceRelative", None),
        ("ELECTRICITY_PRICE", "priceMultiplier", None),
        ("ENERGY_PRICE", "price", None),
        ("DEMAND_CHARGE", "price", ItemBase("currencyPerKW", "currencyPerKW", "USD")),
        ("BID_PRICE", "price", ItemBase("currency", "currency", "USD")),
        ("BID_LOAD", "setpoint", ItemBase("powerReal", "RealPower", "W", "k")),
        ("BID_ENERGY", "setpoint", ItemBase("energyReal", "RealEnergy", "Wh")),
        ("CHARGE_STATE", "setpoint", None),
        ("CHARGE_STATE", "delta", None),
        ("CHARGE_STATE", "multiplier", None),
        ("LOAD_DISPATCH", "setpoint", ItemBase("powerReal", "RealPower", "W", "k")),
        ("LOAD_DISPATCH", "delta", None),
        ("LOAD_DISPATCH", "multiplier", None),
        ("LOAD_DISPATCH", "level", None),
        ("LOAD_CONTROL", "x-loadControlCapacity", None),
        ("LOAD_CONTROL", "x-loadControlLevelOffset", None),
        ("LOAD_CONTROL", "x-loadControlPercentOffset", None),
        ("LOAD_CONTROL", "x-loadControlSetpoint", None),
    ],
)
def test_r510_table1_signals_accepted(name: str, type_: str, item_base: ItemBase | None) -> None:
    engine = registered_engine()
    sig = signal(name, type_, (1.0,), item_base=item_base)
    assert only_response(answers(engine, distribute(event(signals=(sig,))))).code == 200


def test_r21_e1_1080_wrong_vtn_id_case_gets_eiresponse_452() -> None:
    engine = registered_engine()
    created = answers(engine, distribute(event(), vtn_id="vtn_1", request_id="d9"))
    assert created == [CreatedEvent(VEN, (), Response(452, "unknown vtnID", "d9"))]
    assert engine.events == {}


def test_r12_never_response_required_sends_nothing_but_processes() -> None:
    engine = registered_engine()
    assert answers(engine, distribute(event(response_required=ResponseRequired.NEVER))) == []
    assert "ev1" in engine.events
    assert (
        answers(
            engine, distribute(event(mod=1, status="cancelled", response_required=ResponseRequired.NEVER))
        )
        == []
    )


def test_a_e1_0020_empty_distribute_sends_nothing() -> None:
    engine = registered_engine()
    assert answers(engine, distribute()) == []


def test_r114_status_sequence_signals_and_notifications() -> None:
    engine = registered_engine()
    sig = signal("SIMPLE", "level", (1.0, 3.0), minutes=30)
    answers(
        engine, distribute(event(start=T0 + H, ramp_up=timedelta(minutes=10), signals=(sig,), status="far"))
    )
    engine.take_notifications()
    statuses = []
    values = []
    for minutes in (0, 49, 50, 60, 89, 90, 119, 120):
        now = T0 + timedelta(minutes=minutes)
        engine.tick(now)
        view = engine.snapshot(now).events[0]
        statuses.append(view.status)
        values.append(view.signals[0].current_value)
    assert statuses == [
        EventStatus.FAR,
        EventStatus.FAR,
        EventStatus.NEAR,  # R13: near from the start of ramp-up
        EventStatus.ACTIVE,
        EventStatus.ACTIVE,
        EventStatus.ACTIVE,
        EventStatus.ACTIVE,
        EventStatus.COMPLETED,
    ]
    assert values == [None, None, None, 1.0, 1.0, 3.0, 3.0, None]
    kinds = [(n.kind, n.value) for n in engine.take_notifications()]
    assert kinds == [
        (NotificationKind.EVENT_STARTED, None),
        (NotificationKind.SIGNAL_CHANGED, 1.0),
        (NotificationKind.SIGNAL_CHANGED, 3.0),
        (NotificationKind.SIGNAL_CHANGED, None),
        (NotificationKind.EVENT_ENDED, None),
    ]
    assert engine.next_wakeup(T0 + timedelta(minutes=49)) == T0 + timedelta(minutes=50)


def test_r47_open_ended_event_holds_last_interval_until_cancelled() -> None:
    engine = registered_engine()
    sig = signal("SIMPLE", "level", (2.0,), minutes=0)
    answers(engine, distribute(event(start=T0, duration=timedelta(0), signals=(sig,))))
    later = T0 + timedelta(days=3)
    view = engine.snapshot(later).events[0]
    assert (view.status, view.end, view.signals[0].current_value) == (EventStatus.ACTIVE, None, 2.0)


def test_r3_active_events_ordered_by_priority() -> None:
    engine = registered_engine()
    answers(
        engine,
        distribute(
            event("low", start=T0, priority=0),
            event("high", start=T0, priority=1),
            event("mid", start=T0, priority=5),
        ),
    )
    now = T0 + timedelta(minutes=1)
    assert [v.event_id for v in engine.snapshot(now).active_events] == ["high", "mid", "low"]


def test_units_are_shown_with_scale_and_currency() -> None:
    engine = registered_engine()
    price = signal(
        "ELECTRICITY_PRICE", "price", (0.31,), item_base=ItemBase("currencyPerKWh", "currencyPerKWh", "EUR")
    )
    load = signal(
        "LOAD_DISPATCH",
        "setpoint",
        (4.0,),
        item_base=ItemBase("powerReal", "RealPower", "W", "k"),
        signal_id="s2",
    )
    answers(engine, distribute(event(signals=(price, load))))
    signals = engine.snapshot(T0).events[0].signals
    assert [(s.unit, s.currency) for s in signals] == [("EUR/kWh", "EUR"), ("kW", None)]
    assert signals[0].intervals[0].value == 0.31


def test_finished_events_are_pruned_after_retention() -> None:
    engine = registered_engine()
    answers(engine, distribute(event(start=T0)))
    engine.tick(T0 + timedelta(hours=10))
    assert "ev1" in engine.events
    engine.tick(T0 + timedelta(hours=25))
    assert engine.events == {}


def test_restart_mid_active_event_keeps_offset_and_opt() -> None:
    engine = registered_engine()
    answers(
        engine, distribute(event(start=T0, start_after=timedelta(minutes=5), signals=(signal(minutes=120),)))
    )
    now = T0 + timedelta(minutes=30)
    engine.opt(OptType.OPT_OUT, "ev1", now)
    engine.tick(now)
    before = engine.snapshot(now)
    restored = VenEngine(config(), rng=random.Random(99))
    assert restored.load_dict(engine.to_dict())
    after = restored.snapshot(now)
    assert after.events == before.events
    assert after.manual_override
    restored.tick(now)
    assert NotificationKind.EVENT_STARTED not in [n.kind for n in restored.take_notifications()]


def test_default_opt_out_policy_applies_to_new_events() -> None:
    engine = registered_engine(config(default_opt=OptType.OPT_OUT))
    assert only_response(answers(engine, distribute(event()))).opt_type is OptType.OPT_OUT


def test_market_context_constant_is_used() -> None:
    engine = registered_engine()
    answers(engine, distribute(event()))
    assert engine.snapshot(T0).events[0].market_context == MC


# --- coverage of the remaining processing-table branches (§2.6) -----------------------------


def test_r48_known_event_modified_into_an_invalid_one_is_cancelled_now() -> None:
    engine = registered_engine()
    only_response(answers(engine, distribute(event(start=T0))))
    engine.take_notifications()
    now = T0 + timedelta(minutes=5)
    bad = event(mod=1, start=T0, target=Target(resource_ids=("elsewhere",)))
    created = answers(engine, distribute(bad, request_id="REQ_2"), now)
    assert created[0].event_responses == (
        EventResponse("ev1", 1, OptType.OPT_OUT, 462, "eiTarget does not match this VEN", "REQ_2"),
    )
    record = engine.events["ev1"]
    assert record.cancelled
    assert record.cancel_end == now  # stops at once, no randomization for a refused event
    notes = engine.take_notifications()
    assert [n.kind for n in notes] == [
        NotificationKind.EVENT_CANCELLED,
        NotificationKind.SIGNAL_CHANGED,  # the active event stops driving its signal
        NotificationKind.EVENT_ENDED,
    ]


def test_r61_completed_event_absent_from_distribute_is_not_cancelled() -> None:
    engine = registered_engine()
    answers(engine, distribute(event(start=T0)))  # 30 minutes long
    engine.take_notifications()
    later = T0 + timedelta(hours=1)
    engine.tick(later)
    engine.take_notifications()
    answers(engine, distribute(), later)
    assert not engine.events["ev1"].cancelled
    assert engine.events["ev1"].cancel_end is None
    kinds = [n.kind for n in engine.take_notifications()]
    assert NotificationKind.EVENT_CANCELLED not in kinds
    assert engine.snapshot(later).events[0].status is EventStatus.COMPLETED


def test_prune_caps_the_store_dropping_finished_events_oldest_first() -> None:
    now = T0

    def rec(eid: str, start: object) -> EventRecord:
        return EventRecord(event(eid, start=start), "r", timedelta(0), OptType.OPT_IN)  # type: ignore[arg-type]

    records = {f"f{i}": rec(f"f{i}", T0 - timedelta(hours=3, minutes=i)) for i in range(3)}
    records |= {f"a{i}": rec(f"a{i}", T0 + timedelta(minutes=i)) for i in range(MAX_EVENTS - 1)}
    kept = prune(records, now)
    assert len(kept) == MAX_EVENTS
    # The two oldest finished events go; the newest finished one and every pending one stay.
    assert "f2" not in kept
    assert "f1" not in kept
    assert "f0" in kept
    assert all(f"a{i}" in kept for i in range(MAX_EVENTS - 1))


@pytest.mark.parametrize(
    ("cfg", "target"),
    [
        ({"party_id": "P1"}, Target(party_ids=("P1",))),  # R22
        ({"group_ids": ("g1", "g2")}, Target(group_ids=("g2",))),  # R22
    ],
)
def test_r22_party_and_group_targets_match(cfg: dict[str, object], target: Target) -> None:
    engine = registered_engine(config(**cfg))
    response = only_response(answers(engine, distribute(event(target=target))))
    assert (response.code, response.opt_type) == (200, OptType.OPT_IN)


@pytest.mark.parametrize(
    ("cfg", "sig_target"),
    [
        ({}, Target(end_device_assets=("Pool_Pump",))),  # no device classes: the home resolves every mrid
        ({"end_device_assets": ("Water_Heater",)}, Target(ven_ids=(VEN,))),  # names us, no mrid
    ],
)
def test_r111_signal_targets_that_resolve(cfg: dict[str, object], sig_target: Target) -> None:
    engine = registered_engine(config(**cfg))
    sig = signal("SIMPLE", "level", target=sig_target)
    response = only_response(answers(engine, distribute(event(signals=(sig,)))))
    assert (response.code, response.opt_type) == (200, OptType.OPT_IN)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_signal_value_is_invalid_data(bad: float) -> None:
    engine = registered_engine()
    sig = signal("LOAD_DISPATCH", "delta", (1.0, bad))
    response = only_response(answers(engine, distribute(event(signals=(sig,)))))
    assert (response.code, response.opt_type) == (454, OptType.OPT_OUT)


def test_r33_event_without_signal_is_a_compliance_error() -> None:
    engine = registered_engine()
    empty = event(signals=(), duration=timedelta(minutes=30))
    response = only_response(answers(engine, distribute(empty)))
    assert (response.code, response.opt_type, response.description) == (
        459,
        OptType.OPT_OUT,
        "event has no signal",
    )
    assert "ev1" not in engine.events
