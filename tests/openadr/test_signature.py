"""XML signatures (spec §10.6, R514; VEN_REQUIREMENTS §7.4), including interop with openleadr."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils
from cryptography.x509.oid import NameOID
from lxml import etree
from oadr_xsd import assert_valid
from openleadr import messaging
from signxml import DigestAlgorithm, SignatureConstructionMethod, SignatureMethod, XMLSigner

from custom_components.openadr_ven.openadr import signature as signature_module
from custom_components.openadr_ven.openadr.clock import FakeClock
from custom_components.openadr_ven.openadr.errors import CertificateError, SignatureError
from custom_components.openadr_ven.openadr.models import Poll
from custom_components.openadr_ven.openadr.payloads import build_element, parse, parse_element
from custom_components.openadr_ven.openadr.security import fingerprint
from custom_components.openadr_ven.openadr.signature import (
    NS_DS,
    NS_DSP,
    NS_OADR,
    XmlSigner,
    XmlVerifier,
)
from custom_components.openadr_ven.openadr.xmldsig import CertificateCache
from tests.certs import CertPair, Pki, make_pki

DS = {"ds": NS_DS, "dsp": NS_DSP, "oadr": NS_OADR}
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(Path(tmp_path_factory.mktemp("sig")))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC).replace(microsecond=123456))


def _unsigned(ven_id: str = "ven-1") -> Any:
    return etree.fromstring(messaging.create_message("oadrPoll", ven_id=ven_id).encode())


def _signer(pair: CertPair, clock: FakeClock, nonces: list[str] | None = None) -> XmlSigner:
    source = iter(nonces) if nonces else None
    return XmlSigner(
        pair.cert_pem, pair.key_pem, clock=clock, nonce=(lambda: next(source)) if source else None
    )


def _verifier(pair: CertPair, clock: FakeClock, **kwargs: Any) -> XmlVerifier:
    return XmlVerifier([fingerprint(pair.cert_pem)], clock=clock, **kwargs)


# --------------------------------------------------------------------------- what we produce


@pytest.mark.parametrize(("leaf", "method"), [("client", "rsa-sha256"), ("client_ec", "ecdsa-sha256")])
def test_signed_payload_has_the_spec_structure(pki: Pki, clock: FakeClock, leaf: str, method: str) -> None:
    pair: CertPair = getattr(pki, leaf)
    data = _signer(pair, clock, ["nonce-1"]).sign(_unsigned())
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(data)
    assert [child.tag for child in root] == [f"{{{NS_DS}}}Signature", f"{{{NS_OADR}}}oadrSignedObject"]
    assert root.nsmap == {"oadr": NS_OADR}
    info = root.find("ds:Signature/ds:SignedInfo", DS)
    assert info.find("ds:CanonicalizationMethod", DS).get("Algorithm") == C14N
    assert info.find("ds:SignatureMethod", DS).get("Algorithm").endswith(f"#{method}")
    refs = info.findall("ds:Reference", DS)
    assert [ref.get("URI") for ref in refs] == ["#oadrSignedObject", "#prop"]
    assert {ref.find("ds:DigestMethod", DS).get("Algorithm") for ref in refs} == {
        "http://www.w3.org/2001/04/xmlenc#sha256"
    }
    assert root[1].get(f"{{{NS_OADR}}}Id") == "oadrSignedObject"
    cert_text = root.findtext("ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=DS)
    assert base64.b64decode("".join(cert_text.split())) == pair.cert_der
    replay = root.find(
        "ds:Signature/ds:Object/ds:SignatureProperties/ds:SignatureProperty/dsp:ReplayProtect", DS
    )
    assert replay.findtext("dsp:timestamp", namespaces=DS) == clock.now().strftime(
        "%Y-%m-%dT%H:%M:%S.123456Z"
    )
    assert replay.findtext("dsp:nonce", namespaces=DS) == "nonce-1"
    assert_valid(data)  # the official 2.0b XSD, signature included


def test_default_nonces_are_random(pki: Pki, clock: FakeClock) -> None:
    signer = _signer(pki.client, clock)
    nonces = {
        etree.fromstring(signer.sign(_unsigned())).findtext(".//dsp:nonce", namespaces=DS) for _ in range(20)
    }
    assert len(nonces) == 20
    assert all(len(n) == 32 for n in nonces)


def test_signing_replaces_an_existing_signature(pki: Pki, clock: FakeClock) -> None:
    signer = _signer(pki.client, clock)
    twice = signer.sign(etree.fromstring(signer.sign(_unsigned())))
    root = etree.fromstring(twice)
    assert len(root.findall("ds:Signature", DS)) == 1
    assert _verifier(pki.client, clock).verify(twice) is not None


def test_signature_verifies_in_document_context(pki: Pki, clock: FakeClock) -> None:
    """What a Santuario-style verifier does: c14n of SignedInfo and of the referenced object IN the
    document (inheriting namespaces from oadrPayload), then plain RSA/ECDSA checks."""
    for pair in (pki.client, pki.client_ec):
        root = etree.fromstring(_signer(pair, clock).sign(_unsigned()))
        signed_info = root.find("ds:Signature/ds:SignedInfo", DS)
        digest = hashlib.sha256(etree.tostring(root[1], method="c14n")).digest()
        ref = signed_info.find("ds:Reference[@URI='#oadrSignedObject']", DS)
        assert base64.b64decode(ref.findtext("ds:DigestValue", namespaces=DS)) == digest
        value = base64.b64decode(root.findtext("ds:Signature/ds:SignatureValue", namespaces=DS))
        c14n = etree.tostring(signed_info, method="c14n")
        public = pair.cert.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(value, c14n, padding.PKCS1v15(), hashes.SHA256())
        else:
            assert isinstance(public, ec.EllipticCurvePublicKey)
            half = len(value) // 2
            der = utils.encode_dss_signature(
                int.from_bytes(value[:half], "big"), int.from_bytes(value[half:], "big")
            )
            public.verify(der, c14n, ec.ECDSA(hashes.SHA256()))


def test_signer_refuses_unusable_certificates(pki: Pki) -> None:
    with pytest.raises(CertificateError, match="expired"):
        XmlSigner(pki.client_expired.cert_pem, pki.client_expired.key_pem)
    with pytest.raises(CertificateError, match="does not match"):
        XmlSigner(pki.client.cert_pem, pki.other_client.key_pem)
    with pytest.raises(CertificateError, match="too weak"):
        XmlSigner(pki.client_weak_rsa.cert_pem, pki.client_weak_rsa.key_pem)


def test_signer_only_signs_an_oadr_payload(pki: Pki, clock: FakeClock) -> None:
    with pytest.raises(SignatureError, match="oadrPayload"):
        _signer(pki.client, clock).sign(etree.fromstring(b"<a/>"))


# --------------------------------------------------------------------------- interop with openleadr


@pytest.mark.parametrize("leaf", ["client", "client_ec"])
def test_openleadr_signed_message_verifies(pki: Pki, leaf: str) -> None:
    pair: CertPair = getattr(pki, leaf)
    message = messaging.create_message("oadrPoll", ven_id="ven-9", cert=pair.cert_pem, key=pair.key_pem)
    root = XmlVerifier([fingerprint(pair.cert_pem)]).verify(message.encode())
    assert root.findtext(".//{http://docs.oasis-open.org/ns/energyinterop/201110}venID") == "ven-9"


@pytest.mark.parametrize("leaf", ["client", "client_ec"])
def test_our_signed_message_passes_openleadr_checks(pki: Pki, leaf: str) -> None:
    pair: CertPair = getattr(pki, leaf)
    data = XmlSigner(pair.cert_pem, pair.key_pem).sign(_unsigned("ven-7"))
    tree = messaging.validate_xml_schema(data)
    messaging.validate_xml_signature(tree, cert_fingerprint=fingerprint(pair.cert_pem))
    assert messaging.parse_message(data) == ("oadrPoll", {"ven_id": "ven-7"})


def test_payloads_builder_output_signs_verifies_and_parses(pki: Pki, clock: FakeClock) -> None:
    """The payloads package declares every namespace on oadrPayload; signing still round-trips."""
    data = _signer(pki.client, clock).sign(build_element(Poll(ven_id="ven-42")))
    assert_valid(data)
    _verifier(pki.client, clock).verify(data)
    assert parse(data) == Poll(ven_id="ven-42")
    messaging.validate_xml_signature(messaging.validate_xml_schema(data))


# --------------------------------------------------------------------------- what we refuse


def test_unsigned_payload_is_refused_when_signatures_are_required(pki: Pki, clock: FakeClock) -> None:
    unsigned = etree.tostring(_unsigned())
    with pytest.raises(SignatureError, match="not signed"):
        _verifier(pki.client, clock).verify(unsigned)
    root = _verifier(pki.client, clock, require_signature=False).verify(unsigned)
    assert root.tag == f"{{{NS_OADR}}}oadrPayload"


def test_tampered_content_is_refused(pki: Pki, clock: FakeClock) -> None:
    data = _signer(pki.client, clock).sign(_unsigned("ven-1"))
    tampered = data.replace(b">ven-1<", b">ven-2<")
    assert tampered != data
    with pytest.raises(SignatureError, match="altered"):
        _verifier(pki.client, clock).verify(tampered)


def test_tampered_replay_protect_is_refused(pki: Pki, clock: FakeClock) -> None:
    data = _signer(pki.client, clock, ["n-1"]).sign(_unsigned())
    with pytest.raises(SignatureError, match="altered"):
        _verifier(pki.client, clock).verify(data.replace(b">n-1<", b">n-2<"))


def test_bad_signature_value_is_refused(pki: Pki, clock: FakeClock) -> None:
    root = etree.fromstring(_signer(pki.client, clock).sign(_unsigned()))
    node = root.find("ds:Signature/ds:SignatureValue", DS)
    raw = bytearray(base64.b64decode(node.text))
    raw[10] ^= 0xFF
    node.text = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(SignatureError, match="invalid XML signature"):
        _verifier(pki.client, clock).verify(etree.tostring(root))


def test_signature_by_another_certificate_is_refused(pki: Pki, clock: FakeClock) -> None:
    data = _signer(pki.other_client, clock).sign(_unsigned())
    with pytest.raises(SignatureError, match="not the VTN's"):
        _verifier(pki.client, clock).verify(data)


def test_trusted_certificate_pasted_over_a_foreign_signature_is_refused(pki: Pki, clock: FakeClock) -> None:
    root = etree.fromstring(_signer(pki.other_client, clock).sign(_unsigned()))
    node = root.find("ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", DS)
    node.text = base64.b64encode(pki.client.cert_der).decode()
    with pytest.raises(SignatureError, match="invalid XML signature"):
        _verifier(pki.client, clock).verify(etree.tostring(root))


def test_missing_replay_protect_is_refused(pki: Pki, clock: FakeClock) -> None:
    """Signed correctly (two references) but the signed property is not a ReplayProtect."""
    root = _unsigned()
    signer = XMLSigner(
        method=SignatureConstructionMethod.detached,
        signature_algorithm=SignatureMethod.RSA_SHA256,
        c14n_algorithm=C14N,
    )
    signer.namespaces = {"ds": NS_DS, "oadr": NS_OADR}
    sig = signer.sign(
        root,
        key=pki.client.key_pem,
        cert=pki.client.cert_pem.decode(),
        reference_uri="#oadrSignedObject",
        signature_properties=etree.Element("{urn:x}Other"),
    )
    root.insert(0, sig)
    with pytest.raises(SignatureError, match="no signed ReplayProtect"):
        _verifier(pki.client, clock).verify(etree.tostring(root))


def test_signature_without_properties_is_refused(pki: Pki, clock: FakeClock) -> None:
    root = _unsigned()
    signer = XMLSigner(method=SignatureConstructionMethod.detached, c14n_algorithm=C14N)
    signer.namespaces = {"ds": NS_DS, "oadr": NS_OADR}
    root.insert(
        0,
        signer.sign(
            root, key=pki.client.key_pem, cert=pki.client.cert_pem.decode(), reference_uri="#oadrSignedObject"
        ),
    )
    with pytest.raises(SignatureError, match="references"):
        _verifier(pki.client, clock).verify(etree.tostring(root))


@pytest.mark.parametrize(
    ("signed_at", "verified_at", "ok"),
    [(0, 299, True), (0, 301, False), (301, 0, False), (240, 0, True)],
)
def test_replay_protect_timestamp_window_defaults_to_five_minutes(
    pki: Pki, signed_at: int, verified_at: int, ok: bool
) -> None:
    start = datetime.now(UTC)
    signer_clock, verifier_clock = FakeClock(start + timedelta(seconds=signed_at)), FakeClock(start)
    verifier_clock.set(start + timedelta(seconds=verified_at))
    data = _signer(pki.client, signer_clock).sign(_unsigned())
    verifier = _verifier(pki.client, verifier_clock)
    if ok:
        verifier.verify(data)
    else:
        with pytest.raises(SignatureError, match="away from our clock"):
            verifier.verify(data)


def test_replay_protect_window_is_configurable(pki: Pki, clock: FakeClock) -> None:
    data = _signer(pki.client, clock).sign(_unsigned())
    later = FakeClock(clock.now() + timedelta(seconds=11))
    with pytest.raises(SignatureError, match="away from our clock"):
        _verifier(pki.client, later, max_clock_skew=timedelta(seconds=10)).verify(data)


def test_replayed_nonce_is_refused(pki: Pki, clock: FakeClock) -> None:
    signer = _signer(pki.client, clock, ["same", "same", "other"])
    verifier = _verifier(pki.client, clock)
    first, second, third = (signer.sign(_unsigned()) for _ in range(3))
    verifier.verify(first)
    with pytest.raises(SignatureError, match="replayed"):
        verifier.verify(first)  # the very same bytes
    with pytest.raises(SignatureError, match="replayed"):
        verifier.verify(second)  # a new signature reusing the nonce
    verifier.verify(third)


def test_nonce_cache_is_bounded(pki: Pki, clock: FakeClock) -> None:
    signer = _signer(pki.client, clock, ["a", "b", "c"])
    verifier = _verifier(pki.client, clock, nonce_cache_size=2)
    first = signer.sign(_unsigned())
    verifier.verify(first)
    verifier.verify(signer.sign(_unsigned()))
    verifier.verify(signer.sign(_unsigned()))
    verifier.verify(first)  # "a" was evicted: only the 2 newest nonces are kept


def test_wrapped_signed_object_is_refused(pki: Pki, clock: FakeClock) -> None:
    """Signature wrapping: the genuine signed object is hidden in the signature, a forged one is read."""
    root = etree.fromstring(_signer(pki.client, clock).sign(_unsigned("genuine")))
    genuine = root[1]
    hiding_place = etree.SubElement(root[0], f"{{{NS_DS}}}Object")
    hiding_place.append(genuine)
    forged = etree.fromstring(etree.tostring(_unsigned("forged")[0]))
    forged.set(f"{{{NS_OADR}}}Id", "forged")
    root.append(forged)
    verifier = _verifier(pki.client, clock)
    with pytest.raises(SignatureError, match=r"altered|does not reference the oadrSignedObject"):
        verifier.verify(etree.tostring(root))
    forged.set(f"{{{NS_OADR}}}Id", "oadrSignedObject")  # the same Id twice
    with pytest.raises(SignatureError, match=r"(?i)ambiguous"):
        verifier.verify(etree.tostring(root))
    hiding_place.remove(genuine)  # the reference now resolves to the forged object only
    with pytest.raises(SignatureError, match="altered"):
        verifier.verify(etree.tostring(root))


def test_expired_signing_certificate_is_refused(pki: Pki) -> None:
    """R516: the VTN's certificate expired; the message is otherwise fine (fresh timestamp)."""
    future = FakeClock(pki.client.cert.not_valid_after_utc + timedelta(days=1))
    data = _signer(pki.client, future).sign(_unsigned())
    with pytest.raises(SignatureError, match="expired"):
        _verifier(pki.client, future).verify(data)


