"""The sans-I/O VEN: parsed messages, clock ticks and user commands in; messages to send out.

The driver asks :meth:`VenEngine.next_message` what to send, delivers it, and feeds the
reply to :meth:`VenEngine.on_reply` (or a failure to :meth:`VenEngine.on_failure`).  Messages
the VEN owes the VTN (answers, reports, opts) wait in a FIFO outbox that is persisted, so
nothing is lost while the VTN is unreachable; polls and registrations are generated on demand.
"""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from ..config import VenConfig
from ..enums import EventStatus, OptReason, OptType, ResponseCode, ResponseRequired
from ..errors import NotRegisteredError, UnknownEventError, UnknownOptError, VTNResponseError
from ..models import (
    Availability,
    CanceledOpt,
    CanceledPartyRegistration,
    CanceledReport,
    CancelPartyRegistration,
    CancelReport,
    CreatedOpt,
    CreatedPartyRegistration,
    CreatedReport,
    CreateOpt,
    CreateReport,
    DistributeEvent,
    IncomingMessage,
    OadrResponse,
    OutgoingMessage,
    Poll,
    QueryRegistration,
    RegisteredReport,
    RegisterReport,
    ReportRequest,
    RequestEvent,
    RequestReregistration,
    Response,
    UpdatedReport,
    UpdateReport,
)
from ..state import (
    ConnectionState,
    ErrorKind,
    EventView,
    Notification,
    NotificationKind,
    RegistrationState,
    VenSnapshot,
)
from . import reports as rep
from .codec import decode, encode
from .common import IdFactory, Outgoing
from .events import process_distribute, prune
from .opt import availability_opt, cancel_opt, event_opt_create_opt, event_opt_created_event
from .registration import (
    REGISTRATION_RETRY,
    answer_cancel,
    create_party_registration,
    registration_from_reply,
)
from .timing import EventRecord, boundaries, diff, note_for, status, view

_LOGGER = logging.getLogger(__name__)

STATE_VERSION = 1
MAX_OUTBOX = 500  # messages owed to the VTN while it is unreachable; beyond it the oldest report goes
PERSISTED_SAMPLES = 100  # telemetry samples kept across restarts (R510)


