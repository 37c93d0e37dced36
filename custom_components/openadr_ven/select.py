"""Select of the OpenADR VEN: opt in or out of the active or next DR event."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OpenADRConfigEntry
from .entity import OpenADREntity

PARALLEL_UPDATES = 1

DESCRIPTION = SelectEntityDescription(
    key="opt_decision", translation_key="opt_decision", options=["opt_in", "opt_out"]
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenADRConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the opt decision select of a VEN."""
    async_add_entities([OpenADROptSelect(entry.runtime_data.coordinator, DESCRIPTION)])


class OpenADROptSelect(OpenADREntity, SelectEntity):
    """Opt decision for the active or next event."""

    @property
    def current_option(self) -> str | None:
        return None

    async def async_select_option(self, option: str) -> None:
        raise NotImplementedError
