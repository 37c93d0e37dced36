"""The demo's throwaway PKI (tools/demo_pki.py) and the demo VTN over TLS with openleadr's VEN.

The demo's fingerprint code is independent of the integration's: both must agree with openleadr's.
"""

from __future__ import annotations

import ipaddress
import json
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from openleadr import OpenADRClient
from openleadr.utils import certificate_fingerprint

from custom_components.openadr_ven.openadr.security import (
    build_ssl_context,
    fingerprint,
    load_certificate_info,
)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from demo_pki import RENEW_BEFORE, VALIDITY, DemoPki, ensure_pki, openadr_fingerprint  # noqa: E402
from demo_vtn import DemoVtn, EventLog, ProgramConfig, TlsFiles  # noqa: E402


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return ensure_pki(tmp_path_factory.mktemp("demo-pki"))


def test_fingerprints_agree_with_openleadr_and_the_integration(pki: DemoPki) -> None:
    for cert in (pki.ven_cert, pki.vtn_cert):
        pem = cert.read_bytes()
        ours = openadr_fingerprint(pem)
        assert len(ours.split(":")) == 10
        assert ours == certificate_fingerprint(pem.decode()) == fingerprint(pem)
    assert pki.ven_fingerprint != pki.vtn_fingerprint


def test_certificates_fit_the_integration(pki: DemoPki) -> None:
    ven = load_certificate_info(pki.ven_cert.read_bytes(), pki.ven_key.read_bytes())
    assert ven.not_after - datetime.now(UTC) > VALIDITY - timedelta(days=1)
    vtn = x509.load_pem_x509_certificate(pki.vtn_cert.read_bytes())
    names = vtn.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert vtn.issuer == x509.load_pem_x509_certificate(pki.ca_cert.read_bytes()).subject
    build_ssl_context(
        client_cert_pem=pki.ven_cert.read_bytes(),
        client_key_pem=pki.ven_key.read_bytes(),
        ca_pem=pki.ca_cert.read_bytes(),
    )
    for key in (pki.ven_key, pki.vtn_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_pki_is_reused_while_valid_and_renewed_before_expiry(tmp_path: Path) -> None:
    first = ensure_pki(tmp_path)
    fingerprint_before = first.ven_fingerprint
    assert ensure_pki(tmp_path).ven_fingerprint == fingerprint_before
    later = datetime.now(UTC) + VALIDITY - RENEW_BEFORE + timedelta(hours=1)
    assert ensure_pki(tmp_path, now=later).ven_fingerprint != fingerprint_before
    first.ven_key.write_text("broken", encoding="ascii")
    assert ensure_pki(tmp_path).ven_key.read_text(encoding="ascii").startswith("-----BEGIN PRIVATE KEY")


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def _register_over_tls(pki: DemoPki, log_path: Path, expected: str) -> OpenADRClient:
    log = EventLog(log_path, echo=None)
    vtn = DemoVtn(
        log,
        port=0,
        program=ProgramConfig(price_hours=0),
        tls=TlsFiles(pki.vtn_cert, pki.vtn_key, pki.ca_cert),
        ven_fingerprint=expected,
    )
    await vtn.start()
    client = OpenADRClient(
        ven_name="tls-peer",
        vtn_url=f"{vtn.url}/OpenADR2/Simple/2.0b",
        cert=str(pki.ven_cert),
        key=str(pki.ven_key),
        ca_file=str(pki.ca_cert),
        show_fingerprint=False,
        allow_jitter=False,
        disable_signature=True,  # TLS only, as the demo (the demo VTN does not sign)
    )
    try:
        await client.create_party_registration()
    finally:
        await client.stop()
        await vtn.stop()
        log.close()
    return client


@pytest.mark.usefixtures("socket_enabled")
async def test_tls_vtn_registers_the_expected_certificate(pki: DemoPki, tmp_path: Path) -> None:
    client = await _register_over_tls(pki, tmp_path / "vtn.jsonl", pki.ven_fingerprint.lower())
    assert client.ven_id == "ven-001"
    records = _records(tmp_path / "vtn.jsonl")
    assert records[0]["url"] == f"https://127.0.0.1:{records[0]['port']}"
    assert records[0]["ven_fingerprint"] == pki.ven_fingerprint
    registered = next(r for r in records if r["kind"] == "registered")
    assert registered["fingerprint"] == pki.ven_fingerprint


@pytest.mark.usefixtures("socket_enabled")
async def test_tls_vtn_refuses_another_certificate(pki: DemoPki, tmp_path: Path) -> None:
    client = await _register_over_tls(pki, tmp_path / "vtn.jsonl", "00:11:22:33:44:55:66:77:88:99")
    assert client.ven_id is None
    records = _records(tmp_path / "vtn.jsonl")
    assert not [r for r in records if r["kind"] == "registered"]
    refused = next(r for r in records if r["kind"] == "registration_refused")
    assert refused["fingerprint"] == pki.ven_fingerprint
    assert refused["expected"] == "00:11:22:33:44:55:66:77:88:99"
