"""Config flow: user step (paste and upload), every error and abort, reauth, reconfigure, options."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openadr_ven.config_flow import unique_id_for
from custom_components.openadr_ven.const import (
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
    DOMAIN,
)
from custom_components.openadr_ven.openadr.errors import (
    CertificateError,
    CertificateRejectedError,
    FingerprintMismatchError,
    HTTPStatusError,
    NotRegisteredError,
    PayloadError,
    TLSError,
    VTNConnectionError,
    VTNResponseError,
    VTNTimeoutError,
)
from custom_components.openadr_ven.openadr.security import fingerprint
from tests.certs import Pki
from tests.ha.conftest import VEN_ID, VEN_NAME, VTN_URL, FakeVenClient, entry_data

pytestmark = pytest.mark.usefixtures("mock_setup_entry")

C_ID = "6a1f5c3e-0000-4000-8000-000000000001"
K_ID = "6a1f5c3e-0000-4000-8000-000000000002"
CA_ID = "6a1f5c3e-0000-4000-8000-000000000003"
MISSING_ID = "6a1f5c3e-0000-4000-8000-00000000dead"


def user_input(pki: Pki, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        CONF_VTN_URL: VTN_URL,
        CONF_VEN_NAME: VEN_NAME,
        CONF_VEN_ID: VEN_ID,
        CONF_CERTIFICATE: pki.client.cert_pem.decode(),
        CONF_PRIVATE_KEY: pki.client.key_pem.decode(),
        CONF_CA_CERTIFICATES: pki.ca.cert_pem.decode(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def uploads() -> Iterator[dict[str, Path]]:
    """file_upload stand-in: file IDs map to paths; unknown IDs fail like the real one."""
    files: dict[str, Path] = {}

    @contextlib.contextmanager
    def _process(hass: HomeAssistant, file_id: str) -> Iterator[Path]:
        if file_id not in files:
            raise ValueError("File does not exist")
        yield files[file_id]

    with patch("custom_components.openadr_ven.config_flow.process_uploaded_file", _process):
        yield files


async def _start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return result["flow_id"]


async def test_user_paste_creates_entry(hass: HomeAssistant, pki: Pki, mock_client: FakeVenClient) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, user_input(pki))

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == VEN_NAME
    assert result["result"].unique_id == VEN_ID
    assert result["description"] == "fingerprint"
    assert result["description_placeholders"] == {"fingerprint": fingerprint(pki.client.cert_pem)}
    assert result["data"] == {
        CONF_VTN_URL: VTN_URL,
        CONF_VEN_NAME: VEN_NAME,
        CONF_VEN_ID: VEN_ID,
        CONF_CERTIFICATE: pki.client.cert_pem.decode(),
        CONF_PRIVATE_KEY: pki.client.key_pem.decode(),
        CONF_CA_CERTIFICATES: pki.ca.cert_pem.decode(),
        CONF_XML_SIGNATURE: False,
        CONF_ALLOW_INSECURE: False,
    }
    mock_client.query_registration.assert_awaited_once()
    args, kwargs = mock_client.factory.call_args
    assert args[1][CONF_VTN_URL] == VTN_URL
    assert kwargs["ssl_context"] is not None
    assert kwargs["meter"] is None


async def test_user_upload_creates_entry(
    hass: HomeAssistant, pki: Pki, mock_client: FakeVenClient, uploads: dict[str, Path]
) -> None:
    uploads.update({C_ID: pki.client.cert_path, K_ID: pki.client.key_path, CA_ID: pki.ca.cert_path})
    flow_id = await _start(hass)
    form = user_input(pki, **{CONF_CERTIFICATE: None, CONF_PRIVATE_KEY: None, CONF_CA_CERTIFICATES: None})
    form |= {CONF_CERTIFICATE_FILE: C_ID, CONF_PRIVATE_KEY_FILE: K_ID, CONF_CA_CERTIFICATES_FILE: CA_ID}
    result = await hass.config_entries.flow.async_configure(flow_id, form)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_CERTIFICATE] == pki.client.cert_pem.decode()
    assert result["data"][CONF_PRIVATE_KEY] == pki.client.key_pem.decode()
    assert result["data"][CONF_CA_CERTIFICATES] == pki.ca.cert_pem.decode()
    assert CONF_CERTIFICATE_FILE not in result["data"]


async def test_uploaded_file_wins_over_paste(
    hass: HomeAssistant, pki: Pki, mock_client: FakeVenClient, uploads: dict[str, Path]
) -> None:
    uploads[C_ID] = pki.client_ec.cert_path
    uploads[K_ID] = pki.client_ec.key_path
    flow_id = await _start(hass)
    form = user_input(pki) | {CONF_CERTIFICATE_FILE: C_ID, CONF_PRIVATE_KEY_FILE: K_ID}
    result = await hass.config_entries.flow.async_configure(flow_id, form)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_CERTIFICATE] == pki.client_ec.cert_pem.decode()


async def test_insecure_http_without_certificate(hass: HomeAssistant, mock_client: FakeVenClient) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {CONF_VTN_URL: "http://127.0.0.1:8080", CONF_VEN_NAME: "Test VEN", CONF_ALLOW_INSECURE: True},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_ALLOW_INSECURE] is True
    assert CONF_CERTIFICATE not in result["data"]
    assert result["description_placeholders"] == {"fingerprint": "-"}
    assert result["result"].unique_id == unique_id_for(result["data"])
    assert result["result"].unique_id.startswith("ven-")
    assert mock_client.factory.call_args.kwargs["ssl_context"] is None


async def test_fingerprint_pin_is_normalized(
    hass: HomeAssistant, pki: Pki, mock_client: FakeVenClient
) -> None:
    pin = fingerprint(pki.server.cert_pem)
    flow_id = await _start(hass)
    form = user_input(pki, **{CONF_VTN_FINGERPRINT: pin.replace(":", "").lower()})
    result = await hass.config_entries.flow.async_configure(flow_id, form)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_VTN_FINGERPRINT] == pin


def test_unique_id_without_ven_id_ignores_url_path_and_case() -> None:
    a = unique_id_for({CONF_VTN_URL: "https://VTN.example.com/a", CONF_VEN_NAME: "x"})
    b = unique_id_for({CONF_VTN_URL: "https://vtn.example.com:8443/b", CONF_VEN_NAME: "x"})
    c = unique_id_for({CONF_VTN_URL: "https://vtn.example.com", CONF_VEN_NAME: "y"})
    assert a == b != c
    assert unique_id_for({CONF_VTN_URL: "https://x", CONF_VEN_NAME: "x", CONF_VEN_ID: "V1"}) == "V1"


async def test_already_configured_aborts_before_contacting_vtn(
    hass: HomeAssistant, pki: Pki, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    mock_config_entry.add_to_hass(hass)
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, user_input(pki))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    mock_client.query_registration.assert_not_awaited()


@pytest.mark.parametrize(
    ("error", "key", "placeholders"),
    [
        (VTNTimeoutError("slow"), "timeout", {}),
        (CertificateRejectedError("no"), "certificate_rejected", {}),
        (FingerprintMismatchError("AA", "BB"), "fingerprint_mismatch", {"actual": "BB"}),
        (TLSError("handshake"), "tls_error", {"error": "handshake"}),
        (HTTPStatusError(503, "busy"), "vtn_error", {"code": "503"}),
        (VTNConnectionError("refused"), "cannot_connect", {"error": "refused"}),
        (
            VTNResponseError(463, "not authorized"),
            "vtn_error",
            {"code": "463", "description": "not authorized"},
        ),
        (PayloadError("bad xml"), "invalid_response", {"error": "bad xml"}),
        (NotRegisteredError("odd"), "cannot_connect", {"error": "odd"}),
        (RuntimeError("boom"), "unknown", {}),
    ],
)
async def test_vtn_errors_then_recover(  # noqa: PLR0917
    hass: HomeAssistant,
    pki: Pki,
    mock_client: FakeVenClient,
    error: Exception,
    key: str,
    placeholders: dict[str, str],
) -> None:
    mock_client.query_registration.side_effect = error
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, user_input(pki))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": key}
    for name, value in placeholders.items():
        assert result["description_placeholders"][name] == value
    # The VEN's fingerprint is shown so the user can give it to the utility.
    assert result["description_placeholders"]["fingerprint"] == fingerprint(pki.client.cert_pem)

    mock_client.query_registration.side_effect = None
    result = await hass.config_entries.flow.async_configure(flow_id, user_input(pki))
    assert result["type"] is FlowResultType.CREATE_ENTRY


def _garbage() -> str:
    return "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"


@pytest.mark.parametrize(
    ("overrides", "field", "key"),
    [
        ({CONF_VTN_URL: "ftp://vtn.example.com"}, CONF_VTN_URL, "invalid_url"),
        ({CONF_VTN_URL: "not a url"}, CONF_VTN_URL, "invalid_url"),
        ({CONF_VTN_URL: "http://vtn.example.com"}, CONF_VTN_URL, "insecure_url"),
        ({CONF_VTN_FINGERPRINT: "AA:BB"}, CONF_VTN_FINGERPRINT, "invalid_fingerprint"),
        ({CONF_XML_SIGNATURE: True}, CONF_VTN_FINGERPRINT, "signature_needs_fingerprint"),  # R514
        ({CONF_CERTIFICATE: None, CONF_PRIVATE_KEY: None}, CONF_CERTIFICATE, "certificate_required"),
        ({CONF_PRIVATE_KEY: None}, CONF_PRIVATE_KEY, "certificate_required"),
        ({CONF_CERTIFICATE: None}, CONF_CERTIFICATE, "certificate_required"),
        ({CONF_CERTIFICATE: "garbage"}, CONF_CERTIFICATE, "invalid_certificate"),
        ({CONF_CERTIFICATE: _garbage()}, CONF_CERTIFICATE, "invalid_certificate"),
        ({CONF_PRIVATE_KEY: "garbage"}, CONF_PRIVATE_KEY, "invalid_private_key"),
        ({CONF_CA_CERTIFICATES: _garbage()}, CONF_CA_CERTIFICATES, "invalid_ca"),
    ],
)
async def test_local_validation_errors(  # noqa: PLR0917
    hass: HomeAssistant,
    pki: Pki,
    mock_client: FakeVenClient,
    overrides: dict[str, Any],
    field: str,
    key: str,
) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, user_input(pki, **overrides))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: key}
    mock_client.query_registration.assert_not_awaited()


@pytest.mark.parametrize(
    ("pair", "key_of", "field", "key"),
    [
        ("client_weak_rsa", "client_weak_rsa", CONF_CERTIFICATE, "weak_key"),
        ("client_weak_ec", "client_weak_ec", CONF_CERTIFICATE, "weak_key"),
        ("client", "other_client", CONF_PRIVATE_KEY, "key_mismatch"),
        ("client_expired", "client_expired", CONF_CERTIFICATE, "certificate_expired"),
        ("client_not_yet_valid", "client_not_yet_valid", CONF_CERTIFICATE, "certificate_not_yet_valid"),
    ],
)
async def test_certificate_errors(  # noqa: PLR0917
    hass: HomeAssistant, pki: Pki, mock_client: FakeVenClient, pair: str, key_of: str, field: str, key: str
) -> None:
    cert = getattr(pki, pair)
    flow_id = await _start(hass)
    form = user_input(
        pki,
        **{CONF_CERTIFICATE: cert.cert_pem.decode(), CONF_PRIVATE_KEY: getattr(pki, key_of).key_pem.decode()},
    )
    result = await hass.config_entries.flow.async_configure(flow_id, form)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: key}
    if key.startswith("certificate_"):
        assert result["description_placeholders"]["date"][:10] in (
            cert.cert.not_valid_after_utc.isoformat()[:10],
            cert.cert.not_valid_before_utc.isoformat()[:10],
        )
    if key == "weak_key":
        assert "too weak" in result["description_placeholders"]["error"]
    mock_client.query_registration.assert_not_awaited()


async def test_unknown_upload_is_an_error(
    hass: HomeAssistant, pki: Pki, mock_client: FakeVenClient, uploads: dict[str, Path]
) -> None:
    flow_id = await _start(hass)
    form = user_input(pki) | {CONF_PRIVATE_KEY_FILE: MISSING_ID}
    result = await hass.config_entries.flow.async_configure(flow_id, form)
    assert result["errors"] == {CONF_PRIVATE_KEY_FILE: "invalid_file"}


async def test_ssl_context_refusal_is_invalid_certificate(
    hass: HomeAssistant, pki: Pki, mock_client: FakeVenClient
) -> None:
    flow_id = await _start(hass)
    with patch(
        "custom_components.openadr_ven.config_flow.build_ssl_context",
        side_effect=CertificateError("nope"),
    ):
        result = await hass.config_entries.flow.async_configure(flow_id, user_input(pki))
    assert result["errors"] == {CONF_CERTIFICATE: "invalid_certificate"}


# ------------------------------------------------------------------------------------ reauth


async def test_reauth_with_new_certificate(
    hass: HomeAssistant, pki: Pki, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"

    bad = {
        CONF_CERTIFICATE: pki.other_client.cert_pem.decode(),
        CONF_PRIVATE_KEY: pki.client.key_pem.decode(),
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], bad)
    assert result["errors"] == {CONF_PRIVATE_KEY: "key_mismatch"}

    mock_client.query_registration.side_effect = CertificateRejectedError("still no")
    good = {
        CONF_CERTIFICATE: pki.other_client.cert_pem.decode(),
        CONF_PRIVATE_KEY: pki.other_client.key_pem.decode(),
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], good)
    assert result["errors"] == {"base": "certificate_rejected"}
    assert result["description_placeholders"]["fingerprint"] == fingerprint(pki.other_client.cert_pem)

    mock_client.query_registration.side_effect = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], good)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert mock_config_entry.data[CONF_CERTIFICATE] == pki.other_client.cert_pem.decode()
    assert mock_config_entry.data[CONF_VTN_URL] == VTN_URL  # the rest is kept


# ------------------------------------------------------------------------------- reconfigure


async def test_reconfigure_url_keeps_certificate(
    hass: HomeAssistant, pki: Pki, mock_config_entry: MockConfigEntry, mock_client: FakeVenClient
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    mock_client.query_registration.side_effect = VTNConnectionError("down")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VTN_URL: "https://vtn2.example.com"}
    )
    assert result["errors"] == {"base": "cannot_connect"}

    mock_client.query_registration.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VTN_URL: "https://vtn2.example.com", CONF_XML_SIGNATURE: True}
    )
    assert result["errors"] == {CONF_VTN_FINGERPRINT: "signature_needs_fingerprint"}  # R514
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_VTN_URL: "https://vtn2.example.com",
            CONF_XML_SIGNATURE: True,
            CONF_VTN_FINGERPRINT: "aabbccddeeff00112233",
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_VTN_URL] == "https://vtn2.example.com"
    assert mock_config_entry.data[CONF_XML_SIGNATURE] is True
    assert mock_config_entry.data[CONF_VTN_FINGERPRINT] == "AA:BB:CC:DD:EE:FF:00:11:22:33"
    assert mock_config_entry.data[CONF_CERTIFICATE] == pki.client.cert_pem.decode()


async def test_reconfigure_to_another_vtn_host_without_ven_id_aborts(
    hass: HomeAssistant, pki: Pki, mock_client: FakeVenClient
) -> None:
    data = entry_data(pki, **{CONF_VEN_ID: None})
    entry = MockConfigEntry(domain=DOMAIN, title=VEN_NAME, unique_id=unique_id_for(data), data=data)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_VTN_URL: "https://other-utility.example.com"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"
    mock_client.query_registration.assert_not_awaited()


# ----------------------------------------------------------------------------------- options


async def test_options_flow(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    mock_config_entry.add_to_hass(hass)
    hass.states.async_set("sensor.p", "1.5", {"unit_of_measurement": "kW", "device_class": "power"})
    hass.states.async_set("sensor.e", "10", {"unit_of_measurement": "kWh", "device_class": "energy"})
    hass.states.async_set("sensor.t", "20", {"unit_of_measurement": "°C", "device_class": "temperature"})
    hass.states.async_set("sensor.w", "20", {"unit_of_measurement": "W"})

    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"

    base = {CONF_DEFAULT_OPT: "opt_out"}
    for form, errors in (
        ({CONF_POWER_ENTITY: "sensor.missing"}, {CONF_POWER_ENTITY: "entity_not_found"}),
        ({CONF_POWER_ENTITY: "sensor.t"}, {CONF_POWER_ENTITY: "not_power"}),
        ({CONF_ENERGY_ENTITY: "sensor.w"}, {CONF_ENERGY_ENTITY: "invalid_energy_unit"}),
        ({CONF_POWER_ENTITY: "sensor.e"}, {CONF_POWER_ENTITY: "not_power"}),
    ):
        result = await hass.config_entries.options.async_configure(result["flow_id"], base | form)
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == errors

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        base
        | {
            CONF_POWER_ENTITY: "sensor.w",
            CONF_ENERGY_ENTITY: "sensor.e",
            CONF_RESOURCE_ID: "  res-9 ",
            CONF_MARKET_CONTEXTS: ["http://a.example.com", " "],
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_config_entry.options == {
        CONF_POWER_ENTITY: "sensor.w",
        CONF_ENERGY_ENTITY: "sensor.e",
        CONF_DEFAULT_OPT: "opt_out",
        CONF_RESOURCE_ID: "res-9",
        CONF_MARKET_CONTEXTS: ["http://a.example.com"],
    }


async def test_options_flow_power_unit_error(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    mock_config_entry.add_to_hass(hass)
    hass.states.async_set("sensor.p", "1", {"unit_of_measurement": "kWh", "device_class": "power"})
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_DEFAULT_OPT: "opt_in", CONF_POWER_ENTITY: "sensor.p"}
    )
    assert result["errors"] == {CONF_POWER_ENTITY: "invalid_power_unit"}


def test_every_flow_error_is_translated() -> None:
    import json
    import re

    root = Path(__file__).resolve().parents[2] / "custom_components" / "openadr_ven"
    strings = json.loads((root / "strings.json").read_text())
    source = (root / "config_flow.py").read_text()
    used = set(re.findall(r'FlowError\(\s*"([a-z_]+)"', source))
    assert used <= set(strings["config"]["error"]), used - set(strings["config"]["error"])
    options_errors = {
        "entity_not_found",
        "not_power",
        "not_energy",
        "invalid_power_unit",
        "invalid_energy_unit",
    }
    assert options_errors <= set(strings["options"]["error"])
    assert json.loads((root / "translations" / "en.json").read_text()) == strings
