"""Simple HTTP transport (spec §9.1, VEN_REQUIREMENTS §7.1, §6.2) against a local server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import random
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from custom_components.openadr_ven.openadr import transport as transport_module
from custom_components.openadr_ven.openadr.enums import Service
from custom_components.openadr_ven.openadr.errors import (
    HostileInputError,
    HTTPStatusError,
    PayloadError,
    TLSError,
    VTNConnectionError,
    VTNTimeoutError,
)
from custom_components.openadr_ven.openadr.transport import Backoff, Transport, TransportConfig
from tests.certs import serve

PAYLOAD = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<oadr:oadrPayload xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07">'
    b'<oadr:oadrSignedObject oadr:Id="oadrSignedObject"><oadr:oadrPoll ei:schemaVersion="2.0b" '
    b'xmlns:ei="http://docs.oasis-open.org/ns/energyinterop/201110"><ei:venID>ven-\xc3\xa9</ei:venID>'
    b"</oadr:oadrPoll></oadr:oadrSignedObject></oadr:oadrPayload>"
)
ANSWER = b'<?xml version="1.0" encoding="utf-8"?><oadr:oadrPayload xmlns:oadr="x"/>'

# Real loopback servers: pytest-homeassistant-custom-component blocks sockets unless asked
# (connections stay limited to 127.0.0.1).
pytestmark = pytest.mark.usefixtures("socket_enabled")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def release() -> asyncio.Event:
    """Set at teardown so slow handlers finish and the server can shut down at once."""
    return asyncio.Event()


@pytest.fixture
def fast_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Allow sub-5 s timeouts (the §9.1.6 minimum) so timeout tests take a fraction of a second."""
    monkeypatch.setattr(transport_module, "_min_timeout", 0.01)


def _serve_one(handler: Handler) -> AbstractAsyncContextManager[str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    return serve(app)


# --------------------------------------------------------------------------- request shape


@pytest.mark.parametrize("service", list(Service))
async def test_posts_payload_to_service_endpoint_with_spec_headers(
    session: aiohttp.ClientSession, service: Service
) -> None:
    """§9.1.2 endpoint form, §9.1.3 POST, §9.1.9 headers (no chunking, Content-Length, Content-Type)."""
    seen: dict[str, Any] = {}

    async def handler(request: web.Request) -> web.Response:
        seen["method"] = request.method
        seen["path"] = request.path
        seen["headers"] = dict(request.headers)
        seen["body"] = await request.read()
        return web.Response(body=ANSWER, content_type="application/xml")

    async with _serve_one(handler) as base:
        transport = Transport(session, TransportConfig(f"{base}/prefix"))
        answer = await transport.send(service, PAYLOAD)

    assert answer == ANSWER
    assert seen["method"] == "POST"
    assert seen["path"] == f"/prefix/OpenADR2/Simple/2.0b/{service.value}"
    assert seen["body"] == PAYLOAD
    headers = seen["headers"]
    assert headers["Content-Type"] == "application/xml"
    assert headers["Content-Length"] == str(len(PAYLOAD))
    assert "Transfer-Encoding" not in headers
    assert headers["Host"] == base.removeprefix("http://")
    assert headers["Accept"] == "application/xml"
    assert "Accept-Encoding" not in headers


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://vtn.example.com", "http://vtn.example.com/OpenADR2/Simple/2.0b/EiEvent"),
        ("http://vtn.example.com/", "http://vtn.example.com/OpenADR2/Simple/2.0b/EiEvent"),
        ("http://vtn.example.com:8080/a/b/", "http://vtn.example.com:8080/a/b/OpenADR2/Simple/2.0b/EiEvent"),
        (
            "http://vtn.example.com/OpenADR2/Simple/2.0b",
            "http://vtn.example.com/OpenADR2/Simple/2.0b/EiEvent",
        ),
        (
            "http://vtn.example.com/p/openadr2/simple/2.0b/",
            "http://vtn.example.com/p/OpenADR2/Simple/2.0b/EiEvent",
        ),
    ],
)
def test_endpoint_accepts_prefix_trailing_slash_and_pasted_service_path(url: str, expected: str) -> None:
    assert TransportConfig(url).endpoint(Service.EI_EVENT) == expected


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"vtn_url": "ftp://vtn.example.com"}, "http"),
        ({"vtn_url": "vtn.example.com"}, "http"),
        ({"vtn_url": "http://vtn.example.com/?x=1"}, "query"),
        ({"vtn_url": "https://vtn.example.com"}, "SSL context"),
        ({"vtn_url": "http://vtn.example.com", "vtn_fingerprint": "00:" * 9 + "00"}, "https"),
        ({"vtn_url": "http://vtn.example.com", "timeout": 4.9}, "at least 5"),
        ({"vtn_url": "http://vtn.example.com", "max_response_bytes": 0}, "positive"),
    ],
)
def test_config_refuses_invalid_settings(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TransportConfig(**kwargs)


def test_config_minimum_timeout_is_five_seconds() -> None:
    """§9.1.6: request timeout of at least 5 s; exactly 5 is fine, 10 is the default."""
    assert TransportConfig("http://vtn.example.com", timeout=5).timeout == 5
    assert TransportConfig("http://vtn.example.com").timeout == 10.0


# --------------------------------------------------------------------------- HTTP status (§9.1.5, §6.2)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(400, False), (403, False), (404, False), (406, False), (501, False), (500, True), (503, True)],
)
async def test_http_status_errors_are_typed_and_classified(
    session: aiohttp.ClientSession, status: int, retryable: bool
) -> None:
    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=status, body=b"<html>undefined body</html>")

    async with _serve_one(handler) as base:
        with pytest.raises(HTTPStatusError) as caught:
            await Transport(session, TransportConfig(base)).send(Service.OADR_POLL, PAYLOAD)
    assert caught.value.status == status
    assert caught.value.retryable is retryable


