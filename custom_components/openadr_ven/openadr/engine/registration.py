"""EiRegisterParty for a pull VEN (VEN_REQUIREMENTS §4, R400-R407)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..config import VenConfig
from ..enums import ResponseCode
from ..errors import VTNResponseError
from ..models import (
    CanceledPartyRegistration,
    CancelPartyRegistration,
    CreatedPartyRegistration,
    CreatePartyRegistration,
    Response,
)
from ..state import RegistrationState

REGISTRATION_RETRY = timedelta(minutes=5)  # after the VTN refused a registration
MIN_POLL_INTERVAL = timedelta(seconds=1)  # floor on a (non-conformant) tiny oadrRequestedOadrPollFreq


def create_party_registration(
    config: VenConfig, request_id: str, current: RegistrationState | None = None
) -> CreatePartyRegistration:
    """oadrCreatePartyRegistration (R402): no registrationID on a new registration; with the
    current IDs on a re-registration; a pre-assigned venID when configured (N1_0025)."""
    return CreatePartyRegistration(
        request_id=request_id,
        ven_name=config.ven_name,
        ven_id=current.ven_id if current else config.ven_id,
        registration_id=current.registration_id if current else None,
        profile_name="2.0b",
        transport_name="simpleHttp",
        report_only=config.report_only,
        xml_signature=config.xml_signature,
        http_pull_model=True,
    )


def registration_from_reply(
    reply: CreatedPartyRegistration, config: VenConfig, now: datetime, current: RegistrationState | None
) -> RegistrationState:
    """Store venID, registrationID, vtnID and the poll frequency (R403). Raises VTNResponseError."""
    if not reply.response.ok:
        raise VTNResponseError(reply.response.code, reply.response.description)
    ven_id = reply.ven_id or (current.ven_id if current else None) or config.ven_id
    registration_id = reply.registration_id or (current.registration_id if current else None)
    if not ven_id or not registration_id:
        raise VTNResponseError(ResponseCode.COMPLIANCE_ERROR, "registration without venID/registrationID")
    poll = reply.poll_freq if reply.poll_freq is not None else config.default_poll_interval
    return RegistrationState(
        ven_id=ven_id,
        registration_id=registration_id,
        vtn_id=reply.vtn_id,
        poll_interval=max(poll, MIN_POLL_INTERVAL),
        registered_at=now,
    )


def answer_cancel(
    message: CancelPartyRegistration, registration: RegistrationState
) -> tuple[CanceledPartyRegistration, bool]:
    """Answer a VTN-initiated cancel; 452 and stay registered when the ID is wrong (R400, N1_0070)."""
    if message.registration_id != registration.registration_id:
        response = Response(ResponseCode.INVALID_ID, "unknown registrationID", message.request_id)
        return CanceledPartyRegistration(response, message.registration_id, registration.ven_id), False
    response = Response(ResponseCode.OK, "OK", message.request_id)
    return CanceledPartyRegistration(response, registration.registration_id, registration.ven_id), True
