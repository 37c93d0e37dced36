"""Device triggers of the OpenADR VEN for the automation editor.

* ``event_received``, ``event_started``, ``event_ended``: the coordinator fires
  ``openadr_ven_event`` on the bus for every notification of the VEN, with the device ID and the
  notification kind as ``type``; these triggers are event triggers on it.
* ``simple_level_changed``: a state trigger on the device's SIMPLE level sensor, optionally only
  when it changes ``to`` a given level (0-3). Changes from or to unknown/unavailable (start-up,
  reload) are not level changes and do not fire.
"""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.homeassistant.triggers import event as event_trigger
from homeassistant.components.homeassistant.triggers import state as state_trigger
from homeassistant.const import (
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_ENTITY_ID,
    CONF_EVENT_DATA,
    CONF_PLATFORM,
    CONF_TYPE,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN, EVENT_OPENADR
from .openadr.state import NotificationKind

CONF_TO = state_trigger.CONF_TO

EVENT_TRIGGER_TYPES: tuple[str, ...] = (
    NotificationKind.EVENT_RECEIVED,
    NotificationKind.EVENT_STARTED,
    NotificationKind.EVENT_ENDED,
)
SIMPLE_LEVEL_CHANGED = "simple_level_changed"
TRIGGER_TYPES = (*EVENT_TRIGGER_TYPES, SIMPLE_LEVEL_CHANGED)
SIMPLE_LEVELS = [0, 1, 2, 3]
SIMPLE_LEVEL_KEY = "simple_level"  # entity description key of the SIMPLE level sensor

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {
        vol.Required(CONF_TYPE): vol.In(TRIGGER_TYPES),
        vol.Optional(CONF_ENTITY_ID): cv.entity_id_or_uuid,
        vol.Optional(CONF_TO): vol.All(vol.Coerce(int), vol.In(SIMPLE_LEVELS)),
    }
)


def _simple_level_entity(hass: HomeAssistant, device_id: str) -> er.RegistryEntry | None:
    """The registry entry of the device's SIMPLE level sensor."""
    registry = er.async_get(hass)
    return next(
        (
            entry
            for entry in er.async_entries_for_device(registry, device_id)
            if entry.platform == DOMAIN
            and entry.domain == "sensor"
            and entry.unique_id.endswith(f"_{SIMPLE_LEVEL_KEY}")
        ),
        None,
    )


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """The triggers a VEN device offers."""
    base = {CONF_PLATFORM: "device", CONF_DOMAIN: DOMAIN, CONF_DEVICE_ID: device_id}
    triggers: list[dict[str, Any]] = [
        {**base, CONF_TYPE: trigger_type} for trigger_type in EVENT_TRIGGER_TYPES
    ]
    if (entry := _simple_level_entity(hass, device_id)) is not None:
        triggers.append({**base, CONF_TYPE: SIMPLE_LEVEL_CHANGED, CONF_ENTITY_ID: entry.id})
    return triggers


async def async_get_trigger_capabilities(hass: HomeAssistant, config: ConfigType) -> dict[str, vol.Schema]:
    """Extra fields: the level ``to`` for ``simple_level_changed``."""
    if config[CONF_TYPE] != SIMPLE_LEVEL_CHANGED:
        return {}
    return {"extra_fields": vol.Schema({vol.Optional(CONF_TO): vol.In(SIMPLE_LEVELS)})}


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Attach a trigger (an event trigger on the bus event, or a state trigger on the level)."""
    if config[CONF_TYPE] == SIMPLE_LEVEL_CHANGED:
        entity_id = config.get(CONF_ENTITY_ID)
        if entity_id is None:
            entry = _simple_level_entity(hass, config[CONF_DEVICE_ID])
            if entry is None:
                raise vol.Invalid("The device has no SIMPLE level sensor")
            entity_id = entry.id
        not_a_level = [STATE_UNKNOWN, STATE_UNAVAILABLE]
        state_config: dict[str, Any] = {
            CONF_PLATFORM: "state",
            CONF_ENTITY_ID: entity_id,
            state_trigger.CONF_NOT_FROM: not_a_level,
        }
        # A level given: only changes to it; none: any change of the level (a "to" condition
        # also keeps attribute-only changes from firing).
        if CONF_TO in config:
            state_config[CONF_TO] = str(config[CONF_TO])
        else:
            state_config[state_trigger.CONF_NOT_TO] = not_a_level
        state_config = await state_trigger.async_validate_trigger_config(hass, state_config)
        return await state_trigger.async_attach_trigger(
            hass, state_config, action, trigger_info, platform_type="device"
        )

    event_config = event_trigger.TRIGGER_SCHEMA(
        {
            CONF_PLATFORM: "event",
            event_trigger.CONF_EVENT_TYPE: EVENT_OPENADR,
            CONF_EVENT_DATA: {
                CONF_DEVICE_ID: config[CONF_DEVICE_ID],
                CONF_TYPE: config[CONF_TYPE],
            },
        }
    )
    return await event_trigger.async_attach_trigger(
        hass, event_config, action, trigger_info, platform_type="device"
    )
