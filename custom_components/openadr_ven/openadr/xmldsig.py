"""A purpose-built XML-signature check for exactly the OpenADR 2.0b profile (spec §10.6, R514).

General XML-signature libraries re-serialize and re-parse the document several times per
verification. This module checks the one shape OpenADR uses, on the tree parsed once, and refuses
everything else (VEN_REQUIREMENTS §7.4):

- ``oadrPayload`` holds exactly ``ds:Signature`` then ``oadrSignedObject``;
- ``ds:Signature`` = ``SignedInfo``, ``SignatureValue``, ``KeyInfo`` (X.509 certificate, no key
  value), then ``ds:Object`` elements (one of them referenced, with ReplayProtect);
- ``SignedInfo`` canonicalization: inclusive c14n 1.0, with or without comments (the R514 list);
  signature method RSA-SHA256 or ECDSA-SHA256 (SHA-1 variants only on request);
- exactly two references, ``#Id`` URIs, one to the ``oadrSignedObject`` and one to a ``ds:Object``
  of this signature (holding ``ReplayProtect``), each with no transform or the single c14n 1.0
  transform, SHA-256 digests (SHA-1 on request);
- every referenced Id appears on exactly one element of the document (no wrapping, no look-alikes).

Canonical bytes come from lxml's c14n of the element in place, which declares every namespace in
scope: the same bytes signxml and openleadr compute from a cut-out copy (checked by the tests).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from .errors import CertificateError, SignatureError
from .security import CertificateInfo, load_certificate_info

NS_OADR = "http://openadr.org/oadr-2.0b/2012/07"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
NS_DSP = "http://openadr.org/oadr-2.0b/2012/07/xmldsig-properties"  # ReplayProtect (§10.6, R514)

C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_WITH_COMMENTS = C14N + "#WithComments"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
ECDSA_SHA1 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"

PAYLOAD = f"{{{NS_OADR}}}oadrPayload"
SIGNED_OBJECT = f"{{{NS_OADR}}}oadrSignedObject"
SIGNATURE = f"{{{NS_DS}}}Signature"
REPLAY_PROTECT = f"{{{NS_DSP}}}ReplayProtect"
_SIGNED_INFO = f"{{{NS_DS}}}SignedInfo"
_SIGNATURE_VALUE = f"{{{NS_DS}}}SignatureValue"
_KEY_INFO = f"{{{NS_DS}}}KeyInfo"
_DS_OBJECT = f"{{{NS_DS}}}Object"
_C14N_METHOD = f"{{{NS_DS}}}CanonicalizationMethod"
_SIGNATURE_METHOD = f"{{{NS_DS}}}SignatureMethod"
_REFERENCE = f"{{{NS_DS}}}Reference"
_TRANSFORMS = f"{{{NS_DS}}}Transforms"
_TRANSFORM = f"{{{NS_DS}}}Transform"
_DIGEST_METHOD = f"{{{NS_DS}}}DigestMethod"
_DIGEST_VALUE = f"{{{NS_DS}}}DigestValue"
_X509_DATA = f"{{{NS_DS}}}X509Data"
_X509_CERTIFICATE = f"{{{NS_DS}}}X509Certificate"
#: KeyInfo children that carry no key (a key value next to the certificate is an ambiguity).
_KEY_INFO_NAMES = frozenset({f"{{{NS_DS}}}KeyName", _X509_DATA})
_ID_NAMES = ("Id", "ID", "id")
_SIGNATURE_HEAD = (_SIGNED_INFO, _SIGNATURE_VALUE, _KEY_INFO)
_NO_ATTRIBUTES: frozenset[str] = frozenset()
#: The attributes the XML-DSig schema allows on the elements this check reads (anything else is
#: refused, as a schema-validating verifier would).
_ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    SIGNATURE: frozenset({"Id"}),
    _SIGNED_INFO: frozenset({"Id"}),
    _SIGNATURE_VALUE: frozenset({"Id"}),
    _KEY_INFO: frozenset({"Id"}),
    _DS_OBJECT: frozenset({"Id", "MimeType", "Encoding"}),
    _C14N_METHOD: frozenset({"Algorithm"}),
    _SIGNATURE_METHOD: frozenset({"Algorithm"}),
    _REFERENCE: frozenset({"Id", "URI", "Type"}),
    _TRANSFORMS: frozenset(),
    _TRANSFORM: frozenset({"Algorithm"}),
    _DIGEST_METHOD: frozenset({"Algorithm"}),
    _DIGEST_VALUE: frozenset(),
    _X509_DATA: frozenset(),
    _X509_CERTIFICATE: frozenset(),
    f"{{{NS_DS}}}KeyName": frozenset(),
}

#: Every element with an attribute (any name) equal to $a or $b, in one C-level pass; the Id-like
#: names are then checked in Python on these few elements only (a name test inside XPath is slower).
_WITH_VALUE = etree.XPath("//@*[. = $a or . = $b]/..")

_Digest = Callable[[bytes], Any]


@dataclass(frozen=True, slots=True)
class Algorithms:
    """What a verifier accepts: signature method URI -> (key kind, hash), digest URI -> hash."""

    signature: dict[str, tuple[str, type[hashes.HashAlgorithm]]]
    digest: dict[str, _Digest]

    @classmethod
    def openadr(cls, *, allow_sha1: bool = False) -> Algorithms:
        signature: dict[str, tuple[str, type[hashes.HashAlgorithm]]] = {
            RSA_SHA256: ("rsa", hashes.SHA256),
            ECDSA_SHA256: ("ec", hashes.SHA256),
        }
        digest: dict[str, _Digest] = {SHA256: hashlib.sha256}
        if allow_sha1:  # R514 lists them; §10.6.3 makes SHA-256 mandatory, so only on request
            signature |= {RSA_SHA1: ("rsa", hashes.SHA1), ECDSA_SHA1: ("ec", hashes.SHA1)}
            digest[SHA1] = hashlib.sha1
        return cls(signature, digest)


@dataclass(frozen=True, slots=True)
class SignerCertificate:
    """A signing certificate read from ``KeyInfo`` once and kept (see :class:`CertificateCache`)."""

    pem: bytes
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey
    info: CertificateInfo


class CertificateCache:
    """Trusted signing certificates by their base64 text, least recently used dropped first.

    ``get`` checks the pin before anything of the certificate is parsed: an unknown certificate
    costs a base64 decode and a SHA-256 (R514 fingerprint, §10.5.1), and is never cached.
    """

    def __init__(self, trusted: Callable[[str], bool], size: int = 8) -> None:
        self._trusted = trusted
        self._size = size
        self._items: OrderedDict[str, SignerCertificate] = OrderedDict()

    def get(self, body: str) -> SignerCertificate:
        entry = self._items.get(body)
        if entry is not None:
            self._items.move_to_end(body)
            return entry
        try:
            der = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as err:
            raise SignatureError(f"unreadable signing certificate: {err}") from err
        digest = hashlib.sha256(der).digest()[-10:]
        actual = ":".join(f"{b:02X}" for b in digest)
        if not self._trusted(actual):
            raise UntrustedCertificate(actual)
        pem = f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n".encode()
        try:
            key = x509.load_der_x509_certificate(der).public_key()
            info = load_certificate_info(pem, check_validity=False)  # key strength (R68)
        except CertificateError as err:
            raise SignatureError(f"unacceptable signing certificate: {err}") from err
        except (ValueError, TypeError, KeyError, IndexError) as err:  # a damaged certificate
            raise SignatureError(f"unreadable signing certificate: {err!r}") from err
        if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):  # pragma: no cover
            # load_certificate_info already refuses other key types (R68); this narrows the type.
            raise SignatureError("unacceptable signing certificate: OpenADR signs with RSA or ECC keys")
        entry = SignerCertificate(pem, key, info)
        self._items[body] = entry
        while len(self._items) > self._size:
            self._items.popitem(last=False)
        return entry


class UntrustedCertificate(SignatureError):
    """The signing certificate is not the pinned one (its fingerprint in ``args[0]``)."""


@dataclass(frozen=True, slots=True)
class SignatureParts:
    """The pieces of a structurally valid signature, read from the tree."""

    signature: Any  # ds:Signature
    signed_object: Any  # oadrSignedObject
    signed_info_c14n: bytes
    method: str
    value: bytes
    certificate_text: str
    references: tuple[tuple[str, str, bytes], ...]  # (URI, digest method, digest value)


def _invalid(what: str) -> SignatureError:
    return SignatureError(f"invalid XML signature: {what}")


def _kids(parent: Any) -> list[tuple[Any, str]]:
    """Element children with their tag, read once (lxml builds a new tag string on every read);
    comments and processing instructions skipped."""
    return [(c, tag) for c in parent if isinstance(tag := c.tag, str)]


def _check_attributes(element: Any, tag: str) -> None:
    names = element.keys()
    if names and not _ALLOWED_ATTRIBUTES.get(tag, _NO_ATTRIBUTES).issuperset(names):
        raise _invalid(f"unexpected attribute on {tag.rpartition('}')[2]}: {names}")


def _b64(text: str | None, what: str) -> bytes:
    try:
        # Lenient like signxml: whitespace and line breaks (what base64.b64decode does, without
        # its wrapper).
        return binascii.a2b_base64(text or "")
    except (binascii.Error, ValueError) as err:
        raise _invalid(f"{what} is not base64") from err


def read_signature(
    root: Any, children: list[Any], algorithms: Algorithms, *, strip_comments: bool
) -> SignatureParts:
    """Check the shape of ``[ds:Signature, oadrSignedObject]`` and read what verification needs.

    With ``strip_comments`` the comments of the document are removed once SignedInfo is
    canonicalized (c14n "#WithComments" covers them) and before any value is read: comments are
    not signed otherwise, and one splitting a text ("1<!---->00") must not change what is read.
    """
    if [c.tag for c in children] != [SIGNATURE, SIGNED_OBJECT]:
        raise SignatureError("oadrPayload must hold exactly ds:Signature then oadrSignedObject")
    signature, signed_object = children
    parts = _kids(signature)
    if len(parts) < 3 or (parts[0][1], parts[1][1], parts[2][1]) != _SIGNATURE_HEAD:
        raise _invalid("ds:Signature must hold SignedInfo, SignatureValue, KeyInfo, then ds:Object")
    if any(tag != _DS_OBJECT for _, tag in parts[3:]):
        raise _invalid("unexpected element in ds:Signature")
    _check_attributes(signature, SIGNATURE)
    for element, tag in parts:
        _check_attributes(element, tag)
    signed_info, signature_value, key_info = parts[0][0], parts[1][0], parts[2][0]

    info = _kids(signed_info)
    if len(info) < 3 or info[0][1] != _C14N_METHOD or info[1][1] != _SIGNATURE_METHOD:
        raise _invalid("SignedInfo must hold CanonicalizationMethod, SignatureMethod, Reference")
    for element, tag in info:
        _check_attributes(element, tag)
    c14n_method, signature_method = info[0][0], info[1][0]
    c14n = c14n_method.get("Algorithm")
    if c14n not in (C14N, C14N_WITH_COMMENTS) or _kids(c14n_method):
        raise _invalid(f"canonicalization {c14n!r} is not allowed (R514)")
    method = signature_method.get("Algorithm") or ""
    if method not in algorithms.signature or _kids(signature_method):
        raise _invalid(f"signature method {method!r} is not allowed (R514)")
    signed_info_c14n = etree.tostring(
        signed_info, method="c14n", exclusive=False, with_comments=c14n == C14N_WITH_COMMENTS
    )
    if strip_comments:
        etree.strip_elements(root, etree.Comment, with_tail=False)
    references = tuple(_reference(ref, tag, algorithms) for ref, tag in info[2:])
    if len(references) != 2:
        raise _invalid(f"expected 2 references (signed object and ReplayProtect), found {len(references)}")
    if references[0][0] == references[1][0]:
        raise _invalid("two references to the same element")

    items = _kids(key_info)
    if not items or any(tag not in _KEY_INFO_NAMES for _, tag in items):
        raise _invalid("KeyInfo must hold the X.509 certificate only (no key value)")
    certificate = None
    for element, tag in items:
        _check_attributes(element, tag)
    for data, tag in items:
        if tag == _X509_DATA:
            for c in data:
                if c.tag == _X509_CERTIFICATE:
                    _check_attributes(c, _X509_CERTIFICATE)
                    certificate = c
                    break
            break
    if certificate is None or not (certificate.text or "").strip():
        raise SignatureError("the signature carries no X.509 certificate")
    return SignatureParts(
        signature,
        signed_object,
        signed_info_c14n,
        method,
        _b64(signature_value.text, "SignatureValue"),
        "".join(certificate.text.split()),
        references,
    )


def _reference(ref: Any, tag: str, algorithms: Algorithms) -> tuple[str, str, bytes]:
    if tag != _REFERENCE:
        raise _invalid("SignedInfo may only hold references after SignatureMethod")
    uri = ref.get("URI") or ""
    if not uri.startswith("#") or len(uri) < 2:
        raise _invalid(f"unsupported signature reference {uri!r}")
    parts = _kids(ref)
    for element, child_tag in parts:
        _check_attributes(element, child_tag)
    if parts and parts[0][1] == _TRANSFORMS:
        transforms = _kids(parts[0][0])
        for element, child_tag in transforms:
            _check_attributes(element, child_tag)
        if len(transforms) != 1 or transforms[0][1] != _TRANSFORM or _kids(transforms[0][0]):
            raise _invalid(f"reference {uri}: only the c14n 1.0 transform is allowed")
        algorithm = transforms[0][0].get("Algorithm")
        if algorithm != C14N:
            raise _invalid(f"reference {uri}: transform {algorithm!r} is not allowed")
        parts = parts[1:]
    if len(parts) != 2 or parts[0][1] != _DIGEST_METHOD or parts[1][1] != _DIGEST_VALUE:
        raise _invalid(f"reference {uri} must hold DigestMethod and DigestValue")
    digest = parts[0][0].get("Algorithm") or ""
    if digest not in algorithms.digest:
        raise _invalid(f"digest method {digest!r} is not allowed (R514)")
    return uri, digest, _b64(parts[1][0].text, "DigestValue")


def check_signature_value(parts: SignatureParts, signer: SignerCertificate, algorithms: Algorithms) -> None:
    """SignatureValue over the canonical SignedInfo, with the certificate's public key."""
    kind, hash_type = algorithms.signature[parts.method]
    key = signer.public_key
    try:
        if kind == "rsa" and isinstance(key, rsa.RSAPublicKey):
            key.verify(parts.value, parts.signed_info_c14n, padding.PKCS1v15(), hash_type())
        elif kind == "ec" and isinstance(key, ec.EllipticCurvePublicKey):
            size = (key.key_size + 7) // 8  # XML-DSig ECDSA values are r || s, fixed width
            if len(parts.value) != 2 * size:
                raise _invalid(f"ECDSA SignatureValue of {len(parts.value)} bytes, expected {2 * size}")
            der = encode_dss_signature(
                int.from_bytes(parts.value[:size], "big"), int.from_bytes(parts.value[size:], "big")
            )
            key.verify(der, parts.signed_info_c14n, ec.ECDSA(hash_type()))
        else:
            raise _invalid("the signature method does not match the certificate's key type")
    except InvalidSignature as err:
        raise _invalid("signature verification failed") from err


