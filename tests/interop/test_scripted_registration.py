"""Registration scenarios (VEN_REQUIREMENTS §9.2) at XML level against the scripted VTN."""

from __future__ import annotations

from datetime import timedelta

from custom_components.openadr_ven.openadr.config import VenConfig
from custom_components.openadr_ven.openadr.models import (
    CanceledPartyRegistration,
    CancelPartyRegistration,
    CreatePartyRegistration,
    CreateReport,
    OadrResponse,
    Poll,
    QueryRegistration,
    RegisterReport,
    RequestEvent,
    RequestReregistration,
    Response,
)
from tests.openadr.enginekit import event, report_request
from tests.vtn.harness import VenHarness, poll_with
from tests.vtn.scripted import ScriptedVTN


async def test_n1_0020_bootstrap_registers_publishes_metadata_requests_events_then_polls(
    vtn: ScriptedVTN,
) -> None:
    async with VenHarness(vtn.url) as h:
        await h.start()
        assert vtn.kinds() == ["CreatePartyRegistration", "RegisterReport", "RequestEvent"]
        create = vtn.sent(CreatePartyRegistration)[0]
        assert (create.ven_id, create.registration_id, create.http_pull_model) == (None, None, True)
        assert h.ven.snapshot.registration is not None
        assert h.ven.snapshot.registration.registration_id == "REG_1"
        await h.advance(35)
        polls = [x for x in vtn.exchanges if isinstance(x.message, Poll)]
        assert len(polls) == 3
        assert {x.service for x in polls} == {"OadrPoll"}
        assert vtn.sent(RequestEvent)[0].ven_id == "VEN_1"
        assert vtn.sent(RegisterReport)[0].reports


async def test_n1_0010_query_registration(vtn: ScriptedVTN, ven: VenHarness) -> None:
    reply = await ven.ven.query_registration()
    assert isinstance(vtn.exchanges[-1].message, QueryRegistration)
    assert vtn.exchanges[-1].service == "EiRegisterParty"
    assert (reply.vtn_id, reply.poll_freq) == ("VTN_1", timedelta(seconds=10))
    assert ven.ven.snapshot.registration is not None  # a query changes nothing


async def test_n1_0025_preallocated_ven_id_is_sent(vtn: ScriptedVTN) -> None:
    async with VenHarness(vtn.url, VenConfig(ven_name="home", ven_id="PRE_VEN")) as h:
        await h.start()
    create = vtn.sent(CreatePartyRegistration)[0]
    assert (create.ven_id, create.registration_id, create.ven_name) == ("PRE_VEN", None, "home")


async def test_n1_0030_ven_cancels_and_stops(vtn: ScriptedVTN, ven: VenHarness) -> None:
    await ven.ven.cancel_registration()
    await ven.idle()
    [cancel] = vtn.sent(CancelPartyRegistration)
    assert (cancel.registration_id, cancel.ven_id) == ("REG_1", "VEN_1")
    assert vtn.exchanges[-1].service == "EiRegisterParty"
    assert ven.ven.snapshot.registration is None
    seen = len(vtn.exchanges)
    await ven.advance(120)
    assert vtn.kinds(seen) == []  # unregistered: no polls, no automatic re-registration


async def test_n1_0040_vtn_cancels_ven_answers_and_erases_state(vtn: ScriptedVTN, ven: VenHarness) -> None:
    await poll_with(ven, vtn, vtn.distribute(event("ev1"), request_id="d1"))
    got = await poll_with(ven, vtn, CancelPartyRegistration("c-1", "REG_1", "VEN_1"))
    assert [type(x.message).__name__ for x in got] == ["Poll", "CanceledPartyRegistration"]
    answer = got[1].message
    assert answer == CanceledPartyRegistration(Response(200, "OK", "c-1"), "REG_1", "VEN_1")
    assert got[1].service == "EiRegisterParty"
    assert ven.ven.snapshot.registration is None
    assert ven.ven.snapshot.events == ()  # R407
    seen = len(vtn.exchanges)
    await ven.advance(120)
    assert vtn.kinds(seen) == []


async def test_n1_0050_reregistration_request(vtn: ScriptedVTN, ven: VenHarness) -> None:
    got = await poll_with(ven, vtn, RequestReregistration("VEN_1"))
    kinds = [type(x.message).__name__ for x in got]
    assert kinds[:3] == ["Poll", "OadrResponse", "CreatePartyRegistration"]
    assert got[1].service == "EiRegisterParty"
    create = got[2].message
    assert (create.ven_id, create.registration_id) == ("VEN_1", "REG_1")
    assert ven.ven.snapshot.registration is not None


async def test_n1_0065_ven_reregisters_with_current_ids(vtn: ScriptedVTN, ven: VenHarness) -> None:
    await ven.ven.register()
    create = vtn.sent(CreatePartyRegistration)[-1]
    assert (create.ven_id, create.registration_id) == ("VEN_1", "REG_1")


async def test_n1_0070_cancel_with_wrong_registration_id_then_right_one(
    vtn: ScriptedVTN, ven: VenHarness
) -> None:
    await poll_with(ven, vtn, CancelPartyRegistration("c-1", "INVALID_REGISTRATION_ID", "VEN_1"))
    first = vtn.sent(CanceledPartyRegistration)[0]
    assert (first.response.code, first.response.request_id) == (452, "c-1")
    assert ven.ven.snapshot.registration is not None
    await poll_with(ven, vtn, CancelPartyRegistration("c-2", "REG_1", "VEN_1"))
    second = vtn.sent(CanceledPartyRegistration)[1]
    assert (second.response.code, second.registration_id) == (200, "REG_1")
    assert ven.ven.snapshot.registration is None


async def test_g1_4015_poll_drains_the_queue_until_oadr_response(vtn: ScriptedVTN, ven: VenHarness) -> None:
    """R500: three queued messages -> the VEN answers each and polls again at once until oadrResponse."""
    request = report_request("rr-1")
    got = await poll_with(
        ven,
        vtn,
        vtn.distribute(event("ev1"), request_id="d1"),
        CreateReport("cr-1", (request,), "VEN_1"),
        vtn.distribute(event("ev1"), event("ev2"), request_id="d2"),
    )
    kinds = [type(x.message).__name__ for x in got]
    assert kinds == [
        "Poll", "CreatedEvent",
        "Poll", "CreatedReport", "UpdateReport",
        "Poll", "CreatedEvent",
        "Poll",
    ]  # fmt: skip
    assert isinstance(got[-1].reply, OadrResponse)
    assert all(x.at == got[0].at for x in got)  # no waiting between drain polls
