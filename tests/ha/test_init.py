"""Set-up, unload, reload and removal of a VEN entry."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openadr_ven.coordinator import OpenADRCoordinator
from tests.ha.conftest import FakeVenClient


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    entry = init_integration
    assert entry.state is ConfigEntryState.LOADED
    assert isinstance(entry.runtime_data.coordinator, OpenADRCoordinator)
    assert entry.runtime_data.client is mock_client
    mock_client.load.assert_awaited_once()
    mock_client.run.assert_awaited_once()
    assert mock_client.running
    assert mock_client.listener_count == 2

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    mock_client.stop.assert_awaited_once()
    assert not mock_client.running
    assert mock_client.listener_count == 0
