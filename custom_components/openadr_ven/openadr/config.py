"""What the utility told the home owner: the VEN's identity, programs and protocol options."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from .enums import OptType


@dataclass(frozen=True, slots=True)
class VenConfig:
    """Static configuration of one VEN (one config entry)."""

    ven_name: str
    ven_id: str | None = None  # pre-assigned by the utility (N1_0025, R402)
    resource_id: str | None = None  # our resource, for targeting (R22) and opts (R202)
    market_contexts: tuple[str, ...] = ()  # accepted programs; empty = accept all (R48 exception)
    default_opt: OptType = OptType.OPT_IN
    xml_signature: bool = False
    report_only: bool = False
    party_id: str | None = None
    group_ids: tuple[str, ...] = ()
    # Additions beyond api.md (all optional, defaults keep the agreed behaviour):
    end_device_assets: tuple[str, ...] = ()  # device classes (R111 list) this VEN controls
    event_opt_via_eiopt: bool = False  # user opt changes via oadrCreateOpt+qualifiedEventID (R206)
    default_poll_interval: timedelta = timedelta(seconds=60)  # when the VTN sends no poll frequency
    auto_register: bool = True  # register at start-up when unregistered (R401)
