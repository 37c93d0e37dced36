"""Sample VEN snapshots for the entity platform tests (fixed data: the syrupy snapshots depend on it)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any
from unittest.mock import PropertyMock, patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.openadr_ven.const import DOMAIN
from custom_components.openadr_ven.openadr.enums import EventStatus, OptType
from custom_components.openadr_ven.openadr.models import Interval
from custom_components.openadr_ven.openadr.state import (
    ConnectionState,
    EventView,
    RegistrationState,
    SignalView,
    VenSnapshot,
)

if TYPE_CHECKING:
    from tests.ha.conftest import FakeVenClient

NOW = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
MARKET = "http://market.example.com/dr"

REGISTRATION = RegistrationState(
    ven_id="ven-123",
    registration_id="reg-456",
    vtn_id="vtn-utility",
    poll_interval=timedelta(seconds=30),
    registered_at=NOW - timedelta(days=2),
)
ONLINE = ConnectionState(online=True, last_success=NOW - timedelta(seconds=5))
OFFLINE = ConnectionState(
    online=False,
    last_success=NOW - timedelta(minutes=30),
    failing_since=NOW - timedelta(minutes=29),
    last_error="VTN unreachable",
    consecutive_failures=6,
)


def simple_event(
    *,
    event_id: str = "evt-simple",
    level: float | None = 2.0,
    status: EventStatus = EventStatus.ACTIVE,
    start: datetime | None = None,
    end: datetime | None = None,
    duration: timedelta | None = timedelta(hours=1),
    opt: OptType = OptType.OPT_IN,
    priority: int = 1,
    test_event: bool = False,
) -> EventView:
    """A SIMPLE event; active by default (started 10 minutes ago, two 30-minute intervals 1, 2)."""
    start = start or NOW - timedelta(minutes=10)
    if end is None and duration is not None:
        end = start + duration
    return EventView(
        event_id=event_id,
        modification_number=0,
        status=status,
        start=start,
        end=end,
        opt=opt,
        signals=(
            SignalView(
                name="SIMPLE",
                type="level",
                signal_id="sig-simple",
                current_value=level if status is EventStatus.ACTIVE else None,
                current_interval=0 if status is EventStatus.ACTIVE else None,
                intervals=(
                    Interval(uid=0, duration=timedelta(minutes=30), value=level or 0.0),
                    Interval(uid=1, duration=timedelta(minutes=30), value=1.0),
                ),
            ),
        ),
        market_context=MARKET,
        priority=priority,
        test_event=test_event,
        random_offset=timedelta(seconds=42),
    )


def price_event(
    *,
    event_id: str = "evt-price",
    status: EventStatus = EventStatus.FAR,
    start: datetime | None = None,
    current: float | None = None,
    opt: OptType = OptType.OPT_IN,
    signal_type: str = "price",
    test_event: bool = False,
) -> EventView:
    """An ELECTRICITY_PRICE event in USD; pending by default (starts in 2 h, 0.30 then 0.45)."""
    start = start or NOW + timedelta(hours=2)
    return EventView(
        event_id=event_id,
        modification_number=3,
        status=status,
        start=start,
        end=start + timedelta(hours=2),
        opt=opt,
        signals=(
            SignalView(
                name="ELECTRICITY_PRICE",
                type=signal_type,
                signal_id="sig-price",
                current_value=current,
                current_interval=None if current is None else 1,
                unit="USD",
                currency="USD",
                intervals=(
                    Interval(uid=0, duration=timedelta(hours=1), value=0.30),
                    Interval(uid=1, duration=timedelta(hours=1), value=0.45),
                ),
            ),
        ),
        market_context=MARKET,
        test_event=test_event,
        vtn_comment="Evening peak",
    )


def snapshot_active_and_pending() -> VenSnapshot:
    """An active SIMPLE level 2 event and a pending price event."""
    return VenSnapshot(
        registration=REGISTRATION,
        connection=ONLINE,
        events=(simple_event(), price_event()),
    )


def snapshot_no_event() -> VenSnapshot:
    return VenSnapshot(registration=REGISTRATION, connection=ONLINE, events=())


async def setup_platforms(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    client: FakeVenClient,
    snapshot: VenSnapshot,
    platforms: list[Platform],
    *,
    enable_all: bool = False,
) -> MockConfigEntry:
    """Set the entry up with only ``platforms``, the fake client starting from ``snapshot``.

    ``enable_all``: create the entities that are disabled by default enabled too.
    """
    client.snapshot = snapshot
    entry.add_to_hass(hass)
    with ExitStack() as stack:
        stack.enter_context(patch("custom_components.openadr_ven.PLATFORMS", platforms))
        # The test PKI is valid around the real date, the tests freeze time elsewhere: the
        # entities do not care about TLS.
        stack.enter_context(patch("custom_components.openadr_ven.build_ssl_context", return_value=None))
        if enable_all:
            stack.enter_context(
                patch(
                    "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
                    new_callable=PropertyMock,
                    return_value=True,
                )
            )
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    return entry


async def setup_entity(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    client: FakeVenClient,
    snapshot: VenSnapshot,
    *,
    platform: Platform,
    key: str,
) -> str:
    """Set up one platform (see ``setup_platforms``); the entity ID of its entity ``key``."""
    await setup_platforms(hass, entry, client, snapshot, [platform])
    return entity_id_of(hass, platform.value, key, entry.unique_id or "")


def entity_id_of(hass: HomeAssistant, platform: str, key: str, ven_key: str) -> str:
    """The entity ID of the entity with unique ID ``{ven_key}_{key}``."""
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{ven_key}_{key}")
    assert entity_id is not None, f"no {platform} with key {key}"
    return entity_id


def state_of(hass: HomeAssistant, entity_id: str) -> State:
    """The entity's state; fails the test when the entity does not exist."""
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} does not exist"
    return state


