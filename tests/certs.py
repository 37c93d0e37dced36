"""Throwaway PKI for tests: a CA, VTN (server) and VEN (client) certificates, and broken variants.

Usage::

    from tests.certs import make_pki

    pki = make_pki(tmp_path)            # writes PEM files under tmp_path/pki
    pki.client.cert_pem, pki.client.key_pem, pki.client.cert_path, pki.client.key_path
    pki.ca.cert_pem                     # trust anchor for both sides
    ctx = pki.server_ssl_context()      # TLS context for a VTN on 127.0.0.1 that requires client certs

    async with serve(app, ssl_context=ctx) as base_url:   # "https://127.0.0.1:<free port>"
        ...

Everything is made with ``cryptography`` at test time. Private keys are generated once per process and
reused (RSA key generation is the slow part); certificates are cheap and made per call. Every
certificate also exists as files so tests of code that wants paths (openleadr, the config flow) work.

Certificates (all issued by ``ca`` unless the name says otherwise):

===========================  ===========================================================
``ca``                       root CA (RSA-2048)
``wrong_ca``                 an unrelated root CA (RSA-2048)
``server``                   VTN, RSA-2048, SAN 127.0.0.1 + localhost
``server_ec``                VTN, EC P-256, SAN 127.0.0.1 + localhost
``server_expired``           VTN, expired yesterday
``server_not_yet_valid``     VTN, valid from tomorrow
``server_wrong_host``        VTN, SAN vtn.example.com only (hostname mismatch on 127.0.0.1)
``server_wrong_ca``          VTN, issued by ``wrong_ca``
``client``                   VEN, RSA-2048
``client_ec``                VEN, EC P-256
``client_expired``           VEN, expired yesterday
``client_not_yet_valid``     VEN, valid from tomorrow
``client_wrong_ca``          VEN, issued by ``wrong_ca``
``client_weak_rsa``          VEN, RSA-1024 (too weak for OpenADR)
``client_weak_ec``           VEN, EC P-224 (too weak for this VEN)
``other_client``             a second valid VEN, RSA-2048 (a different fingerprint)
===========================  ===========================================================
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

SERVER_HOST = "127.0.0.1"


@cache
def _key(name: str) -> PrivateKey:
    """One private key per name and process (``rsa2048-…``, ``rsa1024-…``, ``p256-…``, ``p224-…``)."""
    kind = name.split("-", 1)[0]
    if kind == "rsa2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "rsa1024":
        return rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (deliberately weak)
    if kind == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "p224":
        return ec.generate_private_key(ec.SECP224R1())
    raise ValueError(name)


@dataclass(frozen=True, slots=True)
class CertPair:
    """A certificate with its private key, as objects, PEM bytes and files."""

    name: str
    cert: x509.Certificate
    key: PrivateKey
    cert_pem: bytes
    key_pem: bytes
    cert_path: Path
    key_path: Path

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def chain_pem(self) -> bytes:
        """This certificate only (the CA is the trust anchor; no intermediates here)."""
        return self.cert_pem


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "openadr_ven tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write(directory: Path, name: str, cert: x509.Certificate, key: PrivateKey) -> CertPair:
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert_path = directory / f"{name}.crt"
    key_path = directory / f"{name}.key"
    cert_path.write_bytes(cert_pem)
    key_path.write_bytes(key_pem)
    return CertPair(name, cert, key, cert_pem, key_pem, cert_path, key_path)


def _make_ca(directory: Path, name: str, key: PrivateKey, now: datetime) -> CertPair:
    subject = _name(f"{name} root")
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _write(directory, name, cert, key)


def issue(
    directory: Path,
    name: str,
    *,
    issuer: CertPair,
    key: PrivateKey,
    common_name: str,
    server: bool,
    hosts: tuple[str, ...] = (),
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> CertPair:
    """Issue a leaf certificate signed by ``issuer`` and write it to ``directory``."""
    now = datetime.now(UTC)
    sans: list[x509.GeneralName] = []
    for host in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            sans.append(x509.DNSName(host))
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=isinstance(key, rsa.RSAPrivateKey),
                data_encipherment=False,
                key_agreement=isinstance(key, ec.EllipticCurvePrivateKey),
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = builder.sign(issuer.key, hashes.SHA256())
    return _write(directory, name, cert, key)


@dataclass(frozen=True, slots=True)
class Pki:
    """The whole throwaway PKI; see the module docstring for what each certificate is."""

    directory: Path
    ca: CertPair
    wrong_ca: CertPair
    server: CertPair
    server_ec: CertPair
    server_expired: CertPair
    server_not_yet_valid: CertPair
    server_wrong_host: CertPair
    server_wrong_ca: CertPair
    client: CertPair
    client_ec: CertPair
    client_expired: CertPair
    client_not_yet_valid: CertPair
    client_wrong_ca: CertPair
    client_weak_rsa: CertPair
    client_weak_ec: CertPair
    other_client: CertPair

    def server_ssl_context(
        self,
        server: CertPair | None = None,
        *,
        require_client_cert: bool = True,
        client_ca: CertPair | None = None,
    ) -> ssl.SSLContext:
        """A VTN-side TLS context (TLS 1.2+) presenting ``server`` and, by default, requiring a client
        certificate issued by ``client_ca`` (the test CA)."""
        leaf = server or self.server
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(leaf.cert_path, leaf.key_path)
        if require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(cadata=(client_ca or self.ca).cert_pem.decode())
        else:
            ctx.verify_mode = ssl.CERT_NONE
        return ctx


def make_pki(directory: Path) -> Pki:
    """Create the test PKI under ``directory / "pki"`` (PEM files and objects)."""
    out = directory / "pki"
    out.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    ca = _make_ca(out, "ca", _key("rsa2048-ca"), now)
    wrong_ca = _make_ca(out, "wrong_ca", _key("rsa2048-wrong-ca"), now)
    local = (SERVER_HOST, "localhost")
    srv_key = _key("rsa2048-server")
    cli_key = _key("rsa2048-client")

    def srv(name: str, key: PrivateKey = srv_key, **kw: object) -> CertPair:
        kw.setdefault("hosts", local)
        kw.setdefault("issuer", ca)
        return issue(out, name, key=key, common_name=f"vtn {name}", server=True, **kw)  # type: ignore[arg-type]

    def cli(name: str, key: PrivateKey = cli_key, **kw: object) -> CertPair:
        kw.setdefault("issuer", ca)
        return issue(out, name, key=key, common_name=f"ven {name}", server=False, **kw)  # type: ignore[arg-type]

    past = {"not_before": now - timedelta(days=30), "not_after": now - timedelta(days=1)}
    future = {"not_before": now + timedelta(days=1), "not_after": now + timedelta(days=30)}
    return Pki(
        directory=out,
        ca=ca,
        wrong_ca=wrong_ca,
        server=srv("server"),
        server_ec=srv("server_ec", _key("p256-server")),
        server_expired=srv("server_expired", **past),
        server_not_yet_valid=srv("server_not_yet_valid", **future),
        server_wrong_host=srv("server_wrong_host", hosts=("vtn.example.com",)),
        server_wrong_ca=srv("server_wrong_ca", issuer=wrong_ca),
        client=cli("client"),
        client_ec=cli("client_ec", _key("p256-client")),
        client_expired=cli("client_expired", **past),
        client_not_yet_valid=cli("client_not_yet_valid", **future),
        client_wrong_ca=cli("client_wrong_ca", issuer=wrong_ca),
        client_weak_rsa=cli("client_weak_rsa", _key("rsa1024-client")),
        client_weak_ec=cli("client_weak_ec", _key("p224-client")),
        other_client=cli("other_client", _key("rsa2048-other-client")),
    )


@asynccontextmanager
async def serve(app: web.Application, *, ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    """Run ``app`` on 127.0.0.1 on a free port; yields the base URL (``http(s)://127.0.0.1:PORT``)."""
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, SERVER_HOST, 0, ssl_context=ssl_context)
    await site.start()
    port = runner.addresses[0][1]  # the free port the OS picked for port 0
    scheme = "https" if ssl_context is not None else "http"
    try:
        yield f"{scheme}://{SERVER_HOST}:{port}"
    finally:
        await runner.cleanup()


