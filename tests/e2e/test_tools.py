"""The pure helpers of the demo and e2e tooling: hass log scanning, flow form filling, requirements."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from browser import auth_callback_url  # noqa: E402
from hass_bootstrap import BootstrapError, form_data  # noqa: E402
from hass_requirements import _base_components, always_loaded, requirements  # noqa: E402
from log_scan import scan_text  # noqa: E402

LOG = """\
2026-01-01 10:00:00.001 WARNING (MainThread) [homeassistant.loader] We found a custom integration openadr_ven
2026-01-01 10:00:01.000 ERROR (MainThread) [homeassistant.components.met] Error fetching data
2026-01-01 10:00:02.000 DEBUG (MainThread) [custom_components.openadr_ven.openadr.transport] EiEvent: sent 10 bytes
2026-01-01 10:00:03.000 WARNING (MainThread) [homeassistant.util.loop] Detected blocking call to open with args \
('/x',) inside the event loop by custom integration 'openadr_ven' at custom_components/openadr_ven/store.py, line 9
2026-01-01 10:00:04.000 ERROR (MainThread) [custom_components.openadr_ven.coordinator] Poll failed
2026-01-01 10:00:05.000 ERROR (MainThread) [homeassistant] Error doing job: Task exception was never retrieved
Traceback (most recent call last):
  File "/config/custom_components/openadr_ven/openadr/driver.py", line 153, in run
AttributeError: 'str' object has no attribute 'value'
2026-01-01 10:00:06.000 ERROR (MainThread) [homeassistant] Error doing job: something else
Traceback (most recent call last):
  File "/usr/lib/python3/site-packages/other/thing.py", line 1, in run
ValueError: not ours
2026-01-01 10:00:07.000 WARNING (MainThread) [homeassistant.helpers.frame] Detected that custom integration \
'openadr_ven' calls async_forward_entry_setup, which is deprecated
"""  # noqa: E501


def test_log_scan_finds_only_what_concerns_the_integration() -> None:
    scan = scan_text(LOG)
    assert len(scan.records) == 8
    assert [r.logger for r in scan.blocking_calls] == ["homeassistant.util.loop"]
    assert [r.logger for r in scan.errors] == ["custom_components.openadr_ven.coordinator"]
    assert len(scan.tracebacks) == 1
    assert "AttributeError" in scan.tracebacks[0].text
    assert "not ours" not in scan.tracebacks[0].text
    assert len(scan.integration_reports) == 1
    assert len(scan.ours) == 2
    assert len(scan.problems()) == 4


def test_log_scan_of_a_clean_log_has_no_problems() -> None:
    assert scan_text(LOG.splitlines()[0] + "\n" + LOG.splitlines()[2]).problems() == []


SCHEMA = [
    {"name": "vtn_url", "required": True, "selector": {"text": {}}},
    {"name": "ven_name", "required": True},
    {"name": "ven_id", "optional": True},
    {"name": "xml_signature", "optional": True, "default": False},
    {"name": "advanced", "type": "expandable", "schema": [{"name": "resource_id", "optional": True}]},
]


def test_form_data_fills_fields_by_name_and_step() -> None:
    values = {"vtn_url": "http://a", "ven_name": "n", "user:ven_name": "m", "resource_id": "r"}
    values["ven_id"] = None  # None = leave the field out
    assert form_data(SCHEMA, values, step_id="user") == {
        "vtn_url": "http://a",
        "ven_name": "m",
        "advanced": {"resource_id": "r"},
    }


def test_form_data_names_a_missing_required_field() -> None:
    with pytest.raises(BootstrapError, match="'ven_name'"):
        form_data(SCHEMA, {"vtn_url": "http://a"}, step_id="user")


def test_auth_callback_url_carries_code_and_state() -> None:
    url = auth_callback_url("http://127.0.0.1:8123", "/openadr-demo", "abc")
    assert url.startswith("http://127.0.0.1:8123/openadr-demo?auth_callback=1&code=abc&state=")
    # state = base64 of {"hassUrl": ..., "clientId": ...}, what the frontend checks
    state = (
        "eyJoYXNzVXJsIjogImh0dHA6Ly8xMjcuMC4wLjE6ODEyMyIsICJjbGllbnRJZCI6"
        "ICJodHRwOi8vMTI3LjAuMC4xOjgxMjMvIn0%3D"
    )
    assert url.endswith(f"state={state}")


def test_requirements_follow_manifest_dependencies() -> None:
    # Everything the demo needs is installed in a set-up venv, so nothing is missing...
    assert requirements(["recorder", "history"]) == []
    # ...and an uninstalled component's pinned requirement is reported.
    assert any(r.lower().startswith("gtts==") for r in requirements(["google_translate"]))


def test_base_components_are_read_from_the_service_helper(tmp_path: Path) -> None:
    source = tmp_path / "service.py"
    source.write_text(
        "from homeassistant.components import frontend\n"
        "def _base_components():\n"
        "    from homeassistant.components import (  # noqa\n"
        "        ai_task,\n        calendar,\n    )\n"
        "    return {}\n"
        "def other():\n    from homeassistant.components import light\n",
        encoding="utf-8",
    )
    assert _base_components(source) == ["ai_task", "calendar"]
    assert _base_components(tmp_path / "missing.py") == []


def test_always_loaded_covers_defaults_and_base_components() -> None:
    # What this Home Assistant sets up by itself (the frontend's get_services imports these too):
    # a missing requirement there kept the 2026 frontend on "Loading...".
    loaded = always_loaded()
    for name in ("homeassistant", "automation", "input_number", "light", "calendar"):
        assert name in loaded, loaded
    assert requirements(loaded) == [], "scripts/test installs these; run it (or pip install them)"
