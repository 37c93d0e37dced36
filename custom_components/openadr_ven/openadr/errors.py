"""One exception tree for the OpenADR library; the Home Assistant layer maps it once."""

from __future__ import annotations


class OpenADRError(Exception):
    """Base of every error this library raises."""


class PayloadError(OpenADRError):
    """A VTN payload could not be parsed or failed a structural rule.

    ``element`` names where it went wrong (a path such as ``oadrEvent/eiActivePeriod``);
    ``code`` is the OpenADR response code the VEN answers with (454 or 459 most often).
    """

    def __init__(self, message: str, *, element: str | None = None, code: int = 454) -> None:
        self.element = element
        self.code = code
        super().__init__(f"{element}: {message}" if element else message)


class HostileInputError(PayloadError):
    """The document was refused before parsing: too large, DTD/entities, or not XML at all."""


class UnexpectedPayloadError(PayloadError):
    """A well-formed payload of a type the VEN did not expect at that point."""


class TransportError(OpenADRError):
    """The VTN could not be reached or answered at the HTTP layer."""

    retryable: bool = True


class VTNConnectionError(TransportError):
    """TCP/DNS failure: the VTN is down or unreachable."""


class VTNTimeoutError(TransportError):
    """The VTN did not answer within the configured timeout."""


class HTTPStatusError(TransportError):
    """The VTN answered with an HTTP error status (spec §9.1.4-9.1.5)."""

    def __init__(self, status: int, message: str = "") -> None:
        self.status = status
        # 5xx: the VTN's fault, try again later; 4xx: our request is wrong, do not retry.
        # 501 (unsupported method) is the exception: "must not re-send" it (§9.1.5).
        self.retryable = status >= 500 and status != 501
        super().__init__(f"HTTP {status}{': ' + message if message else ''}")


class TLSError(TransportError):
    """TLS handshake failed (wrong CA, expired certificate, hostname mismatch)."""

    retryable = False


class CertificateRejectedError(TLSError):
    """The VTN refused our client certificate."""


class FingerprintMismatchError(TLSError):
    """The VTN's certificate fingerprint does not match the pinned one."""

    def __init__(self, expected: str, actual: str) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(f"VTN certificate fingerprint {actual} does not match the pinned {expected}")


class SecurityError(OpenADRError):
    """Certificate material or an XML signature is not acceptable."""


class CertificateError(SecurityError):
    """A certificate or key is unreadable, expired, not yet valid, too weak, or mismatched."""


class SignatureError(SecurityError):
    """An XML signature is missing, invalid, stale or replayed."""


class VTNResponseError(OpenADRError):
    """The VTN answered with an application-level error code (ei:responseCode != 200)."""

    def __init__(self, code: int, description: str | None = None) -> None:
        self.code = code
        self.description = description
        super().__init__(f"VTN error {code}{': ' + description if description else ''}")


class NotRegisteredError(OpenADRError):
    """An operation needs a registration the VEN does not have."""


class UnknownEventError(OpenADRError):
    """No known event has that ID."""


class UnknownOptError(OpenADRError):
    """No availability schedule (opt) has that ID."""
