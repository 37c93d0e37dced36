"""Shared pieces of the benchmark: the timing harness, the test messages and a throwaway certificate.

Every message exists twice with the same content: as our models (for ``payloads.build``) and as the
keyword arguments openleadr's ``create_message`` takes.  The oadrDistributeEvent documents that both
parsers read are produced by openleadr's ``create_message`` (what its VTN sends), so the parse
comparison runs on identical bytes.
"""

from __future__ import annotations

import gc
import logging
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from custom_components.openadr_ven.openadr.enums import OptType, ReportName
from custom_components.openadr_ven.openadr.models import (
    CreatedEvent,
    EventResponse,
    ReportData,
    ReportInterval,
    Response,
    UpdateReport,
)

logging.getLogger("openleadr").setLevel(logging.ERROR)  # it logs a warning on every distribute

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
VEN_ID = "ven-bench"
VTN_ID = "vtn-bench"
MARKET = "http://market.example.com/dr"

# (events, intervals per event) of the three oadrDistributeEvent documents.
DISTRIBUTE_SIZES: tuple[tuple[int, int], ...] = ((1, 4), (10, 24), (100, 96))


# --------------------------------------------------------------------------------------------
# Timing


@dataclass(frozen=True, slots=True)
class Timing:
    """Median figures of ``repeats`` repetitions of ``number`` calls each."""

    seconds: float  # wall time per call (perf_counter), median of the repetitions
    cpu_seconds: float  # process CPU time per call (process_time), median of the repetitions
    repeats: int
    number: int

    @property
    def per_second(self) -> float:
        """Calls per CPU second: the primary figure (wall time suffers when other processes share CPUs)."""
        return 1.0 / self.cpu_seconds if self.cpu_seconds > 0 else float("inf")

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "per_second": self.per_second}


@dataclass(frozen=True, slots=True)
class Budget:
    """How hard to measure: ``--quick`` is for the smoke test (a handful of calls, figures meaningless)."""

    repeats: int = 7
    warmup: int = 3
    min_time: float = 0.25  # seconds per repetition, used to pick ``number``
    max_number: int = 10_000

    @classmethod
    def quick(cls) -> Budget:
        return cls(repeats=2, warmup=1, min_time=0.0, max_number=2)


def measure(
    fn: Callable[[Any], object],
    budget: Budget,
    *,
    inputs: Callable[[int], Sequence[Any]] | None = None,
) -> Timing:
    """Time ``fn(x)``: warm-up, then ``budget.repeats`` repetitions; the median per call.

    ``inputs(n)`` (untimed, before each repetition) makes ``n`` fresh arguments, for operations that
    cannot run twice on the same input (verifying a signature spends its nonce); without it ``fn``
    gets ``None``.  The garbage collector stays on: it is part of the real cost.
    """

    def make(n: int) -> Sequence[Any]:
        return inputs(n) if inputs is not None else [None] * n

    # The first call warms up and calibrates: enough calls per repetition to last about ``min_time``.
    # Calls slower than a second (openleadr on 3.5 MB) get no more warm-up and three repetitions.
    once = _time_one(fn, make(1)[0])
    repeats = budget.repeats
    if once < 1.0:
        for x in make(max(0, budget.warmup - 1)):
            fn(x)
        once = _time_one(fn, make(1)[0])
    else:
        repeats = min(repeats, 3)
    number = max(1, min(budget.max_number, int(budget.min_time / max(once, 1e-7))))
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(repeats):
        args = make(number)
        gc.collect()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for x in args:
            fn(x)
        walls.append((time.perf_counter() - wall0) / number)
        cpus.append((time.process_time() - cpu0) / number)
    return Timing(statistics.median(walls), statistics.median(cpus), repeats, number)


def _time_one(fn: Callable[[Any], object], x: Any) -> float:
    start = time.perf_counter()
    fn(x)
    return time.perf_counter() - start


# --------------------------------------------------------------------------------------------
# oadrDistributeEvent (VTN -> VEN), produced by openleadr


