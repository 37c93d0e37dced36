"""Sensors of the OpenADR VEN: SIMPLE level, price, event status and timing, diagnostics.

Every sensor reads the coordinator's snapshot through a small ``value_fn``; no sensor talks to
the VTN. Which event a sensor describes follows the rules in :mod:`.entity`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import OpenADRConfigEntry
from .entity import (
    OpenADREntity,
    active_event,
    active_price_signal,
    latest_past_event,
    next_event,
    price_unit,
    relevant_event,
    simple_level,
)
from .openadr.enums import OptType
from .openadr.state import VenSnapshot

PARALLEL_UPDATES = 0

EVENT_STATUS_OPTIONS = ["none", "far", "near", "active", "completed", "cancelled"]
OPT_STATUS_OPTIONS = ["opt_in", "opt_out", "none"]
_OPT_STATES = {OptType.OPT_IN: "opt_in", OptType.OPT_OUT: "opt_out"}


@dataclass(frozen=True, kw_only=True)
class OpenADRSensorDescription(SensorEntityDescription):
    """How one sensor reads the snapshot."""

    value_fn: Callable[[VenSnapshot], StateType | datetime]
    unit_fn: Callable[[VenSnapshot], str | None] | None = None


def _event_status(snapshot: VenSnapshot) -> str:
    """Status of the active, else next, else latest past event; "none" without events."""
    event = relevant_event(snapshot) or latest_past_event(snapshot)
    return str(event.status) if event is not None else "none"


def _opt_status(snapshot: VenSnapshot) -> str:
    event = relevant_event(snapshot)
    return _OPT_STATES[event.opt] if event is not None else "none"


def _price(snapshot: VenSnapshot) -> float | None:
    signal = active_price_signal(snapshot)
    return signal.current_value if signal is not None else None


def _price_unit(snapshot: VenSnapshot) -> str | None:
    signal = active_price_signal(snapshot)
    return price_unit(signal) if signal is not None else None


def _next_event_start(snapshot: VenSnapshot) -> datetime | None:
    event = next_event(snapshot)
    return event.start if event is not None else None


def _current_event_end(snapshot: VenSnapshot) -> datetime | None:
    event = active_event(snapshot)
    return event.end if event is not None else None


def _poll_interval(snapshot: VenSnapshot) -> float | None:
    registration = snapshot.registration
    return registration.poll_interval.total_seconds() if registration is not None else None


SENSORS: tuple[OpenADRSensorDescription, ...] = (
    OpenADRSensorDescription(
        key="simple_level",
        translation_key="simple_level",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=simple_level,
    ),
    OpenADRSensorDescription(
        key="price",
        translation_key="price",
        suggested_display_precision=4,
        value_fn=_price,
        unit_fn=_price_unit,
    ),
    OpenADRSensorDescription(
        key="event_status",
        translation_key="event_status",
        device_class=SensorDeviceClass.ENUM,
        options=EVENT_STATUS_OPTIONS,
        value_fn=_event_status,
    ),
    OpenADRSensorDescription(
        key="next_event_start",
        translation_key="next_event_start",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_next_event_start,
    ),
    OpenADRSensorDescription(
        key="current_event_end",
        translation_key="current_event_end",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_current_event_end,
    ),
    OpenADRSensorDescription(
        key="opt_status",
        translation_key="opt_status",
        device_class=SensorDeviceClass.ENUM,
        options=OPT_STATUS_OPTIONS,
        value_fn=_opt_status,
    ),
    OpenADRSensorDescription(
        key="active_events",
        translation_key="active_events",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda s: len(s.active_events),
    ),
    OpenADRSensorDescription(
        key="pending_events",
        translation_key="pending_events",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda s: len(s.pending_events),
    ),
    # Diagnostics.
    OpenADRSensorDescription(
        key="last_successful_poll",
        translation_key="last_successful_poll",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,  # changes on every poll
        value_fn=lambda s: s.connection.last_success,
    ),
    OpenADRSensorDescription(
        key="ven_id",
        translation_key="ven_id",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda s: s.registration.ven_id if s.registration else None,
    ),
    OpenADRSensorDescription(
        key="registration_id",
        translation_key="registration_id",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.registration.registration_id if s.registration else None,
    ),
    OpenADRSensorDescription(
        key="vtn_id",
        translation_key="vtn_id",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda s: s.registration.vtn_id if s.registration else None,
    ),
    OpenADRSensorDescription(
        key="poll_interval",
        translation_key="poll_interval",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        # Whole seconds; stated here so that Home Assistant does not pick a per-release default.
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_poll_interval,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenADRConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors of a VEN."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(OpenADRSensor(coordinator, description) for description in SENSORS)


class OpenADRSensor(OpenADREntity, SensorEntity):
    """A sensor of the VEN, read from the snapshot by its description's ``value_fn``."""

    entity_description: OpenADRSensorDescription

    @property
    def native_value(self) -> StateType | datetime:
        return self.entity_description.value_fn(self.snapshot)

    @property
    def native_unit_of_measurement(self) -> str | None:
        if self.entity_description.unit_fn is not None:
            return self.entity_description.unit_fn(self.snapshot)
        return super().native_unit_of_measurement
