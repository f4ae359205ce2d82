"""Loading rule tables from built-in ids, YAML/JSON files and dicts, with their hash.

All loading goes through :func:`load_table`, the one choke point where a table is
validated; its errors name the source (file or id), the place in the table (with the
rule id where there is one) and the problem.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import RuleTableError
from ..expr import suggest
from .model import RuleTable

__all__ = ["load_table", "list_tables", "table_hash", "TableInfo", "rule_table_json_schema"]

_BUILTIN_PACKAGE = "ratefloat.rules.tables"


@dataclass(frozen=True)
class TableInfo:
    """A built-in rule table as listed by :func:`list_tables`."""

    id: str
    name: str
    jurisdiction: str
    effective_from: str | None
    effective_to: str | None
    source: str
    confidence: str
    parameters_required: tuple[str, ...]

    def __str__(self) -> str:
        span = f"{self.effective_from or '…'} – {self.effective_to or '…'}"
        facts = f"{self.jurisdiction}; {span}; {self.source}; {self.confidence}"
        return f"{self.id}: {self.name} [{facts}]"


def _builtin_files() -> dict[str, Any]:
    folder = resources.files(_BUILTIN_PACKAGE)
    return {
        entry.name.rsplit(".", 1)[0]: entry
        for entry in folder.iterdir()
        if entry.name.endswith((".yaml", ".yml", ".json"))
    }


def list_tables() -> list[TableInfo]:
    """The built-in rule tables, sorted by id."""
    infos = []
    for table_id in sorted(_builtin_files()):
        table = load_table(table_id)
        infos.append(
            TableInfo(
                id=table.id,
                name=table.name,
                jurisdiction=table.jurisdiction,
                effective_from=str(table.effective_from) if table.effective_from else None,
                effective_to=str(table.effective_to) if table.effective_to else None,
                source=table.source.document,
                confidence=table.confidence,
                parameters_required=tuple(
                    name for name, p in table.parameters.items() if p.default is None
                ),
            )
        )
    return infos


_CACHE: dict[str, RuleTable] = {}


def load_table(source: str | Path | dict[str, Any] | RuleTable) -> RuleTable:
    """Load and validate a rule table.

    Parameters
    ----------
    source:
        A built-in id (see :func:`list_tables`), a path to a ``.yaml``/``.yml``/``.json``
        file, a dict with the table's content, or an already loaded :class:`RuleTable`.

    Raises
    ------
    RuleTableError
        With one line per problem, each naming the source, the place and what is wrong.

    Examples
    --------
    >>> table = load_table("cn-jiangsu-2023")
    >>> table.window.years
    2
    """
    if isinstance(source, RuleTable):
        return source
    if isinstance(source, dict):
        return _validate(source, "<dict>")
    if isinstance(source, Path) or (
        isinstance(source, str) and source.endswith((".yaml", ".yml", ".json"))
    ):
        path = Path(source)
        if not path.exists():
            raise RuleTableError(f"rule table file {str(path)!r} does not exist")
        return _validate(_read(path.read_text(encoding="utf-8"), str(path)), str(path))
    if not isinstance(source, str):
        raise RuleTableError(
            f"rules must be a table id, a path, a dict or a RuleTable, got {type(source).__name__}"
        )
    if source in _CACHE:
        return _CACHE[source]
    files = _builtin_files()
    if source not in files:
        raise RuleTableError(
            f"there is no built-in rule table {source!r}{suggest(source, list(files))}; "
            f"built-ins: {', '.join(sorted(files))}. To load a file, pass its path."
        )
    entry = files[source]
    table = _validate(
        _read(entry.read_text(encoding="utf-8"), entry.name), f"built-in {entry.name}"
    )
    _CACHE[source] = table
    return table


def _read(text: str, name: str) -> Any:
    try:
        if name.endswith(".json"):
            return json.loads(text)
        return yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise RuleTableError(f"{name}: cannot parse the file: {exc}") from None


def _validate(data: Any, origin: str) -> RuleTable:
    if not isinstance(data, dict):
        raise RuleTableError(f"{origin}: a rule table must be a mapping, got {type(data).__name__}")
    try:
        return RuleTable.model_validate(data)
    except ValidationError as exc:
        lines = [_describe_error(error, data) for error in exc.errors()]
        table_id = data.get("id", "?")
        raise RuleTableError(
            f"rule table {table_id!r} ({origin}) is invalid:\n" + "\n".join(lines)
        ) from None


def _describe_error(error: Any, data: dict[str, Any]) -> str:
    location = error.get("loc", ())
    parts: list[str] = []
    node: Any = data
    for key in location:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            rule_id = node.get("id") if isinstance(node, dict) else None
            parts.append(f"[{key}]" + (f" (id {rule_id!r})" if rule_id else ""))
        else:
            node = node.get(key) if isinstance(node, dict) else None
            parts.append(("." if parts else "") + str(key))
    where = "".join(parts) or "(table)"
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        message = "unknown field (check its spelling against the rule-table reference)"
    if error.get("type") == "invalid_key" and isinstance(error.get("input"), bool):
        message = (
            "a key was read as true/false: YAML reads unquoted on/off/yes/no as booleans; "
            "quote the key or use the field's documented name"
        )
    if error.get("type") == "missing":
        message = "this field is required"
    return f"  - {where}: {message}"


def table_hash(table: RuleTable) -> str:
    """The sha256 of the table's canonical JSON: equal content, equal hash.

    Fields left at their defaults are not part of it, so a table's hash stays the same
    when a later version of ratefloat adds an optional field to the language.
    """
    content = table.model_dump(mode="json", exclude_defaults=True)
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def rule_table_json_schema() -> dict[str, Any]:
    """The JSON Schema of rule tables, for editors that check YAML/JSON as it is typed."""
    schema = RuleTable.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ratefloat rule table"
    return schema
