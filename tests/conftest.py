"""Shared test set-up.

pytest-homeassistant-custom-component ships a ``custom_components`` package of its own for its
test configuration; put this checkout first on sys.path and import our package before anything
else so ``custom_components.openadr_ven`` is always ours.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
for extra in (REPO_ROOT, REPO_ROOT / "schema"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import custom_components  # noqa: E402

if Path(next(iter(custom_components.__path__))).resolve() != (REPO_ROOT / "custom_components").resolve():
    # Another custom_components package was imported first: make ours win.
    for name in [m for m in sys.modules if m == "custom_components" or m.startswith("custom_components.")]:
        del sys.modules[name]
    import custom_components

import custom_components.openadr_ven  # noqa: E402
