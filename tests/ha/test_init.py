"""Set-up, unload, reload and removal of a VEN entry."""

from __future__ import annotations

import ssl
from datetime import timedelta
from unittest.mock import ANY, patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.openadr_ven.clock import HomeAssistantClock
from custom_components.openadr_ven.const import (
    CONF_CERTIFICATE,
    CONF_POWER_ENTITY,
    CONF_PRIVATE_KEY,
    CONF_VEN_NAME,
    CONF_VTN_FINGERPRINT,
    CONF_VTN_URL,
    CONF_XML_SIGNATURE,
    DOMAIN,
    EVENT_OPENADR,
)
from custom_components.openadr_ven.coordinator import OpenADRCoordinator
from custom_components.openadr_ven.meters import HomeAssistantMeter
from custom_components.openadr_ven.openadr.enums import OptType
from custom_components.openadr_ven.openadr.errors import (
    CertificateRejectedError,
    FingerprintMismatchError,
    TLSError,
    VTNConnectionError,
    VTNResponseError,
)
from custom_components.openadr_ven.openadr.state import Notification, NotificationKind, VenSnapshot
from custom_components.openadr_ven.store import OpenADRStore, StorageTooNewError, storage_key
from tests.certs import Pki
from tests.ha.conftest import NOW, VEN_ID, VEN_NAME, FakeVenClient, entry_data, snapshot_with_event
from tests.ha.entity_helpers import ven_device


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


# ------------------------------------------------------------------------------------ wiring