def check_references(root: Any, parts: SignatureParts, algorithms: Algorithms) -> list[Any]:
    """Resolve and digest both references; the ``ds:Object`` targets (for ReplayProtect).

    Each Id must sit on exactly one element of the document (a second one is a wrapping attempt),
    and resolve to the oadrSignedObject or to a ds:Object of this very signature.
    """
    object_id = element_id(parts.signed_object)
    if object_id is None or f"#{object_id}" not in (uri for uri, _, _ in parts.references):
        raise SignatureError("the signature does not reference the oadrSignedObject")
    objects: list[Any] = []
    holders_by_id = _holders(root, parts.references[0][0][1:], parts.references[1][0][1:])
    for uri, digest, value in parts.references:
        holders = holders_by_id[uri[1:]]
        if len(holders) != 1:
            if not holders:
                raise _invalid(f"signature reference {uri} does not resolve")
            raise _invalid(f"signature reference {uri} is ambiguous ({len(holders)} elements)")
        target = holders[0]
        if target is parts.signed_object:
            pass  # its Id is referenced (checked above) and held by it alone (len(holders) == 1)
        elif target.tag == _DS_OBJECT and target.getparent() is parts.signature:
            objects.append(target)
        else:
            raise SignatureError(f"signature reference {uri} points outside the signed payload")
        canonical = etree.tostring(target, method="c14n", exclusive=False, with_comments=False)
        if algorithms.digest[digest](canonical).digest() != value:
            raise SignatureError(f"the signed content was altered (digest mismatch): reference {uri}")
    return objects


def _holders(root: Any, first: str, second: str) -> dict[str, list[Any]]:
    """The elements carrying an Id-like attribute (Id, ID, id; any namespace) equal to each value."""
    found: dict[str, list[Any]] = {first: [], second: []}
    for element in _WITH_VALUE(root, a=first, b=second):
        values = {
            value
            for name, value in element.items()
            if name.rpartition("}")[2] in _ID_NAMES and value in found
        }
        for value in values:
            found[value].append(element)
    return found


_ID_ATTRIBUTES = (f"{{{NS_OADR}}}Id", *_ID_NAMES)


def element_id(element: Any) -> str | None:
    for name in _ID_ATTRIBUTES:
        value = element.get(name)
        if value is not None:
            return str(value)
    return None
