"""Soak benchmark: the real VEN stack against the scripted VTN on 127.0.0.1, memory and CPU per poll.

Same scenario as tests/interop/test_soak.py (events modified every 50 polls, a TELEMETRY_USAGE
report every minute, a changing meter), on a fast FakeClock.  Two phases:

1. warm-up (default 12,000 polls): long enough for every bounded cache to fill (the telemetry
   sample ring holds 1,440 one-minute samples: ~8,230 polls at 10.5 s; the date-time caches
   2,048 entries each: ~11,300 polls).
2. measured (default 10,000 polls): traced memory at the end minus traced memory at the end of
   the warm-up is the growth; the top differences per allocation site are printed.

tracemalloc runs from the very start: a full cache replaces old entries with new ones, and only
if the old ones were traced too does their release count against the new ones (tracing from the
warm-up on would count every replacement as growth).  Tracing slows everything ~4x, so the CPU
per poll to compare between versions comes from ``--no-tracemalloc`` (memory not measured then).

Checkpoints show asyncio tasks, pending clock sleepers, open connections (client/server) and how
full the caches are.

usage: .venv/bin/python bench/soak.py [--warmup 12000] [--polls 10000] [--top 12] [--no-tracemalloc]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "schema")]

from tests.vtn.soak import Checkpoint, soak, traced_snapshot  # noqa: E402

MiB = 1024 * 1024


def _line(point: Checkpoint, previous: Checkpoint | None) -> str:
    cpu = (point.cpu_seconds - previous.cpu_seconds) / (point.polls - previous.polls) if previous else 0.0
    full = ", ".join(f"{c.name} {c.size}/{c.capacity}" for c in point.caches)
    return (
        f"polls={point.polls:>6} tasks={point.tasks} sleepers={point.sleepers} "
        f"connections={point.client_connections}/{point.server_connections} "
        f"cpu/poll={cpu * 1000:5.2f} ms wall={point.wall_seconds:6.1f} s | {full}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--warmup", type=int, default=12_000, help="untraced polls before measuring")
    parser.add_argument("--polls", type=int, default=10_000, help="measured (traced) polls")
    parser.add_argument("--top", type=int, default=12, help="allocation sites to show in the memory diff")
    parser.add_argument("--frames", type=int, default=3, help="traceback depth of an allocation site")
    parser.add_argument("--no-tracemalloc", action="store_true", help="CPU figures only, memory not traced")
    args = parser.parse_args()
    warmup, total = args.warmup, args.warmup + args.polls
    step = max(1, min(2000, total // 10))
    points = {warmup, total} | set(range(step, total, step))
    seen: list[Checkpoint] = []
    start: dict[str, object] = {}

    def checkpoint(point: Checkpoint) -> None:
        print(_line(point, seen[-1] if seen else None), flush=True)
        seen.append(point)
        if point.polls >= warmup and "point" not in start:
            print(f"--- warm-up done at {point.polls} polls; measuring the next {args.polls} ---", flush=True)
            start["point"] = point
            if tracing:
                start["snapshot"] = traced_snapshot()

    tracing = not args.no_tracemalloc
    if tracing:
        tracemalloc.start(args.frames)
    polled = asyncio.run(soak(total, points, checkpoint))
    base = start["point"]
    assert isinstance(base, Checkpoint)
    last = seen[-1]
    memory = "not measured (--no-tracemalloc)"
    if tracing:
        end_snapshot = traced_snapshot()
        tracemalloc.stop()
        first_snapshot = start["snapshot"]
        assert isinstance(first_snapshot, tracemalloc.Snapshot)
        diff = end_snapshot.compare_to(first_snapshot, "traceback")
        growth = sum(d.size_diff for d in diff)
        print(f"\nmemory growth per allocation site over the measured polls (top {args.top} by size):")
        for d in sorted(diff, key=lambda d: abs(d.size_diff), reverse=True)[: args.top]:
            # most recent call first: "where it was allocated <- called from <- ..."
            where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(d.traceback))
            print(f"  {d.size_diff / 1024:+9.1f} KiB {d.count_diff:+6d} blocks  {where}")
        verdict = "met" if growth < MiB else "MISS"
        memory = f"{growth / 1024:+.1f} KiB over the measured polls ({verdict}: target < 1 MiB)"
    warm_cpu = base.cpu_seconds / base.polls if base.polls else 0.0
    measured = last.polls - base.polls
    measured_cpu = (last.cpu_seconds - base.cpu_seconds) / measured if measured else 0.0
    grew = {c.name: c.size for c in base.caches}
    caches = ", ".join(
        f"{c.name} {c.size}/{c.capacity}"
        + (f" (+{c.size - grew[c.name]} after)" if c.size > grew[c.name] else "")
        for c in base.caches
    )
    traced = "traced, ~4x slower" if tracing else "untraced"
    print(
        f"\nwarm-up polls:   {base.polls} (caches at its end: {caches})\n"
        f"measured polls:  {measured} (total {polled})\n"
        f"memory growth:   {memory}\n"
        f"CPU per poll:    {warm_cpu * 1000:.2f} ms warm-up, {measured_cpu * 1000:.2f} ms measured "
        f"({traced}; VEN and VTN in one process, clock driving included)\n"
        f"tasks:           {base.tasks} -> {last.tasks}\n"
        f"sleepers:        {base.sleepers} -> {last.sleepers}\n"
        f"connections:     client {base.client_connections} -> {last.client_connections}, "
        f"server {base.server_connections} -> {last.server_connections}"
    )


if __name__ == "__main__":
    main()
