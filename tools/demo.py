"""``./scripts/demo``: a real Home Assistant with this integration against the local demo VTN.

Starts tools/demo_vtn.py and ``python -m homeassistant`` on 127.0.0.1, finishes onboarding with a
demo user, adds the integration through its config flow and sets the demo meter in its options
flow (REST, as the UI does), then prints where to look. Ctrl-C stops everything.

The VTN speaks HTTPS with client certificates, as OpenADR 2.0b wants: a throwaway CA, the VTN's
and the VEN's certificates are made in the state folder (tools/demo_pki.py); the config flow gets
the VEN certificate, its key, the CA and the VTN fingerprint pasted in, and shows the VEN's
fingerprint, which the demo VTN was given beforehand (as a utility would be). ``--insecure-http``
falls back to plain http (the flow's "allow insecure" opt-in).

``--smoke`` is a bounded run for CI: it waits until the integration's entities exist and the VEN
answered the SIMPLE event, prints a summary and exits 0 (1 on failure, with the logs' tails).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo_pki import DemoPki, ensure_pki
from demo_stack import (
    REPO,
    Child,
    free_port,
    iter_kind,
    prepare_config,
    read_records,
    start_hass,
    start_vtn,
    stop_process,
    wait_vtn_ready,
)
from hass_bootstrap import BootstrapError, HassApi, wait_until_up
from log_scan import scan_hass_log

DOMAIN = "openadr_ven"
USER = {"name": "Demo user", "username": "demo", "password": "openadr-demo"}
CORE_CONFIG = {"unit_system": "metric", "time_zone": "UTC", "currency": "EUR", "country": "NL"}
VEN_NAME = "demo-home"
POWER_ENTITY = "sensor.house_power"
ENERGY_ENTITY = "sensor.house_energy"
DASHBOARD_PATH = "/openadr-demo"
SETTLED_STATES = ("loaded", "setup_error", "setup_retry", "migration_error", "failed_unload", "not_loaded")


@dataclass(frozen=True, slots=True)
class Ports:
    hass: int
    vtn: int

    @classmethod
    def for_state(cls, state_dir: Path, hass_port: int | None) -> Ports:
        """Ports kept in the state folder, so a re-run finds the VTN the entry was made for."""
        path = state_dir / "ports.json"
        saved: dict[str, int] = {}
        with contextlib.suppress(OSError, ValueError):
            saved = json.loads(path.read_text(encoding="utf-8"))
        ports = cls(hass=hass_port or saved.get("hass") or free_port(), vtn=saved.get("vtn") or free_port())
        state_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"hass": ports.hass, "vtn": ports.vtn}), encoding="utf-8")
        return ports


def flow_values(vtn_url: str, pki: DemoPki | None = None) -> dict[str, Any]:
    """What a user types (pastes) into the config flow for the demo VTN.

    With TLS: the VEN's certificate and key, the CA the VTN's certificate comes from, and the VTN
    fingerprint the utility published. Plain http needs the "allow insecure" opt-in instead.
    """
    if pki is None:
        return {"vtn_url": vtn_url, "ven_name": VEN_NAME, "allow_insecure": True, "xml_signature": False}
    return {
        "vtn_url": vtn_url,
        "ven_name": VEN_NAME,
        "certificate": pki.text(pki.ven_cert),
        "private_key": pki.text(pki.ven_key),
        "ca_certificates": pki.text(pki.ca_cert),
        "vtn_fingerprint": pki.vtn_fingerprint,
        "allow_insecure": False,
        "xml_signature": False,
    }


def option_values() -> dict[str, Any]:
    return {"power_entity": POWER_ENTITY, "energy_entity": ENERGY_ENTITY}


@dataclass(frozen=True, slots=True)
class Setup:
    entry: dict[str, Any]
    shown_fingerprint: str | None  # what the config flow's last step showed (None: entry existed)


async def configure(api: HassApi, vtn_url: str, pki: DemoPki | None = None) -> Setup:
    """Add the integration (unless it exists) and set the demo meter; returns the config entry."""
    entries = await api.config_entries(DOMAIN)
    shown: str | None = None
    if not entries:
        result = await api.config_flow(DOMAIN, flow_values(vtn_url, pki))
        if result.get("type") != "create_entry":
            raise BootstrapError(f"config flow did not create an entry: {result}")
        shown = (result.get("description_placeholders") or {}).get("fingerprint")
        entries = await api.config_entries(DOMAIN)
        entry = entries[0]
        result = await api.options_flow(entry["entry_id"], option_values())
        if result.get("type") != "create_entry":
            raise BootstrapError(f"options flow did not finish: {result}")
    # The options flow reloads the entry; wait until it settled (or failed for good).
    deadline = time.monotonic() + 60
    while True:
        entry = (await api.config_entries(DOMAIN))[0]
        if entry.get("state") in SETTLED_STATES or time.monotonic() > deadline:
            return Setup(entry, shown)
        await asyncio.sleep(0.5)


async def our_states(api: HassApi) -> dict[str, dict[str, Any]]:
    registry = await api.entity_registry(DOMAIN)
    states = await api.states()
    return {e["entity_id"]: states[e["entity_id"]] for e in registry if e["entity_id"] in states}


def _security_lines(pki: DemoPki | None, setup: Setup) -> str:
    if pki is None:
        return " Security:       plain http (--insecure-http); the integration shows a repair for it\n"
    shown = setup.shown_fingerprint or "(entry existed already)"
    return (
        f" Security:       TLS with client certificates (files in {pki.directory})\n"
        f"   VEN fingerprint shown by the config flow:  {shown}\n"
        f"   VEN fingerprint the demo VTN was given:    {pki.ven_fingerprint}\n"
        f"   VTN fingerprint pinned in the entry:       {pki.vtn_fingerprint}\n"
    )


def _print_banner(
    base_url: str, state_dir: Path, vtn_events: Path, setup: Setup, pki: DemoPki | None
) -> None:
    entry = setup.entry
    line = "=" * 78
    print(
        f"\n{line}\n"
        f" Home Assistant: {base_url}\n"
        f"   user {USER['username']!r}, password {USER['password']!r}\n"
        f" Dashboard:      {base_url}{DASHBOARD_PATH}\n"
        f" Integration:    {base_url}/config/integrations/integration/{DOMAIN}"
        f"  (entry {entry.get('title')!r}, state {entry.get('state')})\n"
        f"{_security_lines(pki, setup)}"
        f" Demo meter:     move input_number.demo_house_power; the VEN reports it (TELEMETRY_USAGE)\n"
        f" VTN log:        {vtn_events} (JSON lines: registration, opt, reports)\n"
        f" HA log:         {state_dir / 'config' / 'home-assistant.log'}\n"
        f" The SIMPLE event (levels 1, 2, 3) starts about a minute after registration.\n"
        f" Ctrl-C stops everything; ./scripts/demo --reset starts from scratch.\n{line}\n",
        flush=True,
    )


async def _security_problems(
    api: HassApi, vtn_events: Path, first: int, pki: DemoPki | None, setup: Setup
) -> list[str]:
    """TLS: the fingerprint the user saw is the one the VTN registered; no repair is raised."""
    records = read_records(vtn_events)[first:]
    problems = [f"the VTN refused a registration: {r}" for r in iter_kind(records, "registration_refused")]
    if pki is None:
        return problems
    expected = pki.ven_fingerprint
    if setup.shown_fingerprint is not None and setup.shown_fingerprint != expected:
        problems.append(f"the config flow showed {setup.shown_fingerprint}, the VTN expects {expected}")
    seen = {r.get("fingerprint") for r in iter_kind(records, "registered")}
    if seen != {expected}:
        problems.append(f"the VTN registered fingerprints {seen}, expected {expected}")
    issues = (await api.ws("repairs/list_issues")).get("issues", [])
    problems.extend(f"repair issue: {i.get('issue_id')}" for i in issues if i.get("domain") == DOMAIN)
    return problems


async def _smoke(api: HassApi, vtn_events: Path, first: int, deadline: float) -> list[str]:
    """Wait for our entities and the VEN's answer to the SIMPLE event; returns what failed."""
    problems: list[str] = []
    states: dict[str, dict[str, Any]] = {}
    simple_opt: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        states = await our_states(api)
        records = read_records(vtn_events)[first:]  # this run's records only
        simple_ids = {r["event_id"] for r in iter_kind(records, "event_added") if r.get("signal") == "SIMPLE"}
        simple_opt = next((r for r in iter_kind(records, "opt") if r.get("event_id") in simple_ids), None)
        available = [s for s in states.values() if s["state"] != "unavailable"]
        if available and simple_opt:
            break
        await asyncio.sleep(1)
    if not states:
        problems.append("no entities of the integration appeared")
    if not simple_opt:
        problems.append("the VTN never got the VEN's answer (oadrCreatedEvent) to the SIMPLE event")
    print("\nSmoke summary:")
    for entity_id, state in sorted(states.items()):
        print(f"  {entity_id:<55} {state['state']}")
    if simple_opt:
        print(f"  VTN saw {simple_opt['opt_type']} for SIMPLE event {simple_opt['event_id']}")
    return problems