async def test_redirect_is_not_followed(session: aiohttp.ClientSession) -> None:
    """A POST must reach the configured endpoint; a redirect is reported, not followed."""
    hits: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        hits.append(request.path)
        if request.path.startswith("/elsewhere"):
            return web.Response(body=ANSWER)
        raise web.HTTPFound("/elsewhere")

    async with _serve_one(handler) as base:
        with pytest.raises(HTTPStatusError) as caught:
            await Transport(session, TransportConfig(base)).send(Service.EI_EVENT, PAYLOAD)
    assert caught.value.status == 302
    assert hits == ["/OpenADR2/Simple/2.0b/EiEvent"]


# --------------------------------------------------------------------------- timeouts


async def test_no_answer_within_timeout_is_a_retryable_timeout(
    session: aiohttp.ClientSession, release: asyncio.Event, fast_timeouts: None
) -> None:
    async def handler(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(body=ANSWER)

    async with _serve_one(handler) as base:
        transport = Transport(session, TransportConfig(base, timeout=0.2))
        try:
            with pytest.raises(VTNTimeoutError) as caught:
                await transport.send(Service.OADR_POLL, PAYLOAD)
        finally:
            release.set()
    assert caught.value.retryable is True


async def test_trickling_answer_hits_the_total_timeout(
    session: aiohttp.ClientSession, release: asyncio.Event, fast_timeouts: None
) -> None:
    """Headers arrive at once, then one byte every 20 ms: the timeout covers the whole exchange."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/xml"})
        response.content_length = 10_000
        await response.prepare(request)
        try:
            while not release.is_set():
                await response.write(b"<")
                await asyncio.sleep(0.02)
        except ConnectionError:  # the client gave up and went away
            pass
        return response

    async with _serve_one(handler) as base:
        transport = Transport(session, TransportConfig(base, timeout=0.3))
        try:
            with pytest.raises(VTNTimeoutError):
                await transport.send(Service.OADR_POLL, PAYLOAD)
        finally:
            await asyncio.sleep(0.1)
            release.set()


# --------------------------------------------------------------------------- response size cap


async def test_declared_oversized_answer_is_refused_before_reading(session: aiohttp.ClientSession) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 2000)

    async with _serve_one(handler) as base:
        transport = Transport(session, TransportConfig(base, max_response_bytes=1000))
        with pytest.raises(HostileInputError, match="2000 bytes exceeds the 1000-byte limit"):
            await transport.send(Service.EI_REPORT, PAYLOAD)


async def test_answer_exactly_at_the_limit_is_accepted(session: aiohttp.ClientSession) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=b"y" * 1000)

    async with _serve_one(handler) as base:
        transport = Transport(session, TransportConfig(base, max_response_bytes=1000))
        assert await transport.send(Service.EI_REPORT, PAYLOAD) == b"y" * 1000


async def test_endless_streamed_answer_is_cut_off_without_reading_it_all(
    session: aiohttp.ClientSession,
) -> None:
    """No Content-Length (chunked, forbidden by §9.1.9.4 anyway): the cap stops reading early."""
    written = 0
    total = 200 * 1024 * 1024  # what a careless client would read into memory

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal written
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        chunk = b"z" * 65536
        try:
            while written < total:
                await response.write(chunk)
                written += len(chunk)
        except ConnectionError:
            pass
        return response

    async with _serve_one(handler) as base:
        transport = Transport(session, TransportConfig(base, max_response_bytes=100_000))
        with pytest.raises(HostileInputError, match="exceeds the 100000-byte limit") as caught:
            await transport.send(Service.EI_EVENT, PAYLOAD)
    assert isinstance(caught.value, PayloadError)
    assert written < total // 4


# --------------------------------------------------------------------------- connection failures


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_connection_refused_is_a_retryable_connection_error(session: aiohttp.ClientSession) -> None:
    transport = Transport(session, TransportConfig(f"http://127.0.0.1:{_free_port()}"))
    with pytest.raises(VTNConnectionError, match="cannot connect") as caught:
        await transport.send(Service.OADR_POLL, PAYLOAD)
    assert caught.value.retryable is True


@pytest.mark.parametrize("mode", ["close", "reset", "garbage"])
async def test_dropped_connections_are_connection_errors(session: aiohttp.ClientSession, mode: str) -> None:
    """The VTN accepts, reads the request, then closes / resets (RST) / answers something not HTTP."""

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if mode == "garbage":
            writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
            await writer.drain()
        elif mode == "reset":
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        transport = Transport(session, TransportConfig(f"http://127.0.0.1:{port}"))
        with pytest.raises(VTNConnectionError) as caught:
            await transport.send(Service.EI_REGISTER_PARTY, PAYLOAD)
    finally:
        server.close()
        await server.wait_closed()
    assert caught.value.retryable is True
    assert not isinstance(caught.value, TLSError)


class _FailingResolver(aiohttp.abc.AbstractResolver):
    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[Any]:
        raise OSError(-2, "Name or service not known")

    async def close(self) -> None:
        return None


async def test_dns_failure_is_a_connection_error() -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=_FailingResolver())) as client:
        transport = Transport(client, TransportConfig("http://vtn.invalid:8080"))
        with pytest.raises(VTNConnectionError, match="cannot resolve the VTN host name"):
            await transport.send(Service.OADR_POLL, PAYLOAD)


async def test_transport_works_with_a_shared_session_that_raises_for_status(release: asyncio.Event) -> None:
    """The injected session's own settings (raise_for_status) must not change our error types."""

    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=503)

    async with aiohttp.ClientSession(raise_for_status=True) as client, _serve_one(handler) as base:
        with pytest.raises(HTTPStatusError) as caught:
            await Transport(client, TransportConfig(base)).send(Service.EI_OPT, PAYLOAD)
    assert caught.value.status == 503


