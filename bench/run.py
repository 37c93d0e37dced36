"""Benchmark: our OpenADR library against openleadr 0.5.36 and raw lxml, side by side, in one run.

    .venv/bin/python -m bench.run [--quick] [--json PATH] [--only parse,build,signature,poll]

Sections (see bench/README.md for the method and the targets):
  parse      oadrDistributeEvent with 1, 10, 100 events (4, 24, 96 intervals each), bytes made by
             openleadr's create_message: ours ``payloads.parse`` vs openleadr ``parse_message`` vs
             ``lxml.etree.fromstring`` on the same bytes.
  build      oadrCreatedEvent and oadrUpdateReport: ours ``payloads.build`` vs openleadr ``create_message``.
  signature  RSA-2048 XML signatures: build+sign oadrCreatedEvent; verify+parse a signed oadrDistributeEvent.
  poll       idle poll cycles of VenClient + Transport against a loopback VTN (CPU per poll), and the
             traced memory after 100 vs 10,000 polls.
Timings are medians of several repetitions after a warm-up; ``--quick`` runs a handful of calls only
(for the smoke test: its figures mean nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from custom_components.openadr_ven.openadr.models import DistributeEvent, UpdateReport
from custom_components.openadr_ven.openadr.payloads import build, build_element, parse, parse_element

from .common import (
    DISTRIBUTE_SIZES,
    T0,
    Budget,
    Timing,
    distribute_event_bytes,
    make_certificate,
    measure,
    openleadr_created_event,
    openleadr_update_report,
    ours_created_event,
    ours_update_report,
)
from .poll import run_poll_benchmarks

SECTIONS = ("parse", "build", "signature", "poll")
QUICK_SIZES = ((1, 4), (2, 4), (3, 4))  # --quick: small documents, same shape of results
MIB = 1024 * 1024


def _floor(floor: Timing) -> dict[str, Any]:
    return {"floor": floor.as_dict()}


def _pair(ours: Timing, openleadr: Timing, **extra: Any) -> dict[str, Any]:
    return {
        "ours": ours.as_dict(),
        "openleadr": openleadr.as_dict(),
        **extra,
        "speedup_vs_openleadr": openleadr.cpu_seconds / ours.cpu_seconds,
    }


# --------------------------------------------------------------------------------------------
# parse


def bench_parse(budget: Budget, sizes: Sequence[tuple[int, int]]) -> list[dict[str, Any]]:
    from openleadr.messaging import parse_message, validate_xml_schema  # noqa: PLC0415

    rows = []
    for n_events, n_intervals in sizes:
        data = distribute_event_bytes(n_events, n_intervals)
        # Both parsers must read the whole document, or the comparison is void.
        message = parse(data)
        assert isinstance(message, DistributeEvent), type(message)
        assert len(message.events) == n_events
        assert not message.invalid_events
        assert sum(len(s.intervals) for e in message.events for s in e.signals) == n_events * n_intervals
        kind, payload = parse_message(data)
        assert kind == "oadrDistributeEvent"
        assert len(payload["events"]) == n_events

        ours = measure(lambda _, d=data: parse(d), budget)
        openleadr = measure(lambda _, d=data: parse_message(d), budget)
        raw = measure(lambda _, d=data: etree.fromstring(d), budget)
        walk = measure(lambda _, d=data: _lxml_walk(d), budget)
        schema = measure(lambda _, d=data: (validate_xml_schema(d), parse_message(d)), budget)
        rows.append(
            {
                "message": "oadrDistributeEvent",
                "events": n_events,
                "intervals_per_event": n_intervals,
                "bytes": len(data),
                **_pair(ours, openleadr),
                "raw_lxml": raw.as_dict(),
                "openleadr_client_path": schema.as_dict(),  # + XSD validation, as its client receives
                "time_vs_raw_lxml": ours.cpu_seconds / raw.cpu_seconds,
                # The floor of any reader built on an lxml tree: parse, then touch each element once.
                "lxml_walk": walk.as_dict(),
                "ceiling_vs_openleadr": openleadr.cpu_seconds / walk.cpu_seconds,
            }
        )
    return rows


def _lxml_walk(data: bytes) -> int:
    """Parse, then read every element's tag and text once (no checks, no models)."""
    n = 0
    for element in etree.fromstring(data).iter():
        if element.tag and element.text:
            n += 1
    return n