async def run(args: argparse.Namespace) -> int:
    state_dir: Path = args.state_dir
    if args.reset:
        await asyncio.to_thread(shutil.rmtree, state_dir, True)
    ports = Ports.for_state(state_dir, args.port)
    config_dir = prepare_config(state_dir / "config")
    smoke = args.smoke
    pki = None if args.insecure_http else await asyncio.to_thread(ensure_pki, state_dir / "pki")
    first = len(read_records(state_dir / "vtn-events.jsonl"))  # earlier runs' records come before
    vtn, vtn_events = start_vtn(
        state_dir,
        pki=pki,
        port=ports.vtn,
        simple_delay=20 if smoke else 60,
        simple_interval=10 if smoke else 60,
        report_interval=10 if smoke else 30,
        poll_interval=2 if smoke else 5,
    )
    children: list[Child] = [vtn]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    code = 0
    try:
        ready = await asyncio.to_thread(wait_vtn_ready, vtn, vtn_events, after=first)
        print(f"demo VTN listening on {ready['url']}", flush=True)
        hass = start_hass(config_dir, ports.hass, log_dir=state_dir)
        children.append(hass)
        base_url = f"http://127.0.0.1:{ports.hass}"
        print(f"starting Home Assistant on {base_url} (log: {hass.log_path})", flush=True)
        async with aiohttp.ClientSession() as session:
            await wait_until_up(session, base_url, within=180)
            api = await HassApi.onboard_or_login(session, base_url, core_config=CORE_CONFIG, **USER)
            setup = await configure(api, ready["url"], pki)
            _print_banner(base_url, state_dir, vtn_events, setup, pki)
            if smoke:
                problems = await _smoke(api, vtn_events, first, time.monotonic() + args.smoke_timeout)
                problems.extend(await _security_problems(api, vtn_events, first, pki, setup))
                scan = scan_hass_log(config_dir / "home-assistant.log")
                problems.extend(scan.problems())
                for problem in problems:
                    print(f"SMOKE FAILED: {problem}", file=sys.stderr)
                return 1 if problems else 0
            while not stop.is_set():
                for child in children:
                    if not child.alive():
                        print(f"{child.name} exited:\n{child.tail()}", file=sys.stderr)
                        return 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1)
    except (BootstrapError, RuntimeError, aiohttp.ClientError) as err:
        print(f"demo failed: {err}", file=sys.stderr)
        for child in children:
            print(f"--- last lines of {child.name} ({child.log_path}):\n{child.tail()}", file=sys.stderr)
        code = 1
    finally:
        print("stopping...", flush=True)
        for child in reversed(children):
            await asyncio.to_thread(stop_process, child)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="OpenADR VEN demo: Home Assistant + a local demo VTN")
    parser.add_argument("--state-dir", type=Path, default=REPO / "demo-config", help="kept between runs")
    parser.add_argument("--reset", action="store_true", help="wipe the state folder first")
    parser.add_argument("--port", type=int, help="Home Assistant port (default: the saved or a free one)")
    parser.add_argument("--smoke", action="store_true", help="bounded self-check for CI; exits by itself")
    parser.add_argument("--smoke-timeout", type=float, default=120.0, help="seconds")
    parser.add_argument(
        "--insecure-http", action="store_true", help="plain http instead of TLS with client certificates"
    )
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
