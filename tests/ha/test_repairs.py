"""Repair issues: expiring certificate, cancelled registration (fixable), insecure connection."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.openadr_ven.const import CONF_ALLOW_INSECURE, CONF_VTN_URL, DOMAIN
from custom_components.openadr_ven.openadr.errors import VTNConnectionError
from custom_components.openadr_ven.openadr.state import Notification, NotificationKind, VenSnapshot
from custom_components.openadr_ven.repairs import certificate_not_after, issue_id
from tests.certs import Pki
from tests.ha.conftest import FakeVenClient, entry_data, registered_snapshot


def _issue(hass: HomeAssistant, kind: str, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id(kind, entry.entry_id))


async def test_no_issues_for_a_healthy_entry(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    assert [i for (d, _), i in ir.async_get(hass).issues.items() if d == DOMAIN] == []


async def test_certificate_expiring_raised_then_daily_check(
    hass: HomeAssistant,
    pki: Pki,
    mock_config_entry: MockConfigEntry,
    mock_client: FakeVenClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    not_after = certificate_not_after(pki.client.cert_pem.decode())
    assert not_after is not None
    freezer.move_to(not_after - timedelta(days=31))
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert _issue(hass, "certificate_expiring", mock_config_entry) is None

    freezer.tick(timedelta(days=2))
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(days=1, seconds=1))
    await hass.async_block_till_done()
    issue = _issue(hass, "certificate_expiring", mock_config_entry)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders == {
        "name": "Home VEN",
        "days": "29",
        "date": not_after.date().isoformat(),
    }

    freezer.move_to(not_after - timedelta(days=3))
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(days=1, seconds=1))
    await hass.async_block_till_done()
    issue = _issue(hass, "certificate_expiring", mock_config_entry)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR


async def test_renewed_certificate_clears_the_issue(
    hass: HomeAssistant, pki: Pki, init_integration: MockConfigEntry
) -> None:
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id("certificate_expiring", init_integration.entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="certificate_expiring",
    )
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert _issue(hass, "certificate_expiring", init_integration) is None


def test_unreadable_certificate_has_no_expiry() -> None:
    assert certificate_not_after("garbage") is None


async def test_insecure_connection_issue(hass: HomeAssistant, pki: Pki, mock_client: FakeVenClient) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Test VEN",
        unique_id="test-ven",
        data=entry_data(pki, **{CONF_VTN_URL: "http://127.0.0.1:8080", CONF_ALLOW_INSECURE: True}),
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    issue = _issue(hass, "insecure_connection", entry)
    assert issue is not None
    assert issue.translation_placeholders == {"name": "Test VEN", "url": "http://127.0.0.1:8080"}
    assert mock_client.factory.call_args.kwargs["ssl_context"] is None

    await hass.config_entries.async_unload(entry.entry_id)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_VTN_URL: "https://vtn.example.com", CONF_ALLOW_INSECURE: False}
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert _issue(hass, "insecure_connection", entry) is None

    assert await hass.config_entries.async_remove(entry.entry_id)


async def _start_fix_flow(hass_client: ClientSessionGenerator, issue: str) -> dict:
    client = await hass_client()
    resp = await client.post("/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue})
    assert resp.status == 200
    return await resp.json()


async def _submit(hass_client: ClientSessionGenerator, flow_id: str) -> dict:
    client = await hass_client()
    resp = await client.post(f"/api/repairs/issues/fix/{flow_id}", json={})
    assert resp.status == 200
    return await resp.json()


async def test_registration_cancelled_fix_flow(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    mock_client: FakeVenClient,
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    mock_client.emit_snapshot(VenSnapshot())
    mock_client.emit_notification(Notification(kind=NotificationKind.REGISTRATION_CANCELLED))
    key = issue_id("registration_cancelled", init_integration.entry_id)
    issue = _issue(hass, "registration_cancelled", init_integration)
    assert issue is not None
    assert issue.is_fixable

    flow = await _start_fix_flow(hass_client, key)
    assert flow["step_id"] == "confirm"
    mock_client.register.side_effect = VTNConnectionError("down")
    flow = await _submit(hass_client, flow["flow_id"])
    assert flow["type"] == "form"
    assert flow["errors"] == {"base": "cannot_register"}
    assert flow["description_placeholders"]["error"] == "down"

    mock_client.register.side_effect = None
    flow = await _submit(hass_client, flow["flow_id"])
    assert flow["type"] == "create_entry"
    mock_client.register.assert_awaited()
    # The new registration arrives as a snapshot and clears the issue.
    mock_client.emit_snapshot(registered_snapshot())
    assert _issue(hass, "registration_cancelled", init_integration) is None


async def test_fix_flow_for_unloaded_entry_aborts(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    mock_client: FakeVenClient,
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    mock_client.emit_notification(Notification(kind=NotificationKind.REGISTRATION_CANCELLED))
    await hass.config_entries.async_unload(init_integration.entry_id)
    flow = await _start_fix_flow(hass_client, issue_id("registration_cancelled", init_integration.entry_id))
    assert flow["type"] == "abort"
    assert flow["reason"] == "entry_not_loaded"
