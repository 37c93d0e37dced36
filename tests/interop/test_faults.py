"""Fault injection: the real VEN stack against a scripted VTN that misbehaves (spec §9.1, R500, R517).

Back-off delays are read from the FakeClock's sleeps; the network is real (127.0.0.1).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from custom_components.openadr_ven.openadr.enums import EventStatus, OptType
from custom_components.openadr_ven.openadr.models import (
    CreatedEvent,
    CreatedReport,
    CreatePartyRegistration,
    CreateReport,
    OadrResponse,
    Poll,
    RegisterReport,
    ReportRequest,
    RequestEvent,
    Response,
    SpecifierPayload,
    UpdateReport,
)
from custom_components.openadr_ven.openadr.state import NotificationKind
from tests.openadr.enginekit import T0, event
from tests.vtn.harness import FixedMeter, VenHarness, poll_with
from tests.vtn.scripted import Fault, ScriptedVTN

DRIVER = "custom_components.openadr_ven.openadr.driver"
POLL = 10.0


def failure_sleeps(h: VenHarness, start: int) -> list[float]:
    return h.clock.sleeps[start:]


def assert_backoff(delays: list[float], count: int) -> None:
    """§9.1.7: 1 s ±10 %, doubling, capped at 300 s ±10 %."""
    assert len(delays) >= count, delays
    for n, delay in enumerate(delays[:count]):
        base = min(300.0, 2.0**n)
        assert base * 0.9 <= delay <= base * 1.1, (n, delay, delays)


def driver_records(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == DRIVER and r.levelno == level]


async def test_vtn_down_for_many_polls_backs_off_logs_once_and_recovers(
    vtn: ScriptedVTN, ven: VenHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=DRIVER)
    await ven.advance(POLL + 1)  # one normal poll
    await vtn.go_down()
    first = len(ven.clock.sleeps)
    await ven.advance(40 * 60)  # 40 minutes: ~240 poll periods
    delays = failure_sleeps(ven, first)
    assert_backoff(delays, 12)  # 1, 2, 4 ... 256, 300, 300 (capped)
    assert ven.ven.snapshot.connection.online is False
    assert ven.ven.snapshot.connection.consecutive_failures == len(delays)
    assert ven.ven.snapshot.registration is not None  # R: an outage is no reason to re-register
    seen = len(vtn.exchanges)
    await vtn.listen()
    await ven.advance(330)
    assert vtn.kinds(seen)[0] == "Poll"
    assert ven.ven.snapshot.connection.online is True
    assert driver_records(caplog, logging.WARNING) == [driver_records(caplog, logging.WARNING)[0]]
    assert "VTN unreachable" in driver_records(caplog, logging.WARNING)[0]
    assert driver_records(caplog, logging.INFO) == ["VTN reachable again"]
    # Back to the poll frequency, not the back-off: the next polls are ~POLL apart.
    seen = len(vtn.exchanges)
    await ven.advance(3 * POLL + 2)
    assert vtn.kinds(seen) == ["Poll", "Poll", "Poll"]


async def test_stored_events_execute_and_reports_buffer_while_offline(vtn: ScriptedVTN) -> None:
    """While the VTN is unreachable the event runs on the VEN's clock; every report generated
    offline is delivered afterwards, in order, none lost (R510, §9.1.7)."""
    meter = FixedMeter()
    async with VenHarness(vtn.url, meter=meter) as h:
        vtn.clock = h.clock.now
        await h.start()
        request = ReportRequest(
            report_request_id="rr-usage",
            report_specifier_id="TELEMETRY_USAGE",
            granularity=timedelta(minutes=1),
            report_back_duration=timedelta(minutes=1),
            specifier_payloads=(SpecifierPayload("power", "Direct Read"),),
        )
        ev = event("ev1", start=T0 + timedelta(minutes=5), duration=timedelta(minutes=10))
        await poll_with(
            h, vtn, vtn.distribute(ev, request_id="d1"), CreateReport("cr-1", (request,), "VEN_1")
        )
        assert vtn.sent(CreatedReport)[0].pending_report_request_ids == ("rr-usage",)
        await vtn.go_down()
        statuses = []
        for minute in range(1, 21):
            meter.power = 1000.0 + minute  # a new reading every minute
            await h.advance(60)
            statuses.append(next(e.status for e in h.ven.snapshot.events))
        assert statuses[3] is EventStatus.FAR
        assert statuses[5] is EventStatus.ACTIVE  # T0+5..15 min, all offline
        assert statuses[-1] is EventStatus.COMPLETED
        kinds = [n.kind for n in h.notifications]
        assert NotificationKind.EVENT_STARTED in kinds
        assert NotificationKind.EVENT_ENDED in kinds
        before = len(vtn.sent(UpdateReport))
        await vtn.listen()
        await h.advance(310)
    reports = vtn.sent(UpdateReport)[before:]
    values = [iv.value for r in reports for data in r.reports for iv in data.intervals]
    starts = [iv.start for r in reports for data in r.reports for iv in data.intervals]
    assert starts == sorted(starts)
    offline = [v for v in values if isinstance(v, float) and 1001.0 <= v <= 1020.0]
    assert offline == sorted(offline)
    assert set(offline) >= {1000.0 + m for m in range(1, 20)}  # every minute's reading, none lost


@pytest.mark.parametrize("status", [500, 503])
async def test_http_5xx_is_retried_with_backoff(vtn: ScriptedVTN, ven: VenHarness, status: int) -> None:
    vtn.faults.extend([Fault.status(status)] * 4)
    first = len(ven.clock.sleeps)
    await ven.advance(POLL + 1 + 1 + 2 + 4 + 8 + 2)
    assert_backoff(failure_sleeps(ven, first), 4)
    assert [x.reply for x in vtn.exchanges[-5:-1]] == [Fault.status(status)] * 4
    assert isinstance(vtn.exchanges[-1].reply, OadrResponse)
    assert ven.ven.snapshot.connection.online is True


async def test_http_4xx_drops_the_owed_message_without_resending(vtn: ScriptedVTN, ven: VenHarness) -> None:
    """§9.1.5: a 4xx means the payload will never be accepted: no resend."""
    vtn.responders[CreatedEvent] = lambda _m: Fault.status(400)
    await poll_with(ven, vtn, vtn.distribute(event("ev1"), request_id="d1"))
    await ven.advance(60)
    assert len(vtn.sent(CreatedEvent)) == 1
    assert ven.ven.snapshot.events[0].opt is OptType.OPT_IN


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault.hang(), id="hang"),
        pytest.param(Fault.reset(), id="tcp-reset"),
        pytest.param(Fault.close(), id="close"),
        pytest.param(Fault.trickle(b"<?xml version='1.0'?>" + b" " * 200, 0.05), id="trickle"),
    ],
)
async def test_transport_failures_back_off_then_recover(
    vtn: ScriptedVTN, fast_timeouts: None, fault: Fault
) -> None:
    async with VenHarness(vtn.url, timeout=0.3) as h:
        vtn.clock = h.clock.now
        await h.start()
        vtn.faults.extend([fault, fault])
        first = len(h.clock.sleeps)
        await h.advance(POLL + 1)
        await h.advance(1 + 2 + 1)
        assert_backoff(failure_sleeps(h, first), 2)
        assert isinstance(vtn.exchanges[-1].reply, OadrResponse)
        assert h.ven.snapshot.connection.online is True
        assert h.ven.snapshot.registration is not None


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<oadrPayload xmlns="http://openadr.org/oadr-2.0b/2012/07"><oadrSignedObject>&x;</oadrSignedObject></oadrPayload>"""
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "ha">'
    + b"".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">'.encode()
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + b']><oadrPayload xmlns="http://openadr.org/oadr-2.0b/2012/07">&i;</oadrPayload>'
)
WRONG_NS = (
    b'<?xml version="1.0"?><oadrPayload xmlns="http://openadr.org/oadr-2.0a/2012/07">'
    b"<oadrSignedObject><oadrResponse/></oadrSignedObject></oadrPayload>"
)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<oadrPayload><unclosed>", id="malformed"),
        pytest.param(b"", id="empty"),
        pytest.param(WRONG_NS, id="wrong-namespace"),
        pytest.param(XXE, id="xxe"),
        pytest.param(LAUGHS, id="billion-laughs"),
        pytest.param(b"\xff\xfe<\x00x\x00/\x00>\x00", id="utf16"),
    ],
)
async def test_unreadable_poll_reply_is_survived(vtn: ScriptedVTN, ven: VenHarness, body: bytes) -> None:
    vtn.faults.append(Fault.raw(body))
    seen = len(vtn.exchanges)
    await ven.advance(POLL + 1)
    # The VTN got our poll; its queue may hold more (R500): poll again at once, then rest.
    assert vtn.kinds(seen) == ["Poll", "Poll"]
    assert ven.ven.snapshot.registration is not None
    await ven.advance(POLL + 1)
    assert vtn.kinds(seen) == ["Poll", "Poll", "Poll"]


