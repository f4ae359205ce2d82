"""ratefloat.reports is a layer above the engine: the engine never imports it, and the
command line can register the report commands without loading the reports."""

from __future__ import annotations

import ast
import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import ratefloat.reports as reports

SRC = Path(__file__).resolve().parents[1] / "src" / "ratefloat"


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_engine_never_imports_the_reports():
    offenders = []
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC)
        if relative.parts[0] == "reports" or relative.name == "cli.py":
            continue
        for name in imported_modules(path):
            if "reports" in name.split("."):
                offenders.append(f"{relative}: {name}")
    assert not offenders


def test_registering_the_commands_loads_no_report_module():
    code = (
        "import argparse, sys; from ratefloat.reports.cli import register_report_commands; "
        "register_report_commands(argparse.ArgumentParser().add_subparsers()); "
        "print(sorted(m for m in sys.modules if m.startswith('ratefloat.reports.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['ratefloat.reports.cli']"


@pytest.mark.parametrize("name", reports.__all__)
def test_every_public_name_resolves_and_is_documented(name):
    value = getattr(reports, name)
    assert value.__doc__ and value.__doc__.strip(), name


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="key_industry_table"):
        reports.key_industry_table  # noqa: B018


@pytest.mark.parametrize("module", ["annex", "industry_map"])
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(f"ratefloat.reports.{module}"))
    assert result.attempted > 0 and result.failed == 0