def test_sha1_is_refused_unless_allowed(pki: Pki, clock: FakeClock) -> None:
    """R514 lists rsa-sha1, but §10.6.3 makes SHA-256 mandatory: SHA-1 only on explicit request."""

    class LegacySigner(XMLSigner):
        def check_deprecated_methods(self) -> None:
            return None

    legacy = LegacySigner(
        method=SignatureConstructionMethod.detached,
        signature_algorithm=SignatureMethod.RSA_SHA1,
        digest_algorithm=DigestAlgorithm.SHA1,
        c14n_algorithm=C14N,
    )
    data = _signed_with_replay(pki, clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"), "legacy", signer=legacy)
    with pytest.raises(SignatureError, match="invalid XML signature"):
        _verifier(pki.client, clock).verify(data)
    assert _verifier(pki.client, clock, allow_sha1=True).verify(data) is not None


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"not xml at all", "not well-formed"),
        (
            b'<!DOCTYPE x [<!ENTITY e "boom">]><oadr:oadrPayload xmlns:oadr="' + NS_OADR.encode() + b'"/>',
            "DOCTYPE",
        ),
        (b"<other/>", "expected oadr:oadrPayload"),
    ],
)
def test_hostile_or_foreign_documents_are_refused(
    pki: Pki, clock: FakeClock, data: bytes, match: str
) -> None:
    with pytest.raises(SignatureError, match=match):
        _verifier(pki.client, clock).verify(data)


