"""The library's storage port on top of Home Assistant's versioned JSON ``Store``.

One file per config entry (``.storage/openadr_ven.<entry_id>``) holds the VEN's state dict
(registration, known events, opts, report requests) so a restart neither re-registers nor
re-answers events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from homeassistant import exceptions as ha_exceptions
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store

from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION = 1
STORAGE_MINOR_VERSION = 1

# (from major, from minor) -> function upgrading the data one step. Add a row (and bump the
# version above) whenever the library's stored layout changes incompatibly.
type Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[tuple[int, int], tuple[tuple[int, int], Migration]] = {}


class StorageTooNewError(HomeAssistantError):
    """The stored state was written by a newer version of the integration."""


# Newer Home Assistant refuses a file of a newer major version itself (before the migration
# hook runs) with UnsupportedStorageVersionError; older releases have no such error and call
# the hook, which raises StorageTooNewError. Both end up as StorageTooNewError.
_HA_STORAGE_TOO_NEW: tuple[type[HomeAssistantError], ...] = tuple(
    error
    for error in (getattr(ha_exceptions, "UnsupportedStorageVersionError", None),)
    if isinstance(error, type) and issubclass(error, HomeAssistantError)
)


class _VersionedStore(Store[dict[str, Any]]):
    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        return migrate(old_major_version, old_minor_version, old_data)


def migrate(major: int, minor: int, data: dict[str, Any]) -> dict[str, Any]:
    """Bring ``data`` saved as version ``major.minor`` up to the current version."""
    if major > STORAGE_VERSION:
        raise StorageTooNewError(
            f"stored VEN state has version {major}.{minor}, newer than {STORAGE_VERSION}"
        )
    version = (major, minor)
    while version in MIGRATIONS:
        version, step = MIGRATIONS[version]
        data = step(data)
    # Older minor versions of the current major are compatible by definition.
    return data


def storage_key(entry_id: str) -> str:
    return f"{DOMAIN}.{entry_id}"


class OpenADRStore:
    """Implements ``openadr.storage.Storage`` for one config entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self._store = _VersionedStore(
            hass,
            STORAGE_VERSION,
            storage_key(entry_id),
            minor_version=STORAGE_MINOR_VERSION,
            private=True,  # holds registration IDs
            atomic_writes=True,
        )

    async def load(self) -> dict[str, Any] | None:
        """The stored state, None when there is none; StorageTooNewError when it is too new."""
        try:
            data = await self._store.async_load()
        except _HA_STORAGE_TOO_NEW as err:
            raise StorageTooNewError(str(err)) from err
        return dict(data) if data is not None else None

    async def save(self, data: dict[str, Any]) -> None:
        await self._store.async_save(data)

    async def async_remove(self) -> None:
        """Delete the file (the entry is being removed)."""
        await self._store.async_remove()
