"""Project-wide rules: the protocol library stays free of Home Assistant; metadata is well-formed."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "openadr_ven"
LIBRARY = INTEGRATION / "openadr"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_protocol_library_never_imports_homeassistant() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _imported_modules(path) if m.split(".")[0] == "homeassistant"
        )
        for path in LIBRARY.rglob("*.py")
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"the openadr library must not import homeassistant: {offenders}"
    assert len(list(LIBRARY.rglob("*.py"))) >= 5


def test_no_xsd_committed() -> None:
    committed = [p for p in ROOT.rglob("*.xsd") if ".venv" not in p.parts]
    assert not committed, committed


def test_manifest_follows_hassfest_rules() -> None:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    keys = list(manifest)
    # hassfest: domain and name first, the rest sorted.
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    for required in (
        "codeowners",
        "config_flow",
        "dependencies",
        "documentation",
        "integration_type",
        "iot_class",
        "issue_tracker",
        "requirements",
        "version",
    ):
        assert required in manifest, required
    assert manifest["domain"] == INTEGRATION.name
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["iot_class"] in {"cloud_polling", "local_polling", "cloud_push", "local_push"}
    assert manifest["config_flow"] is True


def test_hacs_json() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"]
    assert re.fullmatch(r"\d{4}\.\d+\.\d+", hacs["homeassistant"])
    assert set(hacs) <= {
        "name",
        "content_in_root",
        "zip_release",
        "filename",
        "hide_default_branch",
        "country",
        "homeassistant",
        "persistent_directory",
        "render_readme",
        "hacs",
    }


def test_official_schema_is_loadable() -> None:
    from oadr_xsd import compiled_schema, schema_dir

    assert (schema_dir() / "oadr_20b.xsd").is_file()
    assert compiled_schema() is not None
