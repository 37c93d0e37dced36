"""Simple HTTP transport to the VTN (spec §9.1-9.2, VEN_REQUIREMENTS §7.1) and the retry policy.

One ``Transport.send`` is ONE attempt: the driver decides when to retry, using ``Backoff``
(spec §9.1.7). Every failure becomes one of the typed errors of ``errors.py``:

==============================================  =============================================
VTN down, refused, reset, DNS failure           ``VTNConnectionError`` (retryable)
no complete answer within ``timeout``           ``VTNTimeoutError`` (retryable)
HTTP status other than 200                      ``HTTPStatusError`` (retryable when >= 500)
VTN certificate untrusted/expired/wrong host    ``TLSError`` (not retryable)
our client certificate refused by the VTN       ``CertificateRejectedError`` (not retryable)
VTN certificate not the pinned one              ``FingerprintMismatchError`` (not retryable)
answer larger than ``max_response_bytes``       ``HostileInputError`` (a ``PayloadError``)
==============================================  =============================================

The ``aiohttp.ClientSession`` is injected (Home Assistant's shared one); this module never makes one.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from .enums import Service
from .errors import (
    CertificateRejectedError,
    FingerprintMismatchError,
    HostileInputError,
    HTTPStatusError,
    OpenADRError,
    TLSError,
    TransportError,
    VTNConnectionError,
    VTNTimeoutError,
)
from .security import PinnedCertificateMismatch, is_valid_fingerprint, pin_ssl_context

_LOGGER = logging.getLogger(__name__)

SERVICE_PATH = "OpenADR2/Simple/2.0b"  # §9.1.2
MIN_TIMEOUT = 5.0  # §9.1.6: "HTTP clients must use a request timeout of at least 5 seconds"
_min_timeout = MIN_TIMEOUT  # tests lower this (monkeypatch) to test timeouts quickly
_CHUNK = 64 * 1024

# §9.1.9: Content-Type application/xml (Content-Length and Host are set by aiohttp; the body is bytes,
# so it is never chunked). Accept, if sent, must be application/xml. Accept-Encoding is left out
# (optional): an uncompressed answer keeps the response size cap exact.
_HEADERS = {"Content-Type": "application/xml", "Accept": "application/xml"}
_SKIP_AUTO_HEADERS = ("Accept-Encoding",)

# OpenSSL alert reasons that mean "the VTN did not accept OUR certificate".
_CLIENT_CERT_ALERTS = frozenset(
    {
        "SSLV3_ALERT_BAD_CERTIFICATE",
        "SSLV3_ALERT_CERTIFICATE_EXPIRED",
        "SSLV3_ALERT_CERTIFICATE_REVOKED",
        "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
        "TLSV1_ALERT_UNKNOWN_CA",
        "TLSV1_ALERT_ACCESS_DENIED",
        "TLSV13_ALERT_CERTIFICATE_REQUIRED",
    }
)
_UNTRUSTED = "the VTN certificate was issued by a CA that is not trusted (check the CA certificate)"
# X509_V_ERR_* codes met when verifying the VTN certificate.
_VERIFY_MESSAGES = {
    9: "the VTN certificate is not yet valid",
    10: "the VTN certificate has expired",
    18: _UNTRUSTED,
    19: _UNTRUSTED,
    20: _UNTRUSTED,
    21: _UNTRUSTED,
    62: "the VTN certificate does not match the host name",
    64: "the VTN certificate does not match the IP address",
}


@dataclass(frozen=True, slots=True)
class TransportConfig:
    """Where the VTN is and how to reach it."""

    vtn_url: str  # e.g. "https://vtn.example.com:8080" (may include a path prefix)
    timeout: float = 10.0  # seconds, at least 5 (§9.1.6)
    ssl: ssl.SSLContext | None = None  # None -> plain http URLs only (https needs a context)
    vtn_fingerprint: str | None = None  # pin: OpenADR fingerprint of the VTN's certificate
    max_response_bytes: int = 4 * 1024 * 1024

    def __post_init__(self) -> None:
        parts = urlsplit(self.vtn_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"VTN URL must be an http(s) URL with a host name: {self.vtn_url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"VTN URL must not have a query or fragment: {self.vtn_url!r}")
        if self.timeout < _min_timeout:
            raise ValueError(f"timeout must be at least {MIN_TIMEOUT:g} s (spec §9.1.6), got {self.timeout}")
        if self.max_response_bytes <= 0:
            raise ValueError("max_response_bytes must be positive")
        if parts.scheme == "https" and self.ssl is None:
            raise ValueError("an https VTN URL needs an SSL context (see security.create_ssl_context)")
        if parts.scheme == "http" and (self.ssl is not None or self.vtn_fingerprint is not None):
            raise ValueError("an SSL context or fingerprint pin needs an https VTN URL")
        if self.vtn_fingerprint is not None and not is_valid_fingerprint(self.vtn_fingerprint):
            raise ValueError(f"not an OpenADR fingerprint (10 hex bytes): {self.vtn_fingerprint!r}")

    @property
    def base_url(self) -> str:
        """The VTN URL with ``/OpenADR2/Simple/2.0b`` removed if the user pasted it in, no trailing slash."""
        base = self.vtn_url.rstrip("/")
        if base.lower().endswith("/" + SERVICE_PATH.lower()):
            base = base[: -len(SERVICE_PATH) - 1]
        return base

    def endpoint(self, service: Service) -> str:
        """``{vtn_url}/OpenADR2/Simple/2.0b/{service}`` (§9.1.2, R511)."""
        return f"{self.base_url}/{SERVICE_PATH}/{service.value}"


class Transport:
    """Sends one payload to one VTN service endpoint and returns the VTN's answer."""

    def __init__(self, session: aiohttp.ClientSession, config: TransportConfig) -> None:
        self._session = session
        self._config = config
        self._endpoints = {service: config.endpoint(service) for service in Service}
        if config.ssl is not None and config.vtn_fingerprint is not None:
            # Checked inside every TLS handshake, before a request byte is sent (§10.5.1 fingerprint).
            pin_ssl_context(config.ssl, config.vtn_fingerprint)

    @property
    def config(self) -> TransportConfig:
        return self._config

    async def send(self, service: Service, payload: bytes) -> bytes:
        """POST ``payload`` to the ``service`` endpoint; the body of the 200 answer, or a typed error.

        ONE attempt: no retry here (the caller applies ``Backoff``, §9.1.7).
        """
        url = self._endpoints[service]
        timeout = self._config.timeout
        try:
            async with asyncio.timeout(timeout):
                async with self._session.post(
                    url,
                    data=payload,
                    headers=_HEADERS,
                    skip_auto_headers=_SKIP_AUTO_HEADERS,
                    ssl=self._config.ssl if self._config.ssl is not None else True,
                    timeout=aiohttp.ClientTimeout(total=timeout),
                    allow_redirects=False,
                    raise_for_status=False,
                ) as response:
                    if response.status != 200:
                        # §9.1.5: a non-200 body is undefined; do not read it.
                        response.close()
                        raise HTTPStatusError(response.status, response.reason or "")
                    body = await self._read_body(response)
        except OpenADRError:
            raise
        except Exception as err:
            mapped = _classify(err, url)
            if mapped is None:
                raise
            _LOGGER.debug("%s to %s failed: %r", service.value, url, err)
            raise mapped from err
        _LOGGER.debug("%s: sent %d bytes, received %d bytes", service.value, len(payload), len(body))
        return body

    async def _read_body(self, response: aiohttp.ClientResponse) -> bytes:
        """Read the body in chunks, stopping as soon as it passes ``max_response_bytes``."""
        limit = self._config.max_response_bytes
        declared = response.content_length
        if declared is not None and declared > limit:
            response.close()
            raise HostileInputError(f"VTN response of {declared} bytes exceeds the {limit}-byte limit")
        body = bytearray()
        async for chunk in response.content.iter_chunked(_CHUNK):
            body += chunk
            if len(body) > limit:
                response.close()
                raise HostileInputError(f"VTN response exceeds the {limit}-byte limit")
        return bytes(body)


