"""XML signatures, the optional "high security" profile (spec §10.6, R514; VEN_REQUIREMENTS §7.4).

Shape of a signed payload (detached signature, sibling of the signed data, XSD order)::

    <oadr:oadrPayload xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07">
      <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:SignedInfo> c14n 1.0, rsa-sha256 | ecdsa-sha256,
          Reference URI="#oadrSignedObject" (sha256), Reference URI="#prop" (sha256) </ds:SignedInfo>
        <ds:SignatureValue/> <ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>
        <ds:Object Id="prop"><ds:SignatureProperties><ds:SignatureProperty>
          <dsp:ReplayProtect><dsp:timestamp/><dsp:nonce/></dsp:ReplayProtect>
        </ds:SignatureProperty></ds:SignatureProperties></ds:Object>
      </ds:Signature>
      <oadr:oadrSignedObject oadr:Id="oadrSignedObject"> one message </oadr:oadrSignedObject>
    </oadr:oadrPayload>

The ReplayProtect properties are signed too (second reference), which is what openleadr expects.
Canonicalization subtlety: inclusive c14n renders every namespace in scope, so the ``oadrPayload``
root declares only the ``oadr`` prefix and ``ds:Signature`` also declares it; then a verifier that
canonicalizes in the document (Apache Santuario) and one that cuts the element out first (signxml,
openleadr) compute the same bytes.

Signing uses signxml. Verifying uses :mod:`.xmldsig`, a check of exactly this profile on the tree
parsed once (signxml re-serializes the document about nine times per verification); this module adds
the trust and freshness rules: the signer's certificate (pinned fingerprint, R514; validity, R516),
ReplayProtect freshness and nonces.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import etree
from signxml import (  # type: ignore[attr-defined]
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
    XMLSigner,
)
from signxml.exceptions import SignXMLException

from . import xmldsig
from .clock import Clock, SystemClock
from .errors import CertificateError, SignatureError
from .payloads.parse import declares_dtd
from .security import fingerprints_equal, is_valid_fingerprint, load_certificate_info
from .xmldsig import NS_DS, NS_DSP, NS_OADR

__all__ = ["NS_DS", "NS_DSP", "NS_OADR", "SIGNED_OBJECT_ID", "XmlSigner", "XmlVerifier"]

SIGNED_OBJECT_ID = "oadrSignedObject"

_PAYLOAD = f"{{{NS_OADR}}}oadrPayload"
_SIGNED_OBJECT = f"{{{NS_OADR}}}oadrSignedObject"
_SIGNATURE = f"{{{NS_DS}}}Signature"
_REPLAY_PROTECT = f"{{{NS_DSP}}}ReplayProtect"
_TIMESTAMP = f"{{{NS_DSP}}}timestamp"
_NONCE = f"{{{NS_DSP}}}nonce"

DEFAULT_MAX_CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_MAX_BYTES = 4 * 1024 * 1024


# Hardened (no entities, network, DTD or huge trees); comments and processing instructions are
# kept until the signature is checked (c14n "#WithComments" of SignedInfo covers comments).
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    dtd_validation=False,
    remove_blank_text=False,
    collect_ids=False,
)


def _format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_timestamp(text: str) -> datetime:
    value = text.strip()
    try:  # the usual "2026-01-01T00:00:00.123456Z" (Python reads Z and up to 6 digits and more)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = _parse_timestamp_lenient(value)
    if parsed.tzinfo is None:
        raise ValueError("timestamp without a time zone")
    return parsed.astimezone(UTC)


def _parse_timestamp_lenient(value: str) -> datetime:
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    head, dot, rest = value.partition(".")
    if dot:  # xs:dateTime allows any number of fraction digits; Python at most 6
        digits = rest[: len(rest) - len(rest.lstrip("0123456789"))]
        value = f"{head}.{digits[:6].ljust(6, '0')}{rest[len(digits) :]}"
    return datetime.fromisoformat(value)


_element_id = xmldsig.element_id


class XmlSigner:
    """Signs outgoing payloads with the VEN's certificate and key (RSA-SHA256 or ECDSA-SHA256)."""

    def __init__(
        self,
        cert_pem: bytes,
        key_pem: bytes,
        *,
        clock: Clock | None = None,
        nonce: Callable[[], str] | None = None,
    ) -> None:
        info = load_certificate_info(cert_pem, key_pem)  # CertificateError: weak, expired, mismatch
        self._certs = x509.load_pem_x509_certificates(cert_pem)  # leaf first, then any intermediates
        key = load_pem_private_key(key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):  # pragma: no cover
            raise CertificateError("OpenADR signing keys are RSA or ECC")
        self._key = key
        # R514 / §10.6.3: SHA-256 digests, the signature method following the key type.
        self._method = SignatureMethod.RSA_SHA256 if info.key_type == "RSA" else SignatureMethod.ECDSA_SHA256
        self._clock = clock or SystemClock()
        self._nonce = nonce or (lambda: secrets.token_hex(16))
        self.fingerprint = info.fingerprint

    def sign(self, root: Any) -> bytes:
        """Sign an ``oadrPayload`` element (as built by ``payloads.build_element``); the document bytes.

        An existing ``ds:Signature`` is replaced. The signed object gets ``oadr:Id="oadrSignedObject"``
        if it has no Id. The ReplayProtect timestamp is taken now, at sending time (R514).
        """
        if not isinstance(root, etree._Element) or root.tag != _PAYLOAD:
            raise SignatureError("only an oadr:oadrPayload element can be signed")
        objects = [child for child in root if child.tag == _SIGNED_OBJECT]
        if len(objects) != 1:
            raise SignatureError("oadrPayload must contain exactly one oadrSignedObject")
        # A fresh document whose root declares only the oadr prefix (see the module docstring).
        signed_object = etree.fromstring(etree.tostring(objects[0]), _PARSER)
        object_id = _element_id(signed_object)
        if object_id is None:
            object_id = SIGNED_OBJECT_ID
            signed_object.set(f"{{{NS_OADR}}}Id", object_id)
        document = etree.Element(_PAYLOAD, nsmap={"oadr": NS_OADR})
        document.append(signed_object)

        signer = XMLSigner(
            method=SignatureConstructionMethod.detached,
            signature_algorithm=self._method,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
        )
        signer.namespaces = {"ds": NS_DS, "oadr": NS_OADR}
        try:
            signature = signer.sign(
                document,
                key=self._key,
                cert=self._certs,
                reference_uri=f"#{object_id}",
                signature_properties=self._replay_protect(),
            )
        except SignXMLException as err:  # pragma: no cover - our own input is always well formed
            raise SignatureError(f"could not sign the payload: {err}") from err
        document.insert(0, signature)
        return bytes(etree.tostring(document, xml_declaration=True, encoding="UTF-8"))

    def _replay_protect(self) -> Any:
        element = etree.Element(
            _REPLAY_PROTECT,
            nsmap={"dsp": NS_DSP},
            attrib={"Id": "replayProtect", "Target": "#replayProtectTarget"},
        )
        etree.SubElement(element, f"{{{NS_DSP}}}timestamp").text = _format_timestamp(self._clock.now())
        etree.SubElement(element, f"{{{NS_DSP}}}nonce").text = self._nonce()
        return element


