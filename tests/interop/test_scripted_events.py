"""Every row of the §2.6 event processing table at XML level, against the scripted VTN.

The VEN is the real stack (VenClient + Transport + aiohttp + payloads); each oadrCreatedEvent is
parsed back from the bytes the VEN POSTed and was XSD-validated by the VTN fixture.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from custom_components.openadr_ven.openadr import payloads
from custom_components.openadr_ven.openadr.config import VenConfig
from custom_components.openadr_ven.openadr.enums import EventStatus, OptType, ResponseRequired
from custom_components.openadr_ven.openadr.models import (
    CreatedEvent,
    EventResponse,
    OadrResponse,
    Poll,
    Response,
    Target,
)
from tests.openadr.enginekit import T0, event, signal
from tests.vtn.harness import VenHarness, poll_with
from tests.vtn.scripted import ScriptedVTN

SOON = T0 + timedelta(minutes=2)  # events that start within a few polls keep time travel short


def ok_in(event_id: str, mod: int = 0, request_id: str = "dist-1") -> EventResponse:
    return EventResponse(event_id, mod, OptType.OPT_IN, 200, "OK", request_id)


def created(vtn: ScriptedVTN) -> list[CreatedEvent]:
    return vtn.sent(CreatedEvent)


def status_of(h: VenHarness, event_id: str) -> EventStatus:
    return next(e.status for e in h.ven.snapshot.events if e.event_id == event_id)


async def test_new_event_answered_optin_with_distribute_request_id_before_next_poll(
    vtn: ScriptedVTN, ven: VenHarness
) -> None:
    """Row 1 (R56, R12, R42): new event -> 200 optIn, requestID of the distribute, eiResponse empty."""
    got = await poll_with(ven, vtn, vtn.distribute(event("ev1", start=SOON), request_id="dist-1"))
    assert [type(x.message).__name__ for x in got] == ["Poll", "CreatedEvent", "Poll"]  # R64 drain
    assert got[1].service == "EiEvent"
    assert created(vtn) == [CreatedEvent("VEN_1", (ok_in("ev1"),), Response(200, "OK", None))]
    raw = got[1].raw
    assert b"<pyld:requestID/>" in raw or b"<pyld:requestID></pyld:requestID>" in raw  # R42
    assert status_of(ven, "ev1") is EventStatus.FAR  # near only from ramp-up (R13)
    await ven.advance(120)
    assert status_of(ven, "ev1") is EventStatus.ACTIVE


async def test_unchanged_event_is_answered_again(vtn: ScriptedVTN, ven: VenHarness) -> None:
    """Row 2 (R12, R62): same modificationNumber -> still respond."""
    await poll_with(ven, vtn, vtn.distribute(event("ev1"), request_id="d1"))
    await poll_with(ven, vtn, vtn.distribute(event("ev1"), request_id="d2"))
    assert [c.event_responses for c in created(vtn)] == [(ok_in("ev1", 0, "d1"),), (ok_in("ev1", 0, "d2"),)]


async def test_higher_modification_replaces_event_and_keeps_random_offset(
    vtn: ScriptedVTN, ven: VenHarness
) -> None:
    """Row 3 (R57, R30): replace, respond, keep the randomized start unless startafter changed."""
    original = event("ev1", start_after=timedelta(minutes=10))
    await poll_with(ven, vtn, vtn.distribute(original, request_id="d1"))
    first = ven.ven.snapshot.events[0]
    modified = event("ev1", 1, start_after=timedelta(minutes=10), signals=(signal(values=(3.0,)),))
    await poll_with(ven, vtn, vtn.distribute(modified, request_id="d2"))
    assert [c.event_responses for c in created(vtn)] == [(ok_in("ev1", 0, "d1"),), (ok_in("ev1", 1, "d2"),)]
    view = ven.ven.snapshot.events[0]
    assert view.modification_number == 1
    assert view.random_offset == first.random_offset
    assert view.signals[0].intervals[0].value == 3.0


async def test_lower_modification_is_answered_450_echoing_ids(vtn: ScriptedVTN, ven: VenHarness) -> None:
    """Row 4 (R58, A_E1_0392): 5 then 3 -> eventResponse 450 with requestID, eventID, mod 3."""
    await poll_with(ven, vtn, vtn.distribute(event("ev1", 5), request_id="d1"))
    await poll_with(ven, vtn, vtn.distribute(event("ev1", 3), request_id="d2"))
    answer = created(vtn)[1].event_responses
    assert len(answer) == 1
    assert (answer[0].event_id, answer[0].modification_number, answer[0].request_id) == ("ev1", 3, "d2")
    assert answer[0].code == 450
    assert ven.ven.snapshot.events[0].modification_number == 5


async def test_known_event_cancelled_is_confirmed_optin_and_leaves_execution(
    vtn: ScriptedVTN, ven: VenHarness
) -> None:
    """Row 5 (R59, R36): explicit cancellation -> optIn confirms; the event never becomes active."""
    await poll_with(ven, vtn, vtn.distribute(event("ev1", start=SOON), request_id="d1"))
    cancel = event("ev1", 1, start=SOON, status="cancelled")
    await poll_with(ven, vtn, vtn.distribute(cancel, request_id="d2"))
    assert created(vtn)[1].event_responses == (ok_in("ev1", 1, "d2"),)
    await ven.advance(150)
    assert status_of(ven, "ev1") is EventStatus.CANCELLED


async def test_unknown_cancelled_event_is_no_error(vtn: ScriptedVTN, ven: VenHarness) -> None:
    """Row 6 (R60, A_E1_0345): exactly one response, 200."""
    await poll_with(ven, vtn, vtn.distribute(event("ghost", status="cancelled"), request_id="d1"))
    assert [c.event_responses for c in created(vtn)] == [(ok_in("ghost", 0, "d1"),)]


async def test_event_absent_from_later_distribute_is_implicitly_cancelled(
    vtn: ScriptedVTN, ven: VenHarness
) -> None:
    """Row 7 (R61, A_E1_0370): the event never starts; 1 optIn only, nothing to answer after."""
    await poll_with(ven, vtn, vtn.distribute(event("ev1", start=SOON), request_id="d1"))
    later = event("ev2", start=T0 + timedelta(hours=5))
    got = await poll_with(ven, vtn, vtn.distribute(later, request_id="d2"))
    assert created(vtn)[1].event_responses == (ok_in("ev2", 0, "d2"),)
    assert [type(x.message).__name__ for x in got] == ["Poll", "CreatedEvent", "Poll"]
    await ven.advance(150)
    assert status_of(ven, "ev1") is EventStatus.CANCELLED
    empty = await poll_with(ven, vtn, vtn.distribute(request_id="d3"))  # A_E1_0020: no answer
    assert [type(x.message).__name__ for x in empty] == ["Poll", "Poll"]


async def test_completed_status_from_vtn_does_not_stop_execution(vtn: ScriptedVTN, ven: VenHarness) -> None:
    """Row 8 (R66, R62, R114, A_E1_0340): one pending + one 'completed' event -> 2 responses."""
    running = event("run", start=T0 - timedelta(minutes=10), duration=timedelta(hours=1), status="completed")
    pending = event("pend", start=T0 + timedelta(hours=2))
    await poll_with(ven, vtn, vtn.distribute(running, pending, request_id="d1"))
    assert created(vtn)[0].event_responses == (ok_in("run", 0, "d1"), ok_in("pend", 0, "d1"))
    assert status_of(ven, "run") is EventStatus.ACTIVE  # computed locally, not the VTN's label


async def test_test_event_is_answered_optin_and_flagged(vtn: ScriptedVTN, ven: VenHarness) -> None:
    """Row 9 (R6, A_E1_0130)."""
    await poll_with(ven, vtn, vtn.distribute(event("t1", test_event="true"), request_id="d1"))
    assert created(vtn)[0].event_responses == (ok_in("t1", 0, "d1"),)
    assert ven.ven.snapshot.events[0].test_event is True


def _without(data: bytes, local_name: str, event_index: int) -> bytes:
    """Delete the first ``local_name`` element of the ``event_index``-th oadrEvent of a document."""
    root = etree.fromstring(data)
    events = [el for el in root.iter() if isinstance(el.tag, str) and el.tag.endswith("}oadrEvent")]
    victim = next(el for el in events[event_index].iter() if el.tag.endswith("}" + local_name))
    victim.getparent().remove(victim)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


async def test_mix_of_valid_and_invalid_events_answered_one_by_one(vtn: ScriptedVTN) -> None:
    """Rows 10-15 in one payload (R19, R48, R109, R112, R33, A_E1_0180/0360, E1_1070):
    eiResponse 200 and per-event codes with optOut for each event that cannot run."""
    cfg = VenConfig(
        ven_name="home",
        resource_id="res1",
        market_contexts=("http://market.example.com/program",),
        end_device_assets=("Water_Heater",),
    )
    events = (
        event("good"),
        event("other_market", market_context="http://other.example.com/x"),
        event("other_target", target=Target(ven_ids=("SOMEONE_ELSE",))),
        event("custom", signals=(signal("x-CUSTOM_SIGNAL", "level"),)),
        event("level5", signals=(signal(values=(5.0,)),)),
        event("no_device", signals=(signal(target=Target(end_device_assets=("Pool_Pump",))),)),
        event("broken"),
    )
    document = _without(payloads.build(vtn.distribute(*events, request_id="mix")), "eiActivePeriod", 6)
    async with VenHarness(vtn.url, cfg) as h:
        await h.start()
        await poll_with(h, vtn, document)
        [answer] = created(vtn)
    assert answer.response.code == 200
    codes = {r.event_id: (r.code, r.opt_type) for r in answer.event_responses}
    assert codes == {
        "good": (200, OptType.OPT_IN),
        "other_market": (462, OptType.OPT_OUT),
        "other_target": (462, OptType.OPT_OUT),
        "custom": (460, OptType.OPT_OUT),
        "level5": (454, OptType.OPT_OUT),
        "no_device": (469, OptType.OPT_OUT),
        "broken": (459, OptType.OPT_OUT),
    }
    assert {r.request_id for r in answer.event_responses} == {"mix"}


@pytest.mark.parametrize("vtn_id", ["vtn_1", "SOME_OTHER_VTN"])
async def test_wrong_vtn_id_rejects_whole_payload_with_452(
    vtn: ScriptedVTN, ven: VenHarness, vtn_id: str
) -> None:
    """Row 16 (R21, R33, R512, E1_1080 case-swapped, A_E1_0390 unknown): eiResponse 452, no eventResponses."""
    bad = vtn.distribute(event("ev1"), request_id="d9")
    bad = type(bad)(bad.request_id, vtn_id, bad.events, bad.invalid_events, bad.response)
    await poll_with(ven, vtn, bad)
    [answer] = created(vtn)
    assert answer.response.code == 452
    assert answer.response.request_id == "d9"
    assert answer.event_responses == ()
    assert ven.ven.snapshot.events == ()


async def test_response_required_never_sends_nothing(vtn: ScriptedVTN, ven: VenHarness) -> None:
    """Row 18 (R12, R62, A_E1_0086...): the event is processed, no oadrCreatedEvent at all."""
    quiet = event("q1", response_required=ResponseRequired.NEVER)
    got = await poll_with(ven, vtn, vtn.distribute(quiet, request_id="d1"))
    assert [type(x.message).__name__ for x in got] == ["Poll", "Poll"]
    assert status_of(ven, "q1") is EventStatus.FAR
    await ven.ven.opt(OptType.OPT_OUT, "q1")  # R206: a local decision only
    await ven.advance(1)
    assert created(vtn) == []


async def test_vtn_answering_created_event_with_459_is_tolerated(vtn: ScriptedVTN, ven: VenHarness) -> None:
    """A_E1_0310: the protocol continues; the event stays opted in."""
    vtn.responders[CreatedEvent] = lambda _m: OadrResponse(Response(459, "nope", ""), "VEN_1")
    await poll_with(ven, vtn, vtn.distribute(event("ev1"), request_id="d1"))
    del vtn.responders[CreatedEvent]
    await ven.advance(25)
    assert ven.ven.snapshot.events[0].opt is OptType.OPT_IN
    assert vtn.kinds()[-2:] == ["Poll", "Poll"]
    assert len(created(vtn)) == 1  # not resent


async def test_multiple_events_and_price_signals_in_one_payload(vtn: ScriptedVTN, ven: VenHarness) -> None:
    """E1_1040 / A_E1_0040: SIMPLE + 24-interval ELECTRICITY_PRICE -> 2 optIns."""
    prices = tuple(0.1 + i / 100 for i in range(24))
    price_signal = signal("ELECTRICITY_PRICE", "price", prices, minutes=1)
    price = event("price", start=SOON, signals=(price_signal,))
    await poll_with(ven, vtn, vtn.distribute(event("simple"), price, request_id="d1"))
    assert created(vtn)[0].event_responses == (ok_in("simple", 0, "d1"), ok_in("price", 0, "d1"))
    await ven.advance(120 + 5 * 60 + 30)
    view = next(e for e in ven.ven.snapshot.events if e.event_id == "price")
    assert view.signals[0].current_value == pytest.approx(prices[5])


async def test_user_opt_out_sends_new_created_event_same_request_id(
    vtn: ScriptedVTN, ven: VenHarness
) -> None:
    """R17, R42, A_E1_0280: asynchronous optOut after optIn, echoing the distribute's requestID."""
    await poll_with(ven, vtn, vtn.distribute(event("ev1"), request_id="d1"))
    await ven.ven.opt(OptType.OPT_OUT, "ev1")
    await ven.idle()
    out = created(vtn)[1].event_responses
    assert out == (EventResponse("ev1", 0, OptType.OPT_OUT, 200, "OK", "d1"),)
    assert vtn.exchanges[-1].service == "EiEvent"
    assert not isinstance(vtn.exchanges[-1].message, Poll)
