"""Binary sensors of the OpenADR VEN: event active, VTN connectivity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OpenADRConfigEntry
from .entity import OpenADREntity, active_opted_in_event
from .openadr.state import VenSnapshot

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class OpenADRBinarySensorDescription(BinarySensorEntityDescription):
    """How one binary sensor reads the snapshot."""

    is_on_fn: Callable[[VenSnapshot], bool]
    attributes_fn: Callable[[VenSnapshot], dict[str, Any] | None] | None = None


def _event_active_attributes(snapshot: VenSnapshot) -> dict[str, Any]:
    """Event ID, first signal name and end of the event the home takes part in (None when off)."""
    event = active_opted_in_event(snapshot)
    if event is None:
        return {"event_id": None, "signal": None, "end": None}
    return {
        "event_id": event.event_id,
        "signal": event.signals[0].name if event.signals else None,
        "end": event.end,
    }


BINARY_SENSORS: tuple[OpenADRBinarySensorDescription, ...] = (
    OpenADRBinarySensorDescription(
        key="event_active",
        translation_key="event_active",
        # On only for an event the VEN opted in to: an opted-out event asks nothing of the home.
        is_on_fn=lambda s: active_opted_in_event(s) is not None,
        attributes_fn=_event_active_attributes,
    ),
    OpenADRBinarySensorDescription(
        key="vtn_connectivity",
        translation_key="vtn_connectivity",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda s: s.connection.online,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenADRConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the binary sensors of a VEN."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(OpenADRBinarySensor(coordinator, description) for description in BINARY_SENSORS)


class OpenADRBinarySensor(OpenADREntity, BinarySensorEntity):
    """A binary sensor of the VEN, read from the snapshot by its description's ``is_on_fn``."""

    entity_description: OpenADRBinarySensorDescription

    @property
    def is_on(self) -> bool:
        return self.entity_description.is_on_fn(self.snapshot)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self.snapshot)
