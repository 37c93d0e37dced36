"""openleadr's ``OpenADRServer`` as an interop peer on a free loopback port (test-only).

It records what openleadr's own handlers saw (registrations, event opt callbacks, report data)
and, through an aiohttp middleware, every raw request body (parsed with our parser, for
assertions on what crossed the wire).  Works around the Python 3.14 ``functools.partial``
issue of openleadr 0.5.36 (see openleadr-notes.md).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from openleadr import OpenADRServer
from openleadr.service import VTNService

from custom_components.openadr_ven.openadr import payloads
from custom_components.openadr_ven.openadr.errors import PayloadError

VTN_ID = "OPENLEADR_VTN"
MARKET_CONTEXT = "http://market.example.com/openleadr"


@dataclass
class Registration:
    ven_id: str
    registration_id: str
    ven_name: str
    fingerprint: str | None
    info: dict[str, Any]


@dataclass
class OpenleadrVTN:
    """Start with ``async with``; ``url`` is ``http(s)://127.0.0.1:PORT``."""

    poll_freq: timedelta = timedelta(seconds=10)
    http_cert: Path | None = None  # TLS (with http_key and http_ca_file: client certificates required)
    http_key: Path | None = None
    http_ca_file: Path | None = None
    sign_cert: Path | None = None  # XML signatures on what openleadr sends
    sign_key: Path | None = None
    verify_signatures: bool = False  # openleadr checks signatures of VEN messages (TLS only)
    ven_fingerprint: str | None = None  # what ven_lookup returns for the VEN (TLS pin)
    report_measurements: tuple[str, ...] = ("RealPower",)
    report_sampling: timedelta = timedelta(seconds=60)
    registrations: dict[str, Registration] = field(default_factory=dict)
    opt_callbacks: list[tuple[str, str, str]] = field(default_factory=list)  # (ven_id, event_id, opt)
    report_offers: list[dict[str, Any]] = field(default_factory=list)
    report_data: list[tuple[str, datetime, float]] = field(default_factory=list)  # (measurement, t, v)
    requests: list[tuple[str, bytes, Any]] = field(default_factory=list)  # (path, raw, parsed)
    url: str = ""
    server: Any = None

    async def __aenter__(self) -> OpenleadrVTN:
        logging.getLogger("openleadr").setLevel(logging.WARNING)  # it forces INFO at import
        tls = self.http_cert is not None
        self.server = OpenADRServer(
            vtn_id=VTN_ID,
            http_host="127.0.0.1",
            http_port=0,
            requested_poll_freq=self.poll_freq,
            ven_lookup=self.ven_lookup,
            http_cert=str(self.http_cert) if tls else None,
            http_key=str(self.http_key) if tls else None,
            http_ca_file=str(self.http_ca_file) if tls else None,
            cert=str(self.sign_cert) if self.sign_cert else None,
            key=str(self.sign_key) if self.sign_key else None,
            show_fingerprint=False,
            verify_message_signatures=self.verify_signatures,
        )
        # Python 3.14: a functools.partial stored on a class is no longer made static implicitly.
        factory = VTNService.__dict__.get("_create_message")
        if isinstance(factory, functools.partial):
            VTNService._create_message = staticmethod(factory)
        self.server.add_handler("on_create_party_registration", self.on_create_party_registration)
        self.server.add_handler("on_register_report", self.on_register_report)
        self.server.app.middlewares.append(self._record)
        await self.server.run()
        port = self.server.app_runner.addresses[0][1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.server.stop()

    # ------------------------------------------------------------------ openleadr handlers

    def ven_lookup(self, ven_id: str) -> dict[str, Any] | None:
        reg = self.registrations.get(ven_id)
        if reg is None:
            return None
        return {
            "ven_id": reg.ven_id,
            "ven_name": reg.ven_name,
            "fingerprint": self.ven_fingerprint or reg.fingerprint,
            "registration_id": reg.registration_id,
        }

    def on_create_party_registration(self, info: dict[str, Any]) -> tuple[str, str]:
        number = len(self.registrations) + 1
        reg = Registration(
            ven_id=f"ol-ven-{number}",
            registration_id=f"ol-reg-{number}",
            ven_name=info["ven_name"],
            fingerprint=info.get("fingerprint"),
            info=dict(info),
        )
        self.registrations[reg.ven_id] = reg
        return reg.ven_id, reg.registration_id

    def on_register_report(
        self,
        *,
        ven_id: str,
        resource_id: str,
        measurement: str,
        unit: str,
        scale: str,
        min_sampling_interval: timedelta,
        max_sampling_interval: timedelta,
    ) -> tuple[Callable[[list[tuple[datetime, float]]], None], timedelta] | None:
        self.report_offers.append(
            {"ven_id": ven_id, "resource_id": resource_id, "measurement": measurement, "unit": unit}
        )
        if measurement not in self.report_measurements:
            return None

        def received(data: list[tuple[datetime, float]]) -> None:
            self.report_data.extend((measurement, t, v) for t, v in data)

        return received, self.report_sampling

    # ------------------------------------------------------------------ events

    def add_event(self, ven_id: str, *, level: float, start: datetime, duration: timedelta) -> str:
        """A SIMPLE level event with responseRequired=always; every opt answer is recorded."""
        event_service = self.server.services["event_service"]
        holder: dict[str, Any] = {}

        def callback(ven_id: str, event_id: str, opt_type: str) -> None:
            self.opt_callbacks.append((ven_id, event_id, opt_type))
            # openleadr forgets a callback after the first answer; keep listening for later opts.
            event_service.event_callbacks[event_id] = holder["entry"]

        event_id: str = self.server.add_event(
            ven_id=ven_id,
            signal_name="SIMPLE",
            signal_type="level",
            intervals=[{"dtstart": start, "duration": duration, "signal_payload": level}],
            callback=callback,
            market_context=MARKET_CONTEXT,
            response_required="always",
        )
        holder["entry"] = event_service.event_callbacks[event_id]
        return event_id

    def queue_poll_answer(self, answer: tuple[str, dict[str, Any]]) -> None:
        """Answer the next poll with ``(message type, payload)`` through openleadr's ``on_poll``
        hook (its 'external' polling method), then go back to its internal queue."""
        poll_service = self.server.services["poll_service"]

        def on_poll(ven_id: str) -> tuple[str, dict[str, Any]]:
            poll_service.polling_method = "internal"
            return answer

        poll_service.on_poll = on_poll
        poll_service.polling_method = "external"

    # ------------------------------------------------------------------ recording

    @web.middleware
    async def _record(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        raw = await request.read()
        try:
            parsed: Any = payloads.parse(raw)
        except PayloadError as err:
            parsed = err
        self.requests.append((request.path, raw, parsed))
        return await handler(request)

    def sent(self, kind: type) -> list[Any]:
        return [p for _, _, p in self.requests if isinstance(p, kind)]