# --------------------------------------------------------------------------------------------
# build


def bench_build(budget: Budget) -> list[dict[str, Any]]:
    from openleadr.messaging import create_message  # noqa: PLC0415

    created, ol_created = ours_created_event(), openleadr_created_event()
    update, ol_update = ours_update_report(), openleadr_update_report()
    # Same content: openleadr's output parses (with our parser) to our model.
    assert parse(create_message("oadrCreatedEvent", **ol_created).encode()) == created
    ol_parsed = parse(create_message("oadrUpdateReport", **ol_update).encode())
    assert isinstance(ol_parsed, UpdateReport)
    assert ol_parsed.reports[0].intervals == update.reports[0].intervals  # (it omits the report duration)

    rows = []
    for name, ours_message, ol_kwargs in (
        ("oadrCreatedEvent", created, ol_created),
        ("oadrUpdateReport", update, ol_update),
    ):
        ours = measure(lambda _, m=ours_message: build(m, now=T0), budget)
        openleadr = measure(lambda _, n=name, k=ol_kwargs: create_message(n, **k), budget)
        rows.append(
            {
                "message": name,
                "bytes_ours": len(build(ours_message, now=T0)),
                "bytes_openleadr": len(create_message(name, **ol_kwargs).encode()),
                **_pair(ours, openleadr),
            }
        )
    return rows


# --------------------------------------------------------------------------------------------
# signature


def bench_signature(budget: Budget) -> list[dict[str, Any]]:
    from openleadr import messaging, utils  # noqa: PLC0415

    from custom_components.openadr_ven.openadr.security import fingerprint  # noqa: PLC0415
    from custom_components.openadr_ven.openadr.signature import XmlSigner, XmlVerifier  # noqa: PLC0415

    cert, key = make_certificate()
    signer, verifier = XmlSigner(cert, key), XmlVerifier([fingerprint(cert)])
    ol_fingerprint = utils.certificate_fingerprint(cert.decode())
    # openleadr refuses signatures older than 5 s; batches of pre-signed documents need longer
    # (only a comparison, costs nothing). Its global nonce cache is cleared before each batch.
    messaging.REPLAY_PROTECT_MAX_TIME_DELTA = timedelta(minutes=10)
    created, ol_created = ours_created_event(), openleadr_created_event()

    def ours_sign(_: object) -> bytes:
        return signer.sign(build_element(created, now=datetime.now(UTC)))

    def ol_sign(_: object) -> str:
        return str(messaging.create_message("oadrCreatedEvent", cert=cert, key=key, **ol_created))

    # Cross-check: each side verifies the other's signature, so both sign the same standard.
    ours_signed, ol_signed = ours_sign(None), ol_sign(None).encode()
    assert parse_element(verifier.verify(ol_signed)) == created
    messaging.validate_xml_signature(
        messaging.validate_xml_schema(ours_signed), cert_fingerprint=ol_fingerprint
    )
    messaging.NONCE_CACHE.clear()

    # What a VEN verifies: an oadrDistributeEvent (1 event, 4 intervals), as openleadr's VTN sends it:
    # openleadr's own document (its namespace layout, which sets the c14n cost), signed by our signer
    # (openleadr's create_message spends ~70 ms per signature re-loading the RSA key, too slow to make
    # hundreds of fresh documents; both verifiers accept both signers, see above).
    distribute_bytes = distribute_event_bytes(1, 4)
    unsigned = etree.fromstring(distribute_bytes)

    def signed_distributes(n: int) -> list[bytes]:
        """Fresh documents (a nonce verifies once)."""
        messaging.NONCE_CACHE.clear()  # its replay cache is global and scanned on every verify
        return [signer.sign(unsigned) for _ in range(n)]

    def ours_verify(data: bytes) -> object:
        message = parse_element(verifier.verify(data))  # what the driver does (R514)
        assert isinstance(message, DistributeEvent)
        return message

    def ol_verify(data: bytes) -> object:
        messaging.validate_xml_signature(etree.fromstring(data), cert_fingerprint=ol_fingerprint)
        return messaging.parse_message(data)

    def ol_verify_client(data: bytes) -> object:  # as its client receives: XSD validation too
        messaging.validate_xml_signature(messaging.validate_xml_schema(data), cert_fingerprint=ol_fingerprint)
        return messaging.parse_message(data)

    # The floor of any verifier on lxml: the library calls it cannot skip (parse, c14n of SignedInfo,
    # of the signed object and of the ReplayProtect ds:Object, two SHA-256, the RSA check) and our model.
    public_key = x509.load_pem_x509_certificate(cert).public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)

    def floor_verify(data: bytes) -> object:
        root = etree.fromstring(data)
        signature, signed_object = root
        signed_info = etree.tostring(signature[0], method="c14n")
        hashlib.sha256(etree.tostring(signed_object, method="c14n")).digest()
        hashlib.sha256(etree.tostring(signature[3], method="c14n")).digest()
        value = base64.b64decode(signature[1].text or "")
        public_key.verify(value, signed_info, padding.PKCS1v15(), hashes.SHA256())
        return parse_element(root)

    # Both read the whole signed document: ours gives exactly the model of the unsigned bytes.
    first, second = signed_distributes(2)
    assert ours_verify(first) == parse(distribute_bytes)
    assert len(ol_verify(second)[1]["events"]) == 1
    verify_inputs: Callable[[int], list[bytes]] = signed_distributes
    ol_verified = measure(ol_verify, budget, inputs=verify_inputs)
    floor = measure(floor_verify, budget, inputs=verify_inputs)
    return [
        {
            "operation": "build+sign oadrCreatedEvent",
            "bytes_ours": len(ours_signed),
            "bytes_openleadr": len(ol_signed),
            **_pair(measure(ours_sign, budget), measure(ol_sign, budget)),
        },
        {
            "operation": "verify+parse oadrDistributeEvent (1 event, 4 intervals)",
            "bytes": len(first),
            **_pair(
                measure(ours_verify, budget, inputs=verify_inputs),
                ol_verified,
                openleadr_client_path=measure(ol_verify_client, budget, inputs=verify_inputs).as_dict(),
                floor=floor.as_dict(),
                ceiling_vs_openleadr=ol_verified.cpu_seconds / floor.cpu_seconds,
            ),
        },
    ]


