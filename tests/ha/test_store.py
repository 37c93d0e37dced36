"""The storage port on HA's Store: round trip, versioning, migration hook, removal."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.core import HomeAssistant

from custom_components.openadr_ven import store as store_module
from custom_components.openadr_ven.store import (
    STORAGE_MINOR_VERSION,
    STORAGE_VERSION,
    OpenADRStore,
    StorageTooNewError,
    migrate,
    storage_key,
)

STATE = {"registration": {"ven_id": "V1", "registration_id": "R1"}, "events": [{"id": "e", "mod": 2}]}


async def test_round_trip(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    store = OpenADRStore(hass, "entry1")
    assert await store.load() is None
    await store.save(STATE)
    saved = hass_storage[storage_key("entry1")]
    assert saved["version"] == STORAGE_VERSION
    assert saved["minor_version"] == STORAGE_MINOR_VERSION
    assert saved["data"] == STATE
    assert await OpenADRStore(hass, "entry1").load() == STATE
    assert await OpenADRStore(hass, "entry2").load() is None


async def test_remove(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    store = OpenADRStore(hass, "entry1")
    await store.save(STATE)
    await store.async_remove()
    assert storage_key("entry1") not in hass_storage


async def test_newer_major_version_is_refused(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    key = storage_key("entry1")
    hass_storage[key] = {"version": STORAGE_VERSION + 1, "minor_version": 1, "key": key, "data": STATE}
    with pytest.raises(StorageTooNewError):
        await OpenADRStore(hass, "entry1").load()
    # The newer file is left as it was (a downgrade must not lose the state).
    assert hass_storage[key]["version"] == STORAGE_VERSION + 1
    assert hass_storage[key]["data"] == STATE


async def test_migration_hook_runs_registered_steps(
    hass: HomeAssistant, hass_storage: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A registered step upgrades old data on load (the hook future layout changes use)."""
    monkeypatch.setattr(store_module, "STORAGE_MINOR_VERSION", 2)
    monkeypatch.setitem(store_module.MIGRATIONS, (1, 1), ((1, 2), lambda data: {**data, "schema": "1.2"}))
    key = storage_key("entry1")
    hass_storage[key] = {"version": 1, "minor_version": 1, "key": key, "data": STATE}
    assert await OpenADRStore(hass, "entry1").load() == {**STATE, "schema": "1.2"}


def test_migrate_same_version_is_identity() -> None:
    assert migrate(STORAGE_VERSION, STORAGE_MINOR_VERSION, dict(STATE)) == STATE
