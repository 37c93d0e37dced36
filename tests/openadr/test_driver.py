"""VenClient (the async driver) against a scripted fake VTN at the model level."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime, timedelta
from typing import Any

import pytest

from custom_components.openadr_ven.openadr.clock import FakeClock
from custom_components.openadr_ven.openadr.driver import VenClient
from custom_components.openadr_ven.openadr.engine.reports import SAMPLE_PERIOD
from custom_components.openadr_ven.openadr.enums import DataQuality, OptType, Service
from custom_components.openadr_ven.openadr.errors import (
    UnexpectedPayloadError,
    VTNConnectionError,
    VTNResponseError,
)
from custom_components.openadr_ven.openadr.models import (
    CanceledOpt,
    CanceledPartyRegistration,
    CancelOpt,
    CancelPartyRegistration,
    CreatedEvent,
    CreatedOpt,
    CreatedPartyRegistration,
    CreateOpt,
    CreatePartyRegistration,
    CreateReport,
    OadrResponse,
    Poll,
    QueryRegistration,
    RegisteredReport,
    RegisterReport,
    ReportRequest,
    RequestEvent,
    Response,
    SpecifierPayload,
    UpdatedReport,
    UpdateReport,
)
from custom_components.openadr_ven.openadr.storage import MemoryStorage
from custom_components.openadr_ven.openadr.transport import Backoff
from tests.openadr.enginekit import (
    OK,
    POLL,
    REG,
    T0,
    VEN,
    VTN,
    config,
    created_registration,
    distribute,
    event,
    report_request,
)

ZERO = timedelta(0)
M = timedelta(minutes=1)


class FakeVTN:
    """Answers like a VTN; ``queue`` holds what the next polls return; ``down`` fails sends."""

    def __init__(self) -> None:
        self.received: list[tuple[Service, Any]] = []
        self.queue: list[Any] = []
        self.events: list[Any] = []
        self.down = 0  # number of next sends that fail
        self.offline = False
        self._objects: dict[bytes, Any] = {}
        self._n = 0

    def _key(self, obj: Any) -> bytes:
        self._n += 1
        key = f"obj{self._n}".encode()
        self._objects[key] = obj
        return key

    def encode(self, message: Any, now: datetime) -> bytes:
        return self._key(message)

    def decode(self, data: bytes) -> Any:
        return self._objects.pop(data)

    async def send(self, service: Service, payload: bytes) -> bytes:
        message = self._objects.pop(payload)
        if self.offline or self.down:
            self.down = max(0, self.down - 1)
            raise VTNConnectionError("connection refused")
        self.received.append((service, message))
        return self._key(self.answer(message))

    def answer(self, message: Any) -> Any:
        match message:
            case CreatePartyRegistration():
                return created_registration()
            case QueryRegistration():
                return CreatedPartyRegistration(Response(200, "OK", message.request_id), vtn_id=VTN)
            case RegisterReport():
                return RegisteredReport(Response(200, "OK", message.request_id), ven_id=VEN)
            case RequestEvent():
                return distribute(*self.events)
            case Poll():
                return self.queue.pop(0) if self.queue else OK
            case UpdateReport():
                return UpdatedReport(Response(200, "OK", message.request_id), ven_id=VEN)
            case CreateOpt():
                return CreatedOpt(Response(200, "OK", message.request_id), message.opt_id)
            case CancelOpt():
                return CanceledOpt(Response(200, "OK", message.request_id), message.opt_id)
            case CancelPartyRegistration():
                return CanceledPartyRegistration(Response(200, "OK", message.request_id), REG, VEN)
        return OK

    def kinds(self) -> list[str]:
        return [type(m).__name__ for _, m in self.received]


def make_client(vtn: FakeVTN, clock: FakeClock, storage: MemoryStorage | None = None, **kw: Any) -> VenClient:
    return VenClient(
        config(),
        vtn,
        storage if storage is not None else MemoryStorage(),
        clock=clock,
        rng=random.Random(7),
        encode=vtn.encode,
        decode=vtn.decode,
        backoff=kw.pop("backoff", Backoff(jitter=0.0)),
        **kw,
    )


async def start(client: VenClient, clock: FakeClock) -> asyncio.Task[None]:
    task = asyncio.create_task(client.run())
    await clock.advance(0)
    return task


async def finish(client: VenClient, task: asyncio.Task[None], clock: FakeClock) -> None:
    await client.stop()
    assert task.done()
    await clock.advance(0)
    assert clock.sleepers == 0
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert others == []


async def test_bootstrap_then_poll_at_requested_frequency() -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    client = make_client(vtn, clock)
    await client.load()
    task = await start(client, clock)
    assert vtn.kinds() == ["CreatePartyRegistration", "RegisterReport", "RequestEvent"]
    assert [s for s, _ in vtn.received] == [Service.EI_REGISTER_PARTY, Service.EI_REPORT, Service.EI_EVENT]
    await clock.advance(POLL.total_seconds() - 0.5)
    assert vtn.kinds()[-1] == "RequestEvent"  # R500: never before the requested interval
    await clock.advance(POLL.total_seconds() * 0.06)
    assert vtn.kinds()[-1] == "Poll"
    assert client.snapshot.registration is not None
    assert client.snapshot.connection.online
    await finish(client, task, clock)


async def test_g1_4015_drain_answers_each_reply_before_polling_again() -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    client = make_client(vtn, clock)
    task = await start(client, clock)
    vtn.received.clear()
    one_shot = report_request("rr1")
    vtn.queue = [distribute(event()), CreateReport("cr1", (one_shot,), VEN)]
    await client.poll_now()
    await clock.advance(0)
    assert vtn.kinds() == ["Poll", "CreatedEvent", "Poll", "CreatedReport", "UpdateReport", "Poll"]
    await clock.advance(1)
    assert vtn.kinds()[-1] == "Poll"
    assert len(vtn.received) == 6  # drained: back to the normal interval
    await finish(client, task, clock)


async def test_backoff_sequence_on_unreachable_vtn(caplog: pytest.LogCaptureFixture) -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    vtn.down = 4
    client = make_client(vtn, clock)
    caplog.set_level(logging.INFO, logger="custom_components.openadr_ven.openadr.driver")
    task = await start(client, clock)
    delays = []
    for _ in range(4):
        deadline = clock.next_deadline()
        assert deadline is not None
        delays.append((deadline - clock.now()).total_seconds())
        await clock.advance(delays[-1])
    assert delays == [1.0, 2.0, 4.0, 8.0]  # §9.1.7: 1 s doubling (jitter 0 here)
    assert vtn.kinds()[:1] == ["CreatePartyRegistration"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "unreachable" in r.message]
    infos = [r for r in caplog.records if r.levelno == logging.INFO and "reachable again" in r.message]
    assert len(warnings) == 1
    assert len(infos) == 1
    await finish(client, task, clock)


async def test_connection_state_while_failing() -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    client = make_client(vtn, clock)
    task = await start(client, clock)
    vtn.offline = True
    await client.poll_now()
    await clock.advance(0)
    await clock.advance(1)
    conn = client.snapshot.connection
    assert not conn.online
    assert conn.consecutive_failures == 2
    assert conn.failing_since == T0
    assert conn.last_error is not None
    assert "connection refused" in conn.last_error
    assert conn.last_success == T0
    await finish(client, task, clock)


async def test_offline_reports_are_buffered_and_delivered_in_order() -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    client = make_client(vtn, clock)
    task = await start(client, clock)
    periodic = ReportRequest(
        "rr1",
        "TELEMETRY_STATUS",
        timedelta(minutes=1),
        timedelta(minutes=1),
        (SpecifierPayload("status", "x-notApplicable"),),
    )
    vtn.queue = [CreateReport("cr1", (periodic,), VEN)]
    await client.poll_now()
    await clock.advance(0)
    assert vtn.kinds()[-3:] == ["CreatedReport", "UpdateReport", "Poll"]
    vtn.offline = True
    await clock.advance(5 * 60)
    buffered = [o.message for o in client.engine.outbox if isinstance(o.message, UpdateReport)]
    assert len(buffered) >= 4
    vtn.offline = False
    vtn.received.clear()
    await clock.advance(600)
    updates = [m for _, m in vtn.received if isinstance(m, UpdateReport)]
    assert len(updates) >= len(buffered)
    created = [u.reports[0].created_date_time for u in updates]
    assert created == sorted(created)
    assert [u.request_id for u in updates[: len(buffered)]] == [b.request_id for b in buffered]
    await finish(client, task, clock)


async def test_persistence_round_trip_keeps_offset_opt_and_reports() -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    storage = MemoryStorage()
    client = make_client(vtn, clock, storage)
    task = await start(client, clock)
    ev = event(start=T0 + timedelta(minutes=1), start_after=timedelta(minutes=10))
    periodic = ReportRequest(
        "rr1",
        "TELEMETRY_USAGE",
        timedelta(minutes=1),
        timedelta(minutes=5),
        (SpecifierPayload("power", "x-notApplicable"),),
    )
    vtn.queue = [distribute(ev), CreateReport("cr1", (periodic,), VEN)]
    await client.poll_now()
    await clock.advance(20 * 60)  # event active
    await client.opt(OptType.OPT_OUT)
    await clock.advance(0)
    before = client.snapshot
    assert before.events[0].opt is OptType.OPT_OUT
    assert before.manual_override
    await finish(client, task, clock)

    vtn2 = FakeVTN()
    restarted = make_client(vtn2, clock, storage)
    await restarted.load()
    after = restarted.snapshot
    assert after.events[0].random_offset == before.events[0].random_offset
    assert after.events[0].opt is OptType.OPT_OUT
    assert after.active_report_requests == ("rr1",)
    task = await start(restarted, clock)
    assert "CreatePartyRegistration" not in vtn2.kinds()
    await finish(restarted, task, clock)


async def test_opt_command_is_sent_at_once() -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    client = make_client(vtn, clock)
    vtn.events = [event()]
    task = await start(client, clock)
    view = await client.opt(OptType.OPT_OUT, "ev1")
    assert view.opt is OptType.OPT_OUT
    await clock.advance(0)
    created = [m for _, m in vtn.received if isinstance(m, CreatedEvent)]
    assert [r.opt_type for r in created[-1].event_responses] == [OptType.OPT_OUT]
    assert created[-1].event_responses[0].request_id == "dist-1"  # R42
    await finish(client, task, clock)


async def test_query_registration_and_errors() -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    client = make_client(vtn, clock)
    reply = await client.query_registration()
    assert reply.vtn_id == VTN
    assert reply.registration_id is None
    vtn.offline = True
    with pytest.raises(VTNConnectionError):
        await client.query_registration()


async def test_register_and_cancel_registration_commands() -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    storage = MemoryStorage()
    client = make_client(vtn, clock, storage)
    registration = await client.register()
    assert (registration.ven_id, registration.registration_id) == (VEN, REG)
    await client.cancel_registration()
    assert isinstance(vtn.received[-1][1], CancelPartyRegistration)
    assert client.snapshot.registration is None
    assert storage.data is not None
    assert storage.data["registration"] is None


async def test_listeners_receive_snapshots_and_notifications() -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    client = make_client(vtn, clock)
    snaps: list[Any] = []
    notes: list[Any] = []
    unsub = client.add_listener(snaps.append)
    client.add_notification_listener(notes.append)
    vtn.events = [event(start=T0 + timedelta(minutes=1))]
    task = await start(client, clock)
    await clock.advance(120)
    kinds = [n.kind.value for n in notes]
    assert kinds[:2] == ["event_received", "event_started"]
    assert snaps[-1].active_events[0].event_id == "ev1"
    unsub()
    count = len(snaps)
    await clock.advance(3600)
    assert len(snaps) == count
    await finish(client, task, clock)


async def test_stop_during_backoff_leaves_nothing_running() -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    vtn.offline = True
    client = make_client(vtn, clock)
    task = await start(client, clock)
    await clock.advance(3)
    await finish(client, task, clock)


async def test_cancelled_run_task_cleans_up() -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    client = make_client(vtn, clock)
    task = await start(client, clock)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await clock.advance(0)
    assert clock.sleepers == 0


async def test_availability_commands() -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    client = make_client(vtn, clock)
    task = await start(client, clock)
    from custom_components.openadr_ven.openadr.models import Availability

    opt_id = await client.set_availability([Availability(T0 + timedelta(days=1), timedelta(hours=4))])
    await clock.advance(0)
    sent = [m for _, m in vtn.received if isinstance(m, CreateOpt)]
    assert sent[-1].opt_id == opt_id
    assert client.snapshot.availability_opt_ids == (opt_id,)
    await client.clear_availability()
    await clock.advance(0)
    assert isinstance(vtn.received[-1][1], CancelOpt)
    assert vtn.received[-1][1].opt_id == opt_id
    assert client.snapshot.availability_opt_ids == ()
    await finish(client, task, clock)


class XmlVTN(FakeVTN):
    """The same VTN behind real payloads: every document is checked against the official XSD."""

    async def send(self, service: Service, payload: bytes) -> bytes:
        from oadr_xsd import assert_valid

        from custom_components.openadr_ven.openadr import payloads

        assert_valid(payload)
        message = payloads.parse(payload)
        self.received.append((service, message))
        reply = payloads.build(self.answer(message))
        assert_valid(reply)
        return reply


async def test_real_payloads_every_message_schema_valid() -> None:
    from custom_components.openadr_ven.openadr.models import Availability

    vtn, clock = XmlVTN(), FakeClock(T0)
    client = VenClient(config(), vtn, MemoryStorage(), clock=clock, rng=random.Random(3))
    vtn.events = [event(start=T0 + timedelta(minutes=1), start_after=timedelta(minutes=2))]
    task = await start(client, clock)
    usage = (SpecifierPayload("power", "x-notApplicable"), SpecifierPayload("energy", "x-notApplicable"))
    vtn.queue = [
        CreateReport(
            "cr1",
            (
                ReportRequest(
                    "rr1", "TELEMETRY_STATUS", ZERO, ZERO, (SpecifierPayload("status", "x-notApplicable"),)
                ),
                ReportRequest("rr2", "TELEMETRY_USAGE", M, 2 * M, usage, T0, 10 * M),
                ReportRequest("rr3", "METADATA", ZERO, ZERO, (SpecifierPayload("0", "x-notApplicable"),)),
            ),
            VEN,
        )
    ]
    await client.poll_now()
    await clock.advance(150)
    await client.opt(OptType.OPT_OUT)
    await client.set_availability([Availability(T0 + timedelta(days=1), timedelta(hours=4))])
    await client.clear_availability()
    await clock.advance(0)
    kinds = vtn.kinds()
    assert kinds[:8] == [
        "CreatePartyRegistration",
        "RegisterReport",
        "RequestEvent",
        "CreatedEvent",
        "Poll",
        "CreatedReport",
        "RegisterReport",
        "UpdateReport",
    ]
    assert kinds.count("UpdateReport") == 2
    assert kinds[-3:] == ["CreatedEvent", "CreateOpt", "CancelOpt"]
    update = next(m for _, m in vtn.received if isinstance(m, UpdateReport))
    assert update.reports[0].report_request_id == "rr1"
    await finish(client, task, clock)


async def test_unexpected_error_does_not_end_the_loop(caplog: pytest.LogCaptureFixture) -> None:
    """A bug in one step (here: the encoder raising twice) is logged once with its traceback; the loop
    backs off (2 s, 4 s) and carries on, so the VEN keeps registering and polling afterwards."""
    vtn, clock = FakeVTN(), FakeClock(T0)
    failures = {"left": 2}
    real_encode = vtn.encode

    def flaky_encode(message: Any, now: datetime) -> bytes:
        if failures["left"]:
            failures["left"] -= 1
            raise AttributeError("'str' object has no attribute 'value'")
        return real_encode(message, now)

    client = VenClient(
        config(),
        vtn,
        MemoryStorage(),
        clock=clock,
        rng=random.Random(7),
        encode=flaky_encode,
        decode=vtn.decode,
        backoff=Backoff(jitter=0.0),
    )
    with caplog.at_level(logging.DEBUG):
        task = await start(client, clock)
        assert not task.done()
        assert vtn.kinds() == []
        await clock.advance(2)  # first pause: 2 s
        assert vtn.kinds() == []
        await clock.advance(4)  # second pause: 4 s, then the step succeeds
    assert not task.done()
    assert vtn.kinds() == ["CreatePartyRegistration", "RegisterReport", "RequestEvent"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "Unexpected error in the VEN loop" in errors[0].getMessage()
    assert errors[0].exc_info is not None
    await finish(client, task, clock)


async def test_notifications_and_snapshot_agree_when_an_exchange_crosses_a_boundary() -> None:
    """An event starts while a reply is being handled (decoding a large answer takes time): the
    snapshot that first shows it active must come with its event_started notification, not before."""
    vtn, clock = FakeVTN(), FakeClock(T0)
    start_at = T0 + POLL + timedelta(seconds=5)
    vtn.events = [event(start=start_at)]
    real_decode = vtn.decode

    def slow_decode(data: bytes) -> Any:
        reply = real_decode(data)
        if isinstance(reply, OadrResponse) and clock.now() < start_at:
            clock.set(start_at + timedelta(seconds=1))  # decoding took us past the start
        return reply

    client = VenClient(
        config(),
        vtn,
        MemoryStorage(),
        clock=clock,
        rng=random.Random(7),
        encode=vtn.encode,
        decode=slow_decode,
        backoff=Backoff(jitter=0.0),
    )
    seen: list[tuple[str, Any]] = []
    client.add_notification_listener(lambda n: seen.append(("note", n.kind.value)))
    client.add_listener(lambda s: seen.append(("snap", [e.status.value for e in s.events])))
    task = await start(client, clock)
    await clock.advance(POLL.total_seconds() * 1.1)
    first_active = next(i for i, (kind, value) in enumerate(seen) if kind == "snap" and "active" in value)
    assert ("note", "event_started") in seen[:first_active]
    await finish(client, task, clock)


# --------------------------------------------------------------------------- failure paths


class ScriptedMeter:
    """A MeterSource with history; ``broken`` makes reads raise, ``history`` what history returns."""

    def __init__(self) -> None:
        self.broken = False
        self.history: list[tuple[datetime, float]] | Exception = []
        self.history_calls: list[tuple[datetime, datetime, timedelta]] = []

    def power_w(self) -> float | None:
        if self.broken:
            raise RuntimeError("meter entity gone")
        return 800.0

    def energy_wh(self) -> float | None:
        return 4200.0

    @property
    def has_history(self) -> bool:
        return True

    async def energy_history(
        self, start: datetime, end: datetime, step: timedelta
    ) -> list[tuple[datetime, float]]:
        self.history_calls.append((start, end, step))
        if isinstance(self.history, Exception):
            raise self.history
        return self.history


async def test_broken_meter_is_logged_and_sampled_as_unknown(caplog: pytest.LogCaptureFixture) -> None:
    vtn, clock, meter = FakeVTN(), FakeClock(T0), ScriptedMeter()
    client = make_client(vtn, clock, meter=meter)
    task = await start(client, clock)
    assert client.engine.to_dict()["samples"][-1]["power_w"] == 800.0
    meter.broken = True
    with caplog.at_level(logging.ERROR):
        await clock.advance(SAMPLE_PERIOD.total_seconds() + 1)
    assert "Meter read failed" in caplog.text
    last = client.engine.to_dict()["samples"][-1]
    assert (last["power_w"], last["energy_wh"]) == (None, None)  # unknown, not a stale reading
    assert vtn.kinds()[-1] == "Poll"  # the loop went on
    await finish(client, task, clock)


def _history_request(rrid: str = "h1") -> CreateReport:
    request = ReportRequest(
        rrid,
        "HISTORY_USAGE",
        ZERO,
        ZERO,
        (SpecifierPayload("history_energy", "x-notApplicable"),),
        T0 - timedelta(hours=3),
        ZERO,
    )
    return CreateReport("cr1", (request,), VEN)


@pytest.mark.parametrize("fails", [False, True])
async def test_history_usage_is_fetched_from_the_meter(caplog: pytest.LogCaptureFixture, fails: bool) -> None:
    vtn, clock, meter = FakeVTN(), FakeClock(T0), ScriptedMeter()
    points = [(T0 - timedelta(hours=h), 100.0 * h) for h in (3, 2, 1)]
    meter.history = OSError("recorder unavailable") if fails else points
    client = make_client(vtn, clock, meter=meter)
    task = await start(client, clock)
    vtn.queue.append(_history_request())
    with caplog.at_level(logging.ERROR):
        await clock.advance(POLL.total_seconds() + 1)
    assert len(meter.history_calls) == 1
    start_at, end_at, step = meter.history_calls[0]
    assert (start_at, step) == (T0 - timedelta(hours=3), timedelta(hours=1))
    assert T0 < end_at <= clock.now()  # up to the moment the request arrived (open-ended)
    updates = [m for _, m in vtn.received if isinstance(m, UpdateReport)]
    assert len(updates) == 1
    report = updates[0].reports[0]
    assert report.report_request_id == "h1"
    if fails:
        assert "Meter history failed" in caplog.text
        # R318: one placeholder flagged Quality Bad, no invented readings.
        assert [(iv.value, iv.data_quality) for iv in report.intervals] == [
            (0.0, DataQuality.QUALITY_BAD_NON_SPECIFIC)
        ]
    else:
        assert [(iv.start, iv.value) for iv in report.intervals] == sorted(points)
    await finish(client, task, clock)


async def test_unreadable_stored_state_starts_fresh(caplog: pytest.LogCaptureFixture) -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    first = make_client(vtn, clock)
    await first.register()
    data = first.engine.to_dict()
    assert data["registration"] is not None
    data["registration"] = {"__t": "NoSuchClass"}  # a damaged or tampered store
    snaps: list[Any] = []
    client = make_client(vtn, clock, MemoryStorage(data))
    client.add_listener(snaps.append)
    with caplog.at_level(logging.WARNING):
        await client.load()
    assert "Stored VEN state unreadable, starting fresh" in caplog.text
    assert client.engine.registration is None
    assert client.snapshot.registration is None
    task = await start(client, clock)
    assert vtn.kinds()[-3:] == ["CreatePartyRegistration", "RegisterReport", "RequestEvent"]  # registers anew
    await finish(client, task, clock)


class FlakyStorage(MemoryStorage):
    """Fails the next ``failures`` saves."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def save(self, data: dict[str, Any]) -> None:
        if self.failures:
            self.failures -= 1
            raise OSError("disk full")
        await super().save(data)


