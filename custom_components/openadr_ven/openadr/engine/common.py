"""Pieces every engine module shares: outgoing messages, IDs, market-context comparison."""

from __future__ import annotations

import random
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from ..enums import Service
from ..models import (
    CanceledPartyRegistration,
    CanceledReport,
    CancelOpt,
    CancelPartyRegistration,
    CreatedEvent,
    CreatedReport,
    CreateOpt,
    CreatePartyRegistration,
    OadrResponse,
    OutgoingMessage,
    Poll,
    QueryRegistration,
    RegisteredReport,
    RegisterReport,
    RequestEvent,
    UpdateReport,
)
from .codec import register


def service_for(message: OutgoingMessage) -> Service:
    """The Simple HTTP endpoint a VEN->VTN message is POSTed to (R511, §1.3)."""
    match message:
        case (
            QueryRegistration()
            | CreatePartyRegistration()
            | CancelPartyRegistration()
            | CanceledPartyRegistration()
            | OadrResponse()
        ):
            return Service.EI_REGISTER_PARTY
        case Poll():
            return Service.OADR_POLL
        case RequestEvent() | CreatedEvent():
            return Service.EI_EVENT
        case CreateOpt() | CancelOpt():
            return Service.EI_OPT
        case RegisterReport() | RegisteredReport() | CreatedReport() | UpdateReport() | CanceledReport():
            return Service.EI_REPORT
    raise TypeError(f"not a VEN->VTN message: {type(message).__name__}")  # pragma: no cover


@register
@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message the engine wants delivered, and why (``purpose`` drives the reply handling)."""

    message: OutgoingMessage
    purpose: str = ""

    @property
    def service(self) -> Service:
        return service_for(self.message)


class IdFactory:
    """Request/opt IDs drawn from the engine's rng (seeded in tests, so IDs are predictable)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def new(self, prefix: str) -> str:
        return f"{prefix}{self._rng.getrandbits(48):012x}"


def normalize_market_context(uri: str) -> str:
    """RFC 3986 normalization for comparison (R512): scheme and host are case-insensitive."""
    text = uri.strip()
    parts = urlsplit(text)
    if not parts.scheme:
        return text
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment))
