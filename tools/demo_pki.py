"""A throwaway PKI for the demo and the end-to-end test: a CA, the VTN's and the VEN's certificates.

OpenADR 2.0b runs over TLS with certificates on both sides: the VTN (the utility's server) shows
a server certificate, the VEN (this integration) a client certificate, and each side knows the
other's certificate *fingerprint* (the last 10 bytes of its SHA-256, ``AA:BB:...``), handed over
out of band. ``ensure_pki`` makes such a set with ``cryptography`` (RSA-2048, as the OpenADR
profile allows), writes PEM files into a folder and reuses them on the next run while they are
valid. Never use these outside a demo: the private keys sit unencrypted next to the certificates.

The fingerprint is computed here on its own (not with the integration's code), so the demo and
the test can check that what the config flow shows the user matches what the VTN expects.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = timedelta(days=365)  # a kept demo folder keeps working for a year
RENEW_BEFORE = timedelta(days=1)  # a set that expires within a day is made again
_SERVER, _CLIENT = ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH
FILES = ("ca.crt", "vtn.crt", "vtn.key", "ven.crt", "ven.key")


@dataclass(frozen=True, slots=True)
class DemoPki:
    """Paths of the PEM files, and what a user would copy from them."""

    directory: Path
    ca_cert: Path
    vtn_cert: Path
    vtn_key: Path
    ven_cert: Path
    ven_key: Path

    @classmethod
    def at(cls, directory: Path) -> DemoPki:
        return cls(
            directory,
            directory / "ca.crt",
            directory / "vtn.crt",
            directory / "vtn.key",
            directory / "ven.crt",
            directory / "ven.key",
        )

    def text(self, path: Path) -> str:
        return path.read_text(encoding="ascii")

    @property
    def ven_fingerprint(self) -> str:
        return openadr_fingerprint(self.ven_cert.read_bytes())

    @property
    def vtn_fingerprint(self) -> str:
        return openadr_fingerprint(self.vtn_cert.read_bytes())


def openadr_fingerprint(cert_pem: bytes) -> str:
    """The OpenADR fingerprint of a PEM certificate: the last 10 bytes of SHA-256(DER), AA:BB:..."""
    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    tail = hashlib.sha256(der).digest()[-10:]
    return ":".join(f"{byte:02X}" for byte in tail)


def ensure_pki(directory: Path, *, host: str = "127.0.0.1", now: datetime | None = None) -> DemoPki:
    """The PKI in ``directory``: reused while every certificate is valid for a day more, else new."""
    now = now or datetime.now(UTC)
    pki = DemoPki.at(directory)
    if _still_valid(pki, now):
        return pki
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = _new_key()
    ca_name = _name("OpenADR demo CA")
    ca = (
        _builder(ca_name, ca_name, ca_key, now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    vtn_key, ven_key = _new_key(), _new_key()
    vtn = (
        _leaf(_name("OpenADR demo VTN"), ca, ca_key=ca_key, key=vtn_key, now=now, usage=_SERVER)
        .add_extension(x509.SubjectAlternativeName(_alt_names(host)), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ven = _leaf(_name("demo-home"), ca, ca_key=ca_key, key=ven_key, now=now, usage=_CLIENT).sign(
        ca_key, hashes.SHA256()
    )
    _write_cert(pki.ca_cert, ca)
    _write_cert(pki.vtn_cert, vtn)
    _write_key(pki.vtn_key, vtn_key)
    _write_cert(pki.ven_cert, ven)
    _write_key(pki.ven_key, ven_key)
    return pki


def _still_valid(pki: DemoPki, now: datetime) -> bool:
    try:
        for path in (pki.ca_cert, pki.vtn_cert, pki.ven_cert):
            cert = x509.load_pem_x509_certificate(path.read_bytes())
            if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc - RENEW_BEFORE:
                return False
        for path in (pki.vtn_key, pki.ven_key):
            serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError):
        return False
    return True


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "openadr_ven demo"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name, issuer: x509.Name, key: rsa.RSAPrivateKey, now: datetime
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
    )


def _leaf(
    subject: x509.Name,
    ca: x509.Certificate,
    *,
    ca_key: rsa.RSAPrivateKey,
    key: rsa.RSAPrivateKey,
    now: datetime,
    usage: x509.ObjectIdentifier,
) -> x509.CertificateBuilder:
    return (
        _builder(subject, ca.subject, key, now)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=not cert_sign,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _alt_names(host: str) -> list[x509.GeneralName]:
    try:
        return [x509.IPAddress(ipaddress.ip_address(host))]
    except ValueError:
        return [x509.DNSName(host)]


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(pem)
    path.chmod(0o600)