# --------------------------------------------------------------------------- error mapping


def _causes(err: BaseException) -> Iterator[BaseException]:
    """``err``, then what it wraps (``__cause__``/``__context__``, aiohttp's ``os_error``)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [err]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend([current.__cause__, current.__context__])
        inner = getattr(current, "os_error", None) or getattr(current, "certificate_error", None)
        if isinstance(inner, BaseException):
            todo.append(inner)


def _tls_error(err: BaseException, url: str) -> TLSError | None:
    for cause in _causes(err):
        if isinstance(cause, PinnedCertificateMismatch):
            return FingerprintMismatchError(cause.expected, cause.actual)
        if isinstance(cause, aiohttp.ClientError):
            continue  # aiohttp's wrappers also subclass ssl errors; the real one is inside
        if isinstance(cause, ssl.SSLCertVerificationError):
            code = getattr(cause, "verify_code", None)
            detail = _VERIFY_MESSAGES.get(code or 0, "the VTN certificate could not be verified")
            message = getattr(cause, "verify_message", None) or cause
            return TLSError(f"TLS: {detail} ({url}: {message})")
        if isinstance(cause, ssl.SSLError):
            reason = getattr(cause, "reason", None) or ""
            if reason in _CLIENT_CERT_ALERTS:
                return CertificateRejectedError(
                    f"TLS: the VTN rejected our client certificate ({reason.lower()}); check that the "
                    "certificate is valid, issued by a CA the utility trusts, and registered with the VTN"
                )
            hint = ""
            if reason == "SSLV3_ALERT_HANDSHAKE_FAILURE":
                # TLS 1.2 servers send this for a missing client certificate and for no shared cipher.
                hint = " (the VTN may require a client certificate, or share no cipher suite with us)"
            return TLSError(f"TLS handshake with {url} failed: {reason or cause}{hint}")
    return None


def _classify(err: BaseException, url: str) -> TransportError | None:
    """The typed error for an aiohttp/OS failure, or None if it is not a transport failure."""
    tls = _tls_error(err, url)
    if tls is not None:
        return tls
    if isinstance(err, TimeoutError):
        return VTNTimeoutError(f"the VTN did not answer within the timeout ({url})")
    if isinstance(err, aiohttp.ClientConnectorDNSError):
        return VTNConnectionError(f"cannot resolve the VTN host name ({url}): {err.os_error}")
    if isinstance(err, aiohttp.ClientConnectorError):
        if url.startswith("https:") and isinstance(err.os_error, ConnectionResetError):
            # Some TLS servers (asyncio-based ones among them) drop the connection instead of sending
            # an alert when they refuse a client certificate: say so, but keep it retryable.
            return VTNConnectionError(
                f"the VTN closed the connection during the TLS handshake ({url}); if this persists, "
                "it may be refusing our client certificate"
            )
        return VTNConnectionError(f"cannot connect to the VTN ({url}): {err.os_error.strerror or err}")
    if isinstance(err, aiohttp.ServerDisconnectedError):
        return VTNConnectionError(f"the VTN closed the connection without an answer ({url})")
    if isinstance(err, aiohttp.ClientError | OSError):
        return VTNConnectionError(f"connection to the VTN failed ({url}): {err!r}")
    return None


# --------------------------------------------------------------------------- retry policy


class Backoff:
    """Truncated binary exponential back-off (spec §9.1.7); pure, no I/O, no clock.

    The n-th delay (n from 0) is ``min(cap, initial * factor**n)`` times a random factor in
    ``[1 - jitter, 1 + jitter]``: with the defaults 1 s ±10 %, 2 s ±10 %, 4 s ±10 %, ... up to
    300 s ±10 %. ``reset()`` after a success.
    """

    def __init__(
        self,
        initial: float = 1.0,
        factor: float = 2.0,
        cap: float = 300.0,
        jitter: float = 0.1,
        rng: random.Random | None = None,
    ) -> None:
        if initial <= 0:
            raise ValueError("initial must be positive")
        if factor < 1:
            raise ValueError("factor must be at least 1")
        if cap < initial:
            raise ValueError("cap must be at least initial")
        if not 0 <= jitter < 1:
            raise ValueError("jitter must be in [0, 1)")
        self.initial = initial
        self.factor = factor
        self.cap = cap
        self.jitter = jitter
        self._rng = rng or random.Random()
        self.attempts = 0
        self._base = initial

    @property
    def base_delay(self) -> float:
        """The delay (without jitter) the next call to ``next_delay`` is centred on."""
        return self._base

    def next_delay(self) -> float:
        """Seconds to wait before the next attempt; counts one more failed attempt."""
        base = self._base
        self.attempts += 1
        self._base = min(self.cap, base * self.factor)
        return base * (1.0 + self._rng.uniform(-self.jitter, self.jitter))

    def reset(self) -> None:
        """Back to the initial delay (call it after a successful exchange)."""
        self.attempts = 0
        self._base = self.initial
