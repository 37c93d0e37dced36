"""Event entity of the OpenADR VEN: DR event happenings (received, modified, cancelled, started,
ended, signal changed), fed by the coordinator's notification fan-out."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OpenADRConfigEntry
from .entity import OpenADREntity
from .openadr.state import Notification, NotificationKind

PARALLEL_UPDATES = 0

# The notification kinds this entity reports (opt changes and registration cancellations are
# not DR event happenings: the select and the repairs show those).
EVENT_KINDS: tuple[NotificationKind, ...] = (
    NotificationKind.EVENT_RECEIVED,
    NotificationKind.EVENT_MODIFIED,
    NotificationKind.EVENT_CANCELLED,
    NotificationKind.EVENT_STARTED,
    NotificationKind.EVENT_ENDED,
    NotificationKind.SIGNAL_CHANGED,
)
EVENT_TYPES: list[str] = [str(kind) for kind in EVENT_KINDS]

DESCRIPTION = EventEntityDescription(key="dr_event", translation_key="dr_event", event_types=EVENT_TYPES)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenADRConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the DR event entity of a VEN."""
    async_add_entities([OpenADREventEntity(entry.runtime_data.coordinator, DESCRIPTION)])


def notification_attributes(notification: Notification) -> dict[str, Any]:
    """The event attributes of a notification (times as ISO 8601 strings)."""
    return {
        "event_id": notification.event_id,
        "signal": notification.signal_name,
        "value": notification.value,
        "previous_value": notification.previous_value,
        "start": notification.start.isoformat() if notification.start else None,
        "end": notification.end.isoformat() if notification.end else None,
        "test_event": notification.test_event,
    }


class OpenADREventEntity(OpenADREntity, EventEntity):
    """Fires on every DR event notification of the VEN."""

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_add_notification_listener(self._handle_notification))

    @callback
    def _handle_notification(self, notification: Notification) -> None:
        if notification.kind not in EVENT_KINDS:
            return
        self._trigger_event(str(notification.kind), notification_attributes(notification))
        self.async_write_ha_state()
