"""Report (VEN_REQUIREMENTS §9.4) and opt (§9.5) scenarios at XML level against the scripted VTN.

openleadr's opt service is a stub (HTTP 404), so oadrCreateOpt / oadrCancelOpt are proven here.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from custom_components.openadr_ven.openadr.config import VenConfig
from custom_components.openadr_ven.openadr.enums import OptReason, OptType
from custom_components.openadr_ven.openadr.models import (
    Availability,
    CanceledReport,
    CancelOpt,
    CancelReport,
    CreatedEvent,
    CreatedOpt,
    CreatedReport,
    CreateOpt,
    CreateReport,
    ReportRequest,
    ResourceStatus,
    Response,
    SpecifierPayload,
    Target,
    UpdateReport,
)
from tests.openadr.enginekit import event, report_request
from tests.vtn.harness import FixedMeter, VenHarness, poll_with
from tests.vtn.scripted import ScriptedVTN

MINUTE = timedelta(minutes=1)


def usage(rid: str, granularity: timedelta, back: timedelta, **kw: object) -> ReportRequest:
    payloads = (SpecifierPayload("power", "Direct Read"), SpecifierPayload("energy", "Direct Read"))
    return ReportRequest(rid, "TELEMETRY_USAGE", granularity, back, payloads, **kw)  # type: ignore[arg-type]


def updates(vtn: ScriptedVTN, rid: str) -> list[UpdateReport]:
    return [u for u in vtn.sent(UpdateReport) if u.reports[0].report_request_id == rid]


async def metered(vtn: ScriptedVTN, meter: FixedMeter) -> VenHarness:
    h = VenHarness(vtn.url, meter=meter)
    await h.__aenter__()
    vtn.clock = h.clock.now
    await h.start()
    return h


async def test_r1_3010_status_one_shot(vtn: ScriptedVTN, ven: VenHarness) -> None:
    request = report_request("rr-st")
    got = await poll_with(ven, vtn, CreateReport("cr-1", (request,), "VEN_1"))
    assert [type(x.message).__name__ for x in got] == ["Poll", "CreatedReport", "UpdateReport", "Poll"]
    created = got[1].message
    # R329: the one-shot report is still owed when oadrCreatedReport goes out.
    assert created == CreatedReport(Response(200, "OK", "cr-1"), ("rr-st",), "VEN_1")
    [data] = got[2].message.reports
    assert (data.report_request_id, data.report_specifier_id, data.report_name) == (
        "rr-st",
        "TELEMETRY_STATUS",
        "TELEMETRY_STATUS",
    )
    assert [iv.value for iv in data.intervals] == [ResourceStatus(online=True, manual_override=False)]
    await ven.advance(300)
    assert len(updates(vtn, "rr-st")) == 1


async def test_r1_3160_periodic_usage_reports_exact_meter_values(vtn: ScriptedVTN) -> None:
    """2 min reportBackDuration, 1 min granularity: a report every 2 min with the sampled values."""
    meter = FixedMeter(power_w=100.0, energy_wh=5000.0)
    h = await metered(vtn, meter)
    try:
        await poll_with(h, vtn, CreateReport("cr-1", (usage("rr-u", MINUTE, 2 * MINUTE),), "VEN_1"))
        assert vtn.sent(CreatedReport)[0].pending_report_request_ids == ("rr-u",)
        for minute in range(1, 7):
            meter.power, meter.energy = 100.0 + minute, 5000.0 + 10 * minute
            await h.advance(60)
    finally:
        await h.__aexit__(None, None, None)
    reports = updates(vtn, "rr-u")
    assert len(reports) == 3
    times = [x.at for x in vtn.exchanges if isinstance(x.message, UpdateReport)]
    assert [b - a for a, b in itertools.pairwise(times)] == [2 * MINUTE, 2 * MINUTE]
    last = reports[-1].reports[0]
    assert last.duration == 2 * MINUTE
    by_rid = {(iv.r_id, iv.start): iv.value for iv in last.intervals}
    power = [v for (rid, _s), v in sorted(by_rid.items(), key=lambda kv: kv[0][1]) if rid == "power"]
    energy = [v for (rid, _s), v in sorted(by_rid.items(), key=lambda kv: kv[0][1]) if rid == "energy"]
    assert power == [104.0, 105.0]  # samples at T0+4 min and T0+5 min (intervals [4, 5), [5, 6))
    assert energy == [5000.0 + 10 * (p - 100.0) for p in power]


async def test_r1_3045_cancel_with_report_to_follow_sends_one_final_report(vtn: ScriptedVTN) -> None:
    h = await metered(vtn, FixedMeter())
    try:
        await poll_with(h, vtn, CreateReport("cr-1", (usage("rr-open", MINUTE, MINUTE),), "VEN_1"))
        await h.advance(61)
        before = len(updates(vtn, "rr-open"))
        assert before == 2  # one at once, one after a minute (R1_3027)
        got = await poll_with(h, vtn, CancelReport("can-1", ("rr-open",), True, "VEN_1"))
        kinds = [type(x.message).__name__ for x in got]
        assert kinds == ["Poll", "CanceledReport", "UpdateReport", "Poll"]
        canceled = got[1].message
        assert canceled.response == Response(200, "OK", "can-1")
        assert canceled.pending_report_request_ids == ("rr-open",)  # the final report is still owed
        await h.advance(300)
        assert len(updates(vtn, "rr-open")) == before + 1
        assert h.ven.snapshot.active_report_requests == ()
    finally:
        await h.__aexit__(None, None, None)


async def test_r1_3040_cancel_without_report_to_follow_and_unknown_id(vtn: ScriptedVTN) -> None:
    h = await metered(vtn, FixedMeter())
    try:
        await poll_with(h, vtn, CreateReport("cr-1", (usage("rr-1", MINUTE, MINUTE),), "VEN_1"))
        got = await poll_with(h, vtn, CancelReport("can-1", ("rr-1",), False, "VEN_1"))
        assert [type(x.message).__name__ for x in got] == ["Poll", "CanceledReport", "Poll"]
        assert got[1].message.pending_report_request_ids == ()
        n = len(updates(vtn, "rr-1"))
        await h.advance(300)
        assert len(updates(vtn, "rr-1")) == n
        await poll_with(h, vtn, CancelReport("can-2", ("nope",), False, "VEN_1"))
        assert vtn.sent(CanceledReport)[-1].response.code == 452  # R336
    finally:
        await h.__aexit__(None, None, None)


async def test_r1_3050_cancel_piggybacked_on_updated_report(vtn: ScriptedVTN) -> None:
    h = await metered(vtn, FixedMeter())
    try:
        vtn.piggyback_cancel = CancelReport("can-1", ("rr-1",), False, "VEN_1")
        await poll_with(h, vtn, CreateReport("cr-1", (usage("rr-1", MINUTE, MINUTE),), "VEN_1"))
        await h.advance(300)
        assert len(updates(vtn, "rr-1")) == 1
        assert h.ven.snapshot.active_report_requests == ()
    finally:
        await h.__aexit__(None, None, None)


async def test_r1_3190_invalid_specifier_or_rid_is_452(vtn: ScriptedVTN, ven: VenHarness) -> None:
    bad_spec = ReportRequest(
        "rr-x", "NO_SUCH_REPORT", timedelta(0), timedelta(0), (SpecifierPayload("power", "Direct Read"),)
    )
    bad_rid = ReportRequest(
        "rr-y", "TELEMETRY_USAGE", timedelta(0), timedelta(0), (SpecifierPayload("nope", "Direct Read"),)
    )
    await poll_with(
        ven, vtn, CreateReport("cr-1", (bad_spec,), "VEN_1"), CreateReport("cr-2", (bad_rid,), "VEN_1")
    )
    assert [c.response.code for c in vtn.sent(CreatedReport)] == [452, 452]
    assert vtn.sent(UpdateReport) == []


async def test_r1_3060_request_piggybacked_on_registered_report(vtn: ScriptedVTN) -> None:
    """R344: the VTN's oadrRegisteredReport to our METADATA carries a report request."""
    vtn.piggyback_requests.append(report_request("rr-st"))
    async with VenHarness(vtn.url) as h:
        await h.start()
    kinds = vtn.kinds()
    assert kinds[:2] == ["CreatePartyRegistration", "RegisterReport"]
    assert sorted(kinds[2:5]) == ["CreatedReport", "RequestEvent", "UpdateReport"]
    assert kinds.index("CreatedReport") < kinds.index("UpdateReport")
    assert vtn.sent(CreatedReport)[0].response.code == 200