async def test_failed_save_is_logged_and_retried_at_the_next_change(caplog: pytest.LogCaptureFixture) -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    storage = FlakyStorage(failures=100)
    client = make_client(vtn, clock, storage)
    with caplog.at_level(logging.ERROR):
        await client.register()
    assert "Saving VEN state failed" in caplog.text
    assert storage.data is None
    assert client.snapshot.registration is not None  # the VEN runs on without storage
    storage.failures = 0
    task = await start(client, clock)  # the next change saves: nothing was marked as saved
    assert storage.data is not None
    assert storage.data["registration"]["ven_id"] == VEN
    await finish(client, task, clock)


async def test_failing_listeners_do_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    client = make_client(vtn, clock)
    snaps: list[Any] = []
    notes: list[Any] = []

    def bad(_: object) -> None:
        raise RuntimeError("listener bug")

    client.add_listener(bad)
    client.add_listener(snaps.append)
    client.add_notification_listener(bad)
    client.add_notification_listener(notes.append)
    vtn.events = [event(start=T0 + timedelta(minutes=1))]
    with caplog.at_level(logging.ERROR):
        task = await start(client, clock)
    assert "Snapshot listener failed" in caplog.text
    assert "Notification listener failed" in caplog.text
    assert snaps[-1].registration is not None
    assert [n.kind.value for n in notes] == ["event_received"]
    await finish(client, task, clock)