# --------------------------------------------------------------------------------------------
# targets and report


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []

    def check(name: str, value: float, limit: float, *, at_least: bool) -> None:
        met = value >= limit if at_least else value < limit
        checks.append(
            {"name": name, "value": value, "target": (">= " if at_least else "< ") + f"{limit:g}", "met": met}
        )

    if "parse" in results:
        check(
            "parse speedup vs openleadr (min)",
            min(r["speedup_vs_openleadr"] for r in results["parse"]),
            10,
            at_least=True,
        )
        check(
            "parse time vs raw lxml (max)",
            max(r["time_vs_raw_lxml"] for r in results["parse"]),
            3,
            at_least=False,
        )
    if "build" in results:
        check(
            "build speedup vs openleadr (min)",
            min(r["speedup_vs_openleadr"] for r in results["build"]),
            10,
            at_least=True,
        )
    if "signature" in results:
        check(
            "signed messages speedup vs openleadr (min)",
            min(r["speedup_vs_openleadr"] for r in results["signature"]),
            10,
            at_least=True,
        )
    if "poll" in results:
        check("idle poll cycle CPU, ms", results["poll"]["cpu_seconds_per_poll"] * 1000, 2, at_least=False)
        check(
            "memory growth 100 -> 10,000 polls, MiB",
            results["memory"]["growth_bytes"] / MIB,
            1,
            at_least=False,
        )
    return checks


