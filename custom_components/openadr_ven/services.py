"""Services: opt in/out of events, availability schedules, poll now, re-register.

Every service takes ``config_entry_id`` (the VEN). Bad input raises a translated
``ServiceValidationError``; a failure at the VTN raises a translated ``HomeAssistantError``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .openadr.enums import OptType
from .openadr.errors import NotRegisteredError, OpenADRError, UnknownEventError
from .openadr.models import Availability

if TYPE_CHECKING:
    from .coordinator import OpenADRConfigEntry
    from .openadr.driver import VenClient

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_EVENT_ID = "event_id"
ATTR_WINDOWS = "windows"
ATTR_START = "start"
ATTR_END = "end"
ATTR_DURATION = "duration"
ATTR_OPT_TYPE = "opt_type"
ATTR_OPT_ID = "opt_id"

SERVICE_OPT_IN = "opt_in"
SERVICE_OPT_OUT = "opt_out"
SERVICE_SET_AVAILABILITY = "set_availability"
SERVICE_CLEAR_AVAILABILITY = "clear_availability"
SERVICE_REQUEST_EVENTS = "request_events"
SERVICE_REREGISTER = "reregister"

_ENTRY: dict[vol.Marker, Any] = {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string}

_WINDOW = vol.All(
    {
        vol.Required(ATTR_START): cv.datetime,
        vol.Exclusive(ATTR_END, "window_end"): cv.datetime,
        vol.Exclusive(ATTR_DURATION, "window_end"): cv.positive_time_period,
    },
    cv.has_at_least_one_key(ATTR_END, ATTR_DURATION),
)

_OPT_TYPES: dict[str, OptType] = {
    "opt_in": OptType.OPT_IN,
    "opt_out": OptType.OPT_OUT,
    **{str(o): o for o in OptType},
}

OPT_SCHEMA = vol.Schema({**_ENTRY, vol.Optional(ATTR_EVENT_ID): cv.string})
SET_AVAILABILITY_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Required(ATTR_WINDOWS): vol.All(cv.ensure_list, vol.Length(min=1), [_WINDOW]),
        vol.Optional(ATTR_OPT_TYPE, default="opt_out"): vol.All(
            cv.string, vol.In(_OPT_TYPES), _OPT_TYPES.__getitem__
        ),
    }
)
CLEAR_AVAILABILITY_SCHEMA = vol.Schema({**_ENTRY, vol.Optional(ATTR_OPT_ID): cv.string})
ENTRY_SCHEMA = vol.Schema(_ENTRY)


def _client(call: ServiceCall) -> VenClient:
    entry_id: str = call.data[ATTR_CONFIG_ENTRY_ID]
    entry: OpenADRConfigEntry | None = call.hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"name": entry.title},
        )
    return entry.runtime_data.client


type _Handler = Callable[[ServiceCall, VenClient], Awaitable[ServiceResponse]]


def _vtn_errors(
    func: _Handler,
) -> Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]:
    """Resolve the VEN of the call and turn library errors into translated HA errors."""

    @wraps(func)
    async def handler(call: ServiceCall) -> ServiceResponse:
        client = _client(call)
        try:
            return await func(call, client)
        except UnknownEventError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_event",
                translation_placeholders={"event_id": call.data.get(ATTR_EVENT_ID) or ""},
            ) from err
        except NotRegisteredError as err:
            raise HomeAssistantError(translation_domain=DOMAIN, translation_key="not_registered") from err
        except OpenADRError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="vtn_error",
                translation_placeholders={"error": str(err)},
            ) from err

    return handler


def _opt(opt_type: OptType) -> _Handler:
    async def handler(call: ServiceCall, client: VenClient) -> ServiceResponse:
        event = await client.opt(opt_type, call.data.get(ATTR_EVENT_ID))
        return {"event_id": event.event_id, "opt": str(event.opt)}

    return handler


def availability_windows(windows: list[dict[str, Any]]) -> list[Availability]:
    """Service windows (start + end or duration, local or aware times) as UTC availabilities."""
    result: list[Availability] = []
    for window in windows:
        start = _aware(window[ATTR_START])
        end = _aware(window[ATTR_END]) if ATTR_END in window else start + window[ATTR_DURATION]
        duration = end - start
        if duration <= timedelta(0):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="end_before_start",
                translation_placeholders={"start": start.isoformat()},
            )
        result.append(Availability(start=dt_util.as_utc(start), duration=duration))
    return result


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt_util.get_default_time_zone())


async def _set_availability(call: ServiceCall, client: VenClient) -> ServiceResponse:
    windows = availability_windows(call.data[ATTR_WINDOWS])
    opt_id = await client.set_availability(windows, call.data[ATTR_OPT_TYPE])
    return {"opt_id": opt_id}


async def _clear_availability(call: ServiceCall, client: VenClient) -> ServiceResponse:
    await client.clear_availability(call.data.get(ATTR_OPT_ID))
    return None


async def _request_events(call: ServiceCall, client: VenClient) -> ServiceResponse:
    await client.request_events()
    return None


async def _reregister(call: ServiceCall, client: VenClient) -> ServiceResponse:
    await client.register()
    return None


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the services of the integration (once, in ``async_setup``)."""
    for name, schema, func, response in (
        (SERVICE_OPT_IN, OPT_SCHEMA, _opt(OptType.OPT_IN), SupportsResponse.OPTIONAL),
        (SERVICE_OPT_OUT, OPT_SCHEMA, _opt(OptType.OPT_OUT), SupportsResponse.OPTIONAL),
        (SERVICE_SET_AVAILABILITY, SET_AVAILABILITY_SCHEMA, _set_availability, SupportsResponse.OPTIONAL),
        (SERVICE_CLEAR_AVAILABILITY, CLEAR_AVAILABILITY_SCHEMA, _clear_availability, SupportsResponse.NONE),
        (SERVICE_REQUEST_EVENTS, ENTRY_SCHEMA, _request_events, SupportsResponse.NONE),
        (SERVICE_REREGISTER, ENTRY_SCHEMA, _reregister, SupportsResponse.NONE),
    ):
        hass.services.async_register(DOMAIN, name, _vtn_errors(func), schema, supports_response=response)