async def test_p1_2010_2020_availability_schedule_created_then_cancelled(
    vtn: ScriptedVTN, ven: VenHarness
) -> None:
    now = ven.clock.now()
    windows = [
        Availability(now + timedelta(days=1), timedelta(hours=4)),
        Availability(now + timedelta(days=3), timedelta(hours=8)),
    ]
    opt_id = await ven.ven.set_availability(windows, OptType.OPT_IN, OptReason.PARTICIPATING)
    await ven.idle()
    [create] = vtn.sent(CreateOpt)
    assert vtn.exchanges[-1].service == "EiOpt"
    assert (create.opt_id, create.opt_type, create.opt_reason) == (
        opt_id,
        OptType.OPT_IN,
        OptReason.PARTICIPATING,
    )
    assert create.availability == tuple(windows)
    assert (create.event_id, create.modification_number) == (None, None)
    assert create.ven_id == "VEN_1"
    assert create.target == Target(ven_ids=("VEN_1",), resource_ids=("res1",))
    assert abs(create.created_date_time - now) <= timedelta(minutes=1)  # QL ±1 min check
    assert ven.ven.snapshot.availability_opt_ids == (opt_id,)
    await ven.ven.clear_availability(opt_id)
    await ven.idle()
    [cancel] = vtn.sent(CancelOpt)
    assert (cancel.opt_id, cancel.ven_id) == (opt_id, "VEN_1")
    assert ven.ven.snapshot.availability_opt_ids == ()


