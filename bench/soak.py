"""Soak benchmark: 10,000 polls of the real VEN stack against the scripted VTN on 127.0.0.1.

Same scenario as tests/interop/test_soak.py (events modified every 50 polls, a TELEMETRY_USAGE
report every minute, a changing meter), on a fast FakeClock.  Prints, per checkpoint: asyncio
tasks, pending clock sleepers, open connections, traced memory (tracemalloc, started after the
100-poll warm-up), and CPU per poll.

usage: .venv/bin/python bench/soak.py [--polls 10000] [--no-tracemalloc]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "schema")]

from tests.vtn.soak import Checkpoint, soak  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=10_000)
    parser.add_argument("--no-tracemalloc", action="store_true", help="measure CPU without tracing overhead")
    args = parser.parse_args()
    points = sorted({100, 1000, args.polls} | set(range(2000, args.polls, 2000)))
    seen: list[Checkpoint] = []

    def checkpoint(point: Checkpoint) -> None:
        seen.append(point)
        previous = seen[-2] if len(seen) > 1 else None
        cpu = (point.cpu_seconds - previous.cpu_seconds) / (point.polls - previous.polls) if previous else 0.0
        print(
            f"polls={point.polls:>6} tasks={point.tasks} sleepers={point.sleepers} "
            f"connections={point.client_connections}/{point.server_connections} "
            f"traced={point.traced_bytes / 1024:8.1f} KiB cpu/poll={cpu * 1000:6.2f} ms "
            f"wall={point.wall_seconds:7.1f} s",
            flush=True,
        )
        if point.polls == 100 and not args.no_tracemalloc:
            tracemalloc.start()

    polled = asyncio.run(soak(args.polls, set(points), checkpoint))
    tracemalloc.stop()
    first = next(p for p in seen if p.polls >= 1000)
    last = seen[-1]
    print(
        f"\n{polled} polls; memory after 1000 polls {first.traced_bytes / 1024:.1f} KiB, "
        f"after {last.polls}: {last.traced_bytes / 1024:.1f} KiB "
        f"(growth {(last.traced_bytes - first.traced_bytes) / 1024:+.1f} KiB)"
    )
    print(
        f"CPU per poll (whole run, incl. VTN side and clock driving): "
        f"{last.cpu_seconds / last.polls * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
