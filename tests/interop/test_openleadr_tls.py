"""Interop with openleadr's VTN over TLS with client certificates (tests/certs.py PKI), the VEN's
fingerprint in its ven_lookup, the VTN's fingerprint pinned by the VEN, and XML signatures both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from custom_components.openadr_ven.openadr.config import VenConfig
from custom_components.openadr_ven.openadr.models import CreatedEvent, Poll
from custom_components.openadr_ven.openadr.security import build_ssl_context, fingerprint
from custom_components.openadr_ven.openadr.signature import XmlSigner, XmlVerifier
from tests.certs import Pki, make_pki
from tests.vtn.harness import RecordingClock, VenHarness
from tests.vtn.openleadr_vtn import MARKET_CONTEXT, OpenleadrVTN

pytestmark = [pytest.mark.interop, pytest.mark.usefixtures("socket_enabled")]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(Path(tmp_path_factory.mktemp("interop-tls")))


def tls_vtn(pki: Pki, **kw: object) -> OpenleadrVTN:
    return OpenleadrVTN(
        http_cert=pki.server.cert_path,
        http_key=pki.server.key_path,
        http_ca_file=pki.ca.cert_path,
        ven_fingerprint=fingerprint(pki.client.cert_pem),
        **kw,  # type: ignore[arg-type]
    )


def tls_harness(vtn: OpenleadrVTN, pki: Pki, config: VenConfig, **kw: object) -> VenHarness:
    ctx = build_ssl_context(
        client_cert_pem=pki.client.cert_pem, client_key_pem=pki.client.key_pem, ca_pem=pki.ca.cert_pem
    )
    clock = RecordingClock(datetime.now(UTC).replace(microsecond=0))
    return VenHarness(
        vtn.url, config, clock=clock, ssl_context=ctx, vtn_fingerprint=fingerprint(pki.server.cert_pem), **kw
    )


async def _event_round_trip(vtn: OpenleadrVTN, h: VenHarness) -> None:
    await h.start()
    reg = h.ven.snapshot.registration
    assert reg is not None
    assert reg.ven_id == "ol-ven-1"
    start = h.clock.now() + timedelta(minutes=5)
    event_id = vtn.add_event("ol-ven-1", level=3, start=start, duration=timedelta(minutes=5))
    await h.advance(11)
    assert vtn.opt_callbacks == [("ol-ven-1", event_id, "optIn")]
    assert [e.event_id for e in h.ven.snapshot.events] == [event_id]
    assert h.ven.snapshot.connection.online is True


async def test_tls_with_client_certificate_and_fingerprints(pki: Pki) -> None:
    config = VenConfig(ven_name="tls-ven", market_contexts=(MARKET_CONTEXT,))
    async with tls_vtn(pki) as vtn, tls_harness(vtn, pki, config) as h:
        assert vtn.url.startswith("https://127.0.0.1:")
        await _event_round_trip(vtn, h)
        # openleadr computed the same OpenADR fingerprint of our client certificate as we do.
        assert vtn.registrations["ol-ven-1"].fingerprint == fingerprint(pki.client.cert_pem)
        assert len(vtn.sent(Poll)) >= 1


async def test_tls_with_xml_signatures_both_ways(pki: Pki) -> None:
    """openleadr signs with the VTN certificate and verifies our signatures (R514, §10.6)."""
    config = VenConfig(ven_name="signed-ven", market_contexts=(MARKET_CONTEXT,), xml_signature=True)
    signer = XmlSigner(pki.client.cert_pem, pki.client.key_pem)
    verifier = XmlVerifier([fingerprint(pki.server.cert_pem)])
    vtn = tls_vtn(pki, sign_cert=pki.server.cert_path, sign_key=pki.server.key_path, verify_signatures=True)
    async with vtn, tls_harness(vtn, pki, config, signer=signer, verifier=verifier) as h:
        await _event_round_trip(vtn, h)
        assert vtn.registrations["ol-ven-1"].info["xml_signature"] is True
        signed = [raw for _path, raw, _parsed in vtn.requests]
        assert signed
        assert all(b"Signature" in raw and b"ReplayProtect" in raw for raw in signed)
        assert len(vtn.sent(CreatedEvent)) == 1
