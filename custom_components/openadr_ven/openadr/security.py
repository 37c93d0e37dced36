"""TLS contexts, certificate checks and OpenADR certificate fingerprints.

Spec §9.2 and §10 (VEN_REQUIREMENTS §7.2-7.3):

- TLS 1.2 at least (R67); the client always validates the server certificate (§9.2);
- client certificates are mandatory for HTTP (§9.2.1.1): RSA >= 2048 bits or ECC >= 256 bits (R68);
- expired certificates must not be used (R516);
- the fingerprint is the last 10 bytes of the SHA-256 of the DER certificate, as uppercase
  colon-separated hex (§10.5.1).

``ssl.SSLContext`` can only load a certificate chain from files, and reading certificate files
blocks, so contexts are built in a sync function that Home Assistant runs in an executor
(``create_ssl_context``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from .errors import CertificateError

_LOGGER = logging.getLogger(__name__)

MIN_RSA_BITS = 2048  # R68
MIN_EC_BITS = 256  # §10.1 (R68 says 224; P-256 satisfies both)

# The two default suites of R67 (OpenSSL names), offered after the modern forward-secret ones so a
# strict 2.0b VTN that only supports the profile defaults can still be reached.
OPENADR_CIPHERS = (
    "ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:AES128-SHA256"
    ":!aNULL:!eNULL:!MD5:!RC4:!3DES"
)


# --------------------------------------------------------------------------- fingerprints


def _to_der(cert_pem_or_der: bytes) -> bytes:
    data = cert_pem_or_der.strip()
    if data.startswith(b"-----BEGIN"):
        try:
            return x509.load_pem_x509_certificate(data).public_bytes(serialization.Encoding.DER)
        except ValueError as err:
            raise CertificateError(f"Unreadable PEM certificate: {err}") from err
    if not data:
        raise CertificateError("Empty certificate")
    return cert_pem_or_der


def fingerprint(cert_pem_or_der: bytes) -> str:
    """OpenADR fingerprint (§10.5.1): last 10 bytes of SHA-256(DER), e.g. ``5E:71:FA:E4:61:75:9C:EF:A4:D6``.

    Accepts a PEM certificate (the first one if it is a chain) or DER bytes.
    """
    digest = hashlib.sha256(_to_der(cert_pem_or_der)).digest()
    return ":".join(f"{b:02X}" for b in digest[-10:])


def normalize_fingerprint(value: str) -> str:
    """Uppercase hex digits only: ``5e71fa...`` and ``5E:71:FA:...`` both give ``5E71FA...``."""
    return "".join(ch for ch in value.upper() if ch not in ": -\t")


def fingerprints_equal(a: str, b: str) -> bool:
    """Compare two fingerprints case- and colon-insensitively (some tools print ``5e71fa…``)."""
    na, nb = normalize_fingerprint(a), normalize_fingerprint(b)
    return bool(na) and na == nb


def is_valid_fingerprint(value: str) -> bool:
    """True for 10 bytes of hex in any accepted notation (what a VTN pin or a user entry must be)."""
    norm = normalize_fingerprint(value)
    return len(norm) == 20 and all(ch in "0123456789ABCDEF" for ch in norm)


# --------------------------------------------------------------------------- fingerprint pinning


class PinnedCertificateMismatch(ssl.SSLCertVerificationError):
    """Raised inside the TLS handshake when the peer certificate is not the pinned one.

    An ``ssl`` error so asyncio fails the handshake with it (no request byte is sent to the wrong peer);
    the transport turns it into ``errors.FingerprintMismatchError``.
    """

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"peer certificate fingerprint {actual} does not match the pinned {expected}")
        self.expected = expected
        self.actual = actual


class _PinnedSSLObject(ssl.SSLObject):
    """An SSLObject that checks the peer's OpenADR fingerprint once the handshake succeeds."""

    pinned_fingerprint: str = ""

    def do_handshake(self) -> None:
        super().do_handshake()
        der = self.getpeercert(binary_form=True)
        actual = fingerprint(der) if der else "(no certificate)"
        if not fingerprints_equal(self.pinned_fingerprint, actual):
            raise PinnedCertificateMismatch(self.pinned_fingerprint, actual)


