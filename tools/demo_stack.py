"""Processes of the demo and of the end-to-end test: the demo VTN and a real Home Assistant.

Each child runs in its own process group (``start_new_session``) so that stopping it also stops
whatever it started; ``stop_process`` sends SIGTERM, waits, then SIGKILLs that group only.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demo_pki import DemoPki

REPO = Path(__file__).resolve().parent.parent
DEMO_TEMPLATE = REPO / "demo"
INTEGRATION = REPO / "custom_components" / "openadr_ven"
BLUEPRINTS = REPO / "blueprints"
TEMPLATE_FILES = ("configuration.yaml", "dashboard.yaml")


def free_port() -> int:
    """A currently free loopback TCP port (for Home Assistant, which cannot report its own)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_config(config_dir: Path, *, reset: bool = False) -> Path:
    """Lay out a Home Assistant configuration folder from ``demo/`` (idempotent; keeps .storage).

    The integration is linked (not copied), so the running Home Assistant uses this checkout.
    """
    if reset and config_dir.exists():
        shutil.rmtree(config_dir)
    config_dir.mkdir(parents=True, exist_ok=True)
    for name in TEMPLATE_FILES:
        shutil.copyfile(DEMO_TEMPLATE / name, config_dir / name)
    for name in ("automations.yaml",):  # the user's own files: only created when missing
        if not (config_dir / name).exists():
            shutil.copyfile(DEMO_TEMPLATE / name, config_dir / name)
    components = config_dir / "custom_components"
    components.mkdir(exist_ok=True)
    link = components / INTEGRATION.name
    if (link.is_symlink() or link.exists()) and link.resolve() != INTEGRATION.resolve():
        link.unlink()
    if not link.exists():
        link.symlink_to(INTEGRATION, target_is_directory=True)
    if BLUEPRINTS.is_dir():
        shutil.copytree(BLUEPRINTS, config_dir / "blueprints", dirs_exist_ok=True)
    return config_dir


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _spawn(name: str, argv: Sequence[str], log_path: Path, env: dict[str, str] | None = None) -> Child:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as out:
        process = subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=REPO,
            start_new_session=True,
        )
    return Child(name, process, log_path)


def start_vtn(
    log_dir: Path,
    *,
    port: int = 0,
    simple_delay: float = 60.0,
    simple_interval: float = 60.0,
    price_hours: int = 24,
    report_interval: float = 60.0,
    poll_interval: float = 5.0,
    python: str = sys.executable,
    pki: DemoPki | None = None,
) -> tuple[Child, Path]:
    """Start tools/demo_vtn.py (HTTPS with ``pki``); returns the child and its JSON-lines event log."""
    events = log_dir / "vtn-events.jsonl"
    argv = [
        python, str(REPO / "tools" / "demo_vtn.py"), "--port", str(port), "--log", str(events),
        "--simple-delay", str(simple_delay), "--simple-interval", str(simple_interval),
        "--price-hours", str(price_hours), "--report-interval", str(report_interval),
        "--poll-interval", str(poll_interval),
    ]  # fmt: skip
    if pki is not None:
        argv += [
            "--cert", str(pki.vtn_cert), "--key", str(pki.vtn_key), "--ca-file", str(pki.ca_cert),
            "--ven-fingerprint", pki.ven_fingerprint,
        ]  # fmt: skip
    return _spawn("demo VTN", argv, log_dir / "vtn.out", {"PYTHONUNBUFFERED": "1"}), events


def wait_vtn_ready(child: Child, events: Path, *, after: int = 0, timeout: float = 30.0) -> dict[str, Any]:
    """The 'ready' record the VTN wrote after line ``after`` of its log (it carries the port)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in read_records(events)[after:]:
            if record.get("kind") == "ready":
                return record
        if not child.alive():
            raise RuntimeError(f"the demo VTN exited:\n{child.tail()}")
        time.sleep(0.1)
    raise RuntimeError(f"the demo VTN did not start within {timeout:.0f} s:\n{child.tail()}")


def start_hass(
    config_dir: Path, port: int, *, python: str = sys.executable, log_dir: Path | None = None
) -> Child:
    """Start ``python -m homeassistant`` on 127.0.0.1:port (requirements installed beforehand)."""
    argv = [python, "-m", "homeassistant", "--config", str(config_dir), "--skip-pip"]
    log_path = (log_dir or config_dir) / "hass.out"
    return _spawn("Home Assistant", argv, log_path, {"OPENADR_DEMO_HA_PORT": str(port)})


def stop_process(child: Child, timeout: float = 30.0) -> int | None:
    """SIGTERM the child's process group, wait, then SIGKILL it; returns the exit code."""
    if child.process.poll() is None:
        _signal_group(child.process.pid, signal.SIGTERM)
        try:
            child.process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(child.process.pid, signal.SIGKILL)
            child.process.wait(10)
    return child.process.returncode


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def read_records(path: Path) -> list[dict[str, Any]]:
    """The JSON-lines records of the demo VTN's log (a partly written last line is skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def iter_kind(records: Sequence[dict[str, Any]], kind: str) -> Iterator[dict[str, Any]]:
    return (r for r in records if r.get("kind") == kind)
