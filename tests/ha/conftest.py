"""Fixtures of the Home Assistant layer tests.

- ``pki``: the throwaway PKI of ``tests/certs.py`` (session-wide).
- ``mock_config_entry``: a realistic, not yet added entry (https VTN, client certificate, options).
- ``mock_client``: a :class:`FakeVenClient` that ``__init__.py`` and the config flow get instead of a
  real ``VenClient``; ``emit_snapshot`` / ``emit_notification`` drive the registered listeners.
- ``init_integration``: the entry set up with ``mock_client``; returns the entry.
- ``snapshot_with_event``: builder of a registered snapshot with one event (also a plain function).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.openadr_ven.const import (
    CONF_ALLOW_INSECURE,
    CONF_CA_CERTIFICATES,
    CONF_CERTIFICATE,
    CONF_DEFAULT_OPT,
    CONF_ENERGY_ENTITY,
    CONF_MARKET_CONTEXTS,
    CONF_POWER_ENTITY,
    CONF_PRIVATE_KEY,
    CONF_RESOURCE_ID,
    CONF_VEN_ID,
    CONF_VEN_NAME,
    CONF_VTN_FINGERPRINT,
    CONF_VTN_URL,
    CONF_XML_SIGNATURE,
    DOMAIN,
)
from custom_components.openadr_ven.openadr.enums import EventStatus, OptType
from custom_components.openadr_ven.openadr.models import CreatedPartyRegistration, Profile, Response
from custom_components.openadr_ven.openadr.state import (
    ConnectionState,
    EventView,
    Notification,
    RegistrationState,
    SignalView,
    VenSnapshot,
)
from tests.certs import Pki, make_pki
from tests.ha.entity_helpers import NOW as ENTITY_NOW

VTN_URL = "https://vtn.example.com:8443/oadr"
VEN_NAME = "Home VEN"
VEN_ID = "ven-home-1"
VTN_ID = "VTN_1"
REGISTRATION_ID = "reg-123"
MARKET_CONTEXT = "http://market.example.com/residential"
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

REGISTRATION = RegistrationState(
    ven_id=VEN_ID,
    registration_id=REGISTRATION_ID,
    vtn_id=VTN_ID,
    poll_interval=timedelta(seconds=10),
    registered_at=NOW - timedelta(days=1),
)

CREATED_PARTY_REGISTRATION = CreatedPartyRegistration(
    response=Response(code=200, description="OK", request_id="req-1"),
    vtn_id=VTN_ID,
    registration_id=REGISTRATION_ID,
    ven_id=VEN_ID,
    profiles=(Profile("2.0b", ("simpleHttp",)),),
    poll_freq=timedelta(seconds=10),
)


def event_view(
    event_id: str = "event-1",
    *,
    status: EventStatus = EventStatus.ACTIVE,
    start: datetime | None = None,
    duration: timedelta | None = timedelta(hours=1),
    level: float | None = 2.0,
    opt: OptType = OptType.OPT_IN,
    priority: int = 1,
    test_event: bool = False,
    market_context: str = MARKET_CONTEXT,
    modification_number: int = 0,
) -> EventView:
    """An event with one SIMPLE signal (level ``level`` while active)."""
    begin = start or (
        NOW - timedelta(minutes=10) if status is EventStatus.ACTIVE else NOW + timedelta(hours=2)
    )
    return EventView(
        event_id=event_id,
        modification_number=modification_number,
        status=status,
        start=begin,
        end=begin + duration if duration is not None else None,
        opt=opt,
        signals=(
            SignalView(
                name="SIMPLE",
                type="level",
                signal_id="signal-1",
                current_value=level if status is EventStatus.ACTIVE else None,
                current_interval=0 if status is EventStatus.ACTIVE else None,
            ),
        ),
        market_context=market_context,
        priority=priority,
        test_event=test_event,
        cancelled=status is EventStatus.CANCELLED,
    )


def snapshot_with_event(*events: EventView, online: bool = True, **event_kwargs: Any) -> VenSnapshot:
    """A registered, online snapshot holding ``events`` (default: one active event built from kwargs)."""
    return VenSnapshot(
        registration=REGISTRATION,
        connection=ConnectionState(online=online, last_success=NOW if online else None),
        events=events or (event_view(**event_kwargs),),
    )


def registered_snapshot(*, online: bool = True) -> VenSnapshot:
    return VenSnapshot(
        registration=REGISTRATION,
        connection=ConnectionState(online=online, last_success=NOW if online else None),
    )


class FakeVenClient:
    """Stands in for ``openadr.driver.VenClient``: same public surface, no network."""

    def __init__(self, snapshot: VenSnapshot | None = None) -> None:
        self.snapshot: VenSnapshot = snapshot if snapshot is not None else registered_snapshot()
        self._listeners: list[Callable[[VenSnapshot], None]] = []
        self._notification_listeners: list[Callable[[Notification], None]] = []
        self._stopped: asyncio.Event | None = None
        self.running = False
        self.load = AsyncMock(return_value=None)
        self.run = AsyncMock(side_effect=self._run)
        self.stop = AsyncMock(side_effect=self._stop)
        self.query_registration = AsyncMock(return_value=CREATED_PARTY_REGISTRATION)
        self.register = AsyncMock(return_value=REGISTRATION)
        self.cancel_registration = AsyncMock(return_value=None)
        self.opt = AsyncMock(side_effect=self._opt)
        self.set_availability = AsyncMock(return_value="opt-1")
        self.clear_availability = AsyncMock(return_value=None)
        self.request_events = AsyncMock(return_value=None)
        self.poll_now = AsyncMock(return_value=None)

    # listeners --------------------------------------------------------------------------
    def add_listener(self, cb: Callable[[VenSnapshot], None]) -> Callable[[], None]:
        self._listeners.append(cb)
        return lambda: self._listeners.remove(cb)

    def add_notification_listener(self, cb: Callable[[Notification], None]) -> Callable[[], None]:
        self._notification_listeners.append(cb)
        return lambda: self._notification_listeners.remove(cb)

    @property
    def listener_count(self) -> int:
        return len(self._listeners) + len(self._notification_listeners)

    def emit_snapshot(self, snapshot: VenSnapshot) -> None:
        self.snapshot = snapshot
        for cb in list(self._listeners):
            cb(snapshot)

    def emit_notification(self, notification: Notification) -> None:
        for cb in list(self._notification_listeners):
            cb(notification)

    # coroutines -------------------------------------------------------------------------
    async def _run(self) -> None:
        self._stopped = asyncio.Event()
        self.running = True
        try:
            await self._stopped.wait()
        finally:
            self.running = False

    async def _stop(self) -> None:
        if self._stopped is not None:
            self._stopped.set()

    async def _opt(self, opt_type: OptType, event_id: str | None = None) -> EventView:
        from custom_components.openadr_ven.openadr.errors import UnknownEventError

        candidates = [e for e in self.snapshot.events if event_id is None or e.event_id == event_id]
        if not candidates:
            raise UnknownEventError(event_id or "no active or pending event")
        return event_view(candidates[0].event_id, status=candidates[0].status, opt=opt_type)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("ha-pki"))


def entry_data(pki: Pki, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        CONF_VTN_URL: VTN_URL,
        CONF_VEN_NAME: VEN_NAME,
        CONF_VEN_ID: VEN_ID,
        CONF_CERTIFICATE: pki.client.cert_pem.decode(),
        CONF_PRIVATE_KEY: pki.client.key_pem.decode(),
        CONF_CA_CERTIFICATES: pki.ca.cert_pem.decode(),
        CONF_VTN_FINGERPRINT: None,
        CONF_XML_SIGNATURE: False,
        CONF_ALLOW_INSECURE: False,
    }
    data.update(overrides)
    return data


ENTRY_OPTIONS: dict[str, Any] = {
    CONF_POWER_ENTITY: "sensor.house_power",
    CONF_ENERGY_ENTITY: "sensor.house_energy",
    CONF_DEFAULT_OPT: "opt_in",
    CONF_RESOURCE_ID: "resource-1",
    CONF_MARKET_CONTEXTS: [MARKET_CONTEXT],
}


@pytest.fixture
def mock_config_entry(pki: Pki) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=VEN_NAME,
        unique_id=VEN_ID,
        data=entry_data(pki),
        options=dict(ENTRY_OPTIONS),
        version=1,
        minor_version=2,
    )


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load ``custom_components/openadr_ven``."""


