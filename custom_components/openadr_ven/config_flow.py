"""Config flow: connect a VEN to the utility's VTN, test it, and tune it in the options.

The user step asks for the VTN URL, the VEN name (and a venID if the utility assigned one), the
client certificate and key (uploaded or pasted), an optional CA bundle and VTN fingerprint pin,
and the XML signature and insecure-testing switches. Before the entry is created the VEN talks to
the VTN once (oadrQueryRegistration). The VEN certificate's OpenADR fingerprint is shown, since
utilities register VENs by it.
"""

from __future__ import annotations

import hashlib
import logging
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import voluptuous as vol
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from homeassistant.components.file_upload import process_uploaded_file
from homeassistant.config_entries import (
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import ATTR_DEVICE_CLASS, ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import selector
from homeassistant.util.unit_conversion import EnergyConverter, PowerConverter
from yarl import URL

from . import build_ssl_context, create_ven_client
from .const import (
    CONF_ALLOW_INSECURE,
    CONF_CA_CERTIFICATES,
    CONF_CA_CERTIFICATES_FILE,
    CONF_CERTIFICATE,
    CONF_CERTIFICATE_FILE,
    CONF_DEFAULT_OPT,
    CONF_ENERGY_ENTITY,
    CONF_MARKET_CONTEXTS,
    CONF_POWER_ENTITY,
    CONF_PRIVATE_KEY,
    CONF_PRIVATE_KEY_FILE,
    CONF_RESOURCE_ID,
    CONF_VEN_ID,
    CONF_VEN_NAME,
    CONF_VTN_FINGERPRINT,
    CONF_VTN_URL,
    CONF_XML_SIGNATURE,
    DEFAULT_OPT_IN,
    DEFAULT_OPT_OUT,
    DOMAIN,
)
from .coordinator import OpenADRConfigEntry
from .openadr.errors import (
    CertificateError,
    CertificateRejectedError,
    FingerprintMismatchError,
    HTTPStatusError,
    OpenADRError,
    PayloadError,
    TLSError,
    TransportError,
    VTNResponseError,
    VTNTimeoutError,
)
from .openadr.security import is_valid_fingerprint, load_certificate_info, normalize_fingerprint
from .openadr.storage import MemoryStorage

_LOGGER = logging.getLogger(__name__)

_PEM_FILES = {
    CONF_CERTIFICATE: CONF_CERTIFICATE_FILE,
    CONF_PRIVATE_KEY: CONF_PRIVATE_KEY_FILE,
    CONF_CA_CERTIFICATES: CONF_CA_CERTIFICATES_FILE,
}
_TEXT = selector.TextSelector()
_URL = selector.TextSelector(selector.TextSelectorConfig(type=selector.TextSelectorType.URL))
_PEM = selector.TextSelector(selector.TextSelectorConfig(multiline=True))
_BOOL = selector.BooleanSelector()


def _file(accept: str) -> selector.FileSelector:
    return selector.FileSelector(selector.FileSelectorConfig(accept=accept))


_CREDENTIAL_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(CONF_CERTIFICATE_FILE): _file(".pem,.crt,.cer"),
    vol.Optional(CONF_CERTIFICATE): _PEM,
    vol.Optional(CONF_PRIVATE_KEY_FILE): _file(".pem,.key"),
    vol.Optional(CONF_PRIVATE_KEY): _PEM,
}
_CONNECTION_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(CONF_CA_CERTIFICATES_FILE): _file(".pem,.crt,.cer"),
    vol.Optional(CONF_CA_CERTIFICATES): _PEM,
    vol.Optional(CONF_VTN_FINGERPRINT): _TEXT,
    vol.Optional(CONF_XML_SIGNATURE, default=False): _BOOL,
    vol.Optional(CONF_ALLOW_INSECURE, default=False): _BOOL,
}
USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_VTN_URL): _URL,
        vol.Required(CONF_VEN_NAME): _TEXT,
        vol.Optional(CONF_VEN_ID): _TEXT,
        **_CREDENTIAL_FIELDS,
        **_CONNECTION_FIELDS,
    }
)
REAUTH_SCHEMA = vol.Schema(_CREDENTIAL_FIELDS)
RECONFIGURE_SCHEMA = vol.Schema(
    {vol.Required(CONF_VTN_URL): _URL, **_CREDENTIAL_FIELDS, **_CONNECTION_FIELDS}
)


class FlowError(Exception):
    """A validation failure: the form's error key (on ``field``) and its placeholders."""

    def __init__(self, key: str, field: str = "base", **placeholders: str) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.placeholders = placeholders


