"""Select of the OpenADR VEN: opt in to or out of the active, else the next, DR event.

Selecting an option sends oadrCreateOpt for that event through the client (VEN_REQUIREMENTS §5);
the shown option is the event's opt as the client's snapshot reports it, so it changes only once
the client has accepted the decision. Without an active or upcoming event the select is
unavailable: there is nothing to decide.
"""

from __future__ import annotations

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .coordinator import OpenADRConfigEntry
from .entity import OpenADREntity, relevant_event
from .openadr.enums import OptType
from .openadr.errors import NotRegisteredError, OpenADRError, UnknownEventError

PARALLEL_UPDATES = 1

OPTIONS: dict[str, OptType] = {"opt_in": OptType.OPT_IN, "opt_out": OptType.OPT_OUT}
_OPTION_OF = {opt: option for option, opt in OPTIONS.items()}

DESCRIPTION = SelectEntityDescription(
    key="opt_decision", translation_key="opt_decision", options=list(OPTIONS)
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenADRConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the opt decision select of a VEN."""
    async_add_entities([OpenADROptSelect(entry.runtime_data.coordinator, DESCRIPTION)])


def translate_opt_error(err: OpenADRError, event_id: str) -> HomeAssistantError:
    """The translated Home Assistant error for a library error raised by an opt (the same keys
    as the services use)."""
    if isinstance(err, UnknownEventError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_event",
            translation_placeholders={"event_id": event_id},
        )
    if isinstance(err, NotRegisteredError):
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="not_registered")
    # The VTN refused (VTNResponseError), could not be reached (TransportError), or another
    # library error: the message names it.
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key="vtn_error", translation_placeholders={"error": str(err)}
    )


class OpenADROptSelect(OpenADREntity, SelectEntity):
    """Opt decision for the active, else the next, event."""

    @property
    def available(self) -> bool:
        return super().available and relevant_event(self.snapshot) is not None

    @property
    def current_option(self) -> str | None:
        event = relevant_event(self.snapshot)
        return _OPTION_OF[event.opt] if event is not None else None

    async def async_select_option(self, option: str) -> None:
        event = relevant_event(self.snapshot)
        if event is None:
            raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_event")
        try:
            await self.coordinator.client.opt(OPTIONS[option], event_id=event.event_id)
        except OpenADRError as err:
            raise translate_opt_error(err, event.event_id) from err