@pytest.mark.parametrize(
    ("reply", "error", "match"),
    [
        (OK, UnexpectedPayloadError, "expected oadrCreatedPartyRegistration, got OadrResponse"),
        (
            CreatedPartyRegistration(Response(452, "unknown VEN", ""), vtn_id=VTN),
            VTNResponseError,
            "VTN error 452: unknown VEN",
        ),
    ],
)
async def test_query_registration_refusals(reply: Any, error: type[Exception], match: str) -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    vtn.answer = lambda _message: reply  # type: ignore[method-assign]
    client = make_client(vtn, clock)
    with pytest.raises(error, match=match):
        await client.query_registration()


@pytest.mark.parametrize(
    ("reply", "error", "match"),
    [
        (OK, UnexpectedPayloadError, "expected oadrCreatedPartyRegistration"),
        (created_registration(code=452), VTNResponseError, "VTN error 452: refused"),
    ],
)
async def test_register_refusals(reply: Any, error: type[Exception], match: str) -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    vtn.answer = lambda _message: reply  # type: ignore[method-assign]
    client = make_client(vtn, clock)
    with pytest.raises(error, match=match):
        await client.register()
    assert client.engine.registration is None
    assert client.snapshot.registration is None


async def test_cancel_registration_when_not_registered_erases_locally() -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    storage = MemoryStorage()
    client = make_client(vtn, clock, storage)
    await client.cancel_registration()
    assert vtn.received == []  # nothing to cancel at the VTN
    assert storage.data is not None
    assert storage.data["registration"] is None
    assert client.snapshot.registration is None


async def test_cancel_registration_refused_by_vtn_still_erases_locally() -> None:
    vtn, clock = FakeVTN(), FakeClock(T0)
    storage = MemoryStorage()
    client = make_client(vtn, clock, storage)
    await client.register()
    refusal = CanceledPartyRegistration(Response(452, "no such registration", ""), REG, VEN)
    vtn.answer = lambda _message: refusal  # type: ignore[method-assign]
    with pytest.raises(VTNResponseError, match="VTN error 452: no such registration"):
        await client.cancel_registration()
    assert isinstance(vtn.received[-1][1], CancelPartyRegistration)
    assert client.engine.registration is None
    assert storage.data is not None
    assert storage.data["registration"] is None
