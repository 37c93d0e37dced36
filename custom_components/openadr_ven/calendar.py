"""Calendar of the OpenADR VEN: every known DR event."""

from __future__ import annotations

from datetime import datetime

from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OpenADRConfigEntry
from .entity import OpenADREntity

PARALLEL_UPDATES = 0

DESCRIPTION = EntityDescription(key="events", translation_key="events")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenADRConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the DR event calendar of a VEN."""
    async_add_entities([OpenADRCalendar(entry.runtime_data.coordinator, DESCRIPTION)])


class OpenADRCalendar(OpenADREntity, CalendarEntity):
    """The VEN's DR events as a calendar."""

    @property
    def event(self) -> CalendarEvent | None:
        return None

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        return []