def test_oversized_document_is_refused_before_parsing(pki: Pki, clock: FakeClock) -> None:
    with pytest.raises(SignatureError, match="exceeds the 100-byte limit"):
        _verifier(pki.client, clock, max_bytes=100).verify(b" " * 101)


def test_verifier_needs_a_trust_anchor() -> None:
    with pytest.raises(ValueError, match="fingerprint"):
        XmlVerifier([])
    with pytest.raises(ValueError, match="10 hex bytes"):
        XmlVerifier(["not-a-fingerprint"])


# --------------------------------------------------------------------------- the profile check (xmldsig.py)


def test_comment_splitting_signed_text_does_not_change_what_is_read(pki: Pki, clock: FakeClock) -> None:
    """Comments are not signed (c14n without comments): "ven<!--x-->-77" was signed as "ven-77"
    and must read so, not as "ven" (the tree is reused by the payload parser, no second parse)."""
    data = _signer(pki.client, clock).sign(build_element(Poll(ven_id="ven-77")))
    injected = data.replace(b">ven-77<", b">ven<!-- unsigned -->-77<")
    assert injected != data
    root = _verifier(pki.client, clock).verify(injected)
    assert parse_element(root) == Poll(ven_id="ven-77")
    assert not list(root.iter(etree.Comment))