def _commit() -> str | None:
    """The library's commit (``BENCH_COMMIT`` when run outside a checkout)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parents[1],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return os.environ.get("BENCH_COMMIT")
    return out.stdout.strip() or None


def meta(quick: bool) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "quick": quick,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "versions": {
            name: version(name) for name in ("lxml", "openleadr", "signxml", "aiohttp", "cryptography")
        },
        "method": (
            "median of repetitions after warm-up; per_second and ratios from CPU time (process_time), "
            "wall time (perf_counter) alongside; garbage collector on"
        ),
    }


def _rate(t: dict[str, Any]) -> str:
    rate = t["per_second"]
    return f"{rate:,.0f}/s" if rate >= 100 else f"{rate:.3g}/s"


def print_report(results: dict[str, Any]) -> None:
    if "parse" in results:
        print("\nparse oadrDistributeEvent (same bytes, made by openleadr's create_message)")
        head = ("events x intervals", "bytes", "ours", "openleadr", "raw lxml", "vs openleadr", "vs lxml")
        print("  {:<19}{:>10}{:>12}{:>12}{:>12}{:>14}{:>9}".format(*head))
        for r in results["parse"]:
            cells = (
                f"{r['events']} x {r['intervals_per_event']}",
                f"{r['bytes']:,}",
                _rate(r["ours"]),
                _rate(r["openleadr"]),
                _rate(r["raw_lxml"]),
                f"{r['speedup_vs_openleadr']:.1f}x faster",
                f"{r['time_vs_raw_lxml']:.2f}x",
            )
            print("  {:<19}{:>10}{:>12}{:>12}{:>12}{:>14}{:>9}".format(*cells))
        print("  floor of any lxml-tree reader (parse, read each element's tag and text once, no checks):")
        for r in results["parse"]:
            print(
                f"    {r['events']} x {r['intervals_per_event']}: {_rate(r['lxml_walk'])}, "
                f"at most {r['ceiling_vs_openleadr']:.1f}x openleadr"
            )
    for key, label, title in (("build", "message", "build"), ("signature", "operation", "XML signatures")):
        for r in results.get(key, ()):
            if r is results[key][0]:
                print(f"\n{title}")
            print(f"  {r[label]}")
            print(
                f"    ours {_rate(r['ours'])}, openleadr {_rate(r['openleadr'])}: "
                f"{r['speedup_vs_openleadr']:.1f}x faster"
            )
            if "floor" in r:
                print(
                    f"    floor (lxml parse, 3 c14n, 2 SHA-256, RSA, our model; no checks) "
                    f"{_rate(r['floor'])}: at most {r['ceiling_vs_openleadr']:.1f}x openleadr"
                )
    if "poll" in results:
        p, m = results["poll"], results["memory"]
        print("\nidle poll cycle (VenClient + Transport, loopback VTN in another process)")
        print(
            f"  CPU {p['cpu_seconds_per_poll'] * 1000:.3f} ms/poll, "
            f"wall {p['wall_seconds_per_poll'] * 1000:.3f} ms/poll ({p['polls_measured']:,} polls)"
        )
        (first, last), (mem_first, mem_last) = m["polls"], m["traced_bytes"]
        print(
            f"  traced memory: {mem_first / MIB:.2f} MiB after {first:,} polls, {mem_last / MIB:.2f} MiB "
            f"after {last:,}: growth {m['growth_bytes'] / 1024:.1f} KiB"
        )
        print(f"  engine state: {m['state_json_bytes'][0]} -> {m['state_json_bytes'][1]} bytes of JSON")
    print("\ntargets")
    for t in results["targets"]:
        print(
            f"  {'met ' if t['met'] else 'MISS'}  {t['name']:<44}{t['value']:10.2f}  (target {t['target']})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a handful of iterations (smoke test)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}"
    )
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    budget = Budget.quick() if args.quick else Budget()

    results: dict[str, Any] = {"meta": meta(args.quick)}
    if "parse" in only:
        results["parse"] = bench_parse(budget, QUICK_SIZES if args.quick else DISTRIBUTE_SIZES)
    if "build" in only:
        results["build"] = bench_build(budget)
    if "signature" in only:
        results["signature"] = bench_signature(budget)
    if "poll" in only:
        results.update(asyncio.run(run_poll_benchmarks(quick=args.quick)))
    results["targets"] = targets(results)
    print_report(results)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
