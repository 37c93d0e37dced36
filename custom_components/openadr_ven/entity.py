"""Base entity of the OpenADR VEN integration: one device per VEN, push-updated by the coordinator."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.loader import async_get_loaded_integration

from .const import DOMAIN
from .coordinator import OpenADRCoordinator

MANUFACTURER = "OpenADR"
MODEL = "OpenADR 2.0b VEN"


def _integration_version(hass: HomeAssistant) -> str | None:
    """The manifest version of this integration (shown as the device's software version)."""
    version = async_get_loaded_integration(hass, DOMAIN).version
    return str(version) if version is not None else None


class OpenADREntity(CoordinatorEntity[OpenADRCoordinator]):
    """An entity of the VEN device.

    Availability follows the coordinator, which is push-based and never fails on network
    errors: entities keep showing stored data while the VTN is unreachable (the connectivity
    binary sensor reports the outage).
    """

    _attr_has_entity_name = True

    def __init__(self, coordinator: OpenADRCoordinator, description: EntityDescription) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        ven_key = coordinator.ven_key
        self._attr_unique_id = f"{ven_key}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, ven_key)},
            name=entry.title,
            manufacturer=MANUFACTURER,
            model=MODEL,
            sw_version=_integration_version(coordinator.hass),
            entry_type=DeviceEntryType.SERVICE,
        )
