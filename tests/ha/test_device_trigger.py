"""Device triggers: listed for the VEN device, capabilities, firing (event kinds and level changes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import pytest
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_get_device_automations,
    async_mock_service,
)

from custom_components.openadr_ven.const import DOMAIN
from custom_components.openadr_ven.device_trigger import async_get_trigger_capabilities
from custom_components.openadr_ven.openadr.enums import OptType
from custom_components.openadr_ven.openadr.state import Notification, NotificationKind, VenSnapshot
from tests.ha.entity_helpers import (
    ONLINE,
    REGISTRATION,
    entity_id_of,
    setup_platforms,
    simple_event,
    snapshot_no_event,
    ven_device,
)

if TYPE_CHECKING:
    from tests.ha.conftest import FakeVenClient


pytestmark = pytest.mark.usefixtures("entity_clock")


async def _setup(hass: HomeAssistant, entry: MockConfigEntry, client: FakeVenClient) -> str:
    """Set up the VEN (sensor + event platforms); returns the device ID."""
    await setup_platforms(hass, entry, client, snapshot_no_event(), [Platform.SENSOR, Platform.EVENT])
    return ven_device(hass, entry).id


def _level(level: float | None, opt: OptType = OptType.OPT_IN) -> VenSnapshot:
    if level is None:
        return snapshot_no_event()
    return VenSnapshot(
        registration=REGISTRATION, connection=ONLINE, events=(simple_event(level=level, opt=opt),)
    )


async def _automations(hass: HomeAssistant, *triggers: dict[str, Any]) -> list[ServiceCall]:
    calls = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "trigger": trigger,
                    "action": {
                        "service": "test.automation",
                        "data": {
                            "alias": f"{trigger['type']}{trigger.get('to', '')}",
                            "description": "{{ trigger.description }}",
                            "event_id": (
                                "{{ trigger.event.data.event_id if trigger.event is defined else '' }}"
                            ),
                        },
                    },
                }
                for trigger in triggers
            ]
        },
    )
    await hass.async_block_till_done()
    return calls


async def test_triggers_listed(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    entity_registry: er.EntityRegistry,
) -> None:
    device_id = await _setup(hass, mock_config_entry, mock_client)
    level_entry = entity_registry.async_get(
        entity_id_of(hass, "sensor", "simple_level", mock_config_entry.unique_id or "")
    )
    assert level_entry is not None
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, device_id)
    ours = [t for t in triggers if t["domain"] == DOMAIN]
    base = {"platform": "device", "domain": DOMAIN, "device_id": device_id, "metadata": {}}
    assert sorted(ours, key=lambda t: t["type"]) == [
        {**base, "type": "event_ended"},
        {**base, "type": "event_received"},
        {**base, "type": "event_started"},
        {
            **base,
            "type": "simple_level_changed",
            "entity_id": level_entry.id,
            "metadata": {"secondary": False},
        },
    ]


async def test_capabilities(hass: HomeAssistant) -> None:
    caps = await async_get_trigger_capabilities(hass, {"type": "simple_level_changed"})
    schema = caps["extra_fields"]
    assert schema({"to": 2}) == {"to": 2}
    assert schema({}) == {}
    with pytest.raises(Exception, match="value must be one of"):
        schema({"to": 4})
    assert await async_get_trigger_capabilities(hass, {"type": "event_started"}) == {}


async def test_event_triggers_fire_on_their_kind_only(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    device_id = await _setup(hass, mock_config_entry, mock_client)
    base = {"platform": "device", "domain": DOMAIN, "device_id": device_id}
    calls = await _automations(
        hass, *({**base, "type": kind} for kind in ("event_received", "event_started", "event_ended"))
    )

    for kind, event_id in (
        (NotificationKind.EVENT_STARTED, "evt-1"),
        (NotificationKind.SIGNAL_CHANGED, "evt-1"),  # no trigger for it
        (NotificationKind.EVENT_ENDED, "evt-1"),
        (NotificationKind.EVENT_RECEIVED, "evt-2"),
    ):
        mock_client.emit_notification(Notification(kind=kind, event_id=event_id))
        await hass.async_block_till_done()

    assert [(c.data["alias"], c.data["event_id"]) for c in calls] == [
        ("event_started", "evt-1"),
        ("event_ended", "evt-1"),
        ("event_received", "evt-2"),
    ]


async def test_event_triggers_ignore_other_devices(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    device_id = await _setup(hass, mock_config_entry, mock_client)
    calls = await _automations(
        hass, {"platform": "device", "domain": DOMAIN, "device_id": device_id, "type": "event_started"}
    )
    hass.bus.async_fire(f"{DOMAIN}_event", {"device_id": "another-device", "type": "event_started"})
    await hass.async_block_till_done()
    assert calls == []


async def test_simple_level_changed(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    entity_registry: er.EntityRegistry,
) -> None:
    device_id = await _setup(hass, mock_config_entry, mock_client)
    level_entity = entity_id_of(hass, "sensor", "simple_level", mock_config_entry.unique_id or "")
    level_entry = entity_registry.async_get(level_entity)
    assert level_entry is not None
    base = {
        "platform": "device",
        "domain": DOMAIN,
        "device_id": device_id,
        "type": "simple_level_changed",
        "entity_id": level_entry.id,
    }
    calls = await _automations(hass, base, {**base, "to": 3})

    for level in (2.0, 3.0, 3.0, None, 1.0):
        mock_client.emit_snapshot(_level(level))
        await hass.async_block_till_done()

    assert [c.data["alias"] for c in calls] == [
        "simple_level_changed",  # 0 -> 2
        "simple_level_changed",  # 2 -> 3
        "simple_level_changed3",  # 2 -> 3 with to: 3
        "simple_level_changed",  # 3 -> 0
        "simple_level_changed",  # 0 -> 1
    ]
    assert calls[0].data["description"] == f"state of {level_entity}"


async def test_simple_level_changed_not_fired_by_unavailable(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    """Reloading the entry (level unavailable, then back) is not a level change."""
    device_id = await _setup(hass, mock_config_entry, mock_client)
    mock_client.emit_snapshot(_level(2.0))
    await hass.async_block_till_done()
    calls = await _automations(
        hass, {"platform": "device", "domain": DOMAIN, "device_id": device_id, "type": "simple_level_changed"}
    )
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    level_entity = entity_id_of(hass, "sensor", "simple_level", mock_config_entry.unique_id or "")
    state = hass.states.get(level_entity)
    assert state is not None
    assert state.state == "unavailable"
    mock_client.snapshot = _level(2.0)
    with patch("custom_components.openadr_ven.build_ssl_context", return_value=None):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    assert calls == []

    # The trigger without entity_id (written by hand) resolves the sensor from the device.
    mock_client.emit_snapshot(_level(1.0))
    await hass.async_block_till_done()
    assert [c.data["alias"] for c in calls] == ["simple_level_changed"]
