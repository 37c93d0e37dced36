"""Registration scenarios (VEN_REQUIREMENTS §9.2) at XML level against the scripted VTN."""

from __future__ import annotations

from custom_components.openadr_ven.openadr.models import (
    CreatePartyRegistration,
    Poll,
    RegisterReport,
    RequestEvent,
)
from tests.vtn.harness import VenHarness
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