def pin_ssl_context(ctx: ssl.SSLContext, expected_fingerprint: str) -> None:
    """Make every TLS connection made with ``ctx`` check the peer certificate's OpenADR fingerprint.

    The check runs at the end of the handshake (through ``SSLContext.sslobject_class``), on top of the
    usual CA and host name verification, so nothing is sent to a peer with another certificate.
    The context is changed in place: use one context per VTN. Pinning a context again with the
    same fingerprint is a no-op; with another one it is a ``ValueError``.
    """
    if not is_valid_fingerprint(expected_fingerprint):
        raise ValueError(f"not an OpenADR fingerprint (10 hex bytes): {expected_fingerprint!r}")
    current = ctx.sslobject_class
    if issubclass(current, _PinnedSSLObject):
        if fingerprints_equal(current.pinned_fingerprint, expected_fingerprint):
            return
        raise ValueError("this SSL context is already pinned to another VTN certificate")
    pinned = type("PinnedSSLObject", (_PinnedSSLObject,), {"pinned_fingerprint": expected_fingerprint})
    ctx.sslobject_class = pinned


def pinned_fingerprint(ctx: ssl.SSLContext) -> str | None:
    """The fingerprint ``ctx`` is pinned to, if any."""
    current = ctx.sslobject_class
    return current.pinned_fingerprint if issubclass(current, _PinnedSSLObject) else None


# --------------------------------------------------------------------------- certificate info


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """What a user (and the diagnostics) needs to know about a certificate."""

    subject: str  # RFC 4514, e.g. "CN=ven 1,O=Example"
    common_name: str | None
    issuer: str
    serial_number: int
    not_before: datetime  # aware UTC
    not_after: datetime  # aware UTC
    fingerprint: str  # OpenADR form (§10.5.1)
    key_type: str  # "RSA" or "EC"
    key_size: int  # bits
    curve: str | None = None  # EC curve name, e.g. "secp256r1"

    def expires_in(self, now: datetime) -> timedelta:
        """Time left until ``not_after`` (negative once expired); spec p.61 asks to warn before expiry."""
        return self.not_after - now


def _load_leaf(cert_pem: bytes) -> x509.Certificate:
    try:
        if cert_pem.lstrip().startswith(b"-----BEGIN"):
            certs = x509.load_pem_x509_certificates(cert_pem)
            return certs[0]
        return x509.load_der_x509_certificate(cert_pem)
    except ValueError as err:
        raise CertificateError(f"Unreadable certificate: {err}") from err


def _load_key(key_pem: bytes) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except TypeError as err:  # encrypted key and no password
        raise CertificateError("The private key is encrypted; provide it without a passphrase") from err
    except ValueError as err:
        raise CertificateError(f"Unreadable private key: {err}") from err
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CertificateError(f"Unsupported private key type {type(key).__name__}: OpenADR needs RSA or ECC")
    return key


def _common_name(name: x509.Name) -> str | None:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _check_key_strength(public_key: object) -> tuple[str, int, str | None]:
    """Key type, size and curve; CertificateError if OpenADR does not allow it (R68)."""
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            raise CertificateError(
                f"RSA key of {public_key.key_size} bits is too weak: OpenADR requires at least {MIN_RSA_BITS}"
            )
        return "RSA", public_key.key_size, None
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.key_size < MIN_EC_BITS:
            raise CertificateError(
                f"ECC key on {public_key.curve.name} ({public_key.key_size} bits) is too weak: "
                f"OpenADR requires at least {MIN_EC_BITS} bits (P-256)"
            )
        return "EC", public_key.key_size, public_key.curve.name
    raise CertificateError(
        f"Unsupported public key type {type(public_key).__name__}: OpenADR needs RSA or ECC"
    )


def load_certificate_info(
    cert_pem: bytes,
    key_pem: bytes | None = None,
    *,
    now: datetime | None = None,
    check_validity: bool = True,
) -> CertificateInfo:
    """Read a certificate (PEM, first of a chain, or DER) and check it can be used by an OpenADR VEN.

    Raises ``CertificateError`` when the certificate or key is unreadable, the key is too weak (R68),
    the key does not belong to the certificate, or (with ``check_validity``) the certificate is
    expired or not yet valid (R516).
    """
    cert = _load_leaf(cert_pem)
    key_type, key_size, curve = _check_key_strength(cert.public_key())
    if key_pem is not None:
        key = _load_key(key_pem)
        spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        if key.public_key().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
            raise CertificateError("The private key does not match the certificate")
    info = CertificateInfo(
        subject=cert.subject.rfc4514_string(),
        common_name=_common_name(cert.subject),
        issuer=cert.issuer.rfc4514_string(),
        serial_number=cert.serial_number,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        fingerprint=fingerprint(cert.public_bytes(serialization.Encoding.DER)),
        key_type=key_type,
        key_size=key_size,
        curve=curve,
    )
    if check_validity:
        moment = now or datetime.now(UTC)
        if moment > info.not_after:
            raise CertificateError(
                f"Certificate {info.subject} expired on {info.not_after.isoformat()} (R516: expired "
                "certificates must not be used)"
            )
        if moment < info.not_before:
            raise CertificateError(
                f"Certificate {info.subject} is not valid before {info.not_before.isoformat()}"
            )
    return info


