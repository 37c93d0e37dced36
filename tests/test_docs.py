"""The user documentation stays true: README covers every service and entity; shipped YAML loads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "openadr_ven"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _services() -> list[str]:
    return sorted(yaml.safe_load((INTEGRATION / "services.yaml").read_text(encoding="utf-8")))


def _entity_keys() -> list[tuple[str, str]]:
    strings = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
    return sorted((platform, key) for platform, keys in strings.get("entity", {}).items() for key in keys)


def _description_keys() -> set[str]:
    """translation_key="..." of every entity description in the platform modules."""
    keys: set[str] = set()
    for module in ("binary_sensor", "sensor", "select", "calendar", "event", "switch", "number"):
        path = INTEGRATION / f"{module}.py"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            keys.update(re.findall(r"EntityDescription\([^)]*?translation_key=\"([a-z0-9_]+)\"", text, re.S))
            keys.update(re.findall(r"\bkey=\"([a-z0-9_]+)\"", text))
    return keys


def test_readme_documents_every_service() -> None:
    services = _services()
    assert len(services) >= 4
    missing = [s for s in services if f"openadr_ven.{s}" not in README]
    assert not missing, f"README.md does not document these services: {missing}"


def test_readme_documents_every_entity_translation_key() -> None:
    keys = _entity_keys()
    missing = [f"{platform}.{key}" for platform, key in keys if f"`{key}`" not in README]
    assert not missing, f"README.md does not document these entities (by key): {missing}"


def test_readme_documents_every_entity_description_key() -> None:
    keys = _description_keys()
    assert {"simple_level", "event_active", "opt_decision"} <= keys, keys
    missing = sorted(k for k in keys if f"`{k}`" not in README)
    assert not missing, f"README.md does not document these entity keys: {missing}"


def test_readme_documents_every_event_type() -> None:
    from custom_components.openadr_ven.openadr.state import NotificationKind

    missing = [str(kind) for kind in NotificationKind if f"`{kind}`" not in README]
    assert not missing, f"README.md does not list these event types: {missing}"


def test_readme_keeps_the_two_commands() -> None:
    assert "./scripts/demo" in README
    assert "./scripts/test" in README
    for script in ("scripts/demo", "scripts/test"):
        assert (ROOT / script).stat().st_mode & 0o111, f"{script} is not executable"


def test_blueprint_is_a_valid_automation_blueprint() -> None:
    from homeassistant.components.blueprint.models import Blueprint
    from homeassistant.components.blueprint.schemas import BLUEPRINT_SCHEMA
    from homeassistant.util.yaml import load_yaml_dict

    paths = sorted((ROOT / "blueprints" / "automation" / "openadr_ven").glob("*.yaml"))
    assert paths
    for path in paths:
        data = load_yaml_dict(str(path))
        blueprint = Blueprint(data, expected_domain="automation", schema=BLUEPRINT_SCHEMA)
        assert set(blueprint.inputs) >= {"simple_level", "threshold", "loads"}
        assert path.name in README


@pytest.mark.parametrize("name", ["configuration.yaml", "dashboard.yaml"])
def test_demo_yaml_loads(name: str) -> None:
    from homeassistant.util.yaml import load_yaml_dict

    data = load_yaml_dict(str(ROOT / "demo" / name))
    assert data
    if name == "dashboard.yaml":
        cards = [card for view in data["views"] for card in view["cards"]]
        assert {card["type"] for card in cards} >= {"entities", "calendar", "gauge"}
