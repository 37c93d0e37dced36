"""The event processing table (VEN_REQUIREMENTS §2.6): oadrDistributeEvent in, oadrCreatedEvent out.

Pure functions over a dict of :class:`EventRecord`; the state machine in ``ven.py`` owns the dict.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ..config import VenConfig
from ..enums import EventStatus, OptType, ResponseCode, ResponseRequired
from ..models import CreatedEvent, DistributeEvent, Event, EventResponse, Response
from ..state import Notification, NotificationKind
from .signals import evaluate_event
from .timing import ZERO, EventRecord, note_for, status, view, window

# Completed and cancelled events stay visible (and answer a lower modificationNumber with 450,
# R58) for this long, and at most this many events are kept: memory stays bounded.
RETENTION = timedelta(hours=24)
MAX_EVENTS = 200


@dataclass(slots=True)
class DistributeOutcome:
    records: dict[str, EventRecord]
    created_event: CreatedEvent | None
    notifications: list[Notification] = field(default_factory=list)


def draw_offset(rng: random.Random, start_after: timedelta | None) -> timedelta:
    """Random start offset in [0, startafter] (R30), whole milliseconds."""
    if start_after is None or start_after <= ZERO:
        return ZERO
    return timedelta(milliseconds=rng.randint(0, int(start_after.total_seconds() * 1000)))


def cancel_record(record: EventRecord, now: datetime, rng: random.Random) -> EventRecord:
    """Explicit or implicit cancellation: stop now, or at a random point in [0, startafter] (R65).

    Callers pass only records not yet cancelled (a second cancel must not redraw the end).
    """
    end = now + draw_offset(rng, record.event.active_period.start_after)
    return replace(record, cancelled=True, cancel_end=end)


def _response(
    event_id: str, mod: int, opt: OptType, *, request_id: str, code: int, text: str
) -> EventResponse:
    return EventResponse(
        event_id=event_id,
        modification_number=mod,
        opt_type=opt,
        code=code,
        description=text,
        request_id=request_id,  # R42: the distribute's requestID, not assumed unique (R43)
    )


def process_distribute(
    records: dict[str, EventRecord],
    message: DistributeEvent,
    *,
    config: VenConfig,
    ven_id: str,
    vtn_id: str,
    now: datetime,
    rng: random.Random,
) -> DistributeOutcome:
    """Apply one oadrDistributeEvent; answer every ``always`` event, never a ``never`` one (R12, R62)."""
    if message.vtn_id != vtn_id:
        # R21, R512: vtnID is case-sensitive; the whole payload is rejected with eiResponse 452
        # and no eventResponses (R35).
        created = CreatedEvent(
            ven_id=ven_id,
            event_responses=(),
            response=Response(ResponseCode.INVALID_ID, "unknown vtnID", message.request_id),
        )
        return DistributeOutcome(records, created)

    out = dict(records)
    notes: list[Notification] = []
    responses: list[EventResponse] = []
    seen: set[str] = set()
    rid = message.request_id

    def answer(required: ResponseRequired, response: EventResponse) -> None:
        if required is ResponseRequired.ALWAYS:
            responses.append(response)

    for event in message.events:
        event_id, mod = event.event_id, event.modification_number
        seen.add(event_id)
        known = out.get(event_id)
        if known is not None and mod < known.event.modification_number:
            # R58: out of sequence, whatever the state of the stored event (even cancelled).
            answer(
                event.response_required,
                _response(
                    event_id,
                    mod,
                    OptType.OPT_OUT,
                    request_id=rid,
                    code=ResponseCode.OUT_OF_SEQUENCE,
                    text="modificationNumber lower than known",
                ),
            )
            continue
        if event.descriptor.event_status == EventStatus.CANCELLED:
            if known is not None and not known.cancelled:
                cancelled = cancel_record(replace(known, event=event, request_id=rid), now, rng)
                out[event_id] = cancelled  # R59: leaves execution; kept only for display/R58
                notes.append(note_for(NotificationKind.EVENT_CANCELLED, view(cancelled, now)))
            # R36: optIn confirms the cancellation; R60: an unknown cancelled event is no error.
            answer(
                event.response_required,
                _response(event_id, mod, OptType.OPT_IN, request_id=rid, code=200, text="OK"),
            )
            continue
        verdict = evaluate_event(config, ven_id, event)
        if not verdict.ok:
            # R48, R109, R112: do not execute; answer the error code with optOut.
            if known is not None and not known.cancelled:
                gone = replace(known, cancelled=True, cancel_end=now)
                out[event_id] = gone
                notes.append(note_for(NotificationKind.EVENT_CANCELLED, view(gone, now)))
            answer(
                event.response_required,
                _response(
                    event_id,
                    mod,
                    OptType.OPT_OUT,
                    request_id=rid,
                    code=verdict.code,
                    text=verdict.description,
                ),
            )
            continue
        record = _accept(known, event=event, request_id=rid, config=config, now=now, rng=rng, notes=notes)
        out[event_id] = record
        answer(
            event.response_required, _response(event_id, mod, record.opt, request_id=rid, code=200, text="OK")
        )

    for invalid in message.invalid_events:
        # The parser could not read this one (459 missing data, 454 ...): answer it alone (R19).
        seen.add(invalid.event_id)
        answer(
            invalid.response_required,
            _response(
                invalid.event_id,
                invalid.modification_number,
                OptType.OPT_OUT,
                request_id=rid,
                code=invalid.code,
                text=invalid.reason,
            ),
        )

    # R61: a known event absent from the distribute is implicitly cancelled (randomized end, R65).
    for event_id, record in list(out.items()):
        if event_id in seen or record.cancelled:
            continue
        if status(record, now) in (EventStatus.COMPLETED, EventStatus.CANCELLED):
            continue
        cancelled = cancel_record(record, now, rng)
        out[event_id] = cancelled
        notes.append(note_for(NotificationKind.EVENT_CANCELLED, view(cancelled, now)))

    answer_all = (
        CreatedEvent(ven_id=ven_id, event_responses=tuple(responses), response=Response(200, "OK", ""))
        if responses
        else None  # nothing requires an answer (empty distribute, all `never`): send nothing
    )
    return DistributeOutcome(out, answer_all, notes)


def _accept(
    known: EventRecord | None,
    *,
    event: Event,
    request_id: str,
    config: VenConfig,
    now: datetime,
    rng: random.Random,
    notes: list[Notification],
) -> EventRecord:
    start_after = event.active_period.start_after
    if known is None:
        # R56: a new event (even with modificationNumber > 0, A_E1_0110).
        record = EventRecord(
            event=event,
            request_id=request_id,
            random_offset=draw_offset(rng, start_after),
            opt=config.default_opt,
            response_required=event.response_required,
            received_at=now,
        )
        notes.append(note_for(NotificationKind.EVENT_RECEIVED, view(record, now)))
        return record
    offset = known.random_offset
    if start_after != known.event.active_period.start_after:
        offset = draw_offset(rng, start_after)  # R30: redraw only when startafter changed
    record = replace(
        known,
        event=event,
        request_id=request_id,
        random_offset=offset,
        response_required=event.response_required,
        cancelled=False,
        cancel_end=None,
    )
    if event.modification_number > known.event.modification_number or known.cancelled:
        notes.append(note_for(NotificationKind.EVENT_MODIFIED, view(record, now)))  # R57
    return record


def prune(records: dict[str, EventRecord], now: datetime) -> dict[str, EventRecord]:
    """Forget finished events after :data:`RETENTION`; never keep more than :data:`MAX_EVENTS`."""
    kept = {eid: r for eid, r in records.items() if not _expired(r, now)}
    if len(kept) > MAX_EVENTS:
        # Drop finished events first, oldest first.
        order = sorted(kept.items(), key=lambda kv: (not _finished(kv[1], now), window(kv[1])[0]))
        kept = dict(order[len(kept) - MAX_EVENTS :])
    return kept


def _finished(record: EventRecord, now: datetime) -> bool:
    return status(record, now) in (EventStatus.COMPLETED, EventStatus.CANCELLED)


def _expired(record: EventRecord, now: datetime) -> bool:
    if not _finished(record, now):
        return False
    start, end = window(record)
    return now - (end if end is not None else start) > RETENTION