def test_processing_instruction_in_signed_content_is_refused(pki: Pki, clock: FakeClock) -> None:
    data = _signer(pki.client, clock).sign(build_element(Poll(ven_id="ven-77")))
    with pytest.raises(SignatureError, match="altered"):
        _verifier(pki.client, clock).verify(data.replace(b">ven-77<", b">ven<?pi x?>-77<"))


def test_key_value_next_to_the_certificate_is_refused(pki: Pki, clock: FakeClock) -> None:
    root = etree.fromstring(_signer(pki.client, clock).sign(_unsigned()))
    etree.SubElement(root.find("ds:Signature/ds:KeyInfo", DS), f"{{{NS_DS}}}KeyValue")
    with pytest.raises(SignatureError, match="no key value"):
        _verifier(pki.client, clock).verify(etree.tostring(root))


@pytest.mark.parametrize(
    ("path", "algorithm", "match"),
    [
        ("ds:CanonicalizationMethod", "http://www.w3.org/2001/10/xml-exc-c14n#", "canonicalization"),
        ("ds:SignatureMethod", "http://www.w3.org/2000/09/xmldsig#dsa-sha1", "signature method"),
        ("ds:Reference/ds:DigestMethod", "http://www.w3.org/2001/04/xmlenc#sha512", "digest method"),
        ("ds:Reference/ds:Transforms/ds:Transform", "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
         "transform"),
    ],
)  # fmt: skip
def test_algorithms_outside_the_profile_are_refused(
    pki: Pki, clock: FakeClock, path: str, algorithm: str, match: str
) -> None:
    root = etree.fromstring(_signer(pki.client, clock).sign(_unsigned()))
    root.find(f"ds:Signature/ds:SignedInfo/{path}", DS).set("Algorithm", algorithm)
    with pytest.raises(SignatureError, match=f"invalid XML signature: .*{match}"):
        _verifier(pki.client, clock).verify(etree.tostring(root))