async def test_p1_2015_open_ended_schedule_has_zero_duration(vtn: ScriptedVTN, ven: VenHarness) -> None:
    await ven.ven.set_availability([Availability(ven.clock.now(), timedelta(0))])
    await ven.idle()
    [create] = vtn.sent(CreateOpt)
    assert create.availability[0].duration == timedelta(0)
    assert create.opt_type is OptType.OPT_OUT


async def test_p1_2050_refused_schedule_is_forgotten(vtn: ScriptedVTN, ven: VenHarness) -> None:
    vtn.responders[CreateOpt] = lambda m: CreatedOpt(Response(452, "no", m.request_id), m.opt_id)
    await ven.ven.set_availability([Availability(ven.clock.now(), timedelta(hours=1))])
    await ven.idle()
    assert ven.ven.snapshot.availability_opt_ids == ()


async def test_e1_1060_event_opt_out_via_create_opt_with_qualified_event_id(vtn: ScriptedVTN) -> None:
    """R206: oadrCreatedEvent first, then oadrCreateOpt optOut with qualifiedEventID, no
    vavailability and no marketContext."""
    cfg = VenConfig(ven_name="home", resource_id="res1", event_opt_via_eiopt=True)
    async with VenHarness(vtn.url, cfg) as h:
        vtn.clock = h.clock.now
        await h.start()
        await poll_with(h, vtn, vtn.distribute(event("ev1", 2), request_id="d1"))
        await h.ven.opt(OptType.OPT_OUT, "ev1")
        await h.idle()
    assert [r.opt_type for c in vtn.sent(CreatedEvent) for r in c.event_responses] == [OptType.OPT_IN]
    [create] = vtn.sent(CreateOpt)
    assert (create.event_id, create.modification_number, create.opt_type) == ("ev1", 2, OptType.OPT_OUT)
    assert create.availability == ()
    assert create.market_context is None
    assert create.opt_reason is OptReason.NOT_PARTICIPATING