class XmlVerifier:
    """Verifies incoming signed payloads (spec §10.6.4) and enforces R514.

    ``trusted_fingerprints``: OpenADR fingerprints of the certificates the VTN signs with (at least one).
    ``require_signature``: unsigned payloads are refused (a VEN configured for signatures "must ignore"
    them, R514); with False they pass through unverified and signed ones are still verified.
    ``max_clock_skew``: how far the ReplayProtect timestamp may be from our clock, either way.
    ``allow_sha1``: also accept the SHA-1 methods R514 lists (off by default; SHA-1 is broken).

    The check itself is :mod:`.xmldsig` (only the OpenADR profile, on the tree parsed once); the
    returned tree is what was signed, ready for ``payloads.parse_element`` (no second parse).
    """

    def __init__(
        self,
        trusted_fingerprints: Iterable[str],
        *,
        require_signature: bool = True,
        clock: Clock | None = None,
        max_clock_skew: timedelta = DEFAULT_MAX_CLOCK_SKEW,
        nonce_cache_size: int = 10_000,
        allow_sha1: bool = False,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._trusted = tuple(trusted_fingerprints)
        if not self._trusted:
            raise ValueError(
                "XML signature verification needs the fingerprint of the VTN's signing certificate"
            )
        for value in self._trusted:
            if not is_valid_fingerprint(value):
                raise ValueError(f"not an OpenADR fingerprint (10 hex bytes): {value!r}")
        if nonce_cache_size < 1:
            raise ValueError("nonce_cache_size must be positive")
        self.require_signature = require_signature
        self._clock = clock or SystemClock()
        self._max_skew = max_clock_skew
        self._max_bytes = max_bytes
        self._nonces: OrderedDict[str, datetime] = OrderedDict()
        self._nonce_cache_size = nonce_cache_size
        self._algorithms = xmldsig.Algorithms.openadr(allow_sha1=allow_sha1)
        self._certificates = xmldsig.CertificateCache(self._is_trusted)

    def verify(self, data: bytes) -> Any:
        """The verified ``oadrPayload`` element, or ``SignatureError`` saying what is wrong."""
        root = self._parse(data)
        children = [child for child in root if isinstance(child.tag, str)]
        if not any(child.tag == _SIGNATURE for child in children):
            if self.require_signature:
                raise SignatureError("the payload is not signed, but XML signatures are required (R514)")
            return root
        # Comments are outside the signed content (c14n without comments): they are dropped
        # before anything is read, or "1<!---->00" would read as "1" although "100" was signed.
        # One C-level walk tells whether the tree holds any comment or processing instruction.
        special = next(root.iter(etree.Comment, etree.PI), None) is not None
        comments = special and next(root.iter(etree.Comment), None) is not None
        parts = xmldsig.read_signature(root, children, self._algorithms, strip_comments=comments)
        now = self._clock.now()
        signer = self._signing_certificate(parts.certificate_text, now)
        xmldsig.check_signature_value(parts, signer, self._algorithms)
        objects = xmldsig.check_references(root, parts, self._algorithms)
        # Processing instructions are signed (c14n keeps them), so only now, as the payload
        # parser ignores them, drop them so that no text stays split around one.
        if special:
            etree.strip_elements(root, etree.PI, with_tail=False)
        timestamp, nonce = self._replay_protect(objects)
        self._check_fresh(timestamp, nonce, now)
        return root

    # ------------------------------------------------------------------ steps

    def _parse(self, data: bytes) -> Any:
        if len(data) > self._max_bytes:
            raise SignatureError(f"payload of {len(data)} bytes exceeds the {self._max_bytes}-byte limit")
        if declares_dtd(data):
            raise SignatureError("a DOCTYPE is not allowed in an OpenADR payload")
        try:
            root = etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError as err:
            raise SignatureError(f"not well-formed XML: {err}") from err
        except (ValueError, TypeError, etree.LxmlError) as err:
            raise SignatureError(f"unparseable payload: {err}") from err
        if root is None:  # pragma: no cover - lxml raises instead
            raise SignatureError("no document element")
        if root.tag != _PAYLOAD:
            raise SignatureError(f"expected oadr:oadrPayload, got {root.tag}")
        return root

    def _is_trusted(self, actual: str) -> bool:
        return any(fingerprints_equal(actual, pin) for pin in self._trusted)

    def _signing_certificate(self, body: str, now: datetime) -> xmldsig.SignerCertificate:
        try:
            signer = self._certificates.get(body)
        except xmldsig.UntrustedCertificate as err:
            raise SignatureError(
                f"signed with certificate {err.args[0]}, which is not the VTN's ({', '.join(self._trusted)})"
            ) from None
        info = signer.info
        if not info.not_before <= now <= info.not_after:  # R516: no expired counterparty certificate
            try:
                load_certificate_info(signer.pem, now=now)
            except CertificateError as err:
                raise SignatureError(f"unacceptable signing certificate: {err}") from err
        return signer

    @staticmethod
    def _replay_protect(objects: list[Any]) -> tuple[datetime, str]:
        found = [element for obj in objects for element in obj.iter(_REPLAY_PROTECT)]
        if len(found) != 1:
            raise SignatureError("the signature has no signed ReplayProtect property (R514)")
        text = nonce = None
        for child in found[0]:  # the first of each, as findtext would (without its path parser)
            tag = child.tag
            if tag == _TIMESTAMP:
                if text is None:
                    text = child.text or ""
            elif tag == _NONCE and nonce is None:
                nonce = (child.text or "").strip()
        if not text or not nonce:
            raise SignatureError("ReplayProtect needs a timestamp and a nonce (R514)")
        try:
            return _parse_timestamp(text), nonce
        except ValueError as err:
            raise SignatureError(f"ReplayProtect timestamp {text!r} is not a dateTime") from err

    def _check_fresh(self, timestamp: datetime, nonce: str, now: datetime) -> None:
        if abs(now - timestamp) > self._max_skew:
            raise SignatureError(
                f"ReplayProtect timestamp {_format_timestamp(timestamp)} is more than "
                f"{self._max_skew} away from our clock ({_format_timestamp(now)})"
            )
        # Forget nonces old enough to be refused as stale anyway, then bound the cache.
        while self._nonces and now - next(iter(self._nonces.values())) > self._max_skew * 2:
            self._nonces.popitem(last=False)
        if nonce in self._nonces:
            raise SignatureError("replayed payload: this ReplayProtect nonce was seen before")
        self._nonces[nonce] = timestamp
        while len(self._nonces) > self._nonce_cache_size:
            self._nonces.popitem(last=False)
