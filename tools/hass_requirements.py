"""Print the Python requirements that the demo's Home Assistant components still lack.

Home Assistant installs component requirements (the frontend, the recorder's database helpers)
at start-up; the demo and the end-to-end test start it with ``--skip-pip`` instead, so the scripts
install them beforehand, pinned exactly as the installed Home Assistant's manifests say (this
works for every Home Assistant version, the minimum and the newest alike).

Besides the demo configuration's components, Home Assistant always sets up its default
integrations (``bootstrap.DEFAULT_INTEGRATIONS``: since 2025.x every base entity platform), and the
websocket command ``get_services`` (which the frontend sends first) imports the modules listed in
``helpers.service._base_components``: a missing requirement of any of them (``hassil`` for
``conversation`` on 2026.x) makes that command fail and the frontend stay on "Loading...".

usage: python tools/hass_requirements.py [COMPONENT ...]   (default: the demo configuration's
       plus what Home Assistant loads by itself)
       pip install $(python tools/hass_requirements.py)
"""

from __future__ import annotations

import ast
import json
import re
import sys
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

# Top-level components of demo/configuration.yaml (their dependencies are followed).
DEMO_COMPONENTS = (
    "frontend",
    "config",
    "history",
    "logbook",
    "energy",
    "recorder",
    "automation",
    "script",
    "input_number",
    "template",
    "integration",
    "lovelace",
    "file_upload",
)
_PIN = re.compile(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*==\s*([^\s;]+)")


def _components_dir() -> Path:
    spec = find_spec("homeassistant.components")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("Home Assistant is not installed in this Python")
    return Path(next(iter(spec.submodule_search_locations)))


def always_loaded() -> list[str]:
    """Components this Home Assistant sets up or imports whatever the configuration says."""
    from homeassistant import bootstrap  # noqa: PLC0415 (only when asked)

    names: set[str] = set()
    for attribute in ("CORE_INTEGRATIONS", "DEFAULT_INTEGRATIONS"):
        names.update(str(n) for n in getattr(bootstrap, attribute, ()))
    names.update(_base_components(_components_dir().parent / "helpers" / "service.py"))
    return sorted(names)


def _base_components(service_py: Path) -> list[str]:
    """The components ``helpers/service.py`` imports inside ``_base_components`` (read, not run)."""
    try:
        tree = ast.parse(service_py.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return []
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "_base_components":
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.module == "homeassistant.components":
                    names.extend(alias.name for alias in inner.names)
    return names


def requirements(components: tuple[str, ...] | list[str]) -> list[str]:
    base = _components_dir()
    seen: set[str] = set()
    todo = list(components)
    found: dict[str, None] = {}
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        manifest_path = base / name / "manifest.json"
        if not manifest_path.is_file():
            continue
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        todo.extend(manifest.get("dependencies", []))
        for requirement in manifest.get("requirements", []):
            found[requirement] = None
    return [r for r in found if not _satisfied(r)]


def _satisfied(requirement: str) -> bool:
    match = _PIN.match(requirement)
    if not match:
        return False
    name = match.group(1).split("[")[0]
    try:
        return metadata.version(name) == match.group(2)
    except metadata.PackageNotFoundError:
        return False


def main(argv: list[str]) -> int:
    for requirement in requirements(argv or [*DEMO_COMPONENTS, *always_loaded()]):
        print(requirement)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
