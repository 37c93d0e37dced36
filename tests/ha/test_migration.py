"""Config entry migrations and the translation-key rule that made the last one necessary."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openadr_ven import default_opt_type
from custom_components.openadr_ven.config_flow import OpenADRConfigFlow
from custom_components.openadr_ven.const import CONF_DEFAULT_OPT, DOMAIN
from custom_components.openadr_ven.openadr.enums import OptType
from tests.certs import Pki
from tests.ha.conftest import VEN_ID, VEN_NAME, FakeVenClient, entry_data

ROOT = Path(__file__).resolve().parents[2] / "custom_components" / "openadr_ven"
# hassfest's rule for translation keys (script/hassfest/translations.py): lowercase letters,
# digits, "-" and "_", not starting or ending with a separator and no two separators in a row.
TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")


def _entry(pki: Pki, options: dict[str, Any], *, minor: int) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=VEN_NAME,
        unique_id=VEN_ID,
        data=entry_data(pki),
        options=options,
        version=1,
        minor_version=minor,
    )


@pytest.mark.parametrize(
    ("stored", "migrated", "opt_type"),
    [
        ("optIn", "opt_in", OptType.OPT_IN),
        ("optOut", "opt_out", OptType.OPT_OUT),
        ("opt_out", "opt_out", OptType.OPT_OUT),  # already new: kept
        ("bogus", "opt_in", OptType.OPT_IN),  # damaged: the safe default
    ],
)
@pytest.mark.usefixtures("mock_client")
async def test_default_opt_wire_values_migrate_to_option_keys(
    hass: HomeAssistant,
    pki: Pki,
    stored: str,
    migrated: str,
    opt_type: OptType,
) -> None:
    entry = _entry(pki, {CONF_DEFAULT_OPT: stored, "resource_id": "res-1"}, minor=1)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (1, OpenADRConfigFlow.MINOR_VERSION)
    assert entry.options == {CONF_DEFAULT_OPT: migrated, "resource_id": "res-1"}
    assert default_opt_type(entry.options[CONF_DEFAULT_OPT]) is opt_type


async def test_entry_without_default_opt_migrates_unchanged(
    hass: HomeAssistant, pki: Pki, mock_client: FakeVenClient
) -> None:
    entry = _entry(pki, {}, minor=1)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.minor_version == 2
    assert entry.options == {}
    assert default_opt_type(None) is OptType.OPT_IN


async def test_entry_of_a_newer_major_version_is_not_set_up(hass: HomeAssistant, pki: Pki) -> None:
    entry = MockConfigEntry(domain=DOMAIN, title=VEN_NAME, data=entry_data(pki), version=2, minor_version=1)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR


def _keys(node: Any, path: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((f"{path}.{key}".lstrip("."), key))
            found.extend(_keys(value, f"{path}.{key}"))
    return found


def test_every_translation_key_follows_the_hassfest_rule() -> None:
    strings = json.loads((ROOT / "strings.json").read_text())
    bad = [path for path, key in _keys(strings) if not TRANSLATION_KEY.match(key)]
    assert bad == []
    assert json.loads((ROOT / "translations" / "en.json").read_text()) == strings


def test_the_rule_refuses_the_keys_that_failed_hassfest() -> None:
    for key in ("optIn", "optOut", "_x", "x_", "a__b", "A"):
        assert not TRANSLATION_KEY.match(key), key
    for key in ("opt_in", "opt-out", "a1", "x"):
        assert TRANSLATION_KEY.match(key), key


def test_selector_options_in_the_flow_are_translated() -> None:
    strings = json.loads((ROOT / "strings.json").read_text())
    options = set(strings["selector"][CONF_DEFAULT_OPT]["options"])
    assert options == {"opt_in", "opt_out"}