def test_signing_certificate_is_parsed_once(pki: Pki, clock: FakeClock) -> None:
    signer, verifier = _signer(pki.client, clock), _verifier(pki.client, clock)
    verifier.verify(signer.sign(_unsigned()))
    cached = dict(verifier._certificates._items)
    verifier.verify(signer.sign(_unsigned()))
    assert len(cached) == 1
    assert dict(verifier._certificates._items) == cached  # the same entry, not re-read


# --------------------------------------------------------------------------- remaining edges


def _signed_with_replay(pki: Pki, timestamp: str, nonce: str, *, signer: XMLSigner | None = None) -> bytes:
    """A correctly signed payload whose ReplayProtect carries exactly these texts (signxml's
    RSA-SHA256 signer unless another is given)."""
    root = _unsigned()
    if signer is None:
        signer = XMLSigner(
            method=SignatureConstructionMethod.detached,
            signature_algorithm=SignatureMethod.RSA_SHA256,
            c14n_algorithm=C14N,
        )
    signer.namespaces = {"ds": NS_DS, "oadr": NS_OADR}
    replay = etree.Element(f"{{{NS_DSP}}}ReplayProtect", nsmap={"dsp": NS_DSP})
    etree.SubElement(replay, f"{{{NS_DSP}}}timestamp").text = timestamp
    etree.SubElement(replay, f"{{{NS_DSP}}}nonce").text = nonce
    root.insert(
        0,
        signer.sign(
            root,
            key=pki.client.key_pem,
            cert=pki.client.cert_pem.decode(),
            reference_uri="#oadrSignedObject",
            signature_properties=replay,
        ),
    )
    return bytes(etree.tostring(root))


