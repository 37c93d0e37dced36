"""The benchmark script runs end to end (``--quick``) and writes every figure as well-formed JSON.

Timings are never asserted here (they depend on the machine); only that each figure exists and is a
positive number, and that the comparisons really compared something.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMING_KEYS = {"seconds", "cpu_seconds", "per_second", "repeats", "number"}

pytest.importorskip("openleadr")


def _positive(value: Any) -> bool:
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    )


def _assert_timing(timing: dict[str, Any]) -> None:
    assert set(timing) == TIMING_KEYS
    assert all(_positive(timing[key]) for key in TIMING_KEYS), timing


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "targets" in proc.stdout
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def test_meta(results: dict[str, Any]) -> None:
    meta = results["meta"]
    assert meta["quick"] is True
    assert set(meta["versions"]) == {"lxml", "openleadr", "signxml", "aiohttp", "cryptography"}


def test_parse_rows_compare_three_parsers_on_each_size(results: dict[str, Any]) -> None:
    rows = results["parse"]
    assert [r["events"] for r in rows] == [1, 2, 3]  # --quick sizes
    for row in rows:
        assert row["message"] == "oadrDistributeEvent"
        assert row["bytes"] > 1000
        for key in ("ours", "openleadr", "raw_lxml", "openleadr_client_path", "lxml_walk"):
            _assert_timing(row[key])
        assert _positive(row["speedup_vs_openleadr"])
        assert row["ceiling_vs_openleadr"] == pytest.approx(
            row["openleadr"]["cpu_seconds"] / row["lxml_walk"]["cpu_seconds"]
        )
        assert row["time_vs_raw_lxml"] == pytest.approx(
            row["ours"]["cpu_seconds"] / row["raw_lxml"]["cpu_seconds"]
        )
    assert rows[0]["bytes"] < rows[1]["bytes"] < rows[2]["bytes"]


def test_build_rows(results: dict[str, Any]) -> None:
    rows = results["build"]
    assert [r["message"] for r in rows] == ["oadrCreatedEvent", "oadrUpdateReport"]
    for row in rows:
        _assert_timing(row["ours"])
        _assert_timing(row["openleadr"])
        assert row["bytes_ours"] > 300
        assert row["bytes_openleadr"] > 300
        assert row["speedup_vs_openleadr"] == pytest.approx(
            row["openleadr"]["cpu_seconds"] / row["ours"]["cpu_seconds"]
        )


def test_signature_rows(results: dict[str, Any]) -> None:
    sign, verify = results["signature"]
    assert sign["operation"].startswith("build+sign oadrCreatedEvent")
    assert verify["operation"].startswith("verify+parse oadrDistributeEvent")
    for row in (sign, verify):
        _assert_timing(row["ours"])
        _assert_timing(row["openleadr"])
        assert _positive(row["speedup_vs_openleadr"])
    assert sign["bytes_ours"] > 2000  # a signature with an X.509 certificate inside
    _assert_timing(verify["openleadr_client_path"])
    _assert_timing(verify["floor"])
    assert verify["ceiling_vs_openleadr"] == pytest.approx(
        verify["openleadr"]["cpu_seconds"] / verify["floor"]["cpu_seconds"]
    )
    assert verify["bytes"] > 4000  # openleadr's distribute plus the signature


def test_poll_and_memory(results: dict[str, Any]) -> None:
    poll, memory = results["poll"], results["memory"]
    assert _positive(poll["cpu_seconds_per_poll"])
    assert _positive(poll["wall_seconds_per_poll"])
    assert poll["registered"] is True
    assert poll["online"] is True
    assert poll["sent"]["EiRegisterParty"] == 1
    assert poll["sent"]["OadrPoll"] >= poll["polls_measured"]
    assert memory["polls"] == [5, 20]
    assert all(_positive(v) for v in memory["traced_bytes"])
    assert memory["growth_bytes"] == memory["traced_bytes"][1] - memory["traced_bytes"][0]
    assert all(_positive(v) for v in memory["state_json_bytes"])


def test_every_target_is_checked(results: dict[str, Any]) -> None:
    names = [t["name"] for t in results["targets"]]
    assert len(names) == 6
    for target in results["targets"]:
        assert isinstance(target["met"], bool)
        assert isinstance(target["value"], int | float)
        assert target["target"].startswith((">=", "<"))
