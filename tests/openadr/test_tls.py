"""TLS between the VEN and a local VTN (spec §9.2, §10; VEN_REQUIREMENTS §7.2-7.3).

The VTN side requires a client certificate (ssl.CERT_REQUIRED) issued by the test CA, as a 2.0b VTN must.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from custom_components.openadr_ven.openadr.enums import Service
from custom_components.openadr_ven.openadr.errors import (
    CertificateError,
    CertificateRejectedError,
    FingerprintMismatchError,
    TLSError,
    VTNConnectionError,
)
from custom_components.openadr_ven.openadr.security import (
    build_ssl_context,
    create_ssl_context,
    fingerprint,
    pinned_fingerprint,
)
from custom_components.openadr_ven.openadr.transport import Transport, TransportConfig
from tests.certs import BlockingTlsVtn, CertPair, Pki, make_pki, serve

pytestmark = pytest.mark.usefixtures("socket_enabled")

PAYLOAD = b'<?xml version="1.0" encoding="utf-8"?><oadrPayload/>'
ANSWER = b'<?xml version="1.0" encoding="utf-8"?><oadrResponse/>'


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(Path(tmp_path_factory.mktemp("tls")))


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


class Vtn:
    """A TLS VTN that records the fingerprint of each client certificate it sees."""

    def __init__(self) -> None:
        self.client_fingerprints: list[str] = []

    async def handle(self, request: web.Request) -> web.Response:
        ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        self.client_fingerprints.append(fingerprint(der) if der else "")
        await request.read()
        return web.Response(body=ANSWER, content_type="application/xml")

    def serve(self, ctx: ssl.SSLContext) -> AbstractAsyncContextManager[str]:
        app = web.Application()
        app.router.add_post("/OpenADR2/Simple/2.0b/{service}", self.handle)
        return serve(app, ssl_context=ctx)


def _client_ctx(pki: Pki, client: CertPair | None = None, *, ca: CertPair | None = None) -> ssl.SSLContext:
    leaf = client or pki.client
    return build_ssl_context(
        client_cert_pem=leaf.cert_pem, client_key_pem=leaf.key_pem, ca_pem=(ca or pki.ca).cert_pem
    )


async def _send(
    session: aiohttp.ClientSession, base: str, ctx: ssl.SSLContext, pin: str | None = None
) -> bytes:
    transport = Transport(session, TransportConfig(base, ssl=ctx, vtn_fingerprint=pin))
    return await transport.send(Service.OADR_POLL, PAYLOAD)


# --------------------------------------------------------------------------- success


@pytest.mark.parametrize(("server", "client"), [("server", "client"), ("server_ec", "client_ec")])
async def test_mutual_tls_with_rsa_and_ec_certificates(
    session: aiohttp.ClientSession, pki: Pki, server: str, client: str
) -> None:
    vtn = Vtn()
    leaf: CertPair = getattr(pki, client)
    async with vtn.serve(pki.server_ssl_context(getattr(pki, server))) as base:
        assert await _send(session, base, _client_ctx(pki, leaf)) == ANSWER
    # The VTN identifies the VEN by this fingerprint (§10.5.1).
    assert vtn.client_fingerprints == [fingerprint(leaf.cert_pem)]


async def test_connection_negotiates_tls_12_or_newer(session: aiohttp.ClientSession, pki: Pki) -> None:
    versions: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        assert request.transport is not None
        versions.append(request.transport.get_extra_info("ssl_object").version())
        return web.Response(body=ANSWER)

    app = web.Application()
    app.router.add_post("/{tail:.*}", handler)
    async with serve(app, ssl_context=pki.server_ssl_context()) as base:
        await _send(session, base, _client_ctx(pki))
    assert versions[0] in ("TLSv1.2", "TLSv1.3")


async def test_tls_12_only_vtn_works_with_the_profile_cipher_suites(
    session: aiohttp.ClientSession, pki: Pki
) -> None:
    """R67: a VTN offering only TLS_RSA_WITH_AES_128_CBC_SHA256 (TLS 1.2) is still reachable."""
    server_ctx = pki.server_ssl_context()
    server_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    server_ctx.set_ciphers("AES128-SHA256")
    ciphers: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        assert request.transport is not None
        ciphers.append(request.transport.get_extra_info("ssl_object").cipher()[0])
        return web.Response(body=ANSWER)

    app = web.Application()
    app.router.add_post("/{tail:.*}", handler)
    async with serve(app, ssl_context=server_ctx) as base:
        assert await _send(session, base, _client_ctx(pki)) == ANSWER
    assert ciphers == ["AES128-SHA256"]


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")
async def test_vtn_limited_to_tls_11_is_refused(pki: Pki, session: aiohttp.ClientSession) -> None:
    """R67: TLS 1.2 is the minimum."""
    server_ctx = pki.server_ssl_context()
    server_ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    server_ctx.minimum_version = ssl.TLSVersion.TLSv1
    server_ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    vtn = BlockingTlsVtn(server_ctx, ANSWER)
    try:
        with pytest.raises(TLSError, match="handshake") as caught:
            await _send(session, f"https://127.0.0.1:{vtn.port}", _client_ctx(pki))
    finally:
        vtn.join()
    assert not isinstance(caught.value, CertificateRejectedError)
    assert caught.value.retryable is False


async def test_async_context_builder_runs_in_executor_and_works(
    session: aiohttp.ClientSession, pki: Pki
) -> None:
    ctx = await create_ssl_context(
        client_cert_pem=pki.client_ec.cert_pem, client_key_pem=pki.client_ec.key_pem, ca_pem=pki.ca.cert_pem
    )
    async with Vtn().serve(pki.server_ssl_context()) as base:
        assert await _send(session, base, ctx) == ANSWER


# --------------------------------------------------------------------------- the VTN certificate is wrong


@pytest.mark.parametrize(
    ("server", "ca", "message"),
    [
        ("server", "wrong_ca", "issued by a CA that is not trusted"),
        ("server_ec", "wrong_ca", "issued by a CA that is not trusted"),
        ("server_wrong_ca", "ca", "issued by a CA that is not trusted"),
        ("server_expired", "ca", "has expired"),
        ("server_not_yet_valid", "ca", "is not yet valid"),
        ("server_wrong_host", "ca", "does not match the IP address"),
    ],
)
async def test_untrusted_vtn_certificate_is_a_tls_error_with_a_clear_reason(
    session: aiohttp.ClientSession, pki: Pki, server: str, ca: str, message: str
) -> None:
    """§9.2: the client must always validate the server certificate; R516: never use expired ones."""
    vtn = Vtn()
    async with vtn.serve(pki.server_ssl_context(getattr(pki, server))) as base:
        with pytest.raises(TLSError, match=message) as caught:
            await _send(session, base, _client_ctx(pki, ca=getattr(pki, ca)))
    assert type(caught.value) is TLSError
    assert caught.value.retryable is False
    assert vtn.client_fingerprints == []  # nothing reached the application


async def test_hostname_mismatch_by_dns_name(session: aiohttp.ClientSession, pki: Pki) -> None:
    """A certificate for vtn.example.com presented by "localhost" is refused (name check, not only IP)."""
    async with Vtn().serve(pki.server_ssl_context(pki.server_wrong_host)) as base:
        url = base.replace("127.0.0.1", "localhost")
        with pytest.raises(TLSError, match="does not match the host name"):
            await _send(session, url, _client_ctx(pki))


async def test_verification_can_be_turned_off_explicitly(
    session: aiohttp.ClientSession, pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        ctx = build_ssl_context(
            client_cert_pem=pki.client.cert_pem, client_key_pem=pki.client.key_pem, ca_pem=None, verify=False
        )
    assert "verification of the VTN certificate is DISABLED" in caplog.text
    async with Vtn().serve(pki.server_ssl_context(pki.server_wrong_ca)) as base:
        assert await _send(session, base, ctx) == ANSWER


# --------------------------------------------------------------------------- our certificate is refused


@pytest.mark.parametrize(
    ("client", "tls_max"),
    [
        ("client_wrong_ca", ssl.TLSVersion.TLSv1_2),
        ("client_wrong_ca", ssl.TLSVersion.TLSv1_3),
        (None, ssl.TLSVersion.TLSv1_3),
    ],
)
async def test_vtn_refusing_our_certificate_is_certificate_rejected(
    session: aiohttp.ClientSession, pki: Pki, tls_max: ssl.TLSVersion, client: str | None
) -> None:
    """Client certificate from an unknown CA, or none at all, refused by the VTN with a TLS alert."""
    server_ctx = pki.server_ssl_context()
    server_ctx.maximum_version = tls_max
    if client is None:
        ctx = build_ssl_context(client_cert_pem=None, client_key_pem=None, ca_pem=pki.ca.cert_pem)
    else:
        ctx = _client_ctx(pki, getattr(pki, client))
    vtn = BlockingTlsVtn(server_ctx, ANSWER)
    try:
        with pytest.raises(CertificateRejectedError, match="rejected our client certificate") as caught:
            await _send(session, f"https://127.0.0.1:{vtn.port}", ctx)
    finally:
        vtn.join()
    assert caught.value.retryable is False
    assert isinstance(vtn.error, ssl.SSLError)  # the VTN did refuse the handshake


async def test_missing_client_certificate_on_tls_12_is_a_tls_error_with_a_hint(
    session: aiohttp.ClientSession, pki: Pki
) -> None:
    """TLS 1.2 answers a missing certificate with a generic handshake_failure alert (also used for
    "no shared cipher"), so it is a TLSError that names both causes."""
    server_ctx = pki.server_ssl_context()
    server_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx = build_ssl_context(client_cert_pem=None, client_key_pem=None, ca_pem=pki.ca.cert_pem)
    vtn = BlockingTlsVtn(server_ctx, ANSWER)
    try:
        with pytest.raises(TLSError, match="may require a client certificate") as caught:
            await _send(session, f"https://127.0.0.1:{vtn.port}", ctx)
    finally:
        vtn.join()
    assert caught.value.retryable is False


async def test_blocking_vtn_accepts_a_good_certificate(session: aiohttp.ClientSession, pki: Pki) -> None:
    """The helper above is a working VTN: the rejection test fails for the right reason only."""
    vtn = BlockingTlsVtn(pki.server_ssl_context(), ANSWER)
    try:
        assert await _send(session, f"https://127.0.0.1:{vtn.port}", _client_ctx(pki)) == ANSWER
    finally:
        vtn.join()
    assert vtn.error is None


async def test_vtn_dropping_the_handshake_is_a_retryable_connection_error_with_a_hint(
    session: aiohttp.ClientSession, pki: Pki
) -> None:
    """asyncio TLS servers (openleadr's VTN too) drop the connection without an alert: we cannot be sure
    it is about our certificate, so the error stays retryable but says what it may be."""
    server_ctx = pki.server_ssl_context()
    server_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    vtn = Vtn()
    async with vtn.serve(server_ctx) as base:
        with pytest.raises(VTNConnectionError, match="may be refusing our client certificate") as caught:
            await _send(session, base, _client_ctx(pki, pki.client_wrong_ca))
    assert caught.value.retryable is True
    assert vtn.client_fingerprints == []


def test_expired_client_certificate_is_refused_before_any_connection(pki: Pki) -> None:
    """R516: expired certificates must not be used; a VEN does not even try."""
    for leaf, message in ((pki.client_expired, "expired"), (pki.client_not_yet_valid, "not valid before")):
        with pytest.raises(CertificateError, match=message):
            _client_ctx(pki, leaf)


# --------------------------------------------------------------------------- fingerprint pin


@pytest.mark.parametrize("style", ["canonical", "lowercase-no-colons"])
async def test_pinned_vtn_fingerprint_match(session: aiohttp.ClientSession, pki: Pki, style: str) -> None:
    pin = fingerprint(pki.server.cert_pem)
    if style != "canonical":
        pin = pin.replace(":", "").lower()
    vtn = Vtn()
    async with vtn.serve(pki.server_ssl_context()) as base:
        assert await _send(session, base, _client_ctx(pki), pin) == ANSWER
        assert await _send(session, base, _client_ctx(pki), pin) == ANSWER
    assert len(vtn.client_fingerprints) == 2


async def test_pinned_vtn_fingerprint_mismatch(session: aiohttp.ClientSession, pki: Pki) -> None:
    """A VTN with a certificate from the trusted CA but not the pinned one is refused."""
    pin = fingerprint(pki.server_ec.cert_pem)
    vtn = Vtn()
    async with vtn.serve(pki.server_ssl_context(pki.server)) as base:
        with pytest.raises(FingerprintMismatchError) as caught:
            await _send(session, base, _client_ctx(pki), pin)
    assert caught.value.expected == pin
    assert caught.value.actual == fingerprint(pki.server.cert_pem)
    assert caught.value.retryable is False
    assert vtn.client_fingerprints == []  # refused in the handshake: the request never reached it


async def test_pin_alone_can_trust_a_vtn_outside_the_ca_store(
    session: aiohttp.ClientSession, pki: Pki
) -> None:
    """verify=False plus a pin: only that exact certificate is accepted (self-signed test VTNs)."""
    ctx = build_ssl_context(
        client_cert_pem=pki.client.cert_pem, client_key_pem=pki.client.key_pem, ca_pem=None, verify=False
    )
    good = fingerprint(pki.server_wrong_ca.cert_pem)
    async with Vtn().serve(pki.server_ssl_context(pki.server_wrong_ca)) as base:
        assert await _send(session, base, ctx, good) == ANSWER
    ctx2 = build_ssl_context(
        client_cert_pem=pki.client.cert_pem, client_key_pem=pki.client.key_pem, ca_pem=None, verify=False
    )
    async with Vtn().serve(pki.server_ssl_context(pki.server)) as base:
        with pytest.raises(FingerprintMismatchError):
            await _send(session, base, ctx2, good)


def test_a_context_cannot_be_pinned_to_two_vtns(pki: Pki) -> None:
    ctx = _client_ctx(pki)
    config = TransportConfig(
        "https://vtn.example.com", ssl=ctx, vtn_fingerprint=fingerprint(pki.server.cert_pem)
    )
    Transport(aiohttp.ClientSession.__new__(aiohttp.ClientSession), config)
    assert pinned_fingerprint(ctx) == fingerprint(pki.server.cert_pem)
    Transport(aiohttp.ClientSession.__new__(aiohttp.ClientSession), config)  # same pin again: fine
    other = TransportConfig(
        "https://vtn.example.com", ssl=ctx, vtn_fingerprint=fingerprint(pki.server_ec.cert_pem)
    )
    with pytest.raises(ValueError, match="already pinned"):
        Transport(aiohttp.ClientSession.__new__(aiohttp.ClientSession), other)