def test_replay_protect_timestamp_with_offset_and_nanoseconds_is_read_exactly(
    pki: Pki, clock: FakeClock
) -> None:
    """xs:dateTime with a numeric offset and 9 fraction digits (R514): compared in UTC."""
    local = clock.now().astimezone(timezone(timedelta(hours=2)))
    text = local.strftime("%Y-%m-%dT%H:%M:%S.%f") + "999+02:00"
    verifier = _verifier(pki.client, clock, max_clock_skew=timedelta(milliseconds=1))
    assert verifier.verify(_signed_with_replay(pki, text, "n-offset")) is not None
    # The same wall-clock text read as UTC would be two hours away.
    shifted = local.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"
    with pytest.raises(SignatureError, match="away from our clock"):
        verifier.verify(_signed_with_replay(pki, shifted, "n-utc"))


def test_replay_protect_timestamp_with_lowercase_z_and_12_fraction_digits_is_read_exactly(
    pki: Pki, clock: FakeClock
) -> None:
    """What Python's fromisoformat refuses but xs:dateTime allows: read by the lenient path."""
    text = clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f") + "999999z"
    verifier = _verifier(pki.client, clock, max_clock_skew=timedelta(milliseconds=1))
    assert verifier.verify(_signed_with_replay(pki, text, "n-lenient")) is not None
    later = (clock.now() + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000000z"
    with pytest.raises(SignatureError, match="away from our clock"):
        verifier.verify(_signed_with_replay(pki, later, "n-later"))


@pytest.mark.parametrize(
    ("timestamp", "nonce", "match"),
    [
        ("2026-01-01T12:00:00", "n1", "is not a dateTime"),  # no time zone
        ("yesterday", "n2", "is not a dateTime"),
        ("2026-01-01T12:00:00Z", "  ", "needs a timestamp and a nonce"),
        ("", "n3", "needs a timestamp and a nonce"),
    ],
)
def test_malformed_replay_protect_is_refused(
    pki: Pki, clock: FakeClock, timestamp: str, nonce: str, match: str
) -> None:
    with pytest.raises(SignatureError, match=match):
        _verifier(pki.client, clock).verify(_signed_with_replay(pki, timestamp, nonce))


def test_stale_nonces_are_forgotten_after_twice_the_window(pki: Pki, clock: FakeClock) -> None:
    signer = _signer(pki.client, clock, ["a", "b", "a"])
    verifier = _verifier(pki.client, clock, max_clock_skew=timedelta(minutes=5))
    verifier.verify(signer.sign(_unsigned()))
    clock.set(clock.now() + timedelta(minutes=10, seconds=1))
    verifier.verify(signer.sign(_unsigned()))  # "a" is now older than 2 x 5 min: dropped
    verifier.verify(signer.sign(_unsigned()))  # so a fresh payload may reuse it


def test_replayed_nonce_within_twice_the_window_is_still_refused(pki: Pki, clock: FakeClock) -> None:
    signer = _signer(pki.client, clock, ["a", "a"])
    verifier = _verifier(pki.client, clock, max_clock_skew=timedelta(minutes=5))
    verifier.verify(signer.sign(_unsigned()))
    clock.set(clock.now() + timedelta(minutes=9))
    with pytest.raises(SignatureError, match="replayed"):
        verifier.verify(signer.sign(_unsigned()))


@pytest.mark.parametrize("count", [0, 2])
def test_signer_needs_exactly_one_signed_object(pki: Pki, clock: FakeClock, count: int) -> None:
    root = _unsigned()
    signed = root.find("oadr:oadrSignedObject", DS)
    if count == 0:
        root.remove(signed)
    else:
        copy = etree.fromstring(etree.tostring(signed))
        root.append(copy)
    with pytest.raises(SignatureError, match="exactly one oadrSignedObject"):
        _signer(pki.client, clock).sign(root)


def test_signed_object_without_id_gets_the_default_id(pki: Pki, clock: FakeClock) -> None:
    root = _unsigned()
    signed = root.find("oadr:oadrSignedObject", DS)
    del signed.attrib[f"{{{NS_OADR}}}Id"]
    data = _signer(pki.client, clock).sign(root)
    out = etree.fromstring(data)
    assert out.find("oadr:oadrSignedObject", DS).get(f"{{{NS_OADR}}}Id") == "oadrSignedObject"
    reference = out.find("ds:Signature/ds:SignedInfo/ds:Reference", DS)
    assert reference.get("URI") == "#oadrSignedObject"
    assert _verifier(pki.client, clock).verify(data) is not None


def test_nonce_cache_must_be_positive(pki: Pki) -> None:
    with pytest.raises(ValueError, match="nonce_cache_size must be positive"):
        XmlVerifier([fingerprint(pki.client.cert_pem)], nonce_cache_size=0)


@pytest.mark.parametrize("error", [ValueError("bad input"), TypeError("bad type"), etree.LxmlError("odd")])
def test_any_parser_failure_becomes_a_signature_error(
    pki: Pki, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    """Whatever lxml raises besides XMLSyntaxError, verify() raises only SignatureError."""

    def broken(*_args: Any) -> Any:
        raise error

    monkeypatch.setattr(signature_module.etree, "fromstring", broken)
    with pytest.raises(SignatureError, match="unparseable payload") as info:
        _verifier(pki.client, clock).verify(b"<oadr:oadrPayload/>")
    assert info.value.__cause__ is error


# --------------------------------------------------------------------------- xmldsig.py edges

SIG = "ds:Signature"
SIGNED_INFO = "ds:Signature/ds:SignedInfo"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"


def _resign(root: Any, pair: CertPair) -> bytes:
    """Recompute SignatureValue after an edit of SignedInfo, so only the edit is under test."""
    signed_info = etree.tostring(root.find(SIGNED_INFO, DS), method="c14n", exclusive=False)
    key = pair.key
    if isinstance(key, rsa.RSAPrivateKey):
        value = key.sign(signed_info, padding.PKCS1v15(), hashes.SHA256())
    else:
        r, s = utils.decode_dss_signature(key.sign(signed_info, ec.ECDSA(hashes.SHA256())))
        size = (key.curve.key_size + 7) // 8
        value = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    root.find(f"{SIG}/ds:SignatureValue", DS).text = base64.b64encode(value).decode()
    return bytes(etree.tostring(root))


def _signed_tree(pki: Pki, clock: FakeClock, pair: CertPair | None = None) -> Any:
    return etree.fromstring(_signer(pair or pki.client, clock).sign(_unsigned()))


def _fingerprint_of_der(der: bytes) -> str:
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest()[-10:])


def test_reference_without_transforms_uses_the_default_c14n(pki: Pki, clock: FakeClock) -> None:
    """A same-document reference without ds:Transforms is digested with c14n 1.0 (XML-DSig 4.4.3.2)."""
    root = _signed_tree(pki, clock)
    for reference in root.findall(f"{SIGNED_INFO}/ds:Reference", DS):
        reference.remove(reference.find("ds:Transforms", DS))
    verified = _verifier(pki.client, clock).verify(_resign(root, pki.client))
    assert parse_element(verified) == Poll(ven_id="ven-1")


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        ("extra-element", "SignedInfo may only hold references after SignatureMethod"),
        ("empty-uri", "unsupported signature reference ''"),
        ("external-uri", "unsupported signature reference 'http://example.com/x'"),
        ("bare-hash", "unsupported signature reference '#'"),
        ("dangling-uri", r"signature reference #nowhere does not resolve"),
        ("outside-uri", r"signature reference #elsewhere points outside the signed payload"),
    ],
)
def test_malformed_references_are_refused(pki: Pki, clock: FakeClock, edit: str, match: str) -> None:
    root = _signed_tree(pki, clock)
    signed_info = root.find(SIGNED_INFO, DS)
    replay_ref = signed_info.findall("ds:Reference", DS)[1]
    if edit == "extra-element":
        etree.SubElement(signed_info, f"{{{NS_DS}}}KeyName").text = "x"
    elif edit == "empty-uri":
        replay_ref.set("URI", "")
    elif edit == "external-uri":
        replay_ref.set("URI", "http://example.com/x")
    elif edit == "bare-hash":
        replay_ref.set("URI", "#")
    elif edit == "dangling-uri":
        replay_ref.set("URI", "#nowhere")
    else:  # an Id on the payload root: neither the signed object nor a ds:Object of the signature
        root.set("Id", "elsewhere")
        replay_ref.set("URI", "#elsewhere")
    with pytest.raises(SignatureError, match=match):
        _verifier(pki.client, clock).verify(_resign(root, pki.client))