def ven_device(hass: HomeAssistant, entry: MockConfigEntry) -> dr.DeviceEntry:
    """The entry's one device, which must carry the identifier ``(DOMAIN, entry.unique_id)``.

    Looked up through the entry's devices (``async_get_device`` by identifiers is deprecated in
    newer Home Assistant).
    """
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert len(devices) == 1, devices
    assert devices[0].identifiers == {(DOMAIN, entry.unique_id)}
    return devices[0]


def _plain(value: Any) -> Any:
    """Enums as their values, mappings as sorted dicts, sequences and sets as lists (stable text)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        # Newer Home Assistant keys attributes and capabilities with StrEnum members.
        return {_plain(key): _plain(item) for key, item in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(item) for item in value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def registry_projection(entry: er.RegistryEntry) -> dict[str, Any]:
    """What this integration decides about an entity's registry entry, and nothing else.

    Home Assistant's own registry bookkeeping (ids, timestamps, aliases, labels, fields that
    newer releases add) stays out, so the snapshots mean the same on every supported release.
    """
    return {
        "entity_id": entry.entity_id,
        "unique_id": entry.unique_id,
        "platform": entry.platform,
        "domain": entry.domain,
        "has_entity_name": entry.has_entity_name,
        "translation_key": entry.translation_key,
        "original_name": entry.original_name,
        "original_device_class": _plain(entry.original_device_class),
        "original_icon": entry.original_icon,
        "entity_category": _plain(entry.entity_category),
        "disabled_by": _plain(entry.disabled_by),
        "hidden_by": _plain(entry.hidden_by),
        "unit_of_measurement": _plain(entry.unit_of_measurement),
        "supported_features": entry.supported_features,
        "capabilities": _plain(entry.capabilities),
        "options": _plain(entry.options),
    }


async def snapshot_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    config_entry: MockConfigEntry,
) -> None:
    """Snapshot every entity of one loaded platform: its registry projection and its state.

    Like ``snapshot_platform`` of pytest-homeassistant-custom-component, but on a stable
    projection (:func:`registry_projection`; state value and attributes) so that the same
    snapshot files hold on every supported Home Assistant. The device and the config entry
    each entity belongs to are asserted directly.
    """
    device = ven_device(hass, config_entry)
    entries = er.async_entries_for_config_entry(entity_registry, config_entry.entry_id)
    assert entries
    assert len({entry.domain for entry in entries}) == 1, "load one platform only"
    for entry in sorted(entries, key=lambda e: e.entity_id):
        assert entry.disabled_by is None, "enable every entity"
        assert entry.device_id == device.id
        assert entry.config_entry_id == config_entry.entry_id
        assert registry_projection(entry) == snapshot(name=f"{entry.entity_id}-entry")
        state = hass.states.get(entry.entity_id)
        assert state is not None, f"no state for {entry.entity_id}"
        assert {"state": state.state, "attributes": _plain(state.attributes)} == snapshot(
            name=f"{entry.entity_id}-state"
        )
