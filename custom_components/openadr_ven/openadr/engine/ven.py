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
from ..enums import EventStatus, OptReason, OptType, ResponseCode
from ..errors import NotRegisteredError, UnknownEventError, VTNResponseError
from ..models import (
    Availability,
    CanceledOpt,
    CanceledPartyRegistration,
    CancelPartyRegistration,
    CancelReport,
    CreatedOpt,
    CreatedPartyRegistration,
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
from . import persistence
from . import reports as rep
from .common import IdFactory, Outgoing
from .events import process_distribute, prune
from .opt import AvailabilityBook, opt_event
from .persistence import ChangeCounter, SavedState, freeze_seen
from .registration import (
    REGISTRATION_RETRY,
    answer_cancel,
    create_party_registration,
    registration_from_reply,
)
from .reporting import ReportBook
from .timing import EventRecord, boundaries, diff, note_for, status, view

_LOGGER = logging.getLogger(__name__)

MAX_OUTBOX = 500  # messages owed to the VTN while it is unreachable; beyond it the oldest report goes


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
        self.outbox: list[Outgoing] = []
        self.reports = ReportBook(config, self._ids, self._queue, has_history=has_history)
        self.availability_book = AvailabilityBook(config, self._ids, self._queue)
        self.connection = ConnectionState()
        self.next_poll: datetime | None = None
        self.register_at: datetime | None = None
        self.draining = False
        self.unreadable_replies = 0  # VTN replies in a row we could not read (or verify, R514)
        self._seen: dict[str, tuple[str, dict[str, float | None]]] = {}
        self._notes: list[Notification] = []
        self._changes = ChangeCounter()

    @property
    def jobs(self) -> dict[str, rep.ReportJob]:
        """Accepted report requests by reportRequestID (persisted)."""
        return self.reports.jobs

    @property
    def samples(self) -> deque[rep.Sample]:
        """The telemetry sample ring (R510)."""
        return self.reports.samples

    @property
    def availability(self) -> dict[str, CreateOpt]:
        """Availability schedules sent with oadrCreateOpt, by optID (persisted)."""
        return self.availability_book.opts

    # ------------------------------------------------------------------ change tracking

    @property
    def revision(self) -> int:
        """A number that changes whenever the persisted state (:meth:`to_dict` minus the telemetry
        samples) has changed since it was last read; the driver saves only then.

        Nothing has to remember to bump it: it compares :meth:`saved_state` with its value at
        the previous read (see :mod:`.persistence`).
        """
        return self._changes.observe(self.saved_state())

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
            times.extend(self.reports.due_times(now))
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
        if self.unreadable_replies:
            _LOGGER.info("VTN replies are readable again")
            self.unreadable_replies = 0
        if self.outbox and self.outbox[0] is out:
            self.outbox.pop(0)
        self._dispatch(out, reply, now)
        self.tick(now)
        return came_back

    def on_undecodable(
        self, out: Outgoing, error: str, now: datetime, kind: ErrorKind = ErrorKind.PAYLOAD
    ) -> None:
        """The VTN answered with a payload we cannot read or verify: it got our message, and what
        it said is ignored (R514 for a missing or bad signature). Logged once per run of them; a
        VTN that keeps answering so is asked again at the normal pace, never in a tight loop."""
        self.unreadable_replies += 1
        log = _LOGGER.warning if self.unreadable_replies == 1 else _LOGGER.debug
        log("Ignoring an unreadable VTN reply to %s: %s", type(out.message).__name__, error)
        self.connection = replace(
            self.connection, online=True, last_success=now, last_error=error, last_error_kind=kind
        )
        if self.outbox and self.outbox[0] is out:
            self.outbox.pop(0)
        if out.purpose == "poll" and self.registration is not None:
            self._schedule_poll(now)
            # The VTN's queue may hold more (R500): poll again at once, but only after the first
            # unreadable reply in a row.
            self.draining = self.unreadable_replies == 1
        elif out.purpose in ("register", "reregister") and self.registration is None:
            self.register_at = now + REGISTRATION_RETRY

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
            self.availability_book.on_answer(reply)
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

    # ------------------------------------------------------------------ reports (see .reporting)

    def _metadata(self, now: datetime, report_request_id: str | None = None) -> RegisterReport:
        return self.reports.metadata(self._require_registration().ven_id, now, report_request_id)

    def _on_report_requests(self, requests: Sequence[ReportRequest], request_id: str, now: datetime) -> None:
        if requests:
            self.reports.on_requests(requests, request_id, self._require_registration().ven_id, now)

    def _on_cancel_report(self, message: CancelReport, now: datetime, *, answer: bool) -> None:
        answer_as = self._require_registration().ven_id if answer else None
        self.reports.on_cancel(message, now, answer_as=answer_as)
        self._run_reports(now)

    def _run_reports(self, now: datetime) -> None:
        if self.registration is not None:
            self.reports.run_due(self.registration.ven_id, now)

    def history_queries(self, now: datetime) -> list[tuple[str, datetime, datetime, timedelta]]:
        """HISTORY_USAGE requests waiting for meter data: (reportRequestID, start, end, step)."""
        return self.reports.history_queries(now)

    def history_ready(
        self, report_request_id: str, points: list[tuple[datetime, float]], now: datetime
    ) -> None:
        ven_id = self.registration.ven_id if self.registration is not None else None
        self.reports.history_ready(report_request_id, points, ven_id, now)

    def record_sample(self, now: datetime, power_w: float | None, energy_wh: float | None) -> None:
        """Feed a meter reading; kept every SAMPLE_PERIOD (R337) in a bounded ring (R510)."""
        self.reports.record(rep.Sample(now, power_w, energy_wh, self.manual_override(now)))

    # ------------------------------------------------------------------ commands

    def opt(self, opt_type: OptType, event_id: str | None, now: datetime) -> EventView:
        """The user's opt decision for an event (default: the active one, else the next one)."""
        reg = self._require_registration()
        record, message = opt_event(
            self._find_event(event_id, now),
            opt_type,
            config=self.config,
            ven_id=reg.ven_id,
            ids=self._ids,
            now=now,
        )
        if message is not None:
            self._queue(message)
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
        ven_id = self._require_registration().ven_id
        return self.availability_book.add(windows, opt_type, reason, ven_id=ven_id, now=now)

    def clear_availability(self, opt_id: str | None) -> None:
        self.availability_book.clear(opt_id, ven_id=self._require_registration().ven_id)

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

    def saved_state(self) -> SavedState:
        """What :meth:`to_dict` saves (apart from the samples), as immutable values."""
        return SavedState(
            registration=self.registration,
            vtn_cancelled=self.vtn_cancelled,
            events=tuple(self.events.values()),
            jobs=tuple(self.jobs.values()),
            outbox=tuple(self.outbox),
            availability=tuple(self.availability.values()),
            seen=freeze_seen(self._seen),
        )

    def to_dict(self) -> dict[str, Any]:
        return persistence.to_dict(self.saved_state(), self.samples)

    def load_dict(self, data: dict[str, Any]) -> bool:
        """Restore :meth:`to_dict` output; False (and a fresh state) for an unknown version."""
        restored = persistence.from_dict(data)
        if restored is None:
            return False
        state = restored.state
        self.registration = state.registration
        self.vtn_cancelled = state.vtn_cancelled
        self.events = {r.event.event_id: r for r in state.events}
        self.reports.jobs = {j.report_request_id: j for j in state.jobs}
        self.outbox = list(state.outbox)
        self.availability_book.opts = {o.opt_id: o for o in state.availability}
        self.reports.samples = deque(restored.samples, maxlen=rep.SAMPLE_BUFFER)
        self._seen = {event_id: (status, dict(values)) for event_id, status, values in state.seen}
        return True
