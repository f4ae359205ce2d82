"""ARCHITECTURE.md stays true: every module it lists exists, every module is listed."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src"


def listed_modules() -> set[str]:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `(ratefloat/[\w/]+\.py)` \|", text, flags=re.MULTILINE))


def actual_modules() -> set[str]:
    return {
        str(path.relative_to(PACKAGE))
        for path in (PACKAGE / "ratefloat").rglob("*.py")
        if "__pycache__" not in path.parts
    }


def test_every_listed_module_exists():
    missing = listed_modules() - actual_modules()
    assert not missing, f"ARCHITECTURE.md lists modules that do not exist: {sorted(missing)}"


def test_every_module_is_listed():
    unlisted = actual_modules() - listed_modules()
    assert not unlisted, f"add these modules to ARCHITECTURE.md: {sorted(unlisted)}"
