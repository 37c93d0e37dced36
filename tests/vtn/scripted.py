"""A scripted fake VTN: an aiohttp app on 127.0.0.1 serving the five 2.0b Simple HTTP endpoints.

Every request is recorded (raw bytes, headers, the parsed model, XSD violations) and answered
from a script: ``faults`` (what goes wrong next, whatever the message), ``queue`` (what the next
polls return), ``events`` (the answer to oadrRequestEvent), ``responders`` (per message type
overrides), else a well-behaved default VTN answer built with our own payload builders.

    vtn = ScriptedVTN()
    async with vtn:                     # listens on a free loopback port; vtn.url
        vtn.queue.append(distribute)    # the next poll returns it
        vtn.faults.append(Fault.status(503))
        ...
    vtn.sent(CreatedEvent)              # the parsed oadrCreatedEvent messages the VEN sent
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from aiohttp import web
from oadr_xsd import validation_errors

from custom_components.openadr_ven.openadr import payloads
from custom_components.openadr_ven.openadr.enums import ResponseCode, Service
from custom_components.openadr_ven.openadr.errors import PayloadError
from custom_components.openadr_ven.openadr.models import (
    CanceledOpt,
    CanceledPartyRegistration,
    CancelOpt,
    CancelPartyRegistration,
    CancelReport,
    CreatedOpt,
    CreatedPartyRegistration,
    CreateOpt,
    CreatePartyRegistration,
    DistributeEvent,
    Event,
    OadrResponse,
    Poll,
    QueryRegistration,
    RegisteredReport,
    RegisterReport,
    ReportRequest,
    RequestEvent,
    Response,
    UpdatedReport,
    UpdateReport,
)

HOST = "127.0.0.1"
PATH = "/OpenADR2/Simple/2.0b/{service}"
T = TypeVar("T")

Reply = Any  # a model to build, raw bytes, or a Fault
Responder = Callable[[Any], Reply]


@dataclass(frozen=True, slots=True)
class Fault:
    """Something that goes wrong with one request instead of a normal answer."""

    kind: str  # status | hang | reset | close | trickle | raw
    status_code: int = 200
    body: bytes = b""
    seconds: float = 0.0

    @staticmethod
    def status(code: int) -> Fault:
        return Fault("status", status_code=code)

    @staticmethod
    def hang() -> Fault:
        """Read the request, never answer (until the VTN stops)."""
        return Fault("hang")

    @staticmethod
    def reset() -> Fault:
        """Read the request, then a TCP RST (SO_LINGER 0)."""
        return Fault("reset")

    @staticmethod
    def close() -> Fault:
        """Read the request, then close the connection without an answer."""
        return Fault("close")

    @staticmethod
    def trickle(body: bytes, every: float) -> Fault:
        """Answer 200 with ``body`` one byte every ``every`` seconds."""
        return Fault("trickle", body=body, seconds=every)

    @staticmethod
    def raw(body: bytes, status_code: int = 200) -> Fault:
        """Answer ``body`` verbatim (malformed XML, hostile documents, wrong namespaces...)."""
        return Fault("raw", status_code=status_code, body=body)


@dataclass(slots=True)
class Exchange:
    """One request the VEN made and what the VTN did with it."""

    service: str
    raw: bytes
    headers: dict[str, str]
    message: Any  # the parsed model (None when unparseable)
    xsd_errors: list[str]
    parse_error: str | None = None
    reply: Any = None  # the model answered, or the Fault applied
    at: datetime | None = None  # the VEN's clock when the VTN got it (when ``clock`` is set)


@dataclass
class ScriptedVTN:
    """See the module docstring."""

    vtn_id: str = "VTN_1"
    ven_id: str = "VEN_1"
    registration_id: str = "REG_1"
    poll_freq: timedelta | None = timedelta(seconds=10)
    validate: bool = True  # XSD-validate every request (strict=True fails the test at exit)
    exchanges: list[Exchange] = field(default_factory=list)
    queue: deque[Reply] = field(default_factory=deque)
    faults: deque[Fault] = field(default_factory=deque)
    responders: dict[type, Responder] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    piggyback_requests: list[ReportRequest] = field(default_factory=list)  # on oadrRegisteredReport
    piggyback_cancel: CancelReport | None = None  # on the next oadrUpdatedReport (R1_3050)
    forgotten: bool = False  # restarted and lost its database: answers 463 until re-registered
    port: int = 0
    clock: Callable[[], datetime] | None = None  # stamps each Exchange (the harness sets it)
    history: int | None = None  # keep only the last N exchanges (soak runs)
    poll_count: int = 0  # oadrPoll requests received (kept when history is trimmed)
    _runner: web.AppRunner | None = None
    _site: web.TCPSite | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _handlers: set[asyncio.Task[Any]] = field(default_factory=set)

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    async def __aenter__(self) -> ScriptedVTN:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post(PATH, self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        await self.listen()

    async def listen(self) -> None:
        """(Re)open the listening socket on the same port (the VTN comes back)."""
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, HOST, self.port, reuse_address=True)
        await self._site.start()
        if not self.port:
            self.port = self._runner.addresses[0][1]

    async def go_down(self) -> None:
        """Stop listening and drop open (keep-alive) connections: refused until :meth:`listen`."""
        if self._site is not None:
            await self._site.stop()
            self._site = None
        server = self._runner.server if self._runner is not None else None
        for handler in server.connections if server is not None else []:
            handler.force_close()
            if handler.transport is not None:
                handler.transport.close()

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ inspection

    def server_connections(self) -> list[Any]:
        """Open server-side connections (keep-alive included)."""
        return self._runner.server.connections if self._runner and self._runner.server else []

    def messages(self) -> list[Any]:
        return [x.message for x in self.exchanges]

    def sent(self, kind: type[T]) -> list[T]:
        """Every parsed message of type ``kind`` the VEN sent, in order."""
        return [x.message for x in self.exchanges if isinstance(x.message, kind)]

    def kinds(self, start: int = 0) -> list[str]:
        """Message type names of the requests from index ``start`` on (Fault-free or not)."""
        return [type(x.message).__name__ for x in self.exchanges[start:]]

    def invalid(self) -> list[tuple[str, list[str]]]:
        """(message type, XSD violations) of every request that was not valid 2.0b."""
        return [(type(x.message).__name__, x.xsd_errors) for x in self.exchanges if x.xsd_errors]

    # ------------------------------------------------------------------ serving

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        service = request.match_info["service"]
        try:
            message: Any = payloads.parse(raw)
            error = None
        except PayloadError as err:
            message, error = None, str(err)
        errors = validation_errors(raw) if self.validate and error is None else []
        at = self.clock() if self.clock else None
        if service == Service.OADR_POLL.value:
            self.poll_count += 1
        exchange = Exchange(service, raw, dict(request.headers), message, errors, error, at=at)
        self.exchanges.append(exchange)
        if self.history is not None and len(self.exchanges) > self.history:
            del self.exchanges[: len(self.exchanges) - self.history]
        if service not in {s.value for s in Service} or request.content_type != "application/xml":
            return web.Response(status=400)
        if self.faults:
            fault = self.faults.popleft()
            exchange.reply = fault
            return await self._fault(request, fault)
        reply = self.answer(message)
        if isinstance(reply, Fault):
            exchange.reply = reply
            return await self._fault(request, reply)
        exchange.reply = reply
        body = reply if isinstance(reply, bytes) else payloads.build(reply)
        return web.Response(body=body, content_type="application/xml")

    async def _fault(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        match fault.kind:
            case "status":
                return web.Response(status=fault.status_code)
            case "raw":
                return web.Response(body=fault.body, status=fault.status_code, content_type="application/xml")
            case "hang":
                await self._release.wait()
                return web.Response(status=503)
            case "reset" | "close":
                transport = request.transport
                assert transport is not None
                if fault.kind == "reset":
                    sock = transport.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                transport.close()
                return web.Response(status=500)  # never reaches the closed connection
            case "trickle":
                response = web.StreamResponse(headers={"Content-Type": "application/xml"})
                response.content_length = len(fault.body)
                await response.prepare(request)
                for i in range(len(fault.body)):
                    await response.write(fault.body[i : i + 1])
                    try:
                        await asyncio.wait_for(self._release.wait(), fault.seconds)
                        break
                    except TimeoutError:
                        continue
                return response
        raise AssertionError(fault)

    # ------------------------------------------------------------------ the default VTN

    def ok(self, request_id: str | None = "") -> Response:
        return Response(200, "OK", request_id)

    def created_registration(self, request_id: str | None) -> CreatedPartyRegistration:
        return CreatedPartyRegistration(
            response=self.ok(request_id),
            vtn_id=self.vtn_id,
            registration_id=self.registration_id,
            ven_id=self.ven_id,
            poll_freq=self.poll_freq,
        )

    def distribute(self, *events: Event, request_id: str = "dist-1") -> DistributeEvent:
        return DistributeEvent(request_id=request_id, vtn_id=self.vtn_id, events=events, response=self.ok())

    def answer(self, message: Any) -> Reply:
        """What a conformant VTN answers to ``message`` (after ``responders``)."""
        for kind, responder in self.responders.items():
            if isinstance(message, kind):
                return responder(message)
        if self.forgotten and not isinstance(message, CreatePartyRegistration | QueryRegistration):
            return OadrResponse(Response(ResponseCode.NOT_REGISTERED_OR_AUTHORIZED, "unknown VEN", ""), None)
        match message:
            case CreatePartyRegistration():
                self.forgotten = False
                return self.created_registration(message.request_id)
            case QueryRegistration():
                return CreatedPartyRegistration(
                    self.ok(message.request_id), self.vtn_id, poll_freq=self.poll_freq
                )
            case CancelPartyRegistration():
                return CanceledPartyRegistration(
                    self.ok(message.request_id), message.registration_id, message.ven_id
                )
            case Poll():
                return self.queue.popleft() if self.queue else OadrResponse(self.ok(), self.ven_id)
            case RequestEvent():
                return self.distribute(*self.events)
            case RegisterReport():
                requests = tuple(self.piggyback_requests)
                self.piggyback_requests.clear()
                return RegisteredReport(self.ok(message.request_id), requests, self.ven_id)
            case UpdateReport():
                cancel, self.piggyback_cancel = self.piggyback_cancel, None
                return UpdatedReport(self.ok(message.request_id), cancel, self.ven_id)
            case CreateOpt():
                return CreatedOpt(self.ok(message.request_id), message.opt_id)
            case CancelOpt():
                return CanceledOpt(self.ok(message.request_id), message.opt_id)
        return OadrResponse(self.ok(), self.ven_id)
