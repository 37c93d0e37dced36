"""Repair issues the user can act on, and the fix flow for a cancelled registration.

- ``certificate_expiring``: the VEN certificate expires within 30 days (checked at set-up and
  daily); fixed by re-authenticating with a renewed certificate.
- ``registration_cancelled``: the VTN cancelled our registration; fixable: re-register.
- ``insecure_connection``: plain http or unverified TLS is configured (testing only).
- ``fingerprint_mismatch``: while running, the VTN presented a certificate other than the pinned
  one (a changed VTN certificate, or someone posing as the VTN); fixed by reconfiguring the pin.
The VTN rejecting our certificate starts a reauth flow instead (at set-up ``ConfigEntryAuthFailed``,
while running from the snapshot's ``last_error_kind``). Both clear when the VTN answers again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import voluptuous as vol
from cryptography import x509
from homeassistant import data_entry_flow
from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .const import (
    CERTIFICATE_WARNING_DAYS,
    CONF_ALLOW_INSECURE,
    CONF_CERTIFICATE,
    CONF_VTN_URL,
    DOMAIN,
    ISSUE_CERTIFICATE_EXPIRING,
    ISSUE_FINGERPRINT_MISMATCH,
    ISSUE_INSECURE_CONNECTION,
    ISSUE_REGISTRATION_CANCELLED,
)
from .openadr.errors import OpenADRError
from .openadr.state import ErrorKind, Notification, NotificationKind, VenSnapshot

if TYPE_CHECKING:
    from .coordinator import OpenADRConfigEntry

CHECK_INTERVAL = timedelta(days=1)
_ISSUES = (
    ISSUE_CERTIFICATE_EXPIRING,
    ISSUE_REGISTRATION_CANCELLED,
    ISSUE_INSECURE_CONNECTION,
    ISSUE_FINGERPRINT_MISMATCH,
)


def issue_id(kind: str, entry_id: str) -> str:
    return f"{kind}_{entry_id}"


def certificate_not_after(pem: str) -> datetime | None:
    """Expiry of a PEM certificate (None if unreadable; the config flow refuses those)."""
    try:
        return x509.load_pem_x509_certificate(pem.encode()).not_valid_after_utc
    except ValueError:
        return None


@callback
def async_check_insecure(hass: HomeAssistant, entry: OpenADRConfigEntry) -> None:
    """Raise the insecure-connection issue while plain http or no verification is configured."""
    url = str(entry.data[CONF_VTN_URL])
    if entry.data.get(CONF_ALLOW_INSECURE):
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id(ISSUE_INSECURE_CONNECTION, entry.entry_id),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_INSECURE_CONNECTION,
            translation_placeholders={"name": entry.title, "url": url},
        )
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id(ISSUE_INSECURE_CONNECTION, entry.entry_id))


def _certificate_expiry(hass: HomeAssistant, entry: OpenADRConfigEntry) -> datetime | None:
    pem = entry.data.get(CONF_CERTIFICATE)
    return certificate_not_after(pem) if pem else None


async def async_check_certificate(hass: HomeAssistant, entry: OpenADRConfigEntry) -> None:
    """Raise or clear the certificate-expiring issue (certificate parsed in the executor)."""
    not_after = await hass.async_add_executor_job(_certificate_expiry, hass, entry)
    key = issue_id(ISSUE_CERTIFICATE_EXPIRING, entry.entry_id)
    if not_after is None or not_after - dt_util.utcnow() > timedelta(days=CERTIFICATE_WARNING_DAYS):
        ir.async_delete_issue(hass, DOMAIN, key)
        return
    days = max(0, (not_after - dt_util.utcnow()).days)
    ir.async_create_issue(
        hass,
        DOMAIN,
        key,
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR if days <= 7 else ir.IssueSeverity.WARNING,
        translation_key=ISSUE_CERTIFICATE_EXPIRING,
        translation_placeholders={
            "name": entry.title,
            "days": str(days),
            "date": not_after.date().isoformat(),
        },
    )


@callback
def async_setup_entry_repairs(hass: HomeAssistant, entry: OpenADRConfigEntry) -> None:
    """Checks that run while the entry is loaded; all undone on unload."""
    coordinator = entry.runtime_data.coordinator
    cancelled_key = issue_id(ISSUE_REGISTRATION_CANCELLED, entry.entry_id)
    mismatch_key = issue_id(ISSUE_FINGERPRINT_MISMATCH, entry.entry_id)

    @callback
    def _on_notification(notification: Notification) -> None:
        if notification.kind is NotificationKind.REGISTRATION_CANCELLED:
            ir.async_create_issue(
                hass,
                DOMAIN,
                cancelled_key,
                is_fixable=True,
                is_persistent=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=ISSUE_REGISTRATION_CANCELLED,
                translation_placeholders={"name": entry.title},
                data={"entry_id": entry.entry_id},
            )

    @callback
    def _on_snapshot() -> None:
        snapshot: VenSnapshot = coordinator.data
        if snapshot.registration is not None:
            ir.async_delete_issue(hass, DOMAIN, cancelled_key)
        connection = snapshot.connection
        if connection.online:
            # The VTN answered again: whatever was wrong with the credentials is fixed.
            ir.async_delete_issue(hass, DOMAIN, mismatch_key)
            for flow in entry.async_get_active_flows(hass, {SOURCE_REAUTH}):
                hass.config_entries.flow.async_abort(flow["flow_id"])
        elif connection.last_error_kind is ErrorKind.CERTIFICATE_REJECTED:
            entry.async_start_reauth(hass)  # R517: new credentials needed (no-op if one runs)
        elif connection.last_error_kind is ErrorKind.FINGERPRINT_MISMATCH:
            ir.async_create_issue(
                hass,
                DOMAIN,
                mismatch_key,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=ISSUE_FINGERPRINT_MISMATCH,
                translation_placeholders={"name": entry.title, "error": connection.last_error or ""},
            )

    @callback
    def _daily(_now: datetime) -> None:
        entry.async_create_task(hass, async_check_certificate(hass, entry), "openadr_ven certificate check")

    entry.async_on_unload(coordinator.async_add_notification_listener(_on_notification))
    entry.async_on_unload(coordinator.async_add_listener(_on_snapshot))
    entry.async_on_unload(async_track_time_interval(hass, _daily, CHECK_INTERVAL))
    entry.async_create_task(hass, async_check_certificate(hass, entry), eager_start=True)
    _on_snapshot()


@callback
def async_delete_entry_issues(hass: HomeAssistant, entry: OpenADRConfigEntry) -> None:
    for kind in _ISSUES:
        ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry.entry_id))


class ReregisterRepairFlow(RepairsFlow):
    """The VTN cancelled our registration: confirm, then register again."""

    def __init__(self, entry_id: str) -> None:
        self._entry_id = entry_id

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> data_entry_flow.FlowResult:
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> data_entry_flow.FlowResult:
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                await entry.runtime_data.client.register()
            except OpenADRError as err:
                errors["base"] = "cannot_register"
                placeholders = {"name": entry.title, "error": str(err)}
            else:
                return self.async_create_entry(data={})
        else:
            placeholders = {"name": entry.title, "error": ""}
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            errors=errors,
            description_placeholders=placeholders,
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The fix flow of a fixable issue (only ``registration_cancelled`` is)."""
    assert data is not None
    return ReregisterRepairFlow(str(data["entry_id"]))
