"""Event entity of the OpenADR VEN: DR event happenings (received, started, ended, ...)."""

from __future__ import annotations

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OpenADRConfigEntry
from .entity import OpenADREntity

PARALLEL_UPDATES = 0

EVENT_TYPES = [
    "event_received",
    "event_modified",
    "event_cancelled",
    "event_started",
    "event_ended",
    "signal_changed",
]

DESCRIPTION = EventEntityDescription(key="dr_event", translation_key="dr_event", event_types=EVENT_TYPES)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenADRConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the DR event entity of a VEN."""
    async_add_entities([OpenADREventEntity(entry.runtime_data.coordinator, DESCRIPTION)])


class OpenADREventEntity(OpenADREntity, EventEntity):
    """Fires on every DR event notification of the VEN."""
