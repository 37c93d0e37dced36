"""R514 at XML level: a VEN configured for XML signatures ignores unsigned or badly signed VTN messages.

The scripted VTN signs its answers with the VTN certificate (``signature.XmlSigner``); the VEN
verifies them with the VTN's pinned fingerprint (``signature.XmlVerifier``) and signs its own.
A message that is unsigned, altered after signing, signed by another certificate or replayed is
not acted on (no event, no oadrCreatedEvent, no registration), is logged, and shows as a
signature error in the connection state; a correctly signed one is accepted, also right after.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from custom_components.openadr_ven.openadr import payloads
from custom_components.openadr_ven.openadr.config import VenConfig
from custom_components.openadr_ven.openadr.errors import SignatureError
from custom_components.openadr_ven.openadr.models import (
    CreatedEvent,
    DistributeEvent,
)
from custom_components.openadr_ven.openadr.security import fingerprint
from custom_components.openadr_ven.openadr.signature import XmlSigner, XmlVerifier
from custom_components.openadr_ven.openadr.state import ErrorKind
from tests.certs import Pki, make_pki
from tests.openadr.enginekit import event
from tests.vtn.harness import RecordingClock, VenHarness, poll_with
from tests.vtn.scripted import Fault, ScriptedVTN

pytestmark = pytest.mark.usefixtures("socket_enabled")

POLL = 10.0
DRIFT = 1.06  # a poll interval and its jitter


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(Path(tmp_path_factory.mktemp("signatures")))


@dataclass
class SigningVTN(ScriptedVTN):
    """A ScriptedVTN whose answers are signed documents (``signer``), unless ``tamper`` says otherwise.

    ``tamper`` (popped per answer, FIFO) turns the next answers into: ``"unsigned"`` (the plain
    document), ``"altered"`` (signed, then a value changed), ``"foreign"`` (signed by ``foreign``,
    a certificate the VEN does not pin) or ``"replay"`` (the bytes of the last signed
    oadrDistributeEvent, instead of the answer).
    """

    signer: XmlSigner | None = None
    foreign: XmlSigner | None = None
    tamper: list[str] = field(default_factory=list)
    last_distribute: bytes = b""

    def answer(self, message: Any) -> Any:
        reply = super().answer(message)
        if isinstance(reply, bytes | Fault):
            return reply
        mode = self.tamper.pop(0) if self.tamper else "signed"
        assert self.signer is not None
        assert self.foreign is not None
        if mode == "unsigned":
            return payloads.build(reply)
        if mode == "replay":
            return self.last_distribute
        if mode == "foreign":
            return self.foreign.sign(payloads.build_element(reply))
        signed = self.signer.sign(payloads.build_element(reply))
        if mode == "altered":
            # Signed content changed after signing: the digest no longer matches.
            assert b"<ei:payloadFloat><ei:value>1</ei:value>" in signed, signed
            return signed.replace(b"<ei:value>1</", b"<ei:value>3</", 1)
        assert mode == "signed", mode
        if isinstance(reply, DistributeEvent):
            self.last_distribute = signed
        return signed


def ours(record: logging.LogRecord) -> bool:
    return record.name.startswith("custom_components.openadr_ven")


@dataclass
class Rig:
    vtn: SigningVTN
    h: VenHarness
    clock: RecordingClock

    def event(self, event_id: str = "ev1", mod: int = 0) -> DistributeEvent:
        ev = event(event_id, mod, start=self.clock.now() + timedelta(minutes=30))
        return self.vtn.distribute(ev, request_id=f"d-{event_id}-{mod}")


@pytest.fixture
async def rig(pki: Pki, socket_enabled: None) -> AsyncIterator[Callable[..., Any]]:
    """Start a signing VTN and a signature-mode VEN; ``await rig(tamper=[...])`` (tamper applies
    from the first answer: the registration)."""
    made: list[tuple[SigningVTN, VenHarness]] = []

    async def make(tamper: list[str] | None = None) -> Rig:
        # The certificates are valid around the real date: the fake clock starts there.
        clock = RecordingClock(datetime.now(UTC).replace(microsecond=0))
        vtn = SigningVTN(
            signer=XmlSigner(pki.server.cert_pem, pki.server.key_pem, clock=clock),
            foreign=XmlSigner(pki.other_client.cert_pem, pki.other_client.key_pem, clock=clock),
            tamper=list(tamper or []),
        )
        await vtn.start()
        config = VenConfig(ven_name="signed-ven", resource_id="res1", xml_signature=True)
        h = VenHarness(
            vtn.url,
            config,
            clock=clock,
            signer=XmlSigner(pki.client.cert_pem, pki.client.key_pem, clock=clock),
            verifier=XmlVerifier([fingerprint(pki.server.cert_pem)], clock=clock),
        )
        await h.__aenter__()
        made.append((vtn, h))
        vtn.clock = clock.now
        await h.start()
        return Rig(vtn, h, clock)

    yield make
    for vtn, h in made:
        await h.__aexit__(None, None, None)
        await vtn.stop()
        assert vtn.invalid() == [], "the VEN sent payloads that are not valid 2.0b"
        assert all(b"<ds:Signature" in x.raw and b"ReplayProtect" in x.raw for x in vtn.exchanges)


async def test_signed_vtn_messages_are_accepted(rig: Callable[..., Any]) -> None:
    r = await rig()
    snapshot = r.h.ven.snapshot
    assert snapshot.registration is not None
    assert snapshot.registration.vtn_id == "VTN_1"
    assert r.vtn.kinds() == ["CreatePartyRegistration", "RegisterReport", "RequestEvent"]
    await poll_with(r.h, r.vtn, r.event())
    assert [e.event_id for e in r.h.ven.snapshot.events] == ["ev1"]
    created = r.vtn.sent(CreatedEvent)
    assert [(x.event_id, x.code) for x in created[0].event_responses] == [("ev1", 200)]
    connection = r.h.ven.snapshot.connection
    assert connection.online
    assert connection.last_error_kind is None


BAD = {
    "unsigned": "not signed",
    "altered": "digest",
    "foreign": "not the VTN's",
}


@pytest.mark.parametrize("mode", list(BAD))
async def test_badly_signed_event_is_ignored_logged_and_shown(
    rig: Callable[..., Any], mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    r = await rig()
    seen = len(r.vtn.exchanges)
    published = len(r.h.snapshots)
    r.vtn.tamper.append(mode)
    with caplog.at_level(logging.WARNING, logger="custom_components.openadr_ven"):
        await poll_with(r.h, r.vtn, r.event())
    # Not acted on: no event, no oadrCreatedEvent (R514).
    assert r.h.ven.snapshot.events == ()
    assert r.vtn.sent(CreatedEvent) == []
    assert r.h.ven.snapshot.registration is not None  # the VEN carries on
    errors = [(s.connection.last_error_kind, s.connection.last_error) for s in r.h.snapshots[published:]]
    shown = [(kind, error) for kind, error in errors if kind is not None]
    assert [kind for kind, _ in shown] == [ErrorKind.SIGNATURE], errors  # published at once
    assert BAD[mode] in str(shown[0][1])
    warnings = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING and ours(rec)]
    assert len(warnings) == 1, warnings
    assert BAD[mode] in warnings[0]
    # The VTN's queue may hold more: one more poll at once (R500), answered oadrResponse (signed),
    # which clears the error as any good answer does.
    assert r.vtn.kinds(seen) == ["Poll", "Poll"]
    assert r.h.ven.snapshot.connection.last_error_kind is None

    # The VTN sends it again, correctly signed: accepted, and the error is cleared.
    await poll_with(r.h, r.vtn, r.event())
    assert [e.event_id for e in r.h.ven.snapshot.events] == ["ev1"]
    assert len(r.vtn.sent(CreatedEvent)) == 1
    assert r.h.ven.snapshot.connection.last_error_kind is None


async def test_replayed_signed_message_is_ignored(rig: Callable[..., Any]) -> None:
    """The same signed document twice: the second is a replay (ReplayProtect nonce, R514)."""
    r = await rig()
    await poll_with(r.h, r.vtn, r.event("ev1"))
    assert len(r.vtn.sent(CreatedEvent)) == 1
    published = len(r.h.snapshots)
    r.vtn.tamper.append("replay")
    await poll_with(r.h, r.vtn, r.event("ev2"))  # answered with the bytes of the ev1 distribute
    # Accepted again, it would be answered with another oadrCreatedEvent (as a genuine resend is).
    assert [e.event_id for e in r.h.ven.snapshot.events] == ["ev1"]
    assert len(r.vtn.sent(CreatedEvent)) == 1
    errors = [s.connection.last_error for s in r.h.snapshots[published:] if s.connection.last_error_kind]
    assert len(errors) == 1
    assert "replay" in str(errors[0])
    assert r.h.snapshots[-1].connection.last_error_kind is None  # the drain poll's answer was fine


async def test_vtn_that_never_signs_is_ignored_without_a_tight_loop(
    rig: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    r = await rig()
    seen = len(r.vtn.exchanges)
    r.vtn.tamper.extend(["unsigned"] * 100)
    r.vtn.queue.append(r.event())
    with caplog.at_level(logging.DEBUG, logger="custom_components.openadr_ven"):
        await r.h.advance(5 * POLL * DRIFT)
    polls = r.vtn.kinds(seen)
    # One drain poll after the first ignored reply, then the normal pace: no burst.
    assert set(polls) == {"Poll"}
    assert 5 <= len(polls) <= 6, polls
    assert r.h.ven.snapshot.events == ()
    assert r.vtn.sent(CreatedEvent) == []
    ignored = [rec for rec in caplog.records if ours(rec) and "Ignoring an unreadable" in rec.getMessage()]
    assert [rec.levelno for rec in ignored] == [logging.WARNING] + [logging.DEBUG] * (len(ignored) - 1)
    assert len(ignored) == len(polls)


async def test_unsigned_registration_is_not_accepted(rig: Callable[..., Any]) -> None:
    r = await rig(tamper=["unsigned"])
    snapshot = r.h.ven.snapshot
    assert snapshot.registration is None  # not acted on
    assert snapshot.connection.last_error_kind is ErrorKind.SIGNATURE
    assert r.vtn.kinds() == ["CreatePartyRegistration"]
    await r.h.advance(60)
    assert r.vtn.kinds() == ["CreatePartyRegistration"]  # retried later, not in a loop
    await r.h.advance(4 * 60 - 1)
    assert r.vtn.kinds() == ["CreatePartyRegistration"]
    await r.h.advance(2)  # REGISTRATION_RETRY (5 min) after the ignored answer
    assert r.vtn.kinds() == ["CreatePartyRegistration"] * 2 + ["RegisterReport", "RequestEvent"]
    assert r.h.ven.snapshot.registration is not None  # the signed answer is accepted
    assert r.h.ven.snapshot.connection.last_error_kind is None


async def test_connection_test_reports_an_unsigned_answer(rig: Callable[..., Any]) -> None:
    """oadrQueryRegistration (the config flow's test) raises the verification error itself."""
    r = await rig()
    r.vtn.tamper.append("unsigned")
    with pytest.raises(SignatureError, match="not signed"):
        await r.h.ven.query_registration()
    assert r.h.ven.engine.connection.last_error_kind is ErrorKind.SIGNATURE
    reply = await r.h.ven.query_registration()  # signed: fine
    assert reply.vtn_id == "VTN_1"
