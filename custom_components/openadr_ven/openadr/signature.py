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

The cryptography is signxml's; this module adds the OpenADR rules: where the signature sits, what it
must reference, the signer's certificate (pinned fingerprint), ReplayProtect freshness and nonces.
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
    SignatureConfiguration,
    SignatureConstructionMethod,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
)
from signxml.exceptions import InvalidDigest, SignXMLException

from .clock import Clock, SystemClock
from .errors import CertificateError, SignatureError
from .security import fingerprint, fingerprints_equal, is_valid_fingerprint, load_certificate_info

NS_OADR = "http://openadr.org/oadr-2.0b/2012/07"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
NS_DSP = "http://openadr.org/oadr-2.0b/2012/07/xmldsig-properties"  # ReplayProtect (§10.6, R514)
SIGNED_OBJECT_ID = "oadrSignedObject"

_PAYLOAD = f"{{{NS_OADR}}}oadrPayload"
_SIGNED_OBJECT = f"{{{NS_OADR}}}oadrSignedObject"
_SIGNATURE = f"{{{NS_DS}}}Signature"
_DS_OBJECT = f"{{{NS_DS}}}Object"
_REPLAY_PROTECT = f"{{{NS_DSP}}}ReplayProtect"
_ID_ATTRIBUTES = ("Id", "ID", "id")

DEFAULT_MAX_CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_MAX_BYTES = 4 * 1024 * 1024


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False
    )


def _format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_timestamp(text: str) -> datetime:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    head, dot, rest = value.partition(".")
    if dot:  # xs:dateTime allows any number of fraction digits; Python at most 6
        digits = rest[: len(rest) - len(rest.lstrip("0123456789"))]
        value = f"{head}.{digits[:6].ljust(6, '0')}{rest[len(digits) :]}"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("timestamp without a time zone")
    return parsed.astimezone(UTC)


