"""Binary sensors of the OpenADR VEN: event active, VTN connectivity."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OpenADRConfigEntry
from .entity import OpenADREntity

PARALLEL_UPDATES = 0

DESCRIPTIONS = (BinarySensorEntityDescription(key="event_active", translation_key="event_active"),)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenADRConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the binary sensors of a VEN."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(OpenADRBinarySensor(coordinator, description) for description in DESCRIPTIONS)


class OpenADRBinarySensor(OpenADREntity, BinarySensorEntity):
    """A binary sensor of the VEN."""

    @property
    def is_on(self) -> bool:
        return bool(self.coordinator.data.active_events)