def unique_id_for(data: Mapping[str, Any]) -> str:
    """The VEN's identity: the pre-assigned venID, else a hash of (VTN host, VEN name)."""
    if ven_id := data.get(CONF_VEN_ID):
        return str(ven_id)
    host = URL(str(data[CONF_VTN_URL])).host or ""
    digest = hashlib.sha256(f"{host.lower()}\n{data[CONF_VEN_NAME]}".encode()).hexdigest()
    return f"ven-{digest[:16]}"


def _read_pems(hass: HomeAssistant, user_input: Mapping[str, Any]) -> dict[str, str | None]:
    """PEM text of each credential: the uploaded file wins over pasted text (blocking)."""
    result: dict[str, str | None] = {}
    for field, file_field in _PEM_FILES.items():
        text: str | None = user_input.get(field)
        if file_id := user_input.get(file_field):
            try:
                with process_uploaded_file(hass, file_id) as path:
                    text = Path(path).read_text(encoding="utf-8")
            except (ValueError, OSError, UnicodeDecodeError) as err:
                raise FlowError("invalid_file", field=file_field) from err
        text = text.strip() if text else None
        result[field] = f"{text}\n" if text else None
    return result


def check_credentials(cert_pem: str, key_pem: str, now: datetime | None = None) -> str:
    """Check a VEN certificate and key (blocking); returns the OpenADR fingerprint.

    Raises FlowError: invalid_certificate, weak_key, invalid_private_key, key_mismatch,
    certificate_expired, certificate_not_yet_valid.
    """
    try:
        x509.load_pem_x509_certificates(cert_pem.encode())
    except ValueError as err:
        raise FlowError("invalid_certificate", field=CONF_CERTIFICATE) from err
    try:
        info = load_certificate_info(cert_pem.encode(), None, check_validity=False)
    except CertificateError as err:  # readable but unusable: key type or strength (R68)
        raise FlowError("weak_key", field=CONF_CERTIFICATE, error=str(err)) from err
    try:
        serialization.load_pem_private_key(key_pem.encode(), password=None)
    except (ValueError, TypeError) as err:
        raise FlowError("invalid_private_key", field=CONF_PRIVATE_KEY) from err
    try:
        load_certificate_info(cert_pem.encode(), key_pem.encode(), check_validity=False)
    except CertificateError as err:
        raise FlowError("key_mismatch", field=CONF_PRIVATE_KEY) from err
    moment = now or datetime.now(UTC)
    if moment > info.not_after:  # R516
        raise FlowError("certificate_expired", field=CONF_CERTIFICATE, date=info.not_after.isoformat())
    if moment < info.not_before:
        raise FlowError("certificate_not_yet_valid", field=CONF_CERTIFICATE, date=info.not_before.isoformat())
    return info.fingerprint


def _prepare(
    hass: HomeAssistant, data: dict[str, Any], user_input: Mapping[str, Any]
) -> tuple[dict[str, Any], str | None, ssl.SSLContext | None]:
    """Merge the form into ``data``, check everything locally (blocking, in the executor)."""
    for field in (CONF_VTN_URL, CONF_VEN_NAME, CONF_VEN_ID, CONF_VTN_FINGERPRINT):
        if field in user_input:
            data[field] = str(user_input[field]).strip() or None
    for field in (CONF_XML_SIGNATURE, CONF_ALLOW_INSECURE):
        if field in user_input:
            data[field] = bool(user_input[field])
    for field, pem in _read_pems(hass, user_input).items():
        if pem is not None:
            data[field] = pem

    url = URL(str(data.get(CONF_VTN_URL) or ""))
    if url.scheme not in ("http", "https") or not url.host:
        raise FlowError("invalid_url", field=CONF_VTN_URL)
    if url.scheme == "http" and not data.get(CONF_ALLOW_INSECURE):
        raise FlowError("insecure_url", field=CONF_VTN_URL)
    if pin := data.get(CONF_VTN_FINGERPRINT):
        if not is_valid_fingerprint(pin):
            raise FlowError("invalid_fingerprint", field=CONF_VTN_FINGERPRINT)
        digits = normalize_fingerprint(pin)
        data[CONF_VTN_FINGERPRINT] = ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))

    if data.get(CONF_XML_SIGNATURE) and not data.get(CONF_VTN_FINGERPRINT):
        # R514: with signatures on, unsigned or badly signed VTN messages must be ignored. A
        # signature proves the sender only against a known signing certificate, exchanged out of
        # band like fingerprints (§10.5.1): without the pin nothing could be verified.
        raise FlowError("signature_needs_fingerprint", field=CONF_VTN_FINGERPRINT)
    cert, key = data.get(CONF_CERTIFICATE), data.get(CONF_PRIVATE_KEY)
    fingerprint: str | None = None
    if cert or key:
        if not (cert and key):
            raise FlowError("certificate_required", field=CONF_PRIVATE_KEY if cert else CONF_CERTIFICATE)
        fingerprint = check_credentials(cert, key)
    elif url.scheme == "https" or data.get(CONF_XML_SIGNATURE):
        # §9.2.1.1: client certificates are mandatory (also the signing key of XML signatures).
        raise FlowError("certificate_required", field=CONF_CERTIFICATE)
    if ca := data.get(CONF_CA_CERTIFICATES):
        try:
            x509.load_pem_x509_certificates(ca.encode())
        except ValueError as err:
            raise FlowError("invalid_ca", field=CONF_CA_CERTIFICATES) from err
    try:
        context = build_ssl_context(data)
    except CertificateError as err:
        raise FlowError("invalid_certificate", field=CONF_CERTIFICATE) from err
    except (ssl.SSLError, ValueError) as err:  # pragma: no cover - the CA was parsed above
        raise FlowError("invalid_ca", field=CONF_CA_CERTIFICATES) from err
    return data, fingerprint, context