def _element_id(element: Any) -> str | None:
    for name in (f"{{{NS_OADR}}}Id", *_ID_ATTRIBUTES):
        value = element.get(name)
        if value is not None:
            return str(value)
    return None


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
        signed_object = etree.fromstring(etree.tostring(objects[0]), _safe_parser())
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
        methods = {SignatureMethod.RSA_SHA256, SignatureMethod.ECDSA_SHA256}
        digests = {DigestAlgorithm.SHA256}
        if allow_sha1:
            methods |= {SignatureMethod.RSA_SHA1, SignatureMethod.ECDSA_SHA1}
            digests |= {DigestAlgorithm.SHA1}
        self._config = SignatureConfiguration(
            expect_references=2,
            location="./",  # ds:Signature is a child of oadrPayload, nowhere else
            signature_methods=frozenset(methods),
            digest_algorithms=frozenset(digests),
        )

    def verify(self, data: bytes) -> Any:
        """The verified ``oadrPayload`` element, or ``SignatureError`` saying what is wrong."""
        root = self._parse(data)
        children = [child for child in root if isinstance(child.tag, str)]
        signatures = [child for child in children if child.tag == _SIGNATURE]
        if not signatures:
            if self.require_signature:
                raise SignatureError("the payload is not signed, but XML signatures are required (R514)")
            return root
        if [child.tag for child in children] != [_SIGNATURE, _SIGNED_OBJECT]:
            raise SignatureError("oadrPayload must hold exactly ds:Signature then oadrSignedObject")
        signed_object = children[1]
        cert = self._signing_certificate(signatures[0])

        try:
            results = XMLVerifier().verify(
                root, x509_cert=cert, expect_config=self._config, parser=_safe_parser()
            )
        except InvalidDigest as err:
            raise SignatureError(f"the signed content was altered (digest mismatch): {err}") from err
        except (SignXMLException, ValueError, etree.LxmlError) as err:
            raise SignatureError(f"invalid XML signature: {err}") from err

        self._check_references(root, signatures[0], signed_object)
        timestamp, nonce = self._replay_protect(results)
        self._check_fresh(timestamp, nonce)
        return root

    # ------------------------------------------------------------------ steps

    def _parse(self, data: bytes) -> Any:
        if len(data) > self._max_bytes:
            raise SignatureError(f"payload of {len(data)} bytes exceeds the {self._max_bytes}-byte limit")
        try:
            root = etree.fromstring(data, _safe_parser())
        except etree.XMLSyntaxError as err:
            raise SignatureError(f"not well-formed XML: {err}") from err
        if root.getroottree().docinfo.doctype:
            raise SignatureError("a DOCTYPE is not allowed in an OpenADR payload")
        if root.tag != _PAYLOAD:
            raise SignatureError(f"expected oadr:oadrPayload, got {root.tag}")
        return root

    def _signing_certificate(self, signature: Any) -> x509.Certificate:
        texts = signature.findall(f"{{{NS_DS}}}KeyInfo/{{{NS_DS}}}X509Data/{{{NS_DS}}}X509Certificate")
        if not texts or not (texts[0].text or "").strip():
            raise SignatureError("the signature carries no X.509 certificate")
        body = "".join((texts[0].text or "").split())
        pem = f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n".encode()
        try:
            cert = x509.load_pem_x509_certificate(pem)
        except ValueError as err:
            raise SignatureError(f"unreadable signing certificate: {err}") from err
        actual = fingerprint(pem)
        if not any(fingerprints_equal(actual, trusted) for trusted in self._trusted):
            raise SignatureError(
                f"signed with certificate {actual}, which is not the VTN's ({', '.join(self._trusted)})"
            )
        try:  # R516: do not accept an expired counterparty certificate.
            load_certificate_info(pem, now=self._clock.now())
        except CertificateError as err:
            raise SignatureError(f"unacceptable signing certificate: {err}") from err
        return cert

    def _check_references(self, root: Any, signature: Any, signed_object: Any) -> None:
        """The references must be the oadrSignedObject child and our ds:Object; no look-alikes.

        Guards against wrapping attacks: a validly signed object hidden elsewhere while an unsigned
        one sits where the parser reads.
        """
        uris = [
            ref.get("URI") or "" for ref in signature.findall(f"{{{NS_DS}}}SignedInfo/{{{NS_DS}}}Reference")
        ]
        object_id = _element_id(signed_object)
        if object_id is None or f"#{object_id}" not in uris:
            raise SignatureError("the signature does not reference the oadrSignedObject")
        for uri in uris:
            if not uri.startswith("#"):
                raise SignatureError(f"unsupported signature reference {uri!r}")
            holders = [
                element
                for element in root.iter()
                if isinstance(element.tag, str) and _element_id(element) == uri[1:]
            ]
            if len(holders) != 1:
                raise SignatureError(f"signature reference {uri} is ambiguous")
            target = holders[0]
            if target is not signed_object and not (
                target.tag == _DS_OBJECT and target.getparent() is signature
            ):
                raise SignatureError(f"signature reference {uri} points outside the signed payload")

    @staticmethod
    def _replay_protect(results: Any) -> tuple[datetime, str]:
        found = []
        for result in results:
            signed = result.signed_xml
            if signed is not None and signed.tag == _DS_OBJECT:
                found.extend(signed.iter(_REPLAY_PROTECT))
        if len(found) != 1:
            raise SignatureError("the signature has no signed ReplayProtect property (R514)")
        text = found[0].findtext(f"{{{NS_DSP}}}timestamp")
        nonce = (found[0].findtext(f"{{{NS_DSP}}}nonce") or "").strip()
        if not text or not nonce:
            raise SignatureError("ReplayProtect needs a timestamp and a nonce (R514)")
        try:
            return _parse_timestamp(text), nonce
        except ValueError as err:
            raise SignatureError(f"ReplayProtect timestamp {text!r} is not a dateTime") from err

    def _check_fresh(self, timestamp: datetime, nonce: str) -> None:
        now = self._clock.now()
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
