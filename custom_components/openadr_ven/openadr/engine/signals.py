"""Can this VEN execute an event? Market context, targets and signals (§2.4, §2.5, §2.6).

:func:`evaluate_event` returns the eventResponse code: 200, 462 (target or market context
mismatch, R48), 460 (signal name/type/unit not supported, R48, R109), 454 (value out of the
range Table 1 allows) or 469 (the signal cannot be resolved to one of our resources, R112).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..config import VenConfig
from ..enums import ResponseCode, SignalName, SignalType
from ..models import Event, EventSignal, ItemBase, Target
from .common import normalize_market_context

_PRICE_TYPES = frozenset({SignalType.PRICE, SignalType.PRICE_RELATIVE, SignalType.PRICE_MULTIPLIER})
_LOAD_CONTROL_TYPES = frozenset(
    {
        SignalType.X_LOAD_CONTROL_CAPACITY,
        SignalType.X_LOAD_CONTROL_LEVEL_OFFSET,
        SignalType.X_LOAD_CONTROL_PERCENT_OFFSET,
        SignalType.X_LOAD_CONTROL_SETPOINT,
    }
)

# Valid signalName/signalType pairs of Alliance Table 1 (§2.4). SIMPLE must be `level` in 2.0b (R116).
VALID_SIGNALS: dict[str, frozenset[str]] = {
    SignalName.SIMPLE: frozenset({SignalType.LEVEL}),
    SignalName.ELECTRICITY_PRICE: _PRICE_TYPES,
    SignalName.ENERGY_PRICE: _PRICE_TYPES,
    SignalName.DEMAND_CHARGE: _PRICE_TYPES,
    SignalName.BID_PRICE: frozenset({SignalType.PRICE}),
    SignalName.BID_LOAD: frozenset({SignalType.SETPOINT}),
    SignalName.BID_ENERGY: frozenset({SignalType.SETPOINT}),
    SignalName.CHARGE_STATE: frozenset({SignalType.SETPOINT, SignalType.DELTA, SignalType.MULTIPLIER}),
    SignalName.LOAD_DISPATCH: frozenset(
        {SignalType.SETPOINT, SignalType.DELTA, SignalType.MULTIPLIER, SignalType.LEVEL}
    ),
    SignalName.LOAD_CONTROL: _LOAD_CONTROL_TYPES,
}

_POWER = frozenset({"powerReal", "powerApparent", "powerReactive"})
_ENERGY = frozenset({"energyReal", "energyApparent", "energyReactive"})
_NO_UNIT: frozenset[str] = frozenset()

# itemBase kinds Table 1 allows per (name, type); absent itemBase is accepted (units then implied).
_UNITS: dict[tuple[str, str], frozenset[str]] = {
    **{
        (n, t): frozenset({"currencyPerKWh"})
        for n in ("ELECTRICITY_PRICE", "ENERGY_PRICE")
        for t in ("price", "priceRelative")
    },
    **{("DEMAND_CHARGE", t): frozenset({"currencyPerKW"}) for t in ("price", "priceRelative")},
    ("BID_PRICE", "price"): frozenset({"currency"}),
    ("BID_LOAD", "setpoint"): _POWER,
    ("BID_ENERGY", "setpoint"): _ENERGY,
    ("CHARGE_STATE", "setpoint"): _ENERGY,
    ("CHARGE_STATE", "delta"): _ENERGY,
    ("LOAD_DISPATCH", "setpoint"): _POWER,
    ("LOAD_DISPATCH", "delta"): _POWER,
    ("LOAD_DISPATCH", "level"): _POWER,
}


@dataclass(frozen=True, slots=True)
class Verdict:
    code: int
    description: str

    @property
    def ok(self) -> bool:
        return self.code == ResponseCode.OK


OK = Verdict(ResponseCode.OK, "OK")


def canonical_signal_name(name: str) -> str:
    """``simple`` is an accepted spelling of SIMPLE (Table 1)."""
    return SignalName.SIMPLE if name == "simple" else name


def market_context_accepted(config: VenConfig, market_context: str) -> bool:
    """Empty configuration accepts every program (R48 exception); comparison per R512."""
    if not config.market_contexts:
        return True
    wanted = {normalize_market_context(m) for m in config.market_contexts}
    return normalize_market_context(market_context) in wanted


def target_matches(config: VenConfig, ven_id: str | None, target: Target) -> bool:
    """Event-level eiTarget: empty means us; several criteria are OR'd (R22)."""
    if target.empty:
        return True
    if ven_id is not None and ven_id in target.ven_ids:
        return True
    if config.resource_id is not None and config.resource_id in target.resource_ids:
        return True
    if config.party_id is not None and config.party_id in target.party_ids:
        return True
    if set(config.group_ids) & set(target.group_ids):
        return True
    return bool(set(config.end_device_assets) & set(target.end_device_assets))