async def _async_test_vtn(
    hass: HomeAssistant, data: Mapping[str, Any], context: ssl.SSLContext | None
) -> None:
    """One real exchange with the VTN (oadrQueryRegistration); FlowError on failure."""
    client = create_ven_client(hass, data, {}, storage=MemoryStorage(), meter=None, ssl_context=context)
    try:
        await client.query_registration()
    except VTNTimeoutError as err:
        raise FlowError("timeout") from err
    except CertificateRejectedError as err:
        raise FlowError("certificate_rejected") from err
    except FingerprintMismatchError as err:
        raise FlowError("fingerprint_mismatch", actual=err.actual) from err
    except TLSError as err:
        raise FlowError("tls_error", error=str(err)) from err
    except HTTPStatusError as err:
        raise FlowError("vtn_error", code=str(err.status), description=str(err)) from err
    except TransportError as err:
        raise FlowError("cannot_connect", error=str(err)) from err
    except VTNResponseError as err:
        raise FlowError("vtn_error", code=str(err.code), description=err.description or "") from err
    except PayloadError as err:
        raise FlowError("invalid_response", error=str(err)) from err
    except OpenADRError as err:
        raise FlowError("cannot_connect", error=str(err)) from err
    except Exception:
        _LOGGER.exception("Unexpected error while testing the VTN connection")
        raise FlowError("unknown") from None


class OpenADRConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a VEN."""

    VERSION = 1
    MINOR_VERSION = 2  # 1.2: default_opt options opt_in/opt_out (async_migrate_entry)

    async def _async_validate(
        self, data: dict[str, Any], user_input: Mapping[str, Any], placeholders: dict[str, str]
    ) -> tuple[dict[str, Any], str | None]:
        data, fingerprint, context = await self.hass.async_add_executor_job(
            _prepare, self.hass, data, user_input
        )
        if fingerprint:
            placeholders["fingerprint"] = fingerprint
        await self._async_check_identity(data)
        await _async_test_vtn(self.hass, data, context)
        return data, fingerprint

    async def _async_check_identity(self, data: Mapping[str, Any]) -> None:
        """Abort before talking to the VTN if this VEN is already configured."""
        await self.async_set_unique_id(unique_id_for(data))
        if self.source == "user":
            self._abort_if_unique_id_configured()
        else:
            self._abort_if_unique_id_mismatch()

    def _form(
        self,
        step_id: str,
        schema: vol.Schema,
        user_input: Mapping[str, Any] | None,
        errors: dict[str, str],
        placeholders: dict[str, str],
    ) -> ConfigFlowResult:
        suggested = {k: v for k, v in (user_input or {}).items() if not k.endswith("_file")}
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The VTN, the VEN's identity and its credentials."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"fingerprint": "-", "error": "", "code": "", "description": ""}
        if user_input is not None:
            try:
                data, fingerprint = await self._async_validate(
                    {CONF_XML_SIGNATURE: False, CONF_ALLOW_INSECURE: False}, user_input, placeholders
                )
            except FlowError as err:
                errors[err.field] = err.key
                placeholders.update(err.placeholders)
            else:
                if data.get(CONF_ALLOW_INSECURE):
                    _LOGGER.warning("VEN %s is set up with an insecure VTN connection", data[CONF_VEN_NAME])
                return self.async_create_entry(
                    title=data[CONF_VEN_NAME],
                    data=data,
                    description="fingerprint",
                    description_placeholders={"fingerprint": fingerprint or "-"},
                )
        return self._form("user", USER_SCHEMA, user_input, errors, placeholders)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The VTN rejected the certificate, or it expired: ask for a new one."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        return await self._async_update_step("reauth_confirm", REAUTH_SCHEMA, entry, user_input)

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Change the VTN URL, certificates or security settings of a VEN."""
        entry = self._get_reconfigure_entry()
        if user_input is None:
            user_input = None
            suggested: dict[str, Any] = {
                k: entry.data.get(k)
                for k in (CONF_VTN_URL, CONF_VTN_FINGERPRINT, CONF_XML_SIGNATURE, CONF_ALLOW_INSECURE)
                if entry.data.get(k) is not None
            }
            return self._form("reconfigure", RECONFIGURE_SCHEMA, suggested, {}, self._placeholders(entry))
        return await self._async_update_step("reconfigure", RECONFIGURE_SCHEMA, entry, user_input)

    def _placeholders(self, entry: OpenADRConfigEntry) -> dict[str, str]:
        return {"name": entry.title, "fingerprint": "-", "error": "", "code": "", "description": ""}

    async def _async_update_step(
        self,
        step_id: str,
        schema: vol.Schema,
        entry: OpenADRConfigEntry,
        user_input: dict[str, Any] | None,
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        placeholders = self._placeholders(entry)
        if user_input is not None:
            try:
                data, _ = await self._async_validate(dict(entry.data), user_input, placeholders)
            except FlowError as err:
                errors[err.field] = err.key
                placeholders.update(err.placeholders)
            else:
                return self.async_update_reload_and_abort(entry, data=data)
        return self._form(step_id, schema, user_input, errors, placeholders)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: OpenADRConfigEntry) -> OpenADROptionsFlow:
        return OpenADROptionsFlow()