@pytest.fixture
def entity_clock(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Home Assistant's clock stopped at the time the sample snapshots of the entity tests are built
    around (``entity_helpers.NOW``); platform test modules use it with ``pytest.mark.usefixtures``."""
    freezer.move_to(ENTITY_NOW)
    return freezer


@pytest.fixture
def mock_client() -> Iterator[FakeVenClient]:
    """A fake VEN client handed to ``__init__.py`` and the config flow instead of a real one.

    The factory mock is at ``client.factory`` (its call args show the data, options, storage,
    meter and SSL context the integration built).
    """
    client = FakeVenClient()
    with patch("custom_components.openadr_ven.create_ven_client", return_value=client) as factory:
        patches: list[Any] = []
        try:
            import custom_components.openadr_ven.config_flow  # noqa: F401

            flow_patch = patch("custom_components.openadr_ven.config_flow.create_ven_client", factory)
            flow_patch.start()
            patches.append(flow_patch)
        except ImportError:
            pass
        client.factory = factory  # type: ignore[attr-defined]
        yield client
        for p in patches:
            p.stop()


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> MockConfigEntry:
    """Set up the integration with the fake client; returns the (loaded) entry."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


@pytest.fixture(name="snapshot_with_event")
def snapshot_with_event_fixture() -> Callable[..., VenSnapshot]:
    return snapshot_with_event


@pytest.fixture(name="event_view")
def event_view_fixture() -> Callable[..., EventView]:
    return event_view


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Syrupy with Home Assistant's serializer; files in ``tests/ha/snapshots/``."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Config flow tests: do not really set up the created entry."""
    with patch("custom_components.openadr_ven.async_setup_entry", return_value=True) as mock:
        yield mock
