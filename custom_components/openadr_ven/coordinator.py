"""Push-based coordinator: the VEN client publishes snapshots, entities read them.

The client (the protocol library's async driver) calls its listeners in the event loop after
every change; the coordinator republishes the snapshot with ``async_set_updated_data``. There
is no polling here: the driver polls the VTN itself, so ``last_update_success`` never reflects
the network. Entities stay available from stored data during a VTN outage; the connectivity
binary sensor shows the outage.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .const import DOMAIN, EVENT_OPENADR
from .openadr.state import Notification, VenSnapshot

if TYPE_CHECKING:
    from .openadr.driver import VenClient

_LOGGER = logging.getLogger(__package__)

type OpenADRConfigEntry = ConfigEntry[OpenADRRuntimeData]


@dataclass
class OpenADRRuntimeData:
    """What a loaded entry keeps: the VEN client and its coordinator."""

    client: VenClient
    coordinator: OpenADRCoordinator


@callback
def async_get_ven_device(hass: HomeAssistant, entry_id: str, ven_key: str) -> dr.DeviceEntry | None:
    """The VEN's device: the one of the config entry with the identifier ``(DOMAIN, ven_key)``.

    Looked up through the entry's devices, an API every supported Home Assistant has without
    deprecation (``DeviceRegistry.async_get_device`` by identifiers is deprecated in newer
    releases, where identifiers are unique per config entry only).
    """
    identifier = (DOMAIN, ven_key)
    return next(
        (
            device
            for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
            if identifier in device.identifiers
        ),
        None,
    )


class OpenADRCoordinator(DataUpdateCoordinator[VenSnapshot]):
    """Republishes the VEN client's snapshots and fans out its notifications."""

    config_entry: OpenADRConfigEntry

    def __init__(self, hass: HomeAssistant, entry: OpenADRConfigEntry, client: VenClient) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=None,
            always_update=False,
        )
        self.client = client
        # The device and every unique ID hang off the entry's unique ID (set by the config flow).
        self.ven_key: str = entry.unique_id or entry.entry_id
        self.data = client.snapshot
        self._notification_listeners: list[Callable[[Notification], None]] = []
        self._unsubscribe: list[CALLBACK_TYPE] = []

    async def _async_update_data(self) -> VenSnapshot:
        """A manual refresh just re-reads the client's current snapshot (no I/O)."""
        return self.client.snapshot

    @callback
    def async_start(self) -> None:
        """Subscribe to the client; undone by :meth:`async_stop` (called on unload)."""
        self._unsubscribe.append(self.client.add_listener(self._handle_snapshot))
        self._unsubscribe.append(self.client.add_notification_listener(self._handle_notification))

    @callback
    def async_stop(self) -> None:
        while self._unsubscribe:
            self._unsubscribe.pop()()
        self._notification_listeners.clear()

    @callback
    def _handle_snapshot(self, snapshot: VenSnapshot) -> None:
        self.async_set_updated_data(snapshot)

    @callback
    def async_add_notification_listener(self, cb: Callable[[Notification], None]) -> CALLBACK_TYPE:
        """Call ``cb`` (in the event loop) for every notification of the VEN."""
        self._notification_listeners.append(cb)

        @callback
        def _remove() -> None:
            if cb in self._notification_listeners:
                self._notification_listeners.remove(cb)

        return _remove

    @callback
    def _handle_notification(self, notification: Notification) -> None:
        for listener in list(self._notification_listeners):
            try:
                listener(notification)
            except Exception:
                _LOGGER.exception("Error in an OpenADR notification listener")
        self.hass.bus.async_fire(EVENT_OPENADR, self._event_data(notification))

    def _event_data(self, notification: Notification) -> dict[str, object]:
        device = async_get_ven_device(self.hass, self.config_entry.entry_id, self.ven_key)
        return {
            "config_entry_id": self.config_entry.entry_id,
            "device_id": device.id if device else None,
            "type": str(notification.kind),
            "event_id": notification.event_id,
            "signal_name": notification.signal_name,
            "value": notification.value,
            "previous_value": notification.previous_value,
            "start": notification.start.isoformat() if notification.start else None,
            "end": notification.end.isoformat() if notification.end else None,
            "test_event": notification.test_event,
            "opt": str(notification.opt) if notification.opt else None,
        }