# --------------------------------------------------------------------------- back-off (§9.1.7)


def test_backoff_doubles_from_one_second_with_ten_percent_jitter_up_to_the_cap() -> None:
    rng = random.Random(1234)
    backoff = Backoff(cap=16.0, rng=rng)
    delays = [backoff.next_delay() for _ in range(8)]
    bases = [1, 2, 4, 8, 16, 16, 16, 16]
    for delay, base in zip(delays, bases, strict=True):
        assert base * 0.9 <= delay <= base * 1.1
    # The jitter really is random (not always the base) and reproducible with the same seed.
    assert len({round(d / b, 6) for d, b in zip(delays, bases, strict=True)}) == 8
    again = Backoff(cap=16.0, rng=random.Random(1234))
    assert [again.next_delay() for _ in range(8)] == delays
    assert backoff.attempts == 8


def test_backoff_first_delay_spans_the_spec_window() -> None:
    """§9.1.7: "the first quiesce interval for a device might be between 0.9 and 1.1 seconds"."""
    firsts = [Backoff(rng=random.Random(seed)).next_delay() for seed in range(400)]
    assert 0.9 <= min(firsts) < 0.91
    assert 1.09 < max(firsts) <= 1.1


def test_backoff_default_cap_is_300_seconds_and_never_overflows() -> None:
    backoff = Backoff(jitter=0.0)
    delays = [backoff.next_delay() for _ in range(5000)]
    assert delays[:10] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert delays[-1] == 300.0


def test_backoff_reset_starts_again_at_the_initial_delay() -> None:
    backoff = Backoff(initial=0.5, factor=3.0, cap=100.0, jitter=0.0)
    assert [backoff.next_delay() for _ in range(3)] == [0.5, 1.5, 4.5]
    backoff.reset()
    assert backoff.attempts == 0
    assert backoff.base_delay == 0.5
    assert backoff.next_delay() == 0.5


@pytest.mark.parametrize(
    "kwargs",
    [{"initial": 0}, {"factor": 0.5}, {"initial": 10, "cap": 5}, {"jitter": 1.0}, {"jitter": -0.1}],
)
def test_backoff_refuses_nonsense_parameters(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        Backoff(**kwargs)