class BlockingTlsVtn:
    """A one-connection TLS server on a plain blocking socket (in a thread).

    Unlike asyncio's TLS server, OpenSSL on a blocking socket sends its alert (unknown CA, certificate
    required...) before closing, as production VTNs (nginx, Java) do. With ``answer``, a request that
    passes the handshake gets it as a ``200 OK`` body; without, the connection is closed. Later
    connection attempts are refused (the listener is closed).
    """

    def __init__(self, ctx: ssl.SSLContext, answer: bytes | None = None) -> None:
        self._ctx = ctx
        self._answer = answer
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(10)
        self.port = self._listener.getsockname()[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="blocking-tls-vtn")
        self._thread.start()

    def _run(self) -> None:
        try:
            conn, _ = self._listener.accept()
        except OSError as err:
            self.error = err
            self._listener.close()
            return
        conn.settimeout(5)
        tls = self._ctx.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        try:
            tls.do_handshake()
            if self._answer is not None:
                self._reply(tls, self._answer)
        except (ssl.SSLError, OSError) as err:
            self.error = err
            # Lingering close, as production servers do: the alert must not be lost to a TCP reset
            # caused by unread request bytes (TLS 1.3 clients send their request before the verdict).
            with contextlib.suppress(OSError):
                tls.shutdown(socket.SHUT_WR)
                while tls.recv(65536):
                    pass
        finally:
            tls.close()
            self._listener.close()

    @staticmethod
    def _reply(tls: ssl.SSLSocket, answer: bytes) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            request += tls.recv(65536)
        head, _, body = request.partition(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        while len(body) < length:
            body += tls.recv(65536)
        tls.sendall(
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer)
        )

    def join(self) -> None:
        self._thread.join(10)