class VenEngine:
    """The VEN state machine. Not thread-safe; one driver owns it."""

    def __init__(
        self, config: VenConfig, *, rng: random.Random | None = None, has_history: bool = False
    ) -> None:
        self.config = config
        self.has_history = has_history
        self._rng = rng or random.Random()
        self._ids = IdFactory(self._rng)
        self.registration: RegistrationState | None = None
        self.vtn_cancelled = False  # the VTN cancelled us: no automatic re-registration (R401)
        self.events: dict[str, EventRecord] = {}
        self.jobs: dict[str, rep.ReportJob] = {}
        self.outbox: list[Outgoing] = []
        self.availability: dict[str, CreateOpt] = {}
        self.connection = ConnectionState()
        self.samples: deque[rep.Sample] = deque(maxlen=rep.SAMPLE_BUFFER)
        self.latest: rep.Sample | None = None
        self.next_poll: datetime | None = None
        self.register_at: datetime | None = None
        self.draining = False
        self._seen: dict[str, tuple[str, dict[str, float | None]]] = {}
        self._notes: list[Notification] = []
        self._revision = 0
        self._persisted_at_revision: dict[str, Any] | None = None

    # ------------------------------------------------------------------ change tracking

    @property
    def revision(self) -> int:
        """A number that changes whenever the persisted state (:meth:`to_dict` minus the telemetry
        samples) has changed since it was last read; the driver saves only then.

        Nothing has to remember to bump it: it compares :meth:`_persisted` with its value at the
        previous read. Every persisted value is immutable (frozen models in tuples), so that
        comparison is a handful of identity checks when nothing changed.
        """
        parts = self._persisted()
        if parts != self._persisted_at_revision:
            self._persisted_at_revision = parts
            self._revision += 1
        return self._revision

    @property
    def last_sample_at(self) -> datetime | None:
        """When the newest kept telemetry sample was taken (samples are saved on a slower cadence)."""
        return self.samples[-1].at if self.samples else None

    # ------------------------------------------------------------------ what to send next

    def next_message(self, now: datetime) -> Outgoing | None:
        """Owed answers first (answer before the next poll, R64/Annex C), then register, then poll."""
        if self.outbox:
            return self.outbox[0]
        if self.registration is None:
            due = self.register_at is None or now >= self.register_at
            if self.config.auto_register and not self.vtn_cancelled and due:
                return self.registration_message()
            return None
        if self.draining or self.next_poll is None or now >= self.next_poll:
            return Outgoing(Poll(ven_id=self.registration.ven_id), "poll")  # R500
        return None

    def registration_message(self, *, reregister: bool = False) -> Outgoing:
        current = self.registration if reregister else None
        message = create_party_registration(self.config, self._ids.new("reg-"), current)
        return Outgoing(message, "reregister" if current else "register")

    def query_message(self) -> Outgoing:
        return Outgoing(QueryRegistration(request_id=self._ids.new("query-")), "query")

    def cancel_message(self) -> Outgoing:
        reg = self._require_registration()
        message = CancelPartyRegistration(self._ids.new("cancel-"), reg.registration_id, reg.ven_id)
        return Outgoing(message, "cancel")

    def next_wakeup(self, now: datetime) -> datetime | None:
        """The next instant after ``now`` at which something changes without any input."""
        times: list[datetime] = []
        if self.registration is not None:
            if self.next_poll is not None:
                times.append(self.next_poll)
            times.extend(j.next_due for j in self.jobs.values() if j.next_due is not None)
            last = self.samples[-1].at if self.samples else None
            times.append(now if last is None else last + rep.SAMPLE_PERIOD)
        elif self.register_at is not None:
            times.append(self.register_at)
        for record in self.events.values():
            times.extend(boundaries(record))
        future = [t for t in times if t > now]
        return min(future) if future else None

    # ------------------------------------------------------------------ delivery results

    def on_failure(
        self,
        out: Outgoing,
        error: str,
        *,
        retryable: bool,
        now: datetime,
        kind: ErrorKind | None = None,
    ) -> bool:
        """A transport failure; returns True when the VTN just became unreachable."""
        was_online = self.connection.online or self.connection.consecutive_failures == 0
        self.connection = replace(
            self.connection,
            online=False,
            failing_since=self.connection.failing_since or now,
            last_error=error,
            last_error_kind=kind,
            consecutive_failures=self.connection.consecutive_failures + 1,
        )
        refused = kind is None or kind is ErrorKind.HTTP
        if not retryable and refused and self.outbox and self.outbox[0] is out:
            # §9.1.5: 4xx means this payload will never be accepted; do not resend it. A TLS or
            # credential failure says nothing about the payload: it waits for the fix.
            _LOGGER.warning("Dropping %s refused by the VTN: %s", type(out.message).__name__, error)
            self.outbox.pop(0)
        return was_online

    def on_reply(self, out: Outgoing, reply: IncomingMessage, now: datetime) -> bool:
        """Handle the VTN's answer to ``out``; returns True when the VTN just came back."""
        came_back = not self.connection.online and self.connection.consecutive_failures > 0
        self.connection = ConnectionState(online=True, last_success=now)
        if self.outbox and self.outbox[0] is out:
            self.outbox.pop(0)
        self._dispatch(out, reply, now)
        self.tick(now)
        return came_back

    def on_undecodable(
        self, out: Outgoing, error: str, now: datetime, kind: ErrorKind = ErrorKind.PAYLOAD
    ) -> None:
        """The VTN answered with a payload we cannot read: it got our message; log and move on."""
        _LOGGER.warning("Unreadable VTN reply to %s: %s", type(out.message).__name__, error)
        self.connection = replace(
            self.connection, online=True, last_success=now, last_error=error, last_error_kind=kind
        )
        if self.outbox and self.outbox[0] is out:
            self.outbox.pop(0)
        if out.purpose == "poll":
            self.draining = True  # the queue may hold more; keep polling

    def _dispatch(self, out: Outgoing, reply: IncomingMessage, now: datetime) -> None:
        purpose = out.purpose
        if (
            isinstance(reply, OadrResponse)
            and reply.response.code == ResponseCode.NOT_REGISTERED_OR_AUTHORIZED
        ):
            self._forget_registration(now, "VTN answered 463 (not registered)")  # R517
            return
        if purpose in ("register", "reregister") and isinstance(reply, CreatedPartyRegistration):
            self._on_registered(reply, now, new=purpose == "register")
        elif purpose == "poll":
            self._on_poll_reply(reply, now)
        elif purpose == "cancel" and isinstance(reply, CanceledPartyRegistration):
            if reply.response.ok:
                self._erase(now)
        elif isinstance(reply, DistributeEvent):
            self._on_distribute(reply, now)
        elif isinstance(reply, RegisteredReport):
            self._on_report_requests(reply.report_requests, "", now)  # R344
        elif isinstance(reply, UpdatedReport):
            if reply.cancel_report is not None:
                self._on_cancel_report(reply.cancel_report, now, answer=False)  # R328, R335
        elif isinstance(reply, CreatedOpt | CanceledOpt):
            self._on_opt_answer(reply)
        elif isinstance(reply, OadrResponse):
            if not reply.response.ok:
                # e.g. 459/452/450 to an oadrCreatedEvent (A_E1_0310): tolerate, keep going.
                _LOGGER.info("VTN answered %s with %s", type(out.message).__name__, reply.response.code)
        elif purpose != "query":
            _LOGGER.debug("Ignoring %s in reply to %s", type(reply).__name__, purpose)

    # ------------------------------------------------------------------ registration

    def _on_registered(self, reply: CreatedPartyRegistration, now: datetime, *, new: bool) -> None:
        try:
            registration = registration_from_reply(reply, self.config, now, self.registration)
        except VTNResponseError as err:
            self.register_at = now + REGISTRATION_RETRY
            self.connection = replace(self.connection, last_error=str(err), last_error_kind=ErrorKind.VTN)
            _LOGGER.warning("Registration refused: %s", err)
            if not new and self.registration is not None:
                self._forget_registration(now, "re-registration refused")
            return
        self.registration = registration
        self.register_at = None
        self.vtn_cancelled = False
        self._schedule_poll(now)
        if new:
            self.draining = False
            # R405, R309: a new registration exchanges METADATA, then asks for events; old report
            # requests are void (R306, R407) and owed answers belong to the old registration.
            self.jobs.clear()
            self.outbox.clear()
            self._queue(self._metadata(now))
            self._queue(RequestEvent(request_id=self._ids.new("req-"), ven_id=registration.ven_id))

    def _forget_registration(self, now: datetime, why: str) -> None:
        """The VTN no longer knows us (452/463): register anew at once (full bootstrap)."""
        _LOGGER.warning("Registration lost (%s); registering again", why)
        self.registration = None
        self.register_at = None
        self.jobs.clear()
        self.outbox.clear()
        self.draining = False

    def _erase(self, now: datetime) -> None:
        """R407: forget everything about the VTN (registration, events, reports, opts)."""
        self.registration = None
        self.events.clear()
        self.jobs.clear()
        self.availability.clear()
        self.draining = False
        self.next_poll = None
        self._seen.clear()

    # ------------------------------------------------------------------ polling

    def _schedule_poll(self, now: datetime) -> None:
        assert self.registration is not None
        interval = self.registration.poll_interval
        # §9.1.8 jitter, never shorter than the VTN's minimum (R500): up to +5 %, at most 10 s.
        jitter = self._rng.uniform(0.0, min(interval.total_seconds() * 0.05, 10.0))
        self.next_poll = now + interval + timedelta(seconds=jitter)

    def _on_poll_reply(self, reply: IncomingMessage, now: datetime) -> None:
        self._schedule_poll(now)
        if isinstance(reply, OadrResponse):
            self.draining = False  # the VTN's queue is empty (R500)
            if reply.response.code == ResponseCode.INVALID_ID:
                self._forget_registration(now, "VTN answered the poll with 452")  # R500
            return
        self.draining = True  # R500: poll again at once until oadrResponse
        self._on_vtn_message(reply, now)

    def _on_vtn_message(self, message: IncomingMessage, now: datetime) -> None:
        reg = self._require_registration()
        match message:
            case DistributeEvent():
                self._on_distribute(message, now)
            case CreateReport():
                self._on_report_requests(message.report_requests, message.request_id, now)
            case CancelReport():
                self._on_cancel_report(message, now, answer=True)
            case RegisterReport():
                # The VTN's own METADATA: acknowledge it (R301, N1_0020); we request nothing.
                response = Response(200, "OK", message.request_id)
                self._queue(RegisteredReport(response=response, ven_id=reg.ven_id))
            case CancelPartyRegistration():
                answer, accepted = answer_cancel(message, reg)
                if accepted:
                    self._erase(now)
                    self.outbox.clear()
                    self.vtn_cancelled = True
                    self._notes.append(Notification(NotificationKind.REGISTRATION_CANCELLED))
                self._queue(answer)
            case RequestReregistration():
                # oadrResponse first, then re-register with our IDs (S p.41-42, N1_0050).
                self._queue(OadrResponse(Response(200, "OK", ""), reg.ven_id))
                self.outbox.append(self.registration_message(reregister=True))
            case _:
                _LOGGER.debug("Ignoring unexpected %s from the VTN", type(message).__name__)

    # ------------------------------------------------------------------ events

    def _on_distribute(self, message: DistributeEvent, now: datetime) -> None:
        reg = self._require_registration()
        outcome = process_distribute(
            self.events,
            message,
            config=self.config,
            ven_id=reg.ven_id,
            vtn_id=reg.vtn_id,
            now=now,
            rng=self._rng,
        )
        self.events = outcome.records
        self._notes.extend(outcome.notifications)
        if outcome.created_event is not None:
            self._queue(outcome.created_event)

    # ------------------------------------------------------------------ reports

    def _metadata(self, now: datetime, report_request_id: str | None = None) -> RegisterReport:
        reg = self._require_registration()
        return rep.metadata(
            self.config,
            ven_id=reg.ven_id,
            has_history=self.has_history,
            now=now,
            request_id=self._ids.new("rr-"),
            report_request_id=report_request_id,
        )

    def _on_report_requests(self, requests: Sequence[ReportRequest], request_id: str, now: datetime) -> None:
        if not requests:
            return
        reg = self._require_registration()
        code, text = 200, "OK"
        for request in requests:
            verdict = rep.validate(request, has_history=self.has_history, now=now)
            if not verdict.ok:
                if code == 200:
                    code, text = verdict.code, verdict.description
                continue
            if request.report_specifier_id == rep.METADATA and request.report_back_duration <= timedelta(0):
                continue  # one-shot METADATA: sent right after oadrCreatedReport
            self.jobs[request.report_request_id] = rep.schedule(request, now)
        pending = tuple(self.jobs)  # R329: every report scheduled for future delivery
        self._queue(CreatedReport(Response(code, text, request_id), pending, reg.ven_id))
        for request in requests:
            if request.report_specifier_id == rep.METADATA and request.report_back_duration <= timedelta(0):
                self._queue(self._metadata(now, request.report_request_id))  # R301, R311, R327
        self._run_reports(now)

    def _on_cancel_report(self, message: CancelReport, now: datetime, *, answer: bool) -> None:
        unknown = [rid for rid in message.report_request_ids if rid not in self.jobs]
        for rid in message.report_request_ids:
            job = self.jobs.get(rid)
            if job is None:
                continue
            if message.report_to_follow:
                self.jobs[rid] = replace(job, final=True, next_due=now, end=None)  # R345
            else:
                del self.jobs[rid]
        if answer:
            reg = self._require_registration()
            response = (
                Response(
                    ResponseCode.INVALID_ID,
                    f"unknown reportRequestID {', '.join(unknown)}",
                    message.request_id,
                )
                if unknown
                else Response(200, "OK", message.request_id)
            )  # R336
            self._queue(CanceledReport(response, tuple(self.jobs), reg.ven_id))
        self._run_reports(now)

    def _run_reports(self, now: datetime) -> None:
        """Queue every report that is due (periodic, one-shot, final)."""
        if self.registration is None:
            return
        for rid, job in list(self.jobs.items()):
            if job.next_due is None or job.next_due > now:
                continue
            if job.specifier == rep.METADATA:
                self._queue(self._metadata(now, rid))
            else:
                # The window ends at the due time even when the report is late (restart).
                intervals = rep.telemetry_intervals(
                    job, list(self.samples), self.latest, now, window_end=job.next_due
                )
                self._queue_report(job, intervals, now)
            following = rep.after_delivery(job, now)
            if following is None:
                del self.jobs[rid]
            else:
                self.jobs[rid] = following

    def _queue_report(self, job: rep.ReportJob, intervals: list[Any], now: datetime) -> None:
        reg = self._require_registration()
        self._queue(
            rep.update_report(job, intervals, ven_id=reg.ven_id, request_id=self._ids.new("upd-"), now=now)
        )

    def history_queries(self, now: datetime) -> list[tuple[str, datetime, datetime, timedelta]]:
        """HISTORY_USAGE requests waiting for meter data: (reportRequestID, start, end, step)."""
        return [
            (rid, *rep.history_window(job, now)) for rid, job in self.jobs.items() if job.awaiting_history
        ]

    def history_ready(
        self, report_request_id: str, points: list[tuple[datetime, float]], now: datetime
    ) -> None:
        job = self.jobs.pop(report_request_id, None)
        if job is None or self.registration is None:
            return
        self._queue_report(job, rep.history_intervals(job, points, now), now)

    def record_sample(self, now: datetime, power_w: float | None, energy_wh: float | None) -> None:
        """Feed a meter reading; kept every SAMPLE_PERIOD (R337) in a bounded ring (R510)."""
        sample = rep.Sample(now, power_w, energy_wh, self.manual_override(now))
        self.latest = sample
        if not self.samples or now - self.samples[-1].at >= rep.SAMPLE_PERIOD:
            self.samples.append(sample)

    # ------------------------------------------------------------------ commands

    def opt(self, opt_type: OptType, event_id: str | None, now: datetime) -> EventView:
        """The user's opt decision for an event (default: the active one, else the next one)."""
        reg = self._require_registration()
        record = self._find_event(event_id, now)
        if record.response_required is ResponseRequired.ALWAYS:
            if self.config.event_opt_via_eiopt or record.opt_via_eiopt:
                # R206: once oadrCreateOpt qualified the event, only oadrCreateOpt changes it.
                self._queue(
                    event_opt_create_opt(
                        record,
                        opt_type,
                        config=self.config,
                        ven_id=reg.ven_id,
                        opt_id=self._ids.new("opt-"),
                        request_id=self._ids.new("req-"),
                        now=now,
                    )
                )
                record = replace(record, opt_via_eiopt=True)
            else:
                self._queue(event_opt_created_event(record, opt_type, reg.ven_id))  # R17, R42
        # `never` events: a local decision only; nothing may be sent (R12, R206).
        record = replace(record, opt=opt_type, user_opt=True)
        self.events[record.event.event_id] = record
        result = view(record, now)
        self._notes.append(note_for(NotificationKind.OPT_CHANGED, result))
        return result

    def _find_event(self, event_id: str | None, now: datetime) -> EventRecord:
        if event_id is not None:
            record = self.events.get(event_id)
            if record is None or record.cancelled:
                raise UnknownEventError(event_id)
            return record
        snapshot = self.snapshot(now)
        candidates = snapshot.active_events or snapshot.pending_events
        if not candidates:
            raise UnknownEventError("no active or pending event")
        return self.events[candidates[0].event_id]

    def set_availability(
        self, windows: Sequence[Availability], opt_type: OptType, reason: OptReason, now: datetime
    ) -> str:
        reg = self._require_registration()
        opt_id = self._ids.new("opt-")
        message = availability_opt(
            windows,
            opt_type,
            reason,
            config=self.config,
            ven_id=reg.ven_id,
            opt_id=opt_id,
            request_id=self._ids.new("req-"),
            now=now,
        )
        self.availability[opt_id] = message
        self._queue(message)
        return opt_id

    def clear_availability(self, opt_id: str | None) -> None:
        reg = self._require_registration()
        if opt_id is not None and opt_id not in self.availability:
            raise UnknownOptError(opt_id)
        for oid in [opt_id] if opt_id is not None else list(self.availability):
            del self.availability[oid]
            self._queue(cancel_opt(oid, ven_id=reg.ven_id, request_id=self._ids.new("req-")))

    def _on_opt_answer(self, reply: CreatedOpt | CanceledOpt) -> None:
        if not reply.response.ok:
            _LOGGER.warning(
                "VTN refused opt %s: %s %s", reply.opt_id, reply.response.code, reply.response.description
            )
            if isinstance(reply, CreatedOpt):
                self.availability.pop(reply.opt_id, None)

    def request_events(self) -> None:
        reg = self._require_registration()
        self._queue(RequestEvent(request_id=self._ids.new("req-"), ven_id=reg.ven_id))  # R500 re-sync

    def poll_now(self, now: datetime) -> None:
        self.next_poll = now

    def allow_registration(self) -> None:
        """User asked to register (again): lift the hold after a VTN cancel (R401)."""
        self.vtn_cancelled = False
        self.register_at = None

    def erase(self, now: datetime) -> None:
        """VEN-initiated cancellation done (or given up): forget the VTN and stop registering."""
        self._erase(now)
        self.outbox.clear()
        self.vtn_cancelled = True

    # ------------------------------------------------------------------ time and outputs

    def tick(self, now: datetime) -> None:
        """Advance timers: reports due, finished events pruned, notifications computed."""
        self.events = prune(self.events, now)
        self._run_reports(now)
        notes, self._seen = diff(self._seen, [view(r, now) for r in self.events.values()])
        self._notes.extend(notes)

    def take_notifications(self) -> list[Notification]:
        notes, self._notes = self._notes, []
        return notes

    def manual_override(self, now: datetime) -> bool:
        """True while the user opted out of an active event (TELEMETRY_STATUS oadrManualOverride)."""
        return any(
            r.user_opt and r.opt is OptType.OPT_OUT and status(r, now) is EventStatus.ACTIVE
            for r in self.events.values()
        )

    def snapshot(self, now: datetime) -> VenSnapshot:
        views = sorted((view(r, now) for r in self.events.values()), key=lambda v: (v.start, v.event_id))
        return VenSnapshot(
            registration=self.registration,
            connection=self.connection,
            events=tuple(views),
            active_report_requests=tuple(self.jobs),
            availability_opt_ids=tuple(self.availability),
            manual_override=self.manual_override(now),
        )

    def _queue(self, message: OutgoingMessage) -> None:
        if len(self.outbox) >= MAX_OUTBOX:
            victim = next((o for o in self.outbox if isinstance(o.message, UpdateReport)), self.outbox[0])
            self.outbox.remove(victim)
            _LOGGER.warning(
                "Outbox full (%d): dropped the oldest %s", MAX_OUTBOX, type(victim.message).__name__
            )
        self.outbox.append(Outgoing(message))

    def _require_registration(self) -> RegistrationState:
        if self.registration is None:
            raise NotRegisteredError("the VEN is not registered")
        return self.registration

    # ------------------------------------------------------------------ persistence

    def _persisted(self) -> dict[str, Any]:
        """Everything :meth:`to_dict` saves except the samples, as immutable values.

        The single list of persisted fields: :meth:`to_dict` encodes it and :attr:`revision`
        compares it, so a field added here is both saved and tracked.
        """
        return {
            "registration": self.registration,
            "vtn_cancelled": self.vtn_cancelled,
            "events": tuple(self.events.values()),
            "jobs": tuple(self.jobs.values()),
            "outbox": tuple(self.outbox),
            "availability": tuple(self.availability.values()),
            "seen": tuple((k, s, tuple(vals.items())) for k, (s, vals) in self._seen.items()),
        }

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": STATE_VERSION}
        for name, value in self._persisted().items():
            if name == "seen":
                data[name] = {k: [s, dict(vals)] for k, s, vals in value}
            else:
                data[name] = encode(value)
        data["samples"] = encode(list(self.samples)[-PERSISTED_SAMPLES:])
        return data

    def load_dict(self, data: dict[str, Any]) -> bool:
        """Restore :meth:`to_dict` output; False (and a fresh state) for an unknown version."""
        if data.get("version") != STATE_VERSION:
            _LOGGER.warning("Ignoring stored VEN state of version %s", data.get("version"))
            return False
        self.registration = decode(data["registration"])
        self.vtn_cancelled = bool(data.get("vtn_cancelled", False))
        self.events = {r.event.event_id: r for r in decode(data["events"])}
        self.jobs = {j.report_request_id: j for j in decode(data["jobs"])}
        self.outbox = list(decode(data["outbox"]))
        self.availability = {o.opt_id: o for o in decode(data["availability"])}
        self.samples = deque(decode(data.get("samples", [])), maxlen=rep.SAMPLE_BUFFER)
        self._seen = {k: (v[0], dict(v[1])) for k, v in data.get("seen", {}).items()}
        return True