def openleadr_event(index: int, n_intervals: int) -> Any:
    from openleadr import objects  # noqa: PLC0415 - openleadr is test-only; imported on use

    step = timedelta(minutes=15)
    start = T0 + timedelta(days=1)
    return objects.Event(
        event_descriptor=objects.EventDescriptor(
            event_id=f"event-{index}",
            modification_number=0,
            market_context=MARKET,
            event_status="far",
            created_date_time=T0,
            priority=1,
            test_event=False,
        ),
        active_period=objects.ActivePeriod(dtstart=start, duration=step * n_intervals),
        event_signals=[
            objects.EventSignal(
                intervals=[
                    objects.Interval(dtstart=start + step * k, duration=step, signal_payload=float(k % 4))
                    for k in range(n_intervals)
                ],
                signal_name="SIMPLE",
                signal_type="level",
                signal_id=f"signal-{index}",
                current_value=0,
            )
        ],
        targets=[objects.Target(ven_id=VEN_ID)],
        response_required="always",
    )


def distribute_event_bytes(n_events: int, n_intervals: int) -> bytes:
    """An oadrDistributeEvent as openleadr's VTN would send it (unsigned)."""
    return distribute_event_text(n_events, n_intervals).encode()


def distribute_event_text(n_events: int, n_intervals: int, **signing: Any) -> str:
    from openleadr.messaging import create_message  # noqa: PLC0415

    return str(
        create_message(
            "oadrDistributeEvent",
            request_id="req-distribute",
            vtn_id=VTN_ID,
            response={"response_code": 200, "response_description": "OK", "request_id": "req-distribute"},
            events=[openleadr_event(i, n_intervals) for i in range(n_events)],
            **signing,
        )
    )


# --------------------------------------------------------------------------------------------
# oadrCreatedEvent and oadrUpdateReport (VEN -> VTN), the same content for both libraries


def ours_created_event() -> CreatedEvent:
    return CreatedEvent(
        ven_id=VEN_ID,
        event_responses=(EventResponse("event-0", 0, OptType.OPT_IN, 200, "OK", "req-distribute"),),
        response=Response(200, "OK", None),
    )


def openleadr_created_event() -> dict[str, Any]:
    return {
        "ven_id": VEN_ID,
        "response": {"response_code": 200, "response_description": "OK", "request_id": None},
        "event_responses": [
            {
                "response_code": 200,
                "response_description": "OK",
                "request_id": "req-distribute",
                "event_id": "event-0",
                "modification_number": 0,
                "opt_type": "optIn",
            }
        ],
    }


def _readings() -> list[tuple[datetime, str, float]]:
    """Five minutes of TELEMETRY_USAGE: power and energy each minute (10 intervals)."""
    return [
        (T0 + timedelta(minutes=k), r_id, value)
        for k in range(5)
        for r_id, value in (("power", 1500.0 + k), ("energy", 10_000.0 + 25 * k))
    ]


def ours_update_report() -> UpdateReport:
    minute = timedelta(minutes=1)
    return UpdateReport(
        request_id="req-update",
        ven_id=VEN_ID,
        reports=(
            ReportData(
                report_request_id="rrq-1",
                report_specifier_id="rs-usage",
                report_name=ReportName.TELEMETRY_USAGE,
                created_date_time=T0 + 5 * minute,
                start=T0,
                duration=5 * minute,
                intervals=tuple(ReportInterval(t, minute, r_id, v) for t, r_id, v in _readings()),
                report_id="report-1",
            ),
        ),
    )


def openleadr_update_report() -> dict[str, Any]:
    from openleadr import objects  # noqa: PLC0415

    minute = timedelta(minutes=1)
    report = objects.Report(
        report_specifier_id="rs-usage",
        report_name="TELEMETRY_USAGE",
        report_request_id="rrq-1",
        created_date_time=T0 + 5 * minute,
        dtstart=T0,
        duration=5 * minute,
        intervals=[
            objects.ReportInterval(
                dtstart=t, duration=minute, report_payload=objects.ReportPayload(r_id=r_id, value=v)
            )
            for t, r_id, v in _readings()
        ],
    )
    report.report_id = "report-1"  # what its client sets before sending (template field eiReportID)
    return {"ven_id": VEN_ID, "request_id": "req-update", "reports": [report]}


# --------------------------------------------------------------------------------------------
# A throwaway RSA-2048 signing certificate


def make_certificate(common_name: str = "bench-ven") -> tuple[bytes, bytes]:
    """A self-signed RSA-2048 certificate and its key (PEM), valid from yesterday for 30 days."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem
