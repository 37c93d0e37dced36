"""Certificates, fingerprints and TLS contexts (spec §9.2, §10.1-10.5.1; R67, R68, R516)."""

from __future__ import annotations

import hashlib
import logging
import ssl
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from openleadr import utils as openleadr_utils

from custom_components.openadr_ven.openadr.errors import CertificateError
from custom_components.openadr_ven.openadr.security import (
    build_ssl_context,
    create_ssl_context,
    fingerprint,
    fingerprints_equal,
    is_valid_fingerprint,
    load_certificate_info,
    pin_ssl_context,
    pinned_fingerprint,
)
from tests.certs import Pki, make_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(Path(tmp_path_factory.mktemp("security")))


# --------------------------------------------------------------------------- fingerprints (§10.5.1)


def test_fingerprint_is_last_ten_bytes_of_sha256_of_der(pki: Pki) -> None:
    digest = hashlib.sha256(pki.client.cert_der).hexdigest().upper()
    expected = ":".join(digest[i : i + 2] for i in range(44, 64, 2))  # "the last 29 characters"
    value = fingerprint(pki.client.cert_pem)
    assert value == expected
    assert len(value) == 29
    assert value == value.upper()
    assert value.count(":") == 9


def test_fingerprint_accepts_pem_der_and_chains(pki: Pki) -> None:
    value = fingerprint(pki.client.cert_pem)
    assert fingerprint(pki.client.cert_der) == value
    assert fingerprint(pki.client.cert_pem + pki.ca.cert_pem) == value  # the leaf comes first
    assert fingerprint(b"\n  " + pki.client.cert_pem) == value


def test_fingerprint_agrees_with_openleadr(pki: Pki) -> None:
    for pair in (pki.client, pki.client_ec, pki.server):
        assert fingerprint(pair.cert_pem) == openleadr_utils.certificate_fingerprint(pair.cert_pem.decode())


def test_fingerprint_of_garbage_is_a_certificate_error() -> None:
    with pytest.raises(CertificateError):
        fingerprint(b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    with pytest.raises(CertificateError):
        fingerprint(b"")


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ("5E:71:FA:E4:61:75:9C:EF:A4:D6", "5E:71:FA:E4:61:75:9C:EF:A4:D6", True),
        ("5E:71:FA:E4:61:75:9C:EF:A4:D6", "5e71fae461759cefa4d6", True),  # avob style
        ("5E:71:FA:E4:61:75:9C:EF:A4:D6", " 5e-71-fa-e4-61-75-9c-ef-a4-d6 ", True),
        ("5E:71:FA:E4:61:75:9C:EF:A4:D6", "5E:71:FA:E4:61:75:9C:EF:A4:D7", False),
        ("5E:71:FA:E4:61:75:9C:EF:A4:D6", "5E:71:FA:E4:61:75:9C:EF:A4", False),
        ("", "", False),
    ],
)
def test_fingerprints_compare_case_and_colon_insensitively(a: str, b: str, equal: bool) -> None:
    assert fingerprints_equal(a, b) is equal
    assert fingerprints_equal(b, a) is equal


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("5E:71:FA:E4:61:75:9C:EF:A4:D6", True),
        ("5e71fae461759cefa4d6", True),
        ("5E:71:FA:E4:61:75:9C:EF:A4", False),
        ("ZZ:71:FA:E4:61:75:9C:EF:A4:D6", False),
        ("D8:40:F6:2B:9D:6D:91:E4:21:21:64:2B:A5:55:76:0B:9C:6C:6B:00:9B:B5:5E:71:FA:E4:61:75:9C:EF", False),
    ],
)
def test_fingerprint_format_check(value: str, valid: bool) -> None:
    assert is_valid_fingerprint(value) is valid


# --------------------------------------------------------------------------- certificate info


def test_certificate_info_of_an_rsa_client(pki: Pki) -> None:
    info = load_certificate_info(pki.client.cert_pem, pki.client.key_pem)
    assert info.common_name == "ven client"
    assert info.subject == "CN=ven client,O=openadr_ven tests"
    assert info.issuer == "CN=ca root,O=openadr_ven tests"
    assert info.key_type == "RSA"
    assert info.key_size == 2048
    assert info.curve is None
    assert info.fingerprint == fingerprint(pki.client.cert_pem)
    assert info.not_before == pki.client.cert.not_valid_before_utc
    assert info.not_after == pki.client.cert.not_valid_after_utc
    assert info.serial_number == pki.client.cert.serial_number
    assert info.expires_in(info.not_after - timedelta(days=3)) == timedelta(days=3)


def test_certificate_info_of_an_ec_client(pki: Pki) -> None:
    info = load_certificate_info(pki.client_ec.cert_pem, pki.client_ec.key_pem)
    assert (info.key_type, info.key_size, info.curve) == ("EC", 256, "secp256r1")


def test_certificate_info_reads_der_too(pki: Pki) -> None:
    assert load_certificate_info(pki.client.cert_der).fingerprint == fingerprint(pki.client.cert_pem)


