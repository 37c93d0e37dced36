"""Problems that appear while the VEN runs reach the user (not only those at set-up).

- the library classifies every failure (``ConnectionState.last_error_kind``);
- a rejected VEN certificate (TLS alert, or HTTP 403 per R517) starts a reauth flow;
- a VTN certificate that does not match the pin raises a repair issue;
- a registration cancelled by the VTN raises the (fixable) repair issue;
- all of them clear when the VTN answers again.

Fake-client tests drive the snapshots; one test runs the real client against a local TLS server
that refuses our client certificate.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openadr_ven.const import (
    CONF_VTN_FINGERPRINT,
    CONF_VTN_URL,
    CONF_XML_SIGNATURE,
    DOMAIN,
    ISSUE_FINGERPRINT_MISMATCH,
    ISSUE_REGISTRATION_CANCELLED,
)
from custom_components.openadr_ven.openadr.config import VenConfig
from custom_components.openadr_ven.openadr.driver import error_kind
from custom_components.openadr_ven.openadr.engine import VenEngine
from custom_components.openadr_ven.openadr.engine.common import Outgoing
from custom_components.openadr_ven.openadr.enums import OptType
from custom_components.openadr_ven.openadr.errors import (
    CertificateRejectedError,
    FingerprintMismatchError,
    HTTPStatusError,
    OpenADRError,
    PayloadError,
    SignatureError,
    TLSError,
    VTNConnectionError,
    VTNResponseError,
    VTNTimeoutError,
)
from custom_components.openadr_ven.openadr.models import CreatedEvent, EventResponse
from custom_components.openadr_ven.openadr.security import fingerprint
from custom_components.openadr_ven.openadr.state import (
    ConnectionState,
    ErrorKind,
    Notification,
    NotificationKind,
    RegistrationState,
    VenSnapshot,
)
from custom_components.openadr_ven.repairs import issue_id
from custom_components.openadr_ven.store import storage_key
from tests.certs import BlockingTlsVtn, Pki, serve
from tests.ha.conftest import (
    ENTRY_OPTIONS,
    NOW,
    REGISTRATION,
    VEN_ID,
    VEN_NAME,
    FakeVenClient,
    entry_data,
    registered_snapshot,
)

# ---------------------------------------------------------------------------------------------
# The library: classification and what a failure does to owed messages.


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (CertificateRejectedError("alert: unknown ca"), ErrorKind.CERTIFICATE_REJECTED),
        (HTTPStatusError(403), ErrorKind.CERTIFICATE_REJECTED),  # R517
        (FingerprintMismatchError("AA", "BB"), ErrorKind.FINGERPRINT_MISMATCH),
        (TLSError("certificate verify failed"), ErrorKind.TLS),
        (VTNTimeoutError("10 s"), ErrorKind.TIMEOUT),
        (VTNConnectionError("refused"), ErrorKind.CONNECTION),
        (HTTPStatusError(503), ErrorKind.HTTP),
        (HTTPStatusError(400), ErrorKind.HTTP),
        (VTNResponseError(452, "invalid id"), ErrorKind.VTN),
        (SignatureError("unsigned"), ErrorKind.SIGNATURE),
        (PayloadError("bad"), ErrorKind.PAYLOAD),
        (OpenADRError("other"), None),
    ],
)
def test_error_kind(error: OpenADRError, kind: ErrorKind | None) -> None:
    assert error_kind(error) is kind


def _engine_owing_an_answer() -> tuple[VenEngine, Outgoing]:
    engine = VenEngine(VenConfig(ven_name=VEN_NAME, ven_id=VEN_ID))
    engine.registration = REGISTRATION
    answer = CreatedEvent(
        ven_id=VEN_ID, event_responses=(EventResponse("event-1", 0, OptType.OPT_IN, request_id="req-1"),)
    )
    engine.outbox.append(Outgoing(answer))
    out = engine.next_message(NOW)
    assert out is not None
    assert out is engine.outbox[0]
    return engine, out


def test_rejected_certificate_keeps_the_owed_answer_and_records_the_kind() -> None:
    engine, out = _engine_owing_an_answer()
    engine.on_failure(out, "rejected", retryable=False, now=NOW, kind=ErrorKind.CERTIFICATE_REJECTED)
    assert engine.outbox == [out]  # sent again once the credentials are fixed
    connection = engine.snapshot(NOW).connection
    assert connection.online is False
    assert connection.last_error == "rejected"
    assert connection.last_error_kind is ErrorKind.CERTIFICATE_REJECTED


def test_http_4xx_drops_the_refused_payload() -> None:
    engine, out = _engine_owing_an_answer()
    engine.on_failure(out, "HTTP 400", retryable=False, now=NOW, kind=ErrorKind.HTTP)
    assert engine.outbox == []  # §9.1.5: never accepted, not re-sent
    assert engine.snapshot(NOW).connection.last_error_kind is ErrorKind.HTTP


def test_a_good_answer_clears_the_kind() -> None:
    engine, out = _engine_owing_an_answer()
    engine.on_failure(out, "down", retryable=True, now=NOW, kind=ErrorKind.CONNECTION)
    engine.on_undecodable(out, "garbage", NOW + timedelta(seconds=1))
    assert engine.snapshot(NOW).connection.last_error_kind is ErrorKind.PAYLOAD
    assert engine.snapshot(NOW).connection.online is True


# ---------------------------------------------------------------------------------------------
# The Home Assistant layer, driven by the fake client's snapshots.


def _failing(kind: ErrorKind, error: str = "failure") -> VenSnapshot:
    return replace(
        registered_snapshot(),
        connection=ConnectionState(
            online=False,
            last_success=NOW - timedelta(minutes=5),
            failing_since=NOW,
            last_error=error,
            consecutive_failures=2,
            last_error_kind=kind,
        ),
    )


def _reauth_flows(hass: HomeAssistant, entry: MockConfigEntry) -> list[Any]:
    return list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))


async def test_certificate_rejected_while_running_starts_reauth_until_the_vtn_answers(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    entry = init_integration
    assert _reauth_flows(hass, entry) == []

    mock_client.emit_snapshot(_failing(ErrorKind.CERTIFICATE_REJECTED))
    await hass.async_block_till_done()
    flows = _reauth_flows(hass, entry)
    assert len(flows) == 1
    assert flows[0]["step_id"] == "reauth_confirm"
    assert flows[0]["context"]["entry_id"] == entry.entry_id

    # More failures while the flow is open: still one flow.
    mock_client.emit_snapshot(replace(_failing(ErrorKind.CERTIFICATE_REJECTED), manual_override=True))
    await hass.async_block_till_done()
    assert len(_reauth_flows(hass, entry)) == 1
    assert entry.state is ConfigEntryState.LOADED  # known events keep running meanwhile

    mock_client.emit_snapshot(registered_snapshot(online=True))
    await hass.async_block_till_done()
    assert _reauth_flows(hass, entry) == []


async def test_fingerprint_mismatch_while_running_raises_an_issue_until_the_vtn_answers(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    issues = ir.async_get(hass)
    key = issue_id(ISSUE_FINGERPRINT_MISMATCH, init_integration.entry_id)
    error = "VTN certificate fingerprint 11:22 does not match the pinned AA:BB"

    mock_client.emit_snapshot(_failing(ErrorKind.FINGERPRINT_MISMATCH, error))
    await hass.async_block_till_done()
    issue = issues.async_get_issue(DOMAIN, key)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.is_fixable is False
    assert issue.translation_key == ISSUE_FINGERPRINT_MISMATCH
    assert issue.translation_placeholders == {"name": VEN_NAME, "error": error}
    assert _reauth_flows(hass, init_integration) == []  # our credentials are not the problem

    mock_client.emit_snapshot(registered_snapshot(online=True))
    await hass.async_block_till_done()
    assert issues.async_get_issue(DOMAIN, key) is None


@pytest.mark.parametrize(
    "kind", [ErrorKind.TIMEOUT, ErrorKind.CONNECTION, ErrorKind.HTTP, ErrorKind.TLS, ErrorKind.VTN]
)
async def test_outages_raise_no_issue_and_no_reauth(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient, kind: ErrorKind
) -> None:
    mock_client.emit_snapshot(_failing(kind))
    await hass.async_block_till_done()
    assert _reauth_flows(hass, init_integration) == []
    assert [i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN] == []
    connectivity = er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, f"{VEN_ID}_vtn_connectivity"
    )
    assert connectivity is not None
    assert hass.states.get(connectivity).state == "off"  # the outage shows here only


async def test_registration_cancelled_while_running_raises_the_issue_until_registered(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    issues = ir.async_get(hass)
    key = issue_id(ISSUE_REGISTRATION_CANCELLED, init_integration.entry_id)
    mock_client.emit_snapshot(VenSnapshot(connection=ConnectionState(online=True, last_success=NOW)))
    mock_client.emit_notification(Notification(NotificationKind.REGISTRATION_CANCELLED))
    await hass.async_block_till_done()
    issue = issues.async_get_issue(DOMAIN, key)
    assert issue is not None
    assert issue.is_fixable is True
    assert issue.data == {"entry_id": init_integration.entry_id}

    mock_client.emit_snapshot(registered_snapshot())
    await hass.async_block_till_done()
    assert issues.async_get_issue(DOMAIN, key) is None


async def test_forbidden_at_setup_starts_reauth(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    mock_client.snapshot = VenSnapshot()
    mock_client.register.side_effect = HTTPStatusError(403, "Forbidden")
    mock_config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    assert len(_reauth_flows(hass, mock_config_entry)) == 1


async def test_other_http_errors_at_setup_retry_later(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    mock_client.snapshot = VenSnapshot()
    mock_client.register.side_effect = HTTPStatusError(503, "Unavailable")
    mock_config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(mock_config_entry.entry_id)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert _reauth_flows(hass, mock_config_entry) == []


# ---------------------------------------------------------------------------------------------
# The real client: a VTN that refuses our client certificate while the VEN runs.


@asynccontextmanager
async def forbidding_vtn(pki: Pki) -> AsyncIterator[str]:
    """An aiohttp VTN that checks the client certificate after TLS and answers 403 (R517)."""

    async def handler(request: web.Request) -> web.Response:
        ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
        peer = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        if peer is None or fingerprint(peer) not in registered:
            return web.Response(status=403, text="Forbidden")
        return web.Response(status=500)  # pragma: no cover - nobody is registered

    registered: set[str] = set()  # our VEN's fingerprint is not among them
    app = web.Application()
    app.router.add_post("/{tail:.*}", handler)
    context = pki.server_ssl_context()
    context.verify_mode = ssl.CERT_OPTIONAL
    async with serve(app, ssl_context=context) as url:
        yield url


async def _set_up_registered_entry(
    hass: HomeAssistant, pki: Pki, hass_storage: dict[str, Any], url: str
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=VEN_NAME,
        unique_id=VEN_ID,
        data=entry_data(pki, **{CONF_VTN_URL: url}),
        options=dict(ENTRY_OPTIONS),
    )
    entry.add_to_hass(hass)
    # Registered earlier (stored state): set-up needs no network, the loop polls at once.
    engine = VenEngine(VenConfig(ven_name=VEN_NAME, ven_id=VEN_ID))
    engine.registration = RegistrationState(
        ven_id=VEN_ID,
        registration_id="reg-1",
        vtn_id="VTN_1",
        poll_interval=timedelta(seconds=10),
        registered_at=datetime.now(UTC) - timedelta(days=1),
    )
    key = storage_key(entry.entry_id)
    hass_storage[key] = {"version": 1, "minor_version": 1, "key": key, "data": engine.to_dict()}
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def _assert_reauth_while_running(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    client = entry.runtime_data.client
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15
    while not _reauth_flows(hass, entry):
        assert loop.time() < deadline, f"no reauth flow; connection: {client.snapshot.connection}"
        await asyncio.sleep(0.05)
    assert client.snapshot.connection.online is False
    assert client.snapshot.registration is not None  # nothing is forgotten
    assert entry.state is ConfigEntryState.LOADED
    connectivity = er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, f"{VEN_ID}_vtn_connectivity"
    )
    assert connectivity is not None
    assert hass.states.get(connectivity).state == "off"
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.parametrize("tls_max", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
async def test_real_client_tls_alert_while_running_starts_reauth(
    hass: HomeAssistant,
    pki: Pki,
    hass_storage: dict[str, Any],
    socket_enabled: None,
    tls_max: ssl.TLSVersion,
) -> None:
    # The VTN trusts only client certificates of another CA: ours is refused in the handshake.
    context = pki.server_ssl_context(client_ca=pki.wrong_ca)
    context.maximum_version = tls_max
    vtn = BlockingTlsVtn(context)
    try:
        entry = await _set_up_registered_entry(hass, pki, hass_storage, vtn.url)
        client = entry.runtime_data.client
        await _assert_reauth_while_running(hass, entry)
    finally:
        vtn.join()
    assert isinstance(vtn.error, ssl.SSLError)  # the VTN did refuse the handshake
    # Only a rejected certificate starts reauth; the retries after the single refused connection
    # find no listener (an outage) and leave the flow open.
    assert client.snapshot.connection.last_error_kind in (
        ErrorKind.CERTIFICATE_REJECTED,
        ErrorKind.CONNECTION,
    )


async def test_real_client_http_403_while_running_starts_reauth(
    hass: HomeAssistant, pki: Pki, hass_storage: dict[str, Any], socket_enabled: None
) -> None:
    async with forbidding_vtn(pki) as url:
        entry = await _set_up_registered_entry(hass, pki, hass_storage, url)
        client = entry.runtime_data.client
        await _assert_reauth_while_running(hass, entry)
    assert client.snapshot.connection.last_error_kind is ErrorKind.CERTIFICATE_REJECTED
    assert client.snapshot.connection.last_error == "HTTP 403: Forbidden"


async def test_signatures_without_a_pinned_vtn_refuse_to_set_up(
    hass: HomeAssistant, pki: Pki, mock_client: FakeVenClient
) -> None:
    """R514: with XML signatures on, VTN messages must be verified; without the VTN's pinned
    fingerprint nothing can be, so the VEN does not run (rather than accept unverified messages)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=VEN_NAME,
        unique_id=VEN_ID,
        data=entry_data(pki, **{CONF_XML_SIGNATURE: True, CONF_VTN_FINGERPRINT: None}),
        options=dict(ENTRY_OPTIONS),
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason is not None
    assert entry.reason.startswith("XML signatures are on but no VTN certificate fingerprint is pinned")
    mock_client.factory.assert_not_called()  # type: ignore[attr-defined]
    mock_client.register.assert_not_awaited()