async def test_wrong_payload_type_in_poll_reply_is_ignored(vtn: ScriptedVTN, ven: VenHarness) -> None:
    """A VEN->VTN message (oadrRequestEvent) as a poll answer: ignored, polling continues."""
    seen = len(vtn.exchanges)
    await poll_with(ven, vtn, RequestEvent("x", "VEN_1"))
    assert vtn.kinds(seen) == ["Poll", "Poll"]
    assert ven.ven.snapshot.registration is not None


async def test_oversized_reply_is_refused_and_survived(vtn: ScriptedVTN) -> None:
    async with VenHarness(vtn.url, max_response_bytes=64 * 1024) as h:
        vtn.clock = h.clock.now
        await h.start()
        vtn.faults.append(Fault.raw(b"<oadrPayload>" + b" " * 200_000 + b"</oadrPayload>"))
        seen = len(vtn.exchanges)
        await h.advance(POLL + 1)
        await h.advance(POLL + 1)
        assert vtn.kinds(seen)[:2] == ["Poll", "Poll"]
        assert h.ven.snapshot.registration is not None


async def test_vtn_clock_minutes_off_does_not_change_event_timing(vtn: ScriptedVTN, ven: VenHarness) -> None:
    """The VTN stamps createdDateTime 7 minutes in our future; the event still runs at its dtstart."""
    ev = event("ev1", start=T0 + timedelta(minutes=3), duration=timedelta(minutes=5))
    skewed = type(ev.descriptor)(
        **{
            **{f: getattr(ev.descriptor, f) for f in ev.descriptor.__slots__},
            "created_date_time": T0 + timedelta(minutes=7),
        }
    )
    ev = type(ev)(skewed, ev.active_period, ev.signals, ev.target, ev.response_required)
    await poll_with(ven, vtn, vtn.distribute(ev, request_id="d1"))
    assert vtn.sent(CreatedEvent)[0].event_responses[0].code == 200
    await ven.advance(179)
    assert ven.ven.snapshot.events[0].status is EventStatus.FAR
    await ven.advance(2)
    assert ven.ven.snapshot.events[0].status is EventStatus.ACTIVE


@pytest.mark.parametrize("code", [463, 452])
async def test_vtn_that_forgot_us_gets_a_full_new_registration(
    vtn: ScriptedVTN, ven: VenHarness, code: int
) -> None:
    """R517, R500: the VTN restarted without our registration -> bootstrap again (N1_0020)."""
    seen = len(vtn.exchanges)
    vtn.queue.append(OadrResponse(Response(code, "who are you", ""), "VEN_1"))
    vtn.registration_id = "REG_2"
    await ven.advance(POLL + 1)
    assert vtn.kinds(seen)[:4] == ["Poll", "CreatePartyRegistration", "RegisterReport", "RequestEvent"]
    create = vtn.sent(CreatePartyRegistration)[-1]
    assert (create.ven_id, create.registration_id) == (None, None)
    assert ven.ven.snapshot.registration is not None
    assert ven.ven.snapshot.registration.registration_id == "REG_2"
    assert len(vtn.sent(RegisterReport)) == 2
    assert isinstance(vtn.exchanges[-1].message, Poll | RequestEvent)
