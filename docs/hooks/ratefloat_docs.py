"""MkDocs hook: the parts of the site that are generated from ratefloat itself.

* one page per built-in rule table (``tables/<id>.md``), from its YAML, so a table that
  lands in ``src/ratefloat/rules/tables/`` gets a page and a nav entry with no docs edit;
  a hand-written page of the same name keeps its own text around the generated part;
* the list of built-in tables on ``tables/index.md``;
* the field tables of the rule-table reference, from the pydantic models.

Pages mark the generated part with a pair of HTML comments::

    <!-- generated:start table cn-jiangsu-2023 -->
    text shown when the hook does not run
    <!-- generated:end -->

and the hook replaces everything between them. Builders that ignore MkDocs hooks (Zensical
0.0.x) keep the fallback text, so the site still builds there, with less in it.
"""

from __future__ import annotations

import html
import math
import re
import sys
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mkdocs.structure.files import Files

_MARKER = re.compile(
    r"<!-- generated:start (?P<what>[\w-]+)(?: (?P<arg>[\w.-]+))? -->.*?<!-- generated:end -->",
    re.S,
)
_TABLES_DIR = "tables"


def _ratefloat() -> Any:
    try:
        import ratefloat
    except ImportError:  # building from a checkout without an install
        sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
        import ratefloat
    return ratefloat


# -- MkDocs events ------------------------------------------------------------------------


def on_config(config: Any) -> Any:
    """Add a nav entry under the built-in tables for every table that has none yet."""
    nav = config.get("nav")
    if not nav:
        return config
    section = _section_holding(nav, f"{_TABLES_DIR}/index.md")
    if section is None:
        return config
    listed = set(_nav_paths(section))
    for table_id in table_ids():
        path = f"{_TABLES_DIR}/{table_id}.md"
        if path not in listed:
            section.append({table_id: path})
    return config


