"""Interop with openleadr's VTN (OpenADRServer 0.5.36) over real HTTP on 127.0.0.1.

The VEN runs on a FakeClock that starts at the real time (openleadr schedules with the wall clock)
and is advanced by the test; openleadr answers with its own handlers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from custom_components.openadr_ven.openadr.config import VenConfig
from custom_components.openadr_ven.openadr.enums import EventStatus, OptType
from custom_components.openadr_ven.openadr.models import (
    CanceledPartyRegistration,
    CreatedEvent,
    CreatedReport,
    Poll,
    UpdateReport,
)
from tests.vtn.harness import FixedMeter, RecordingClock, VenHarness
from tests.vtn.openleadr_vtn import MARKET_CONTEXT, VTN_ID, OpenleadrVTN

pytestmark = [pytest.mark.interop, pytest.mark.usefixtures("socket_enabled")]

POLL = timedelta(seconds=10)


def now_clock() -> RecordingClock:
    return RecordingClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def openleadr() -> AsyncIterator[OpenleadrVTN]:
    async with OpenleadrVTN(poll_freq=POLL) as vtn:
        yield vtn


def config() -> VenConfig:
    return VenConfig(ven_name="home-ven", resource_id="res1", market_contexts=(MARKET_CONTEXT,))


async def test_registration_stores_ids_and_honours_poll_frequency(openleadr: OpenleadrVTN) -> None:
    async with VenHarness(openleadr.url, config(), clock=now_clock()) as h:
        await h.start()
        reg = h.ven.snapshot.registration
        assert reg is not None
        assert (reg.ven_id, reg.registration_id, reg.vtn_id) == ("ol-ven-1", "ol-reg-1", VTN_ID)
        assert reg.poll_interval == POLL
        info = openleadr.registrations["ol-ven-1"].info
        assert (info["ven_name"], info["http_pull_model"], info["profile_name"]) == ("home-ven", True, "2.0b")
        before = len(openleadr.sent(Poll))
        await h.advance(60)
        polls = len(openleadr.sent(Poll)) - before
        assert 5 <= polls <= 6  # every 10 s (+ at most 5 % jitter, §9.1.8), never faster


async def test_simple_event_opt_in_then_user_opt_out_reach_openleadr(openleadr: OpenleadrVTN) -> None:
    clock = now_clock()
    async with VenHarness(openleadr.url, config(), clock=clock) as h:
        await h.start()
        start = clock.now() + timedelta(minutes=1)
        event_id = openleadr.add_event("ol-ven-1", level=2, start=start, duration=timedelta(minutes=10))
        await h.advance(11)
        assert openleadr.opt_callbacks == [("ol-ven-1", event_id, "optIn")]
        [view] = h.ven.snapshot.events
        assert (view.event_id, view.market_context, view.status) == (
            event_id,
            MARKET_CONTEXT,
            EventStatus.FAR,
        )
        await h.advance(61)
        [view] = h.ven.snapshot.events
        assert view.status is EventStatus.ACTIVE
        assert view.signals[0].current_value == 2.0
        await h.ven.opt(OptType.OPT_OUT, event_id)
        await h.idle()
        assert openleadr.opt_callbacks[-1] == ("ol-ven-1", event_id, "optOut")
        assert [r.opt_type for c in openleadr.sent(CreatedEvent) for r in c.event_responses] == [
            OptType.OPT_IN,
            OptType.OPT_OUT,
        ]
        assert h.ven.snapshot.manual_override is True


async def test_telemetry_usage_values_reach_openleadr_exactly(openleadr: OpenleadrVTN) -> None:
    meter = FixedMeter(power_w=1234.5)
    async with VenHarness(openleadr.url, config(), clock=now_clock(), meter=meter) as h:
        await h.start()
        assert [o["measurement"] for o in openleadr.report_offers] == ["Status", "RealPower", "RealEnergy"]
        assert openleadr.sent(CreatedReport)[0].response.code == 200
        await h.advance(1)
        meter.power = 987.25
        await h.advance(60)
        meter.power = 4321.0
        await h.advance(60)
    values = [v for m, _t, v in openleadr.report_data]
    assert values == [1234.5, 987.25, 4321.0]
    assert all(m == "RealPower" for m, _t, _v in openleadr.report_data)
    times = [t for _m, t, _v in openleadr.report_data]
    assert times == sorted(times)
    assert len(openleadr.sent(UpdateReport)) == 3


async def test_vtn_cancels_the_registration_through_on_poll(openleadr: OpenleadrVTN) -> None:
    """openleadr has no API to cancel a registration; its 'external' on_poll hook can still queue
    an oadrCancelPartyRegistration. The VEN answers 200 with the same IDs and erases its state (R407)."""
    clock = now_clock()
    async with VenHarness(openleadr.url, config(), clock=clock) as h:
        await h.start()
        event_id = openleadr.add_event(
            "ol-ven-1", level=1, start=clock.now() + timedelta(hours=1), duration=timedelta(minutes=5)
        )
        await h.advance(11)
        assert [e.event_id for e in h.ven.snapshot.events] == [event_id]
        openleadr.queue_poll_answer(
            (
                "oadrCancelPartyRegistration",
                {"request_id": "cancel-1", "registration_id": "ol-reg-1", "ven_id": "ol-ven-1"},
            )
        )
        await h.advance(11)
        [answer] = openleadr.sent(CanceledPartyRegistration)
        assert (answer.response.code, answer.registration_id, answer.ven_id) == (200, "ol-reg-1", "ol-ven-1")
        assert answer.response.request_id  # openleadr replaces our requestID with a fresh one
        assert h.ven.snapshot.registration is None
        assert h.ven.snapshot.events == ()
        polls = len(openleadr.sent(Poll))
        await h.advance(120)
        assert len(openleadr.sent(Poll)) == polls  # no more polling, no automatic re-registration (R401)
        assert len(openleadr.registrations) == 1
