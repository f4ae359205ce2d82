"""The documentation cannot go stale.

* every ```python block of ``docs/**/*.md`` runs (the blocks of one page in order, in one
  namespace); a block opts out with a ``<!-- skip -->`` line right before it;
* every ```yaml block is a rule table, or a piece of one, and loads with
  ``ratefloat.load_table`` (a piece is completed with a minimal table, ``BASE_TABLE``);
  a block after ``<!-- invalid -->`` must fail to load, with each line of the ```text
  block that follows it in the error message; ``<!-- not-a-table -->`` opts out;
* the tables written into the docs (column vocabulary, reject reasons, engine reasons,
  exit codes) equal what the code says, and the published JSON Schema equals
  ``ratefloat.rule_table_json_schema()``;
* every public name of ``ratefloat.__all__`` has a docstring;
* ``mkdocs build --strict`` passes, where mkdocs is installed.
"""

from __future__ import annotations

import copy
import importlib.util
import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import ratefloat

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)[^\n]*$")


@dataclass
class Block:
    path: Path
    line: int  #: 1-based line of the opening fence
    lang: str
    code: str
    marker: str  #: the non-blank line before the fence, stripped


def blocks(path: Path) -> list[Block]:
    """Fenced code blocks of a Markdown file, indented ones (tabs, admonitions) included."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    previous = ""
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            if lines[i].strip():
                previous = lines[i].strip()
            i += 1
            continue
        indent, fence, lang = match["indent"], match["fence"], match["lang"].lower()
        body = []
        j = i + 1
        while j < len(lines):
            stripped = lines[j].strip()
            if stripped.startswith(fence) and set(stripped) <= set(fence[0]):
                break
            body.append(lines[j][len(indent) :] if lines[j].startswith(indent) else lines[j])
            j += 1
        found.append(Block(path, i + 1, lang, textwrap.dedent("\n".join(body)), previous))
        previous = ""
        i = j + 1
    return found


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def _page_id(path: Path) -> str:
    return str(path.relative_to(DOCS))


PYTHON_PAGES = [p for p in pages() if any(b.lang in ("python", "py") for b in blocks(p))]


# -- python blocks ------------------------------------------------------------------------


@pytest.mark.parametrize("path", PYTHON_PAGES, ids=_page_id)
def test_python_blocks_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for block in blocks(path):
        if block.lang not in ("python", "py") or block.marker == "<!-- skip -->":
            continue
        code = compile(block.code, f"{_page_id(path)}:{block.line}", "exec")
        try:
            exec(code, namespace)
        except Exception as error:  # pragma: no cover - the failure message is the point
            raise AssertionError(
                f"{_page_id(path)}, the python block at line {block.line} fails: "
                f"{type(error).__name__}: {error}"
            ) from error


def test_skip_is_rare() -> None:
    skipped = [
        f"{_page_id(b.path)}:{b.line}"
        for p in pages()
        for b in blocks(p)
        if b.lang == "python" and b.marker == "<!-- skip -->"
    ]
    assert len(skipped) <= 3, f"too many skipped python blocks: {skipped}"


# -- yaml blocks: rule tables and pieces of them ------------------------------------------

#: What a piece of a table is completed with. Keys of the piece replace these, except the
#: mappings below, which the piece extends (a piece may add a ladder and use it).
BASE_TABLE: dict[str, Any] = {
    "id": "doc-example",
    "name": "example from the docs",
    "jurisdiction": "example",
    "source": {"document": "example"},
    "ladders": {
        "class-1": {"grades": {0: 1.0, 1: 1.2, 2: 1.5}},
        "classes-2-8": {"grades": {-2: 0.5, -1: 0.8, 0: 1.0, 1: 1.2, 2: 1.5}},
    },
    "classes": {
        number: {"base_rate": rate, "ladder": "class-1" if number == 1 else "classes-2-8"}
        for number, rate in zip(
            range(1, 9), [0.002, 0.004, 0.007, 0.009, 0.011, 0.013, 0.016, 0.019], strict=True
        )
    },
}
_EXTENDED = ("ladders", "classes", "parameters", "inputs", "indicators")


def complete(piece: dict[str, Any]) -> dict[str, Any]:
    """A whole table from a piece of one (a whole table is returned as it is)."""
    if "id" in piece and "ladders" in piece and "classes" in piece:
        return piece
    table = copy.deepcopy(BASE_TABLE)
    for key, value in piece.items():
        if key in _EXTENDED and isinstance(value, dict):
            table.setdefault(key, {}).update(value)
        else:
            table[key] = value
    return table


#: Pages written by other tools, whose yaml blocks are not rule tables.
NOT_RULE_TABLES = {"benchmarks.md"}


def yaml_blocks() -> list[tuple[Block, Block | None]]:
    """Every rule-table yaml block of the docs, with the block after it (for invalid ones).

    A yaml block that is not a rule table opts out with ``<!-- not-a-table -->``.
    """
    found = []
    for path in pages():
        if _page_id(path) in NOT_RULE_TABLES:
            continue
        page = blocks(path)
        for index, block in enumerate(page):
            if block.lang not in ("yaml", "yml") or block.marker == "<!-- not-a-table -->":
                continue
            following = page[index + 1] if index + 1 < len(page) else None
            found.append((block, following))
    return found


YAML_BLOCKS = yaml_blocks()


def test_the_guide_has_yaml_examples() -> None:
    guide = [b for b, _ in YAML_BLOCKS if b.path.name == "rule-tables.md"]
    assert len(guide) > 30


@pytest.mark.parametrize(
    ("block", "following"),
    YAML_BLOCKS,
    ids=[f"{_page_id(b.path)}:{b.line}" for b, _ in YAML_BLOCKS],
)
def test_yaml_blocks_load(block: Block, following: Block | None) -> None:
    piece = yaml.safe_load(block.code)
    assert isinstance(piece, dict), "a rule-table example must be a mapping"
    table = complete(piece)
    if block.marker != "<!-- invalid -->":
        loaded = ratefloat.load_table(table)
        assert loaded.id == table["id"]
        return
    with pytest.raises(ratefloat.RuleTableError) as raised:
        ratefloat.load_table(table)
    assert following is not None and following.lang == "text", (
        "an invalid example is followed by a ```text block with the expected message"
    )
    message = " ".join(str(raised.value).split())
    for line in following.code.splitlines():
        expected = " ".join(line.split())
        assert not expected or expected in message, f"{expected!r} not in {message!r}"


def _hook() -> Any:
    spec = importlib.util.spec_from_file_location(
        "ratefloat_docs", DOCS / "hooks" / "ratefloat_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_table_pages_render_every_construct() -> None:
    """The generated table pages cope with every example of the docs, not only built-ins."""
    hook = _hook()
    for block, _ in YAML_BLOCKS:
        if block.marker == "<!-- invalid -->":
            continue
        table = ratefloat.load_table(complete(yaml.safe_load(block.code)))
        page = hook.render_table(table)
        for rule_id in table.rule_ids():
            assert f"`{rule_id}`" in page, f"{block.path.name}:{block.line}: {rule_id}"
    reference = hook.render_model_reference()
    for field in ratefloat.RuleTable.model_fields:
        assert f"| `{field}` |" in reference, f"RuleTable.{field} missing from the reference"


def test_template_runs_on_the_example() -> None:
    """The template of the rule-table guide rates the bundled extract."""
    guide = DOCS / "guides" / "rule-tables.md"
    template = next(b for b in blocks(guide) if b.lang == "yaml")
    table = ratefloat.load_table(yaml.safe_load(template.code))
    assert table.confidence == "template"
    extract = ratefloat.load_example()
    result = ratefloat.rerate(extract, table, as_of="2025-07-01")
    assert len(result.rated) + len(result.rejects) == extract["employer_id"].nunique()
    assert set(result.rated["grade"]) >= {-2, 0, 2}
    assert f"{len(table.rule_ids())} rules" in guide.read_text(encoding="utf-8")


# -- tables written into the docs ---------------------------------------------------------


def marked_table(path: Path, name: str) -> list[list[str]]:
    """The cells of the Markdown table between ``<!-- name:start -->`` and ``:end``."""
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.S)
    assert match, f"{path.name} has no <!-- {name}:start/end --> table"
    rows = []
    for line in match[1].strip().splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows.append(cells)
    return rows


def _unquote(cell: str) -> str:
    return cell.strip("`")


INTEGRATOR = DOCS / "guides" / "integrator.md"


def test_column_vocabulary_matches_schema() -> None:
    from ratefloat.schema import COLUMNS

    expected = [
        [
            f"`{s.name}`",
            s.zh,
            s.description,
            s.kind.value,
            s.aggregate.value,
            "yes" if s.required else "",
        ]
        for s in COLUMNS
    ]
    shown = marked_table(INTEGRATOR, "columns")
    assert shown == expected, "update the column vocabulary in docs/guides/integrator.md to:\n" + (
        "\n".join("| " + " | ".join(row) + " |" for row in expected)
    )


def test_reject_reasons_match() -> None:
    expected = [[f"`{r.value}`", r.description] for r in ratefloat.RejectReason]
    shown = marked_table(INTEGRATOR, "reasons")
    assert shown == expected, "update the reason codes in docs/guides/integrator.md to:\n" + (
        "\n".join("| " + " | ".join(row) + " |" for row in expected)
    )


def test_engine_reasons_match() -> None:
    from ratefloat.engine import FLAG_NAMES

    shown = {
        _unquote(row[0]).split(":", 1)[1] for row in marked_table(INTEGRATOR, "engine-reasons")
    }
    assert shown == set(FLAG_NAMES.values())


@pytest.mark.parametrize(
    "page", [INTEGRATOR, DOCS / "guides" / "batch.md", DOCS / "reference" / "cli.md"]
)
def test_exit_codes_match(page: Path) -> None:
    from ratefloat.cli import EXIT_CODES

    shown = {int(row[0]) for row in marked_table(page, "exit-codes")}
    assert shown == set(EXIT_CODES.values())


def test_published_json_schema_is_current() -> None:
    published = json.loads((DOCS / "reference" / "rule-table.schema.json").read_text("utf-8"))
    assert published == ratefloat.rule_table_json_schema(), (
        "docs/reference/rule-table.schema.json is stale; regenerate it with\n"
        "    ratefloat schema -o docs/reference/rule-table.schema.json"
    )


# -- docstrings ---------------------------------------------------------------------------

#: Public members known to lack a docstring; new ones fail the test.
KNOWN_UNDOCUMENTED = {"RejectReason.description"}


def _undocumented() -> list[str]:
    missing = []
    for name in ratefloat.__all__:
        obj = getattr(ratefloat, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if not (inspect.getdoc(obj) or "").strip():
            missing.append(name)
        if not inspect.isclass(obj):
            continue
        for member, value in vars(obj).items():
            if member.startswith("_"):
                continue
            function = value.fget if isinstance(value, property) else value
            if isinstance(function, (staticmethod, classmethod)):
                function = function.__func__
            if inspect.isfunction(function) and not (function.__doc__ or "").strip():
                missing.append(f"{name}.{member}")
    return missing


def test_public_api_has_docstrings() -> None:
    missing = [name for name in _undocumented() if name not in KNOWN_UNDOCUMENTED]
    assert not missing, f"public names without a docstring: {missing}"


def test_api_reference_covers_all() -> None:
    api = (DOCS / "reference" / "api.md").read_text(encoding="utf-8")
    assert "::: ratefloat\n" in api
    for module in ("ratefloat.testing", "ratefloat.reference", "ratefloat.classification"):
        assert f"::: {module}" in api
    assert "::: ratefloat.synth" in api


# -- the site -----------------------------------------------------------------------------


def test_sphinx_roles_become_markdown() -> None:
    spec = importlib.util.spec_from_file_location(
        "griffe_docstrings", DOCS / "hooks" / "griffe_docstrings.py"
    )
    if importlib.util.find_spec("griffe") is None or spec is None or spec.loader is None:
        pytest.skip("griffe not installed")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = "Start with :func:`rerate`::\n\n    code\n\nSee :class:`~ratefloat.rules.RuleTable`."
    assert module.markdown_docstring(text) == (
        "Start with `rerate`:\n\n    code\n\nSee `RuleTable`."
    )


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs not installed")
def test_mkdocs_build_strict(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    # generated parts: a page per built-in table, with every rule id
    for info in ratefloat.list_tables():
        page = site / "tables" / info.id / "index.html"
        assert page.exists(), f"no page for built-in table {info.id}"
        text = page.read_text(encoding="utf-8")
        for rule_id in ratefloat.load_table(info.id).rule_ids():
            assert rule_id in text, f"{info.id}: rule {rule_id} missing from its page"
        assert info.id in (site / "tables" / "index.html").read_text(encoding="utf-8")
    # every public name has its entry in the API reference
    api = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    for name in ratefloat.__all__:
        if name.startswith("__"):
            continue
        anchor = "ratefloat.rerate.rerate" if name == "rerate" else f"ratefloat.{name}"
        assert f'id="{anchor}"' in api, f"{name} is missing from the API reference"
    assert ":func:" not in api, "Sphinx roles must be turned into Markdown"
    assert (site / "reference" / "rule-table.schema.json").exists()
    assert not (site / "hooks").exists(), "the build hook must not be published"