def test_signed_object_without_id_is_refused(pki: Pki, clock: FakeClock) -> None:
    root = _signed_tree(pki, clock)
    del root.find("oadr:oadrSignedObject", DS).attrib[f"{{{NS_OADR}}}Id"]
    with pytest.raises(SignatureError, match="does not reference the oadrSignedObject"):
        _verifier(pki.client, clock).verify(etree.tostring(root))


@pytest.mark.parametrize("path", ["ds:SignatureValue", "ds:SignedInfo/ds:Reference/ds:DigestValue"])
def test_broken_base64_is_refused(pki: Pki, clock: FakeClock, path: str) -> None:
    root = _signed_tree(pki, clock)
    root.find(f"{SIG}/{path}", DS).text = "QUJD" + "A"  # 5 characters: not a base64 length
    name = path.rpartition(":")[2]
    with pytest.raises(SignatureError, match=f"invalid XML signature: {name} is not base64"):
        _verifier(pki.client, clock).verify(etree.tostring(root))


def test_truncated_ecdsa_value_is_refused(pki: Pki, clock: FakeClock) -> None:
    root = _signed_tree(pki, clock, pki.client_ec)
    value = root.find(f"{SIG}/ds:SignatureValue", DS)
    value.text = base64.b64encode(base64.b64decode(value.text)[:-1]).decode()
    with pytest.raises(SignatureError, match="ECDSA SignatureValue of 63 bytes, expected 64"):
        _verifier(pki.client_ec, clock).verify(etree.tostring(root))