def _signal_target_resolvable(config: VenConfig, ven_id: str | None, target: Target) -> bool:
    """Signal-level target (R111): endDeviceAsset mrids OR'd, AND'd with the event target.

    With no device classes configured the whole home is one resource and every mrid resolves
    to it; otherwise at least one mrid must be ours.  Any other criterion (not allowed at
    signal level) must name us, or the signal cannot be applied to a resource (R112).
    """
    if target.empty:
        return True
    others = Target(
        ven_ids=target.ven_ids,
        resource_ids=target.resource_ids,
        group_ids=target.group_ids,
        party_ids=target.party_ids,
        others=target.others,
    )
    if not others.empty and not target_matches(config, ven_id, others):
        return False
    if target.end_device_assets and config.end_device_assets:
        return bool(set(target.end_device_assets) & set(config.end_device_assets))
    return True


def _values_in_range(name: str, signal_type: str, values: list[float]) -> bool:
    if any(math.isnan(v) or math.isinf(v) for v in values):
        return False
    if name == SignalName.SIMPLE:
        return all(v in (0, 1, 2, 3) for v in values)  # R9
    if name == SignalName.LOAD_DISPATCH and signal_type == SignalType.LEVEL:
        return all(v == int(v) and -10 <= v <= 10 for v in values)
    if name == SignalName.CHARGE_STATE and signal_type == SignalType.MULTIPLIER:
        return all(0.0 <= v <= 1.0 for v in values)
    if name == SignalName.LOAD_CONTROL and signal_type == SignalType.X_LOAD_CONTROL_CAPACITY:
        return all(0.0 <= v <= 1.0 for v in values)
    if name == SignalName.LOAD_CONTROL and signal_type == SignalType.X_LOAD_CONTROL_LEVEL_OFFSET:
        return all(v == int(v) for v in values)
    return True


def _unit_ok(name: str, signal_type: str, item_base: ItemBase | None) -> bool:
    if item_base is None:
        return True
    allowed = _UNITS.get((name, signal_type), _NO_UNIT)
    # Unit-less types (multipliers, levels of SIMPLE, LOAD_CONTROL) tolerate an informative itemBase.
    return not allowed or item_base.kind in allowed


def evaluate_signal(config: VenConfig, ven_id: str | None, signal: EventSignal) -> Verdict:
    name = canonical_signal_name(signal.signal_name)
    types = VALID_SIGNALS.get(name)
    if types is None:
        return Verdict(ResponseCode.SIGNAL_NOT_SUPPORTED, f"signalName {signal.signal_name} not supported")
    if signal.signal_type not in types:
        return Verdict(
            ResponseCode.SIGNAL_NOT_SUPPORTED, f"signalType {signal.signal_type} invalid for {name}"
        )  # R109
    if not _unit_ok(name, signal.signal_type, signal.item_base):
        kind = signal.item_base.kind if signal.item_base else ""
        return Verdict(
            ResponseCode.SIGNAL_NOT_SUPPORTED, f"unit {kind} invalid for {name}/{signal.signal_type}"
        )
    values = [iv.value for iv in signal.intervals]
    if not _values_in_range(name, signal.signal_type, values):
        return Verdict(ResponseCode.INVALID_DATA, f"{name} value out of range")
    if not _signal_target_resolvable(config, ven_id, signal.target):
        return Verdict(
            ResponseCode.DEPLOYMENT_ERROR_OTHER, f"signal {signal.signal_id}: no matching resource"
        )
    return OK


def evaluate_event(config: VenConfig, ven_id: str | None, event: Event) -> Verdict:
    """The processing table of §2.6 for a (non-cancelled) event we may execute."""
    if not market_context_accepted(config, event.descriptor.market_context):
        return Verdict(ResponseCode.TARGET_MISMATCH, "marketContext not accepted")  # R48
    if not target_matches(config, ven_id, event.target):
        return Verdict(ResponseCode.TARGET_MISMATCH, "eiTarget does not match this VEN")  # R48
    if not event.signals:
        return Verdict(ResponseCode.COMPLIANCE_ERROR, "event has no signal")  # R33
    for signal in event.signals:
        verdict = evaluate_signal(config, ven_id, signal)
        if not verdict.ok:
            return verdict
    return OK