def on_files(files: Files, config: Any) -> Files:
    """Create the page of every built-in table that has no hand-written page."""
    from mkdocs.structure.files import File

    for table_id in table_ids():
        path = f"{_TABLES_DIR}/{table_id}.md"
        if files.get_file_from_path(path) is None:
            table = _ratefloat().load_table(table_id)
            content = (
                f"# {table.name}\n\n"
                f"<!-- generated:start table {table_id} -->\n<!-- generated:end -->\n"
            )
            files.append(File.generated(config, path, content=content))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Fill the generated parts of a page."""
    return _MARKER.sub(lambda match: _render(match["what"], match["arg"]), markdown)


def _render(what: str, arg: str | None) -> str:
    if what == "table" and arg:
        return render_table(arg)
    if what == "table-list":
        return render_table_list()
    if what == "model-reference":
        return render_model_reference()
    raise ValueError(f"unknown generated part {what!r}")


def _section_holding(nav: list[Any], path: str) -> list[Any] | None:
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if value == path and nav is not None:
            return nav
        if isinstance(value, list):
            found = _section_holding(value, path)
            if found is not None:
                return found
    return None


def _nav_paths(section: list[Any]) -> list[str]:
    paths = []
    for item in section:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, str):
            paths.append(value)
    return paths


# -- built-in tables ----------------------------------------------------------------------


def table_ids() -> list[str]:
    """Ids of the built-in rule tables."""
    return [info.id for info in _ratefloat().list_tables()]


_TAGS = {
    "S": "seen in the source text",
    "S2": "seen in a secondary source (news, summary, repost)",
    "I": "inferred (reading, arithmetic, attribution)",
    "U": "recalled, not found in a source",
    "param": "left to the agency: a parameter",
}


def render_table_list() -> str:
    """The table of built-in rule tables, one row each, linked to their pages."""
    lines = [
        "| table | jurisdiction | source | in force | confidence | parameters to supply |",
        "|---|---|---|---|---|---|",
    ]
    for info in _ratefloat().list_tables():
        span = f"{info.effective_from or '…'} – {info.effective_to or '…'}"
        needs = ", ".join(f"`{p}`" for p in info.parameters_required) or "none"
        lines.append(
            f"| [`{info.id}`]({info.id}.md) | {_cell(info.jurisdiction)} | {_cell(info.source)} "
            f"| {span} | {info.confidence} | {needs} |"
        )
    return "\n".join(lines)


def render_table(table_id: Any) -> str:
    """The reference part of a table's page (a built-in id, or any loadable table)."""
    rf = _ratefloat()
    table = rf.load_table(table_id)
    from ratefloat.window import window_years

    out: list[str] = []
    add = out.append
    source = table.source
    effective = f"{table.effective_from or '…'} – {table.effective_to or '…'}"
    example_as_of = table.effective_from or __import__("datetime").date(2025, 1, 1)
    # Numbers written as $parameter are shown at the parameters' defaults.
    defaults = {n: p.default for n, p in table.parameters.items() if p.default is not None}
    numbers = table.with_parameters(defaults) if table.parameter_refs() <= set(defaults) else table
    span = window_years(example_as_of, numbers.window)
    add("## Identity and source\n")
    add("| | |\n|---|---|")
    rows = [
        ("id", f"`{table.id}`"),
        ("name", _cell(table.name)),
        ("jurisdiction", _cell(table.jurisdiction)),
        ("document (文件号)", _cell(source.document)),
        ("title", _cell(source.title or "")),
        ("issued", str(source.issued or "")),
        ("articles encoded", _cell(source.articles or "")),
        ("in force", effective),
        ("version", f"`{table.version}`"),
        ("confidence", f"**{table.confidence}**"),
        (
            "window (考核期)",
            f"{_plural(numbers.window.years, 'calendar year')}, ending "
            f"{_plural(table.window.lag_years, 'year')} before the year of `as_of`: as of "
            f"{example_as_of} the window is {_years(span.first, span.last)}, the previous "
            f"one {_years(span.previous_first, span.previous_last)}",
        ),
        ("content hash", f"`sha256:{rf.table_hash(table)}`"),
    ]
    for key, value in rows:
        if value:
            add(f"| {key} | {value} |")
    add("")
    if table.description:
        add(_text(table.description) + "\n")
    if source.urls:
        add("Read from:\n")
        for url in source.urls:
            add(f"- <{url}>")
        add("")
    if source.notes:
        add('!!! note "Notes on the source"\n')
        add("    " + _text(source.notes) + "\n")

    add("## Parameters\n")
    if table.parameters:
        add(
            "Parameters stand where the source leaves a value to the agency or is silent. "
            "Pass them as `rerate(..., params={...})` or `--param NAME=VALUE`.\n"
        )
        add("| parameter | type | default | description | evidence |\n|---|---|---|---|---|")
        for name, parameter in table.parameters.items():
            default = (
                "**required**" if parameter.default is None else f"`{_value(parameter.default)}`"
            )
            add(
                f"| `{name}` | {parameter.type} | {default} | {_cell(parameter.description)} "
                f"| {_tag(parameter.tag)} |"
            )
        add("")
    else:
        add("None: the table runs as it is.\n")

    columns = rf.required_columns(table)
    add("## Extract columns\n")
    add("Required: " + ", ".join(f"`{name}`" for name in columns) + ".\n")
    if table.inputs:
        add("Columns the table reads beyond the core ones:\n")
        add("| column | kind | over the window | when absent | description |")
        add("|---|---|---|---|---|")
        for name, spec in table.inputs.items():
            absent = "required" if spec.default is None else f"`{_value(spec.default)}`"
            add(
                f"| `{name}` | {spec.kind} | {spec.aggregate or 'default'} | {absent} "
                f"| {_cell(spec.description or '')} |"
            )
        add("")

    used = table.names_used()
    indicators = {
        name: spec
        for name, spec in table.all_indicators.items()
        if name in table.indicators or name in used or f"prev_{name}" in used
    }
    if indicators:
        add("## Indicators\n")
        add("| indicator | definition | description |\n|---|---|---|")
        for name, spec in indicators.items():
            add(f"| `{name}` | {_indicator(spec)} | {_cell(spec.description or '')} |")
        add("")

    add("## Classes and ladders (行业风险类别, 浮动档次)\n")
    grades = sorted({g for ladder in table.ladders.values() for g in ladder.grades})
    header = " | ".join(f"grade {g:+d}" if g else "grade 0" for g in grades)
    add(f"| class | base rate | ladder | floated | {header} |")
    add("|---|---|---|---|" + "---|" * len(grades))
    for number, spec in table.classes.items():
        ladder = numbers.ladders[spec.ladder]
        cells = []
        for grade in grades:
            value = ladder.grades.get(grade)
            cells.append("" if value is None else _grade_cell(ladder.mode, spec.base_rate, value))
        floated = "yes" if spec.floated else "**no**"
        add(
            f"| {number} | {_percent(spec.base_rate)} | `{spec.ladder}` | {floated} | "
            + " | ".join(cells)
            + " |"
        )
    add("")
    for name, ladder in table.ladders.items():
        if ladder.description:
            add(f"- `{name}` ({ladder.mode}): {_cell(ladder.description)}")
    add("")
    if getattr(table, "base_rates", None):
        add("Dated base rates replace the class base rates in their date range:\n")
        add("| from | to | rates by class | cite | evidence |\n|---|---|---|---|---|")
        for schedule in table.base_rates:
            if schedule.rates is None:
                rates = f"**unknown**: {_cell(schedule.note or 'not given by the sources')}"
            else:
                rates = ", ".join(f"{k}: {_percent(v)}" for k, v in schedule.rates.items())
            add(
                f"| {schedule.effective_from} | {schedule.effective_to or '…'} | {rates} "
                f"| {_cell(schedule.cite or '')} | {_tag(schedule.tag)} |"
            )
        add("")

    add("## Rules in evaluation order\n")
    add(
        "Each rule id below is what the `reasons` column and `explain()` report. "
        "Conditions are in the [expression language](../guides/rule-tables.md#expressions).\n"
    )
    add("### Eligibility (不浮动情形)\n")
    if table.eligibility:
        add("First match wins; a matching employer is not floated by the bands.\n")
        add("| rule | condition | outcome | source sentence (cite) | evidence |")
        add("|---|---|---|---|---|")
        for rule in table.eligibility:
            add(
                f"| `{rule.id}` | {_code(rule.when)} | {_outcome(rule.outcome)} "
                f"| {_cell(rule.cite or '')} | {_tag(rule.tag)} |"
            )
        add("")
    else:
        add("None.\n")
    not_floated = [str(n) for n, spec in table.classes.items() if not spec.floated]
    if not_floated:
        add(f"Classes never floated (`floated: false`): {', '.join(not_floated)}.\n")

    combine = "first match wins" if table.combine == "first" else "the highest grade wins"
    add(f"### Bands (combine: `{table.combine}`, {combine})\n")
    add("| rule | condition | outcome | source sentence (cite) | evidence |")
    add("|---|---|---|---|---|")
    for band in table.bands:
        if band.rows:
            for row_id, row in zip(band.row_ids(), band.rows, strict=True):
                condition = f"`{band.indicator} in {row.interval}`"
                if band.when:
                    condition = f"{_code(band.when)} and {condition}"
                add(
                    f"| `{row_id}` | {condition} | {_outcome(row.outcome)} "
                    f"| {_cell(row.cite or band.cite or '')} | {_tag(row.tag or band.tag)} |"
                )
        else:
            add(
                f"| `{band.id}` | {_code(band.when or 'true')} | {_outcome(band.outcome)} "
                f"| {_cell(band.cite or '')} | {_tag(band.tag)} |"
            )
    add(f"| `otherwise` | no band matched | {_outcome(table.otherwise)} | | |")
    add("")

    add("### Modifiers\n")
    if table.modifiers:
        add("Applied in this order where the condition holds.\n")
        add("| rule | condition | action | source sentence (cite) | evidence |")
        add("|---|---|---|---|---|")
        for modifier in table.modifiers:
            add(
                f"| `{modifier.id}` | {_code(modifier.when)} | {_action(modifier)} "
                f"| {_cell(modifier.cite or '')} | {_tag(modifier.tag)} |"
            )
        add("")
    else:
        add("None.\n")

    if table.movement is not None:
        add("### Movement\n")
        movement = table.movement
        if movement.max_step is not None:
            add(f"- At most {movement.max_step} grade(s) from the current grade per cycle.")
        if movement.max_from_base is not None:
            add(f"- Never more than {movement.max_from_base} grade(s) from the base grade.")
        add("")

    bounds = table.bounds
    add("### Bounds\n")
    bound_lines = []
    if bounds.min_rate is not None:
        bound_lines.append(f"- Floor on every rate: {_bound(table, bounds.min_rate)}.")
    if bounds.max_rate is not None:
        bound_lines.append(f"- Cap on every rate: {_bound(table, bounds.max_rate)}.")
    for number, per_class in bounds.per_class.items():
        if per_class.min_rate is not None:
            bound_lines.append(f"- Class {number} floor: {_bound(table, per_class.min_rate)}.")
        if per_class.max_rate is not None:
            bound_lines.append(f"- Class {number} cap: {_bound(table, per_class.max_rate)}.")
    if bound_lines:
        out.extend(bound_lines)
        if bounds.cite or bounds.tag:
            add(f"- Source: {_cell(bounds.cite or '')} {_tag(bounds.tag)}")
    else:
        add("None.")
    add("")

    if getattr(table, "cuts", None):
        add("### Phased cuts (阶段性降费)\n")
        add("| cut | in force | factor | on | classes | cite | evidence |")
        add("|---|---|---|---|---|---|---|")
        for cut in table.cuts:
            classes = ", ".join(map(str, cut.classes)) if cut.classes else "all"
            add(
                f"| `{cut.id}` | {cut.effective_from} – {cut.effective_to or '…'} | "
                f"×{_value(cut.factor)} | {cut.applies_to} | {classes} "
                f"| {_cell(cut.cite or '')} | {_tag(cut.tag)} |"
            )
        add("")

    add("### Rounding\n")
    add(
        f"Rates to {table.rounding.rate_decimals} decimals of a fraction of payroll, money "
        f"to {table.rounding.money_decimals} decimals of a yuan, half up (四舍五入).\n"
    )
    if table.monotone_in:
        add(
            "More of "
            + ", ".join(f"`{name}`" for name in table.monotone_in)
            + " never lowers the grade (checked by the test suite).\n"
        )
    tags = _tags_used(table)
    if tags:
        add("### Evidence tags\n")
        for tag in tags:
            add(f"- **{tag}**: {_TAGS.get(tag, tag)}")
        add("")
    return "\n".join(out)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _years(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _tags_used(table: Any) -> list[str]:
    found: set[str] = set()
    for rule in [*table.eligibility, *table.bands, *table.modifiers]:
        if rule.tag:
            found.add(rule.tag)
        for row in getattr(rule, "rows", None) or []:
            if row.tag:
                found.add(row.tag)
    for parameter in table.parameters.values():
        if parameter.tag:
            found.add(parameter.tag)
    if table.bounds.tag:
        found.add(table.bounds.tag)
    return [tag for tag in _TAGS if tag in found]


def _indicator(spec: Any) -> str:
    if spec.expr is not None:
        return _code(spec.expr)
    text = f"`{spec.numerator}` ÷ `{spec.denominator}`"
    if spec.scale != 1:
        text += f" × {_value(spec.scale)}"
    if spec.min_denominator is not None:
        text += f"; denominators below {_value(spec.min_denominator)} count as it"
    if getattr(spec, "relative_to_area", False):
        text += "; divided by the area's ratio"
    return text


def _grade_cell(mode: str, base: float, value: float) -> str:
    if mode == "multiply":
        return f"{_value(value * 100)} % → {_percent(base * value)}"
    if mode == "add":
        return f"{value * 100:+.4g} pp → {_percent(base + value)}"
    return f"× {_value(value)} current rate"


def _outcome(outcome: Any) -> str:
    if outcome.grade is not None:
        return f"grade {outcome.grade:+d}" if outcome.grade else "grade 0 (base)"
    return f"current grade {outcome.step:+d}"


def _action(modifier: Any) -> str:
    action = modifier.action
    texts = {
        "no_down": "no down-float (grade at least 0)",
        "no_up": "no up-float (grade at most 0)",
        "top": "top grade of the class's ladder",
        "bottom": "bottom grade of the class's ladder",
    }
    if action in texts:
        return texts[action]
    if isinstance(modifier.by, str):  # a $parameter: its value is in the parameters table
        return f"{action} by `{modifier.by}`"
    if action == "bump":
        return f"grade {int(modifier.by):+d}"
    if action == "set_grade":
        return f"grade set to {modifier.grade:+d}"
    if action == "reclassify":
        return f"rated as class {int(modifier.by):+d}"
    if action == "rate_factor":
        return f"rate × {_value(modifier.by)}"
    if action == "rate_add":
        return f"rate {modifier.by * 100:+.4g} percentage points"
    return action


def _bound(table: Any, bound: Any) -> str:
    if bound.value is not None:
        return _percent(bound.value)
    base = table.classes[bound.class_base].base_rate
    return f"the class-{bound.class_base} base rate ({_percent(base)})"


def _percent(rate: float) -> str:
    return f"{rate * 100:.4g} %"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


def _tag(tag: str | None) -> str:
    return f"**{tag}**" if tag else ""


def _code(expression: str | None) -> str:
    text = " ".join(str(expression or "").split())
    return f"`{text.replace('|', '¦')}`"


def _cell(text: str) -> str:
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|")


def _text(text: str) -> str:
    return html.escape(" ".join(str(text).split()), quote=False)


# -- rule-table reference -----------------------------------------------------------------


def render_model_reference() -> str:
    """Every model of a rule table: its docstring (mkdocstrings) and a table of fields."""
    from pydantic import BaseModel

    from ratefloat.rules import model

    order: list[type[BaseModel]] = []

    def visit(cls: type[BaseModel]) -> None:
        if cls in order:
            return
        order.append(cls)
        for field in cls.model_fields.values():
            for inner in _models_in(field.annotation):
                visit(inner)

    visit(model.RuleTable)
    out = [
        "The methods of a loaded table (`rule_ids()`, `names_used()`, …) are in the "
        "[Python API](api.md#ratefloat.RuleTable).\n"
    ]
    for cls in order:
        out.append(f"### {cls.__name__}\n")
        out.append(
            f"::: ratefloat.rules.model.{cls.__name__}\n"
            "    options:\n"
            "      show_root_heading: false\n"
            "      show_root_toc_entry: false\n"
            "      show_bases: false\n"
            "      members: false\n"
            "      heading_level: 4\n"
        )
        out.append("| field | type | default | description |\n|---|---|---|---|")
        for name, field in cls.model_fields.items():
            out.append(
                f"| `{name}` | {_type(field.annotation)} | {_default(field)} "
                f"| {_field_note(field)} |"
            )
        out.append("")
    out.append("### Names every expression can read\n")
    out.append("Besides the table's parameters, inputs and indicators:\n")
    out.append("| name | meaning |\n|---|---|")
    for name, spec in model.DEFAULT_INDICATORS.items():
        out.append(
            f"| `{name}` | built-in indicator: {_indicator(spec)}; {_cell(spec.description)} |"
        )
    for name, meaning in model.DERIVED_NAMES.items():
        out.append(f"| `{name}` | {_cell(meaning)} |")
    out.append(
        "| `prev_<name>` | the same name over the previous window "
        "(for “two consecutive cycles” rules) |"
    )
    out.append("")
    return "\n".join(out)


def _field_note(field: Any) -> str:
    """The field's own description (every field of the model has one: a test checks it)."""
    return _cell(field.description or "")


def _models_in(annotation: Any) -> list[type]:
    from pydantic import BaseModel

    found = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found.append(annotation)
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    return found


def _type(annotation: Any) -> str:
    from pydantic import BaseModel

    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is type(None):
        return "null"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    if origin is typing.Literal:
        return " \\| ".join(f"`{_value(a)}`" for a in args)
    if origin is typing.Annotated:
        return _type(args[0])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " or ".join(_type(a) for a in args)
    if origin is list:
        return f"list of {_type(args[0])}"
    if origin is dict:
        return f"mapping {_type(args[0])} → {_type(args[1])}"
    names = {int: "integer", float: "number", str: "text", bool: "true/false"}
    if annotation in names:
        return names[annotation]
    return getattr(annotation, "__name__", str(annotation))


def _default(field: Any) -> str:
    from pydantic_core import PydanticUndefined

    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        value = field.default_factory()
        if hasattr(value, "model_dump"):
            dumped = value.model_dump(exclude_defaults=True)
            return f"`{_value_json(dumped)}`" if dumped else "all defaults"
        return f"`{_value_json(value)}`"
    if field.default is PydanticUndefined or field.default is None:
        return "none"
    return f"`{_value(field.default)}`"


def _value_json(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_value_json(v) for v in value) + "]"
    return _value(value)
