"""EiOpt for the VEN (VEN_REQUIREMENTS §5, R200-R211)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..config import VenConfig
from ..enums import OptReason, OptType
from ..models import Availability, CancelOpt, CreatedEvent, CreateOpt, EventResponse, Response, Target
from .timing import EventRecord


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
