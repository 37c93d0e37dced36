"""A small demo VTN (the utility's server) for trying the integration and for end-to-end tests.

Built on openleadr's ``OpenADRServer`` (a test/development dependency, never a runtime one).
It runs a tiny demand-response program for every VEN that registers:

* a ``SIMPLE`` event (signal type ``level``) stepping through levels 1, 2 and 3, starting
  ``--simple-delay`` seconds after the VEN registered, each level lasting ``--simple-interval``;
* an ``ELECTRICITY_PRICE`` event (signal type ``price``) with hourly prices for ``--price-hours``
  hours from the start of the current hour (``--price-hours 0`` leaves it out);
* a ``TELEMETRY_USAGE`` report request for every power/energy data point the VEN offers
  (``on_register_report`` answers with a callback), every ``--report-interval`` seconds.

Everything it receives is printed to stdout and appended, one JSON object a line, to ``--log``:
``{"ts": ..., "kind": "ready" | "registered" | "event_added" | "event_delivered" | "opt" |
"opt_schedule" | "report_registered" | "report" | "query_registration" | "cancel_registration", ...}``.
The first line is ``{"kind": "ready", "port": N, "url": ...}``: with ``--port 0`` that is how a
caller learns the port.

With ``--cert/--key/--ca-file`` it serves HTTPS and requires a client certificate issued by that
CA; ``--ven-fingerprint`` is the VEN certificate's fingerprint the utility was given out of band:
a registration from another certificate is refused, and openleadr checks every later message
against it (``ven_lookup``), as a real VTN would.

usage: python tools/demo_vtn.py [--port 0] [--log vtn.jsonl] [--simple-delay 60] ...
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from openleadr import OpenADRServer
from openleadr.service import OptService, VTNService
from openleadr.service.decorators import handler

VTN_ID = "DEMO-VTN"
MARKET_CONTEXT = "http://demo.openadr-ven.invalid/programs/residential-dr"
# A day of residential time-of-use prices (currency units per kWh), one per hour from midnight UTC.
HOURLY_PRICES = (
    0.18, 0.17, 0.16, 0.16, 0.16, 0.17, 0.21, 0.27, 0.29, 0.26, 0.23, 0.21,
    0.20, 0.20, 0.21, 0.24, 0.30, 0.38, 0.42, 0.40, 0.33, 0.27, 0.22, 0.19,
)  # fmt: skip
POWER_OR_ENERGY = ("power", "energy", "watt", "wh")


@dataclass(frozen=True, slots=True)
class ProgramConfig:
    simple_delay: timedelta = timedelta(seconds=60)
    simple_interval: timedelta = timedelta(seconds=60)
    simple_levels: tuple[int, ...] = (1, 2, 3)
    price_hours: int = 24
    report_interval: timedelta = timedelta(seconds=60)
    market_context: str = MARKET_CONTEXT


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


class EventLog:
    """Appends one JSON object a line (flushed at once, so a test can tail it) and echoes it."""

    def __init__(self, path: Path | None, echo: TextIO | None = sys.stdout) -> None:
        self._file = path.open("a", encoding="utf-8", buffering=1) if path else None
        self._echo = echo

    def write(self, kind: str, **fields: Any) -> None:
        record = {"ts": _iso(datetime.now(UTC)), "kind": kind, **_jsonable(fields)}
        line = json.dumps(record, sort_keys=False)
        if self._file:
            self._file.write(line + "\n")
        if self._echo:
            details = " ".join(f"{k}={v}" for k, v in record.items() if k not in ("ts", "kind"))
            print(f"[demo-vtn] {record['ts']} {kind:<18} {details}", file=self._echo, flush=True)

    def close(self) -> None:
        if self._file:
            self._file.close()


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """PEM files of the VTN's certificate and key, and of the CA its VENs' certificates come from."""

    cert: Path
    key: Path
    ca_file: Path


@dataclass
class _Ven:
    ven_id: str
    ven_name: str
    registration_id: str
    fingerprint: str | None = None
    program_sent: bool = False
    event_ids: list[str] = field(default_factory=list)


class _DemoOptService(OptService):  # type: ignore[misc]
    """openleadr's opt service is a stub (its handlers return nothing): answer and log here."""

    def __init__(self, vtn_id: str, log: EventLog) -> None:
        self._log = log
        super().__init__(vtn_id)

    @handler("oadrCreateOpt")  # type: ignore[misc]
    async def create_opt(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        self._log.write(
            "opt_schedule",
            ven_id=payload.get("ven_id"),
            opt_id=payload.get("opt_id"),
            opt_type=payload.get("opt_type"),
            opt_reason=payload.get("opt_reason"),
            event_id=(payload.get("qualified_event_id") or {}).get("event_id"),
            availability=payload.get("vavailability"),
        )
        return "oadrCreatedOpt", {"opt_id": payload.get("opt_id")}

    @handler("oadrCancelOpt")  # type: ignore[misc]
    async def cancel_opt(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        self._log.write("opt_schedule_cancelled", ven_id=payload.get("ven_id"), opt_id=payload.get("opt_id"))
        return "oadrCanceledOpt", {"opt_id": payload.get("opt_id")}


class DemoVtn:
    """The demo program around one ``OpenADRServer``; ``start()`` / ``stop()`` in a running loop."""

    def __init__(
        self,
        log: EventLog,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        program: ProgramConfig | None = None,
        poll_interval: timedelta = timedelta(seconds=5),
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        tls: TlsFiles | None = None,
        ven_fingerprint: str | None = None,
    ) -> None:
        self.log = log
        self.program = program or ProgramConfig()
        self._now = now
        self._vens: dict[str, _Ven] = {}
        self.tls = tls
        self.ven_fingerprint = ven_fingerprint.upper() if ven_fingerprint else None
        self.server = OpenADRServer(
            vtn_id=VTN_ID,
            http_host=host,
            http_port=port,
            requested_poll_freq=poll_interval,
            ven_lookup=self._ven_lookup,
            http_cert=str(tls.cert) if tls else None,
            http_key=str(tls.key) if tls else None,
            http_ca_file=str(tls.ca_file) if tls else None,
            show_fingerprint=False,
            # TLS authenticates both sides; the demo VEN does not sign its XML (optional in 2.0b).
            verify_message_signatures=False,
        )
        # Python 3.14: a functools.partial stored on a class no longer behaves like a plain
        # function there, so openleadr's message factory gets 'cert' twice; make it static.
        factory = VTNService.__dict__.get("_create_message")
        if isinstance(factory, functools.partial):
            VTNService._create_message = staticmethod(factory)
        self.server.add_handler("on_create_party_registration", self._on_create_party_registration)
        self.server.add_handler("on_query_registration", self._on_query_registration)
        self.server.add_handler("on_cancel_party_registration", self._on_cancel_party_registration)
        self.server.add_handler("on_register_report", self._on_register_report)
        opt_service = _DemoOptService(VTN_ID, log)
        self.server.app.router.add_post(f"{self.server.http_path_prefix}/EiOpt", opt_service.handler)
        self.port = port
        self.url = ""

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        await self.server.run()
        addresses = self.server.app_runner.addresses
        self.port = int(addresses[0][1]) if addresses else self.port
        scheme = "https" if self.tls else "http"
        self.url = f"{scheme}://{self.server.http_host}:{self.port}"
        self.log.write(
            "ready", port=self.port, url=self.url, vtn_id=VTN_ID, ven_fingerprint=self.ven_fingerprint
        )

    async def stop(self) -> None:
        await self.server.stop()

    # -- registration ----------------------------------------------------------------------
    def _ven_lookup(self, ven_id: str) -> dict[str, Any] | None:
        ven = self._vens.get(ven_id)
        if ven is None:
            return None
        return {
            "ven_id": ven.ven_id,
            "ven_name": ven.ven_name,
            "fingerprint": self.ven_fingerprint or ven.fingerprint,
            "registration_id": ven.registration_id,
        }

    def _on_create_party_registration(self, info: dict[str, Any]) -> tuple[str, str] | bool:
        ven_name = str(info.get("ven_name") or "ven")
        presented = info.get("fingerprint")
        if self.ven_fingerprint and str(presented or "").upper() != self.ven_fingerprint:
            # Not the certificate the utility was given (openleadr answers 452).
            self.log.write(
                "registration_refused",
                ven_name=ven_name,
                fingerprint=presented,
                expected=self.ven_fingerprint,
            )
            return False
        existing = next((v for v in self._vens.values() if v.ven_name == ven_name), None)
        if existing is None:
            number = len(self._vens) + 1
            existing = _Ven(f"ven-{number:03d}", ven_name, registration_id=f"reg-{number:03d}")
            self._vens[existing.ven_id] = existing
        existing.fingerprint = info.get("fingerprint")
        self.log.write(
            "registered",
            ven_id=existing.ven_id,
            ven_name=ven_name,
            registration_id=existing.registration_id,
            fingerprint=presented,
            profile=info.get("profile_name"),
            transport=info.get("transport_name"),
            http_pull_model=info.get("http_pull_model"),
            xml_signature=info.get("xml_signature"),
            report_only=info.get("report_only"),
        )
        if not existing.program_sent:
            existing.program_sent = True
            self._queue_program(existing)
        return existing.ven_id, existing.registration_id

    def _on_query_registration(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        self.log.write("query_registration", ven_id=payload.get("ven_id"))
        return "oadrCreatedPartyRegistration", {}

    def _on_cancel_party_registration(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        ven_id = payload.get("ven_id")
        self.log.write("cancel_registration", ven_id=ven_id, registration_id=payload.get("registration_id"))
        self._vens.pop(str(ven_id), None)
        return "oadrCanceledPartyRegistration", {"registration_id": payload.get("registration_id")}

    # -- the program -----------------------------------------------------------------------
    def _queue_program(self, ven: _Ven) -> None:
        now = self._now().replace(microsecond=0)
        program = self.program
        start = now + program.simple_delay
        intervals = [
            {"dtstart": start + i * program.simple_interval, "duration": program.simple_interval,
             "signal_payload": float(level)}
            for i, level in enumerate(program.simple_levels)
        ]  # fmt: skip
        self._add_event(ven, "SIMPLE", "level", intervals)
        if program.price_hours > 0:
            hour = now.replace(minute=0, second=0)
            prices = [
                {"dtstart": hour + timedelta(hours=i), "duration": timedelta(hours=1),
                 "signal_payload": HOURLY_PRICES[(hour.hour + i) % 24]}
                for i in range(program.price_hours)
            ]  # fmt: skip
            self._add_event(ven, "ELECTRICITY_PRICE", "price", prices)

    def _add_event(self, ven: _Ven, name: str, signal_type: str, intervals: list[dict[str, Any]]) -> str:
        holder: dict[str, str] = {}

        def delivered() -> None:
            self.log.write("event_delivered", ven_id=ven.ven_id, event_id=holder.get("id"), signal=name)

        event_id: str = self.server.add_event(
            ven_id=ven.ven_id,
            signal_name=name,
            signal_type=signal_type,
            intervals=intervals,
            callback=self._on_opt,
            delivery_callback=delivered,
            market_context=self.program.market_context,
        )
        holder["id"] = event_id
        ven.event_ids.append(event_id)
        self.log.write(
            "event_added",
            ven_id=ven.ven_id,
            event_id=event_id,
            signal=name,
            signal_type=signal_type,
            start=intervals[0]["dtstart"],
            end=intervals[-1]["dtstart"] + intervals[-1]["duration"],
            values=[i["signal_payload"] for i in intervals],
        )
        return event_id

    def _on_opt(self, ven_id: str, event_id: str, opt_type: str) -> None:
        self.log.write("opt", ven_id=ven_id, event_id=event_id, opt_type=opt_type)
        # openleadr forgets an event's callback after the first oadrCreatedEvent; re-arm it so a
        # later change of mind (the user opting out of an event it accepted) is seen too.
        for event in self.server.events.get(ven_id, []):
            if event.event_descriptor.event_id == event_id:
                self.server.event_callbacks[event_id] = (event, self._on_opt)

    # -- reports ---------------------------------------------------------------------------
    def _on_register_report(
        self,
        *,
        ven_id: str,
        resource_id: str | None,
        measurement: str | None,
        unit: str | None,
        scale: str | None,
        min_sampling_interval: timedelta | None,
        max_sampling_interval: timedelta | None,
    ) -> tuple[Callable[[list[tuple[datetime, float]]], None], timedelta, timedelta] | None:
        wanted = measurement is not None and any(w in measurement.lower() for w in POWER_OR_ENERGY)
        interval = self.program.report_interval
        if min_sampling_interval is not None and min_sampling_interval > interval:
            interval = min_sampling_interval
        self.log.write(
            "report_registered",
            ven_id=ven_id,
            resource_id=resource_id,
            measurement=measurement,
            unit=unit,
            scale=scale,
            min_sampling=min_sampling_interval,
            max_sampling=max_sampling_interval,
            requested=wanted,
            interval=interval if wanted else None,
        )
        if not wanted:
            return None

        def on_data(values: list[tuple[datetime, float]]) -> None:
            self.log.write(
                "report",
                ven_id=ven_id,
                resource_id=resource_id,
                measurement=measurement,
                unit=unit,
                scale=scale,
                values=[[ts, value] for ts, value in values],
            )

        return on_data, interval, interval


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 = any free port (see the 'ready' line)")
    parser.add_argument("--log", type=Path, help="JSON-lines file to append what the VTN receives to")
    parser.add_argument("--poll-interval", type=float, default=5.0, help="seconds, requested poll frequency")
    parser.add_argument("--simple-delay", type=float, default=60.0, help="seconds from registration")
    parser.add_argument("--simple-interval", type=float, default=60.0, help="seconds per level")
    parser.add_argument("--price-hours", type=int, default=24, help="hourly prices; 0 = no price event")
    parser.add_argument("--report-interval", type=float, default=60.0, help="seconds")
    parser.add_argument("--cert", type=Path, help="VTN certificate (PEM): serve HTTPS")
    parser.add_argument("--key", type=Path, help="its private key (PEM)")
    parser.add_argument("--ca-file", type=Path, help="CA of the VEN client certificates (PEM)")
    parser.add_argument("--ven-fingerprint", help="the VEN certificate's OpenADR fingerprint (AA:BB:...)")
    parser.add_argument("--verbose", action="store_true", help="keep openleadr's own INFO logging")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    log = EventLog(args.log)
    tls_args = (args.cert, args.key, args.ca_file)
    if any(tls_args) and not all(tls_args):
        raise SystemExit("--cert, --key and --ca-file go together")
    vtn = DemoVtn(
        log,
        host=args.host,
        port=args.port,
        poll_interval=timedelta(seconds=args.poll_interval),
        program=ProgramConfig(
            simple_delay=timedelta(seconds=args.simple_delay),
            simple_interval=timedelta(seconds=args.simple_interval),
            price_hours=args.price_hours,
            report_interval=timedelta(seconds=args.report_interval),
        ),
        tls=TlsFiles(args.cert, args.key, args.ca_file) if all(tls_args) else None,
        ven_fingerprint=args.ven_fingerprint,
    )
    # openleadr sets its own logger to INFO at import; the demo only wants its warnings.
    logging.getLogger("openleadr").setLevel(logging.INFO if args.verbose else logging.ERROR)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await vtn.start()
    try:
        await stop.wait()
    finally:
        await vtn.stop()
        log.write("stopped")
        log.close()


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="[demo-vtn] %(levelname)s %(name)s: %(message)s")
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
