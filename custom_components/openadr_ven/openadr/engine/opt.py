"""EiOpt for the VEN (VEN_REQUIREMENTS §5, R200-R211)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from ..config import VenConfig
from ..enums import OptReason, OptType, ResponseRequired
from ..errors import UnknownOptError
from ..models import (
    Availability,
    CanceledOpt,
    CancelOpt,
    CreatedEvent,
    CreatedOpt,
    CreateOpt,
    EventResponse,
    OutgoingMessage,
    Response,
    Target,
)
from .common import IdFactory
from .timing import EventRecord

_LOGGER = logging.getLogger(__name__)


def our_target(config: VenConfig, ven_id: str) -> Target:
    """eiTarget of an opt: our venID (S p.46), plus our resource when configured (R202)."""
    resources = (config.resource_id,) if config.resource_id else ()
    return Target(ven_ids=(ven_id,), resource_ids=resources)


def event_opt_created_event(record: EventRecord, opt_type: OptType, ven_id: str) -> CreatedEvent:
    """A new oadrCreatedEvent changing the opt of an acknowledged event (R17), same requestID (R42)."""
    response = EventResponse(
        event_id=record.event.event_id,
        modification_number=record.event.modification_number,
        opt_type=opt_type,
        code=200,
        description="OK",
        request_id=record.request_id,
    )
    return CreatedEvent(ven_id=ven_id, event_responses=(response,), response=Response(200, "OK", ""))


def event_opt_create_opt(
    record: EventRecord,
    opt_type: OptType,
    *,
    config: VenConfig,
    ven_id: str,
    opt_id: str,
    request_id: str,
    now: datetime,
) -> CreateOpt:
    """oadrCreateOpt with qualifiedEventID: no vavailability, no marketContext (R206)."""
    reason = OptReason.PARTICIPATING if opt_type is OptType.OPT_IN else OptReason.NOT_PARTICIPATING
    return CreateOpt(
        request_id=request_id,
        ven_id=ven_id,
        opt_id=opt_id,
        opt_type=opt_type,
        opt_reason=reason,
        created_date_time=now,
        event_id=record.event.event_id,
        modification_number=record.event.modification_number,
        target=our_target(config, ven_id),
    )


def availability_opt(
    windows: Sequence[Availability],
    opt_type: OptType,
    reason: OptReason,
    *,
    config: VenConfig,
    ven_id: str,
    opt_id: str,
    request_id: str,
    now: datetime,
) -> CreateOpt:
    """An availability schedule (vavailability required without an event, R206; duration 0 = open, R210)."""
    if not windows:
        raise ValueError("an availability schedule needs at least one window")
    return CreateOpt(
        request_id=request_id,
        ven_id=ven_id,
        opt_id=opt_id,
        opt_type=opt_type,
        opt_reason=reason,
        created_date_time=now,
        availability=tuple(windows),
        target=our_target(config, ven_id),
    )


def cancel_opt(opt_id: str, *, ven_id: str, request_id: str) -> CancelOpt:
    """oadrCancelOpt: only for schedules, never for an optID that qualified an event (R211)."""
    return CancelOpt(request_id=request_id, ven_id=ven_id, opt_id=opt_id)


def opt_event(
    record: EventRecord, opt_type: OptType, *, config: VenConfig, ven_id: str, ids: IdFactory, now: datetime
) -> tuple[EventRecord, OutgoingMessage | None]:
    """The user's opt for an event: the updated record, and the message that tells the VTN."""
    message: OutgoingMessage | None = None
    if record.response_required is ResponseRequired.ALWAYS:
        if config.event_opt_via_eiopt or record.opt_via_eiopt:
            # R206: once oadrCreateOpt qualified the event, only oadrCreateOpt changes it.
            message = event_opt_create_opt(
                record,
                opt_type,
                config=config,
                ven_id=ven_id,
                opt_id=ids.new("opt-"),
                request_id=ids.new("req-"),
                now=now,
            )
            record = replace(record, opt_via_eiopt=True)
        else:
            message = event_opt_created_event(record, opt_type, ven_id)  # R17, R42
    # `never` events: a local decision only; nothing may be sent (R12, R206).
    return replace(record, opt=opt_type, user_opt=True), message


class AvailabilityBook:
    """Availability schedules sent with oadrCreateOpt, by optID (persisted, R200-R211)."""

    def __init__(self, config: VenConfig, ids: IdFactory, queue: Callable[[OutgoingMessage], None]) -> None:
        self.config = config
        self._ids = ids
        self._queue = queue
        self.opts: dict[str, CreateOpt] = {}

    def add(
        self,
        windows: Sequence[Availability],
        opt_type: OptType,
        reason: OptReason,
        *,
        ven_id: str,
        now: datetime,
    ) -> str:
        opt_id = self._ids.new("opt-")
        message = availability_opt(
            windows,
            opt_type,
            reason,
            config=self.config,
            ven_id=ven_id,
            opt_id=opt_id,
            request_id=self._ids.new("req-"),
            now=now,
        )
        self.opts[opt_id] = message
        self._queue(message)
        return opt_id

    def clear(self, opt_id: str | None, *, ven_id: str) -> None:
        """oadrCancelOpt for one schedule, or for all of them (None)."""
        if opt_id is not None and opt_id not in self.opts:
            raise UnknownOptError(opt_id)
        for oid in [opt_id] if opt_id is not None else list(self.opts):
            del self.opts[oid]
            self._queue(cancel_opt(oid, ven_id=ven_id, request_id=self._ids.new("req-")))

    def on_answer(self, reply: CreatedOpt | CanceledOpt) -> None:
        """The VTN's oadrCreatedOpt / oadrCanceledOpt: a refused schedule is forgotten."""
        if not reply.response.ok:
            _LOGGER.warning(
                "VTN refused opt %s: %s %s", reply.opt_id, reply.response.code, reply.response.description
            )
            if isinstance(reply, CreatedOpt):
                self.opts.pop(reply.opt_id, None)