def test_rsa_method_with_an_ec_certificate_is_refused(pki: Pki, clock: FakeClock) -> None:
    root = _signed_tree(pki, clock, pki.client_ec)
    root.find(f"{SIGNED_INFO}/ds:SignatureMethod", DS).set("Algorithm", RSA_SHA256)
    with pytest.raises(SignatureError, match="does not match the certificate's key type"):
        _verifier(pki.client_ec, clock).verify(_resign(root, pki.client_ec))


def test_key_name_without_x509_data_is_refused(pki: Pki, clock: FakeClock) -> None:
    root = _signed_tree(pki, clock)
    key_info = root.find(f"{SIG}/ds:KeyInfo", DS)
    for child in list(key_info):
        key_info.remove(child)
    etree.SubElement(key_info, f"{{{NS_DS}}}KeyName").text = "vtn"
    with pytest.raises(SignatureError, match=r"carries no X\.509 certificate"):
        _verifier(pki.client, clock).verify(etree.tostring(root))


def test_x509_data_without_certificate_is_refused(pki: Pki, clock: FakeClock) -> None:
    root = _signed_tree(pki, clock)
    data = root.find(f"{SIG}/ds:KeyInfo/ds:X509Data", DS)
    for child in list(data):
        data.remove(child)
    etree.SubElement(data, f"{{{NS_DS}}}X509SubjectName").text = "CN=vtn"
    with pytest.raises(SignatureError, match=r"carries no X\.509 certificate"):
        _verifier(pki.client, clock).verify(etree.tostring(root))


def _with_certificate(pki: Pki, clock: FakeClock, der: bytes) -> bytes:
    root = _signed_tree(pki, clock)
    root.find(f"{SIG}/ds:KeyInfo/ds:X509Data/ds:X509Certificate", DS).text = base64.b64encode(der).decode()
    return bytes(etree.tostring(root))


def test_pinned_but_weak_or_foreign_key_certificates_are_refused(pki: Pki, clock: FakeClock) -> None:
    """The pin matches, yet the certificate itself is unacceptable (R68): checked before any use."""
    ed_key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ed25519 vtn")])
    now = clock.now()
    ed_cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ed_key.public_key())
        .serial_number(7)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(ed_key, None)
    )
    for der, match in [
        (pki.client_weak_rsa.cert_der, "unacceptable signing certificate: .*"),
        (ed_cert.public_bytes(serialization.Encoding.DER), "unacceptable signing certificate: .*RSA or ECC"),
        (b"\x30\x03\x02\x01\x00", "unreadable signing certificate"),  # a DER SEQUENCE, not a certificate
    ]:
        verifier = XmlVerifier([_fingerprint_of_der(der)], clock=clock)
        with pytest.raises(SignatureError, match=match):
            verifier.verify(_with_certificate(pki, clock, der))


def test_certificate_cache_drops_the_least_recently_used() -> None:
    pems = [make_certificate_der(i) for i in range(3)]
    cache = CertificateCache(lambda _fp: True, size=2)
    bodies = [base64.b64encode(der).decode() for der in pems]
    first = cache.get(bodies[0])
    second = cache.get(bodies[1])
    assert cache.get(bodies[0]) is first  # a hit, and now the most recent
    cache.get(bodies[2])  # evicts bodies[1], the least recently used
    assert cache.get(bodies[0]) is first
    again = cache.get(bodies[1])
    assert again is not second  # read again
    assert again == second


def make_certificate_der(serial: int) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"vtn {serial}")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial + 1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)