# --------------------------------------------------------------------------- TLS contexts


def build_ssl_context(
    *,
    client_cert_pem: bytes | None,
    client_key_pem: bytes | None,
    ca_pem: bytes | None,
    verify: bool = True,
) -> ssl.SSLContext:
    """A client TLS context for talking to a VTN (blocking: run it in an executor).

    - TLS 1.2 minimum (R67), the R67 default suites offered besides the modern ones;
    - the client certificate and key (§9.2.1.1) are checked first (R68 key strength, R516 validity,
      key matches certificate) and refused with ``CertificateError``;
    - the VTN is verified against ``ca_pem`` if given, else the system / certifi trust store, with
      hostname checking; ``verify=False`` turns verification off and logs a warning (testing only).
    """
    if (client_cert_pem is None) != (client_key_pem is None):
        raise CertificateError("A client certificate needs its private key, and a key needs its certificate")

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.set_ciphers(OPENADR_CIPHERS)
    except ssl.SSLError:  # pragma: no cover - an OpenSSL build without these suites keeps its defaults
        _LOGGER.debug("OpenSSL refused the OpenADR cipher list; using its defaults")

    if verify:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.check_hostname = True
        if ca_pem is not None:
            _load_ca(ctx, ca_pem)
        else:
            _load_default_trust(ctx)
    else:
        _LOGGER.warning(
            "TLS verification of the VTN certificate is DISABLED: the VEN cannot tell the real VTN from "
            "an impostor (spec §9.2 requires it; use this for testing only)"
        )
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE

    if client_cert_pem is not None and client_key_pem is not None:
        load_certificate_info(client_cert_pem, client_key_pem)
        _load_client_chain(ctx, client_cert_pem, client_key_pem)
    return ctx


async def create_ssl_context(
    *,
    client_cert_pem: bytes | None,
    client_key_pem: bytes | None,
    ca_pem: bytes | None,
    verify: bool = True,
) -> ssl.SSLContext:
    """``build_ssl_context`` in the default executor, so the event loop never blocks on it."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        None,
        partial(
            build_ssl_context,
            client_cert_pem=client_cert_pem,
            client_key_pem=client_key_pem,
            ca_pem=ca_pem,
            verify=verify,
        ),
    )


def _load_ca(ctx: ssl.SSLContext, ca_pem: bytes) -> None:
    try:
        text = ca_pem.decode("ascii")
    except UnicodeDecodeError:
        raise CertificateError("The CA bundle must be PEM text") from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise CertificateError("The CA bundle contains no PEM certificate")
    try:
        ctx.load_verify_locations(cadata=text)
    except ssl.SSLError as err:
        raise CertificateError(f"Unreadable CA bundle: {err}") from err


def _load_default_trust(ctx: ssl.SSLContext) -> None:
    ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
    try:
        import certifi  # noqa: PLC0415 (optional: present wherever Home Assistant runs)
    except ImportError:  # pragma: no cover
        return
    ctx.load_verify_locations(cafile=certifi.where())


def _load_client_chain(ctx: ssl.SSLContext, cert_pem: bytes, key_pem: bytes) -> None:
    # load_cert_chain only takes paths: write both to a private temporary directory (0700) that is
    # removed at once.
    with tempfile.TemporaryDirectory(prefix="openadr-ven-") as tmp:
        cert_path = Path(tmp) / "client.crt"
        key_path = Path(tmp) / "client.key"
        cert_path.write_bytes(cert_pem)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key_pem)
        try:
            ctx.load_cert_chain(cert_path, key_path)
        except ssl.SSLError as err:
            raise CertificateError(f"The client certificate or key could not be loaded: {err}") from err