async def test_setup_wires_store_meter_and_tls(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    kwargs = mock_client.factory.call_args.kwargs
    args = mock_client.factory.call_args.args
    assert args[1] == init_integration.data
    assert args[2] == init_integration.options
    assert isinstance(kwargs["storage"], OpenADRStore)
    meter = kwargs["meter"]
    assert isinstance(meter, HomeAssistantMeter)
    assert (meter.power_entity, meter.energy_entity) == ("sensor.house_power", "sensor.house_energy")
    context = kwargs["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2


async def test_create_ven_client_builds_the_real_library(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    from custom_components.openadr_ven import build_ssl_context, create_ven_client
    from custom_components.openadr_ven.openadr.driver import VenClient
    from custom_components.openadr_ven.openadr.storage import MemoryStorage

    context = await hass.async_add_executor_job(build_ssl_context, dict(mock_config_entry.data))
    client = create_ven_client(
        hass,
        mock_config_entry.data,
        mock_config_entry.options,
        storage=MemoryStorage(),
        meter=None,
        ssl_context=context,
    )
    assert isinstance(client, VenClient)
    assert client.snapshot.registration is None
    http = create_ven_client(
        hass,
        {CONF_VTN_URL: "http://127.0.0.1:1", CONF_VEN_NAME: "x"},
        {},
        storage=MemoryStorage(),
        meter=None,
        ssl_context=build_ssl_context({CONF_VTN_URL: "http://127.0.0.1:1"}),
    )
    assert isinstance(http, VenClient)

    pin = "AA:BB:CC:DD:EE:FF:00:11:22:33"
    with (
        patch("custom_components.openadr_ven.openadr.signature.XmlSigner") as signer,
        patch("custom_components.openadr_ven.openadr.signature.XmlVerifier") as verifier,
    ):
        signed = create_ven_client(
            hass,
            {**mock_config_entry.data, CONF_XML_SIGNATURE: True, CONF_VTN_FINGERPRINT: pin},
            {},
            storage=MemoryStorage(),
            meter=None,
            ssl_context=context,
        )
    assert isinstance(signed, VenClient)
    signer.assert_called_once_with(
        mock_config_entry.data[CONF_CERTIFICATE].encode(),
        mock_config_entry.data[CONF_PRIVATE_KEY].encode(),
        clock=ANY,
    )
    verifier.assert_called_once_with([pin], clock=ANY)
    # Signer, verifier and driver all run on Home Assistant's clock.
    clock = signer.call_args.kwargs["clock"]
    assert isinstance(clock, HomeAssistantClock)
    assert verifier.call_args.kwargs["clock"] is clock


async def test_snapshots_and_notifications_are_pushed(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    coordinator = init_integration.runtime_data.coordinator
    seen: list[Notification] = []
    remove = coordinator.async_add_notification_listener(seen.append)
    bus_events = async_capture_events(hass, EVENT_OPENADR)

    snapshot = snapshot_with_event()
    mock_client.emit_snapshot(snapshot)
    assert coordinator.data is snapshot
    assert coordinator.last_update_success

    note = Notification(
        kind=NotificationKind.EVENT_STARTED,
        event_id="event-1",
        signal_name="SIMPLE",
        value=2.0,
        start=NOW,
        end=NOW + timedelta(hours=1),
        opt=OptType.OPT_IN,
    )
    mock_client.emit_notification(note)
    await hass.async_block_till_done()
    assert seen == [note]
    assert len(bus_events) == 1
    device = ven_device(hass, init_integration)
    assert device.identifiers == {(DOMAIN, VEN_ID)}
    assert bus_events[0].data == {
        "config_entry_id": init_integration.entry_id,
        "device_id": device.id,
        "type": "event_started",
        "event_id": "event-1",
        "signal_name": "SIMPLE",
        "value": 2.0,
        "previous_value": None,
        "start": "2026-01-01T12:00:00+00:00",
        "end": "2026-01-01T13:00:00+00:00",
        "test_event": False,
        "opt": "optIn",
    }
    remove()
    mock_client.emit_notification(note)
    assert len(seen) == 1


async def test_failing_notification_listener_does_not_stop_others(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    coordinator = init_integration.runtime_data.coordinator
    seen: list[Notification] = []

    def broken(_: Notification) -> None:
        raise RuntimeError("listener bug")

    coordinator.async_add_notification_listener(broken)
    coordinator.async_add_notification_listener(seen.append)
    mock_client.emit_notification(Notification(kind=NotificationKind.EVENT_RECEIVED, event_id="e"))
    assert len(seen) == 1


# ---------------------------------------------------------------------------- registration


async def test_unregistered_ven_registers_at_setup(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    mock_client.snapshot = VenSnapshot()
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    mock_client.register.assert_awaited_once()


async def test_stored_registration_starts_without_network(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    mock_client.register.assert_not_awaited()
    mock_client.query_registration.assert_not_awaited()


@pytest.mark.parametrize(
    ("error", "state", "reauth"),
    [
        (CertificateRejectedError("rejected"), ConfigEntryState.SETUP_ERROR, True),
        (FingerprintMismatchError("AA", "BB"), ConfigEntryState.SETUP_ERROR, False),
        (TLSError("handshake"), ConfigEntryState.SETUP_RETRY, False),
        (VTNConnectionError("down"), ConfigEntryState.SETUP_RETRY, False),
        (VTNResponseError(463, "nope"), ConfigEntryState.SETUP_RETRY, False),
    ],
)
async def test_registration_errors_at_setup(  # noqa: PLR0917
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    error: Exception,
    state: ConfigEntryState,
    reauth: bool,
) -> None:
    mock_client.snapshot = VenSnapshot()
    mock_client.register.side_effect = error
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is state
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert bool([f for f in flows if f["context"]["source"] == SOURCE_REAUTH]) is reauth
    mock_client.run.assert_not_awaited()
    assert mock_client.listener_count == 0


async def test_expired_certificate_at_setup_starts_reauth(
    hass: HomeAssistant, pki: Pki, mock_client: FakeVenClient
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=VEN_NAME,
        unique_id=VEN_ID,
        data=entry_data(
            pki,
            **{
                CONF_CERTIFICATE: pki.client_expired.cert_pem.decode(),
                CONF_PRIVATE_KEY: pki.client_expired.key_pem.decode(),
            },
        ),
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]


async def test_storage_from_newer_version(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    mock_client.load.side_effect = StorageTooNewError("2.1")
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR


# ------------------------------------------------------------------------ reload and remove


async def test_options_change_reloads(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    hass.config_entries.async_update_entry(
        init_integration, options={**init_integration.options, CONF_POWER_ENTITY: "sensor.other"}
    )
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert mock_client.load.await_count == 2
    assert mock_client.stop.await_count == 1
    assert mock_client.factory.call_args.kwargs["meter"].power_entity == "sensor.other"
    assert mock_client.listener_count == 2  # the old coordinator unsubscribed


async def test_remove_entry_cancels_registration_and_forgets_state(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient, hass_storage: dict
) -> None:
    key = storage_key(init_integration.entry_id)
    hass_storage[key] = {"version": 1, "minor_version": 1, "key": key, "data": {"x": 1}}
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    mock_client.cancel_registration.assert_awaited_once()
    assert key not in hass_storage


async def test_remove_entry_tolerates_vtn_failure(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_client: FakeVenClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mock_client.cancel_registration.side_effect = VTNConnectionError("down")
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    assert "Could not cancel the registration of Home VEN" in caplog.text


async def test_remove_unregistered_entry_does_not_call_vtn(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    await hass.config_entries.async_unload(init_integration.entry_id)
    mock_client.snapshot = VenSnapshot()
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    mock_client.cancel_registration.assert_not_awaited()
