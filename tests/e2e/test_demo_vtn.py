"""The demo VTN (tools/demo_vtn.py) runs its program, driven by openleadr's own VEN as a peer.

This checks the demo tool itself, independently of our VEN: the end-to-end test and
``./scripts/demo`` rely on what it logs.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from demo_vtn import HOURLY_PRICES, DemoVtn, EventLog, ProgramConfig  # noqa: E402
from openleadr import OpenADRClient  # noqa: E402

# A real loopback server: pytest-homeassistant-custom-component blocks sockets unless asked.
pytestmark = pytest.mark.usefixtures("socket_enabled")

# openleadr computes event status from the real clock (completed events are dropped), so the
# program is laid out from the real "now", frozen once for the whole module.
NOW = datetime.now(UTC).replace(microsecond=0)


def _z(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
async def vtn(tmp_path: Path):
    log = EventLog(tmp_path / "vtn.jsonl", echo=None)
    server = DemoVtn(
        log,
        port=0,
        program=ProgramConfig(
            simple_delay=timedelta(seconds=30),
            simple_interval=timedelta(seconds=20),
            price_hours=3,
            report_interval=timedelta(seconds=10),
        ),
        now=lambda: NOW,
    )
    await server.start()
    yield server
    await server.stop()
    log.close()


async def test_program_opts_and_reports_are_logged(vtn: DemoVtn, tmp_path: Path) -> None:
    log_path = tmp_path / "vtn.jsonl"
    ready = _records(log_path)[0]
    assert ready["kind"] == "ready"
    assert ready["port"] == vtn.port != 0
    assert ready["url"] == f"http://127.0.0.1:{vtn.port}"

    client = OpenADRClient(
        ven_name="peer-ven",
        vtn_url=f"{vtn.url}/OpenADR2/Simple/2.0b",
        show_fingerprint=False,
        allow_jitter=False,
    )
    client.add_report(
        callback=lambda: 1234.5,
        resource_id="meter",
        measurement="RealPower",
        unit="W",
        sampling_rate=timedelta(seconds=10),
    )
    try:
        await client.create_party_registration()
        assert client.ven_id == "ven-001"
        assert client.registration_id == "reg-001"

        await client.register_reports(client.reports)
        assert len(client.report_requests) == 1
        await client.update_report(client.report_requests[0]["report_request_id"])
        # openleadr's VEN queues finished reports for a worker task; send this one by hand.
        report = client.pending_reports.get_nowait()
        message = client._create_message(
            "oadrUpdateReport", ven_id=client.ven_id, request_id="u1", reports=[report]
        )
        await client._perform_request("EiReport", message)

        kind, payload = await client.request_event()
        assert kind == "oadrDistributeEvent"
        events = {e["event_signals"][0]["signal_name"]: e for e in payload["events"]}
        assert set(events) == {"SIMPLE", "ELECTRICITY_PRICE"}
        simple = events["SIMPLE"]
        assert [i["signal_payload"] for i in simple["event_signals"][0]["intervals"]] == [1.0, 2.0, 3.0]
        assert simple["active_period"]["dtstart"] == NOW + timedelta(seconds=30)
        assert simple["event_descriptor"]["market_context"].startswith("http://demo.")
        prices = [i["signal_payload"] for i in events["ELECTRICITY_PRICE"]["event_signals"][0]["intervals"]]
        assert prices == [HOURLY_PRICES[(NOW.hour + i) % 24] for i in range(3)]

        simple_id = simple["event_descriptor"]["event_id"]
        await client.created_event("r1", simple_id, "optIn")
        await client.created_event("r2", simple_id, "optOut")  # a change of mind is logged too
        await client.create_opt(
            "optOut", "notParticipating", [{"ven_id": "ven-001"}], event_id=simple_id, modification_number=0
        )
    finally:
        await client.stop()

    records = _records(log_path)
    kinds = [r["kind"] for r in records]
    registered = next(r for r in records if r["kind"] == "registered")
    assert registered["ven_name"] == "peer-ven"
    assert registered["ven_id"] == "ven-001"
    added = [r for r in records if r["kind"] == "event_added"]
    assert [a["signal"] for a in added] == ["SIMPLE", "ELECTRICITY_PRICE"]
    assert added[0]["start"] == _z(NOW + timedelta(seconds=30))
    assert added[0]["end"] == _z(NOW + timedelta(seconds=90))
    assert added[0]["values"] == [1.0, 2.0, 3.0]
    assert added[1]["start"] == _z(NOW.replace(minute=0, second=0))
    assert kinds.count("event_delivered") == 2

    report_reg = next(r for r in records if r["kind"] == "report_registered")
    assert report_reg["measurement"] == "RealPower"
    assert report_reg["requested"] is True
    assert report_reg["interval"] == 10.0
    report = next(r for r in records if r["kind"] == "report")
    assert report["ven_id"] == "ven-001"
    assert report["resource_id"] == "meter"
    assert [v[1] for v in report["values"]] == [1234.5]

    opts = [(r["event_id"], r["opt_type"]) for r in records if r["kind"] == "opt"]
    assert opts == [(simple_id, "optIn"), (simple_id, "optOut")]
    schedule = next(r for r in records if r["kind"] == "opt_schedule")
    assert schedule["opt_type"] == "optOut"
    assert schedule["ven_id"] == "ven-001"


async def test_reregistration_keeps_ids_and_program(vtn: DemoVtn, tmp_path: Path) -> None:
    for _ in range(2):
        client = OpenADRClient(
            ven_name="same-ven", vtn_url=f"{vtn.url}/OpenADR2/Simple/2.0b", show_fingerprint=False
        )
        try:
            await client.create_party_registration()
        finally:
            await client.stop()
        assert client.ven_id == "ven-001"
    records = _records(tmp_path / "vtn.jsonl")
    assert [r["kind"] for r in records].count("registered") == 2
    assert [r["kind"] for r in records].count("event_added") == 2
