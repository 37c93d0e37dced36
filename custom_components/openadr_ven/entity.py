"""Base entity of the OpenADR VEN integration, and how entities pick "the" event of a snapshot.

One device per VEN (per config entry); every entity is push-updated by the coordinator.
Availability follows the coordinator, which never fails on network errors: entities keep
showing stored data while the VTN is unreachable (the connectivity binary sensor shows the
outage).

Which event an entity talks about (the rules every platform shares):

* *active*: the events whose locally computed status (R114) is ``active``, highest priority
  first (lower number wins, 0 lowest, R3), as :attr:`VenSnapshot.active_events` orders them;
* *next*: the pending (``far``/``near``) event that starts first;
* *relevant*: the active event if there is one, else the next one.
"""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.loader import async_get_loaded_integration

from .const import CONF_VEN_NAME, DOMAIN
from .coordinator import OpenADRCoordinator
from .openadr.enums import EventStatus, OptType, SignalName
from .openadr.state import EventView, SignalView, VenSnapshot

MANUFACTURER = "OpenADR"
MODEL = "OpenADR 2.0b VEN"

PRICE_SIGNALS = (SignalName.ELECTRICITY_PRICE, SignalName.ENERGY_PRICE)
# Price signal types whose value is money per kWh (VEN_REQUIREMENTS §2.4 table); a
# priceMultiplier has no unit.
_PRICE_PER_KWH_TYPES = frozenset({"price", "priceRelative"})


def _integration_version(hass: HomeAssistant) -> str | None:
    """The manifest version of this integration (the device's software version)."""
    version = async_get_loaded_integration(hass, DOMAIN).version
    return str(version) if version is not None else None


class OpenADREntity(CoordinatorEntity[OpenADRCoordinator]):
    """An entity of the VEN device."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: OpenADRCoordinator, description: EntityDescription) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        ven_key = coordinator.ven_key
        self._attr_unique_id = f"{ven_key}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, ven_key)},
            name=entry.data.get(CONF_VEN_NAME) or entry.title,
            manufacturer=MANUFACTURER,
            model=MODEL,
            sw_version=_integration_version(coordinator.hass),
            entry_type=DeviceEntryType.SERVICE,
        )

    @property
    def snapshot(self) -> VenSnapshot:
        """The VEN's latest snapshot (an empty one before the client published any)."""
        data = self.coordinator.data
        return data if data is not None else VenSnapshot()


# ---------------------------------------------------------------------------------------------
# Picking events and signals out of a snapshot (pure functions, shared by every platform).


def active_event(snapshot: VenSnapshot) -> EventView | None:
    """The active event that wins by priority (R3), or None."""
    active = snapshot.active_events
    return active[0] if active else None


def active_opted_in_event(snapshot: VenSnapshot) -> EventView | None:
    """The highest-priority active event the VEN takes part in (opted in), or None."""
    return next((e for e in snapshot.active_events if e.opt is OptType.OPT_IN), None)


def next_event(snapshot: VenSnapshot) -> EventView | None:
    """The pending (far or near) event that starts first, or None."""
    pending = snapshot.pending_events
    return min(pending, key=lambda e: e.start) if pending else None


def relevant_event(snapshot: VenSnapshot) -> EventView | None:
    """The active event, else the next one."""
    return active_event(snapshot) or next_event(snapshot)


def latest_past_event(snapshot: VenSnapshot) -> EventView | None:
    """The completed or cancelled event that started last, or None."""
    past = [e for e in snapshot.events if e.status in (EventStatus.COMPLETED, EventStatus.CANCELLED)]
    return max(past, key=lambda e: e.start) if past else None


def find_signal(event: EventView, names: Iterable[str]) -> SignalView | None:
    """The first signal of ``event`` whose name is one of ``names`` (in the event's order)."""
    wanted = set(names)
    return next((s for s in event.signals if s.name in wanted), None)


def simple_level(snapshot: VenSnapshot) -> int:
    """The SIMPLE level (0-3) the home should follow now: that of the winning opted-in active
    event, 0 when none (an opted-out event asks nothing of the home)."""
    for event in snapshot.active_events:
        if event.opt is not OptType.OPT_IN:
            continue
        signal = find_signal(event, (SignalName.SIMPLE,))
        if signal is not None and signal.current_value is not None:
            return max(0, min(3, round(signal.current_value)))
    return 0


def active_price_signal(snapshot: VenSnapshot) -> SignalView | None:
    """The current price signal: the first price signal of the active events by priority.

    A price is information, not a request to shed load, so it is shown whatever the opt.
    """
    for event in snapshot.active_events:
        signal = find_signal(event, PRICE_SIGNALS)
        if signal is not None and signal.current_value is not None:
            return signal
    return None


def price_unit(signal: SignalView) -> str | None:
    """The unit of a price signal: currency per kWh, none for a multiplier."""
    if signal.type not in _PRICE_PER_KWH_TYPES:
        return None
    currency = signal.currency or signal.unit
    return f"{currency}/kWh" if currency else None
