"""Diagnostics: secrets redacted, the snapshot included."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.openadr_ven.const import CONF_VTN_FINGERPRINT
from custom_components.openadr_ven.diagnostics import redact
from tests.ha.conftest import REGISTRATION_ID, VEN_ID, FakeVenClient, snapshot_with_event


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    mock_client: FakeVenClient,
    snapshot: SnapshotAssertion,
) -> None:
    mock_client.emit_snapshot(snapshot_with_event())
    result = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert result == snapshot

    text = json.dumps(result)
    assert "PRIVATE KEY" not in text
    assert "BEGIN CERTIFICATE" not in text
    assert VEN_ID not in text
    assert REGISTRATION_ID not in text
    assert result["snapshot"]["events"][0]["event_id"] == "event-1"


def test_fingerprint_is_partly_shown() -> None:
    data = redact(
        {"data": {CONF_VTN_FINGERPRINT: "AA:BB:CC:DD:EE:FF:00:11:22:33"}, "x": [{"fingerprint": "short"}]}
    )
    assert data == {"data": {CONF_VTN_FINGERPRINT: "**22:33"}, "x": [{"fingerprint": "**REDACTED**"}]}