def _entity_error(
    hass: HomeAssistant, entity_id: str, device_class: str, units: set[str | None]
) -> str | None:
    state = hass.states.get(entity_id)
    if state is None:
        return "entity_not_found"
    if state.attributes.get(ATTR_DEVICE_CLASS) not in (None, device_class):
        return f"not_{device_class}"
    if state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) not in units:
        return f"invalid_{device_class}_unit"
    return None


class OpenADROptionsFlow(OptionsFlow):
    """Meters for TELEMETRY_USAGE, the default opt, the resource and the accepted programs."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            for field, device_class, converter in (
                (CONF_POWER_ENTITY, "power", PowerConverter),
                (CONF_ENERGY_ENTITY, "energy", EnergyConverter),
            ):
                entity_id = user_input.get(field)
                error = entity_id and _entity_error(self.hass, entity_id, device_class, converter.VALID_UNITS)
                if error:
                    errors[field] = error
            if not errors:
                options = {
                    CONF_POWER_ENTITY: user_input.get(CONF_POWER_ENTITY),
                    CONF_ENERGY_ENTITY: user_input.get(CONF_ENERGY_ENTITY),
                    CONF_DEFAULT_OPT: user_input[CONF_DEFAULT_OPT],
                    CONF_RESOURCE_ID: (user_input.get(CONF_RESOURCE_ID) or "").strip() or None,
                    CONF_MARKET_CONTEXTS: [
                        c.strip() for c in user_input.get(CONF_MARKET_CONTEXTS, []) if c.strip()
                    ],
                }
                return self.async_create_entry(data=options)
        schema = vol.Schema(
            {
                vol.Optional(CONF_POWER_ENTITY): selector.EntitySelector(
                    selector.EntitySelectorConfig(domain="sensor", device_class="power")
                ),
                vol.Optional(CONF_ENERGY_ENTITY): selector.EntitySelector(
                    selector.EntitySelectorConfig(domain="sensor", device_class="energy")
                ),
                vol.Required(CONF_DEFAULT_OPT, default=DEFAULT_OPT_IN): selector.SelectSelector(
                    selector.SelectSelectorConfig(
                        options=[DEFAULT_OPT_IN, DEFAULT_OPT_OUT], translation_key=CONF_DEFAULT_OPT
                    )
                ),
                vol.Optional(CONF_RESOURCE_ID): _TEXT,
                vol.Optional(CONF_MARKET_CONTEXTS): selector.TextSelector(
                    selector.TextSelectorConfig(type=selector.TextSelectorType.URL, multiple=True)
                ),
            }
        )
        current = {k: v for k, v in self.config_entry.options.items() if v not in (None, "", [])}
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or current),
            errors=errors,
        )
