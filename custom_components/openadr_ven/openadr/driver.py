"""The async driver: one loop around the sans-I/O :class:`~.engine.VenEngine`.

It asks the engine what to send, encodes it (:func:`.payloads.build`, signed when configured),
POSTs it through the transport, decodes the reply and hands it back; it samples the meter,
fetches meter history, saves the engine state after each change, publishes snapshots and
notifications, and sleeps on the clock until the engine's next timer or a user command.
One exchange at a time (a lock), one task (``run``), bounded state.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from .clock import Clock, SystemClock
from .config import VenConfig
from .engine import MeterSource, Outgoing, VenEngine
from .engine.codec import CodecError
from .enums import OptReason, OptType, Service
from .errors import (
    CertificateRejectedError,
    FingerprintMismatchError,
    HTTPStatusError,
    NotRegisteredError,
    OpenADRError,
    PayloadError,
    SecurityError,
    TLSError,
    TransportError,
    UnexpectedPayloadError,
    VTNResponseError,
    VTNTimeoutError,
)
from .models import (
    Availability,
    CanceledPartyRegistration,
    CreatedPartyRegistration,
    IncomingMessage,
    OutgoingMessage,
)
from .state import ErrorKind, EventView, Notification, RegistrationState, VenSnapshot
from .storage import Storage
from .transport import Backoff

_LOGGER = logging.getLogger(__name__)

MAX_SLEEP = 3600.0  # seconds; the loop re-evaluates at least hourly
SAMPLE_SAVE_INTERVAL = timedelta(minutes=15)  # newer telemetry samples alone are saved this often


class TransportLike(Protocol):
    async def send(self, service: Service, payload: bytes) -> bytes: ...  # pragma: no cover - Protocol stub


class Signer(Protocol):
    def sign(self, root: Any) -> bytes: ...  # pragma: no cover - Protocol stub


class Verifier(Protocol):
    def verify(self, data: bytes) -> Any: ...  # pragma: no cover - Protocol stub


Encoder = Callable[[OutgoingMessage, datetime], bytes]
Decoder = Callable[[bytes], Any]


def _default_codec(signer: Signer | None, verifier: Verifier | None) -> tuple[Encoder, Decoder]:
    from . import payloads  # noqa: PLC0415 - keeps lxml out of imports that only need the engine

    def encode(message: OutgoingMessage, now: datetime) -> bytes:
        if signer is not None:
            return signer.sign(payloads.build_element(message, now=now))
        return payloads.build(message, now=now)

    def decode(data: bytes) -> Any:
        if verifier is not None:
            return payloads.parse_element(verifier.verify(data))  # R514: unsigned/invalid -> error
        return payloads.parse(data)

    return encode, decode


class VenClient:
    """The VEN as the Home Assistant layer (or any asyncio host) uses it."""

    def __init__(
        self,
        config: VenConfig,
        transport: TransportLike,
        storage: Storage,
        *,
        clock: Clock | None = None,
        meter: MeterSource | None = None,
        rng: random.Random | None = None,
        signer: Signer | None = None,
        verifier: Verifier | None = None,
        encode: Encoder | None = None,
        decode: Decoder | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self._config = config
        self._transport = transport
        self._storage = storage
        self._clock: Clock = clock or SystemClock()
        self._meter = meter
        self._rng = rng = rng or random.Random()
        self._engine = VenEngine(config, rng=rng, has_history=bool(meter and meter.has_history))
        default_encode, default_decode = _default_codec(signer, verifier)
        self._encode = encode or default_encode
        self._decode = decode or default_decode
        self._backoff = backoff or Backoff(rng=rng)
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._stopping = False
        self._run_task: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[VenSnapshot], None]] = []
        self._note_listeners: list[Callable[[Notification], None]] = []
        self._snapshot = self._engine.snapshot(self._clock.now())
        self._saved_revision: int | None = None  # engine.revision when the state was last saved
        self._saved_sample_at: datetime | None = None  # the newest sample in that save
        self._saved_at: datetime | None = None
        self._offline_logged = False
        self._retry_at: datetime | None = None

    # ------------------------------------------------------------------ observation

    @property
    def engine(self) -> VenEngine:
        """The state machine (read-only use: diagnostics, tests)."""
        return self._engine

    @property
    def snapshot(self) -> VenSnapshot:
        return self._snapshot

    def add_listener(self, cb: Callable[[VenSnapshot], None]) -> Callable[[], None]:
        self._listeners.append(cb)
        return lambda: self._listeners.remove(cb) if cb in self._listeners else None

    def add_notification_listener(self, cb: Callable[[Notification], None]) -> Callable[[], None]:
        self._note_listeners.append(cb)
        return lambda: self._note_listeners.remove(cb) if cb in self._note_listeners else None

    # ------------------------------------------------------------------ lifecycle

    async def load(self) -> None:
        """Restore the engine from storage (no network)."""
        data = await self._storage.load()
        if data:
            try:
                self._engine.load_dict(data)
                self._saved_revision = self._engine.revision  # what storage holds
                self._saved_sample_at = self._engine.last_sample_at
                self._saved_at = self._clock.now()
            except (CodecError, KeyError, TypeError, ValueError) as err:
                _LOGGER.warning("Stored VEN state unreadable, starting fresh: %s", err)
                self._engine = VenEngine(self._config, rng=self._rng, has_history=self._engine.has_history)
        self._publish(self._clock.now())

    async def run(self) -> None:
        """Register if needed, poll, answer, report; until cancelled or :meth:`stop`."""
        self._stopping = False
        self._run_task = asyncio.current_task()
        # Pauses after unexpected errors: 2 s, 4 s, ... up to MAX_SLEEP (separate from the VTN back-off).
        pause = Backoff(initial=2.0, cap=MAX_SLEEP, jitter=0.0)
        try:
            while not self._stopping:
                try:
                    await self._step()
                    pause.reset()
                except Exception:
                    # A bug must not end the VEN silently: keep events executing and retry after a
                    # back-off pause; the traceback is logged once per run of failures.
                    delay = pause.next_delay()
                    if pause.attempts == 1:
                        _LOGGER.exception("Unexpected error in the VEN loop; retrying in %.0f s", delay)
                    else:
                        _LOGGER.debug("VEN loop failed again (%d in a row)", pause.attempts, exc_info=True)
                    await self._sleep(delay)
        finally:
            self._run_task = None
            await self._save_all()

    async def stop(self) -> None:
        """Make :meth:`run` return (after an exchange in flight) and wait for it."""
        self._stopping = True
        self._wake.set()
        task = self._run_task
        if task is not None and task is not asyncio.current_task():
            await asyncio.shield(asyncio.wait({task}))

    async def _step(self) -> None:
        now = self._clock.now()
        self._sample(now)
        self._engine.tick(now)
        await self._fetch_history(now)
        out = self._engine.next_message(now)
        if out is not None and (self._retry_at is None or now >= self._retry_at):
            if await self._deliver(out):
                self._retry_at = None
            else:
                # §9.1.7 truncated exponential back-off; timers keep running meanwhile.
                backoff = timedelta(seconds=self._backoff.next_delay())
                self._retry_at = self._clock.now() + backoff
            await self._after_change()
            return
        await self._after_change()
        times = [t for t in (self._engine.next_wakeup(now), self._retry_at if out else None) if t is not None]
        seconds = min((t - now).total_seconds() for t in times) if times else MAX_SLEEP
        await self._sleep(min(max(seconds, 0.0), MAX_SLEEP))

    async def _sleep(self, seconds: float) -> None:
        if self._wake.is_set():
            self._wake.clear()
            return
        sleeper = asyncio.ensure_future(self._clock.sleep(seconds))
        waiter = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waiter.cancel()
            await asyncio.gather(sleeper, waiter, return_exceptions=True)
        self._wake.clear()

    def _sample(self, now: datetime) -> None:
        if self._meter is None or self._engine.registration is None:
            return
        try:
            power, energy = self._meter.power_w(), self._meter.energy_wh()
        except Exception:  # a broken meter must not stop the VEN
            _LOGGER.exception("Meter read failed")
            power = energy = None
        self._engine.record_sample(now, power, energy)

    async def _fetch_history(self, now: datetime) -> None:
        for rid, start, end, step in self._engine.history_queries(now):
            points: list[tuple[datetime, float]] = []
            if self._meter is not None:
                try:
                    points = await self._meter.energy_history(start, end, step)
                except Exception:
                    _LOGGER.exception("Meter history failed; reporting a placeholder (R318)")
            self._engine.history_ready(rid, points, self._clock.now())

    # ------------------------------------------------------------------ exchanges

    async def _deliver(self, out: Outgoing) -> bool:
        """One exchange for the loop: errors are recorded, never raised. True when delivered."""
        try:
            await self._exchange(out)
        except TransportError:
            return False
        return True

    async def _exchange(self, out: Outgoing, *, command: bool = False) -> IncomingMessage | None:
        """POST ``out`` and feed the reply to the engine; returns the reply (None if unreadable).

        Raises :class:`TransportError` after recording it in the engine; for a ``command`` (the
        user waits for the answer) an unreadable or unverifiable reply raises its error too.
        """
        async with self._lock:
            now = self._clock.now()
            payload = self._encode(out.message, now)
            refused: PayloadError | None = None
            try:
                raw = await self._transport.send(out.service, payload)
            except TransportError as err:
                self._engine.on_failure(
                    out, str(err), retryable=err.retryable, now=self._clock.now(), kind=error_kind(err)
                )
                if not self._offline_logged:
                    _LOGGER.warning("VTN unreachable: %s", err)
                    self._offline_logged = True
                raise
            except PayloadError as err:
                # The VTN answered, but too much to read (HostileInputError from the size cap):
                # it is reachable and got our message; the answer is treated as unreadable.
                raw, refused = b"", err
            now = self._clock.now()
            self._backoff.reset()
            if self._offline_logged:
                _LOGGER.info("VTN reachable again")
                self._offline_logged = False
            try:
                if refused is not None:
                    raise refused
                reply = self._decode(raw)
            except (PayloadError, SecurityError) as err:
                # R514: ignore an unverifiable reply.
                self._engine.on_undecodable(out, str(err), now, error_kind(err) or ErrorKind.PAYLOAD)
                if command:
                    raise
                return None
            self._engine.on_reply(out, reply, now)
            return reply  # type: ignore[no-any-return]

    async def _save_all(self) -> None:
        """Save everything, telemetry samples included, as the loop ends (stop, unload, the host
        shutting down): the readings since the last save feed reports still owed (R510)."""
        await self._save(self._clock.now())

    async def _after_change(self) -> None:
        """Save when the persisted state changed (or samples are due), then publish.

        ``engine.revision`` tells whether anything but the samples changed since the last save,
        without serializing the state: an idle poll costs no encoding and no storage write.
        """
        now = self._clock.now()
        if self._engine.revision != self._saved_revision or self._samples_due(now):
            await self._save(now)
        self._publish(now)

    def _samples_due(self, now: datetime) -> bool:
        """Newer samples alone wait ``SAMPLE_SAVE_INTERVAL``: they change every minute, and a crash
        loses at most that much telemetry (a clean stop saves everything, :meth:`_save_all`)."""
        newest = self._engine.last_sample_at
        if newest is None or newest == self._saved_sample_at:
            return False
        return self._saved_at is None or now - self._saved_at >= SAMPLE_SAVE_INTERVAL

    async def _save(self, now: datetime) -> None:
        revision = self._engine.revision  # read before the await: later changes save again
        newest = self._engine.last_sample_at
        data = self._engine.to_dict()
        try:
            await self._storage.save(data)
        except Exception:
            _LOGGER.exception("Saving VEN state failed")
            return
        self._saved_revision, self._saved_sample_at, self._saved_at = revision, newest, now

    def _publish(self, now: datetime) -> None:
        # Bring event status up to ``now`` first, so the notifications (event started/ended) and the
        # snapshot describe the same instant even when an exchange took the clock past a boundary.
        self._engine.tick(now)
        for note in self._engine.take_notifications():
            for note_cb in list(self._note_listeners):
                try:
                    note_cb(note)
                except Exception:
                    _LOGGER.exception("Notification listener failed")
        snapshot = self._engine.snapshot(now)
        if snapshot == self._snapshot:
            return
        self._snapshot = snapshot
        for cb in list(self._listeners):
            try:
                cb(snapshot)
            except Exception:
                _LOGGER.exception("Snapshot listener failed")

    # ------------------------------------------------------------------ commands

    async def query_registration(self) -> CreatedPartyRegistration:
        """oadrQueryRegistration (connection test, N1_0010). Raises typed errors."""
        reply = await self._exchange(self._engine.query_message(), command=True)
        if not isinstance(reply, CreatedPartyRegistration):
            raise UnexpectedPayloadError(f"expected oadrCreatedPartyRegistration, got {type(reply).__name__}")
        if not reply.response.ok:
            raise VTNResponseError(reply.response.code, reply.response.description)
        return reply

    async def register(self) -> RegistrationState:
        """Register now: a new registration, or a VEN-initiated re-registration (N1_0065)."""
        self._engine.allow_registration()
        out = self._engine.registration_message(reregister=self._engine.registration is not None)
        try:
            reply = await self._exchange(out, command=True)
        finally:
            await self._after_change()
        if not isinstance(reply, CreatedPartyRegistration):
            raise UnexpectedPayloadError("expected oadrCreatedPartyRegistration")
        if not reply.response.ok or self._engine.registration is None:
            raise VTNResponseError(reply.response.code, reply.response.description)
        self._wake.set()  # the loop sends METADATA and oadrRequestEvent next (R405)
        return self._engine.registration

    async def cancel_registration(self) -> None:
        """VEN-initiated cancellation (entry removed). Local state is erased whatever the VTN says."""
        try:
            out = self._engine.cancel_message()
        except NotRegisteredError:
            self._engine.erase(self._clock.now())
            await self._after_change()
            return
        try:
            reply = await self._exchange(out)
        finally:
            self._engine.erase(self._clock.now())
            await self._after_change()
        if isinstance(reply, CanceledPartyRegistration) and not reply.response.ok:
            raise VTNResponseError(reply.response.code, reply.response.description)

    async def opt(self, opt_type: OptType, event_id: str | None = None) -> EventView:
        """Opt in/out of an event (default: the active one, else the next one)."""
        result = self._engine.opt(opt_type, event_id, self._clock.now())
        await self._command_done()
        return result

    async def set_availability(
        self,
        windows: Sequence[Availability],
        opt_type: OptType = OptType.OPT_OUT,
        reason: OptReason = OptReason.X_SCHEDULE,
    ) -> str:
        """Send an availability schedule (oadrCreateOpt with vavailability); returns its optID."""
        opt_id = self._engine.set_availability(windows, opt_type, reason, self._clock.now())
        await self._command_done()
        return opt_id

    async def clear_availability(self, opt_id: str | None = None) -> None:
        """oadrCancelOpt for one schedule, or all of them (None)."""
        self._engine.clear_availability(opt_id)
        await self._command_done()

    async def request_events(self) -> None:
        self._engine.request_events()
        await self._command_done()

    async def poll_now(self) -> None:
        self._engine.poll_now(self._clock.now())
        self._retry_at = None  # an explicit request skips the remaining back-off
        await self._command_done()

    async def _command_done(self) -> None:
        await self._after_change()
        self._wake.set()


def error_kind(err: OpenADRError) -> ErrorKind | None:
    """The kind of an error, for ``ConnectionState.last_error_kind`` (most specific class first)."""
    if isinstance(err, CertificateRejectedError):
        return ErrorKind.CERTIFICATE_REJECTED
    if isinstance(err, FingerprintMismatchError):
        return ErrorKind.FINGERPRINT_MISMATCH
    if isinstance(err, TLSError):
        return ErrorKind.TLS
    if isinstance(err, VTNTimeoutError):
        return ErrorKind.TIMEOUT
    if isinstance(err, HTTPStatusError):
        # R517: a VTN answers 403 when TLS client authentication failed.
        return ErrorKind.CERTIFICATE_REJECTED if err.status == 403 else ErrorKind.HTTP
    if isinstance(err, TransportError):
        return ErrorKind.CONNECTION
    if isinstance(err, VTNResponseError):
        return ErrorKind.VTN
    if isinstance(err, SecurityError):
        return ErrorKind.SIGNATURE
    if isinstance(err, PayloadError):
        return ErrorKind.PAYLOAD
    return None
