"""Sensors of the OpenADR VEN: SIMPLE level, price, event status and timing, diagnostics."""

from __future__ import annotations

from homeassistant.components.sensor import SensorEntity, SensorEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OpenADRConfigEntry
from .entity import OpenADREntity

PARALLEL_UPDATES = 0

DESCRIPTIONS = (SensorEntityDescription(key="active_events", translation_key="active_events"),)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenADRConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors of a VEN."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(OpenADRSensor(coordinator, description) for description in DESCRIPTIONS)


class OpenADRSensor(OpenADREntity, SensorEntity):
    """A sensor of the VEN."""

    @property
    def native_value(self) -> int:
        return len(self.coordinator.data.active_events)