@pytest.mark.parametrize(
    ("cert", "key", "message"),
    [
        ("client_expired", "client_expired", "expired on"),
        ("client_not_yet_valid", "client_not_yet_valid", "not valid before"),
        ("client", "other_client", "does not match the certificate"),
        ("client", "client_ec", "does not match the certificate"),
        ("client_weak_rsa", "client_weak_rsa", "RSA key of 1024 bits is too weak"),
        ("client_weak_ec", "client_weak_ec", r"secp224r1 \(224 bits\) is too weak"),
    ],
)
def test_unusable_certificates_are_refused_with_a_clear_message(
    pki: Pki, cert: str, key: str, message: str
) -> None:
    with pytest.raises(CertificateError, match=message):
        load_certificate_info(getattr(pki, cert).cert_pem, getattr(pki, key).key_pem)


def test_validity_check_can_be_skipped_for_display(pki: Pki) -> None:
    info = load_certificate_info(pki.client_expired.cert_pem, check_validity=False)
    assert info.not_after < info.not_before + timedelta(days=30)


def test_validity_is_checked_against_the_given_time(pki: Pki) -> None:
    after = pki.client.cert.not_valid_after_utc + timedelta(seconds=1)
    with pytest.raises(CertificateError, match="expired"):
        load_certificate_info(pki.client.cert_pem, now=after)


def test_unreadable_or_encrypted_keys_are_refused(pki: Pki) -> None:
    encrypted = pki.client.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    with pytest.raises(CertificateError, match="encrypted"):
        load_certificate_info(pki.client.cert_pem, encrypted)
    with pytest.raises(CertificateError, match="Unreadable private key"):
        load_certificate_info(
            pki.client.cert_pem, b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        )
    with pytest.raises(CertificateError, match="Unreadable certificate"):
        load_certificate_info(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")


# --------------------------------------------------------------------------- TLS contexts


def test_context_requires_tls12_and_verifies_the_vtn(pki: Pki) -> None:
    ctx = build_ssl_context(
        client_cert_pem=pki.client.cert_pem, client_key_pem=pki.client.key_pem, ca_pem=pki.ca.cert_pem
    )
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2  # R67
    assert ctx.verify_mode == ssl.CERT_REQUIRED  # §9.2: always validate the server certificate
    assert ctx.check_hostname is True
    names = {cipher["name"] for cipher in ctx.get_ciphers()}
    # R67: a 2.0b client offers at least one of the profile's default suites (here both).
    assert {"AES128-SHA256", "ECDHE-ECDSA-AES128-SHA256"} <= names
    assert not any("NULL" in name or "RC4" in name or "DES-CBC3" in name for name in names)
    assert [c["subject"] for c in ctx.get_ca_certs()] == [
        ((("organizationName", "openadr_ven tests"),), (("commonName", "ca root"),))
    ]


def test_context_without_ca_uses_the_default_trust_store(pki: Pki) -> None:
    ctx = build_ssl_context(
        client_cert_pem=pki.client.cert_pem, client_key_pem=pki.client.key_pem, ca_pem=None
    )
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert len(ctx.get_ca_certs()) > 10  # certifi / system roots


def test_context_with_verification_off_warns(pki: Pki, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        ctx = build_ssl_context(client_cert_pem=None, client_key_pem=None, ca_pem=None, verify=False)
    assert ctx.verify_mode == ssl.CERT_NONE
    assert ctx.check_hostname is False
    assert any(r.levelno == logging.WARNING and "DISABLED" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"client_cert_pem": b"x", "client_key_pem": None}, "needs its private key"),
        ({"client_cert_pem": None, "client_key_pem": b"x"}, "needs its private key"),
        ({"ca_pem": b"not pem"}, "contains no PEM certificate"),
        ({"ca_pem": "\u00e9".encode()}, "must be PEM text"),
    ],
)
def test_context_refuses_bad_material(kwargs: dict[str, bytes | None], message: str) -> None:
    args: dict[str, bytes | None] = {"client_cert_pem": None, "client_key_pem": None, "ca_pem": None}
    args.update(kwargs)
    with pytest.raises(CertificateError, match=message):
        build_ssl_context(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize("leaf", ["client_expired", "client_weak_rsa", "client_weak_ec"])
def test_context_refuses_unusable_client_certificates(pki: Pki, leaf: str) -> None:
    pair = getattr(pki, leaf)
    with pytest.raises(CertificateError):
        build_ssl_context(client_cert_pem=pair.cert_pem, client_key_pem=pair.key_pem, ca_pem=pki.ca.cert_pem)


async def test_async_builder_returns_an_equivalent_context(pki: Pki) -> None:
    ctx = await create_ssl_context(
        client_cert_pem=pki.client.cert_pem, client_key_pem=pki.client.key_pem, ca_pem=pki.ca.cert_pem
    )
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2
    assert ctx.verify_mode == ssl.CERT_REQUIRED


def test_pinning_a_context(pki: Pki) -> None:
    ctx = build_ssl_context(client_cert_pem=None, client_key_pem=None, ca_pem=pki.ca.cert_pem)
    assert pinned_fingerprint(ctx) is None
    pin = fingerprint(pki.server.cert_pem)
    pin_ssl_context(ctx, pin.lower().replace(":", ""))
    assert pinned_fingerprint(ctx) == pin.lower().replace(":", "")
    pin_ssl_context(ctx, pin)  # the same fingerprint in another notation: fine
    with pytest.raises(ValueError, match="already pinned"):
        pin_ssl_context(ctx, fingerprint(pki.server_ec.cert_pem))
    with pytest.raises(ValueError, match="10 hex bytes"):
        pin_ssl_context(ctx, "nope")
