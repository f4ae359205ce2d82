"""Loading rule tables from built-in ids, YAML/JSON files and dicts, with their hash.

All loading goes through :func:`load_table`, the one choke point where a table is
validated; its errors name the source (file or id), the place in the table (with the
rule id where there is one) and the problem.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..classification.table import _json_pairs
from ..errors import RuleTableError
from ..expr import suggest
from .model import RuleTable

__all__ = ["load_table", "list_tables", "table_hash", "TableInfo", "rule_table_json_schema"]

_BUILTIN_PACKAGE = "ratefloat.rules.tables"

#: Largest rule-table file read, in bytes (the largest built-in table is under 20 KiB).
MAX_TABLE_BYTES = 2 * 1024 * 1024
#: Deepest nesting of mappings and lists accepted in a table (a real one nests about 6 deep).
MAX_TABLE_DEPTH = 32
#: Most values (scalars, lists, mappings) in a table, aliases counted at every use.
MAX_TABLE_VALUES = 200_000
#: Top-level keys every rule table has; a file with few of them is not a rule table.
_REQUIRED_KEYS = tuple(
    name for name, field in RuleTable.model_fields.items() if field.is_required()
)


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


#: Built-in tables by id, with the content they were loaded with.
_CACHE: dict[str, tuple[RuleTable, str]] = {}


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
        return source._checked()
    if isinstance(source, dict):
        return validate_table(source, "<dict>")
    if isinstance(source, Path) or (
        isinstance(source, str) and (source.endswith((".yaml", ".yml", ".json")) or "/" in source)
    ):
        path = Path(source)
        return validate_table(_read(_read_file(path), str(path)), str(path))
    if not isinstance(source, str):
        raise RuleTableError(
            f"rules must be a table id, a path, a dict or a RuleTable, got {type(source).__name__}"
        )
    cached = _CACHE.get(source)
    if cached is not None and cached[0].model_dump_json(warnings=False) == cached[1]:
        return cached[0]
    files = _builtin_files()
    if source not in files:
        raise RuleTableError(
            f"there is no built-in rule table {source!r}{suggest(source, list(files))}; "
            f"built-ins: {', '.join(sorted(files))}. To load a file, pass its path."
        )
    entry = files[source]
    table = validate_table(_read(entry.read_bytes(), entry.name), f"built-in {entry.name}")
    _CACHE[source] = (table, table.model_dump_json())
    return table


def _read_file(path: Path) -> bytes:
    """The bytes of a table file, refusing what is not a regular file of sane size.

    The file type is checked before the file is opened, so a FIFO or a device never
    blocks or streams; at most ``MAX_TABLE_BYTES + 1`` bytes are read, so a file that
    grows (or a size the file system misreports) cannot exhaust memory.
    """
    where = f"rule table file {str(path)!r}"
    try:
        info = path.stat()
    except FileNotFoundError:
        raise RuleTableError(f"{where} does not exist") from None
    except OSError as exc:
        raise RuleTableError(f"{where} cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise RuleTableError(f"{where} is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise RuleTableError(f"{where} is not a regular file (a FIFO, socket or device)")
    if info.st_size > MAX_TABLE_BYTES:
        raise RuleTableError(_too_large(where, info.st_size))
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise RuleTableError(f"{where} is not a regular file")
            data = handle.read(MAX_TABLE_BYTES + 1)
    except OSError as exc:
        raise RuleTableError(f"{where} cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_TABLE_BYTES:
        raise RuleTableError(_too_large(where, len(data)))
    return data


def _too_large(where: str, size: int) -> str:
    return (
        f"{where} is {size:,} bytes or more; rule tables are limited to {MAX_TABLE_BYTES:,} bytes"
    )


class _StrictYamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:
                    continue  # an unhashable key: the base class reports it
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {_short(key)}", key_node.start_mark
                    )
        return super().construct_mapping(node, deep=deep)


def _short(value: Any, limit: int = 40) -> str:
    """``value`` quoted for a message, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _read(content: str | bytes, name: str) -> Any:
    """Parse YAML or JSON text, refusing duplicate keys and deep nesting.

    Parse errors give the line and column and PyYAML's or json's short description of
    the problem, never the surrounding text: the file may not be a rule table at all.
    """
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RuleTableError(
                f"{name}: not a rule table: the file is not UTF-8 text (byte {exc.start})"
            ) from None
    if not name.endswith(".json") and _flow_depth(content) > MAX_TABLE_DEPTH:
        # PyYAML's scanner takes time quadratic in the flow depth: refuse before parsing.
        raise RuleTableError(_too_deep(name))
    try:
        if name.endswith(".json"):
            data = json.loads(content, object_pairs_hook=_json_pairs)
        else:
            data = yaml.load(content, Loader=_StrictYamlLoader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise RuleTableError(f"{name}: cannot parse the file{at}: {problem}") from None
    except json.JSONDecodeError as exc:
        raise RuleTableError(
            f"{name}: cannot parse the file at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except (yaml.YAMLError, ValueError) as exc:
        raise RuleTableError(f"{name}: cannot parse the file: {exc}") from None
    except RecursionError:
        raise RuleTableError(_too_deep(name)) from None
    return data


def _flow_depth(text: str) -> int:
    """The deepest nesting of ``[ ]`` and ``{ }`` outside quotes and comments.

    An upper bound of the YAML flow depth (a bracket inside a plain scalar counts too),
    found in one pass over the text.
    """
    depth = deepest = 0
    quote = ""
    previous = "\n"
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                if quote == "'" and text[index + 1 : index + 2] == "'":
                    index += 1
                else:
                    quote = ""
        elif char in "'\"" and previous in "\n[{,:-?":
            quote = char  # a quoted scalar starts where a value or key starts
        elif char == "#" and text[index - 1 : index] in ("", " ", "\t", "\n"):
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
            continue
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
        if char not in " \t" or quote:
            previous = char
        index += 1
    return deepest


def _too_deep(origin: str) -> str:
    return (
        f"{origin}: not a rule table: mappings and lists are nested more than "
        f"{MAX_TABLE_DEPTH} deep"
    )


def _structure_problem(data: Any, origin: str) -> str | None:
    """Why ``data`` cannot be a table: nested too deep, too many values, a key twice.

    Walks without recursion. ``{0: ..., "0": ...}`` are two keys to YAML but one grade or
    class to the table, so such a pair is a duplicate like a key written twice.
    """
    stack = [(data, 1)]
    budget = MAX_TABLE_VALUES
    while stack:
        node, depth = stack.pop()
        budget -= 1
        if budget < 0:
            return (
                f"{origin}: not a rule table: it holds more than {MAX_TABLE_VALUES:,} values "
                "(counting each use of a YAML alias)"
            )
        if not isinstance(node, (dict, list, tuple)):
            continue
        if depth > MAX_TABLE_DEPTH:
            return _too_deep(origin)
        if isinstance(node, dict):
            seen: set[str] = set()
            for key in node:
                text = str(key).strip()
                if text in seen:
                    return f"{origin}: duplicate key {_short(text)}"
                seen.add(text)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children)
    return None


def validate_table(data: Any, origin: str) -> RuleTable:
    """Validate table content (a dict) into a :class:`RuleTable`, or raise RuleTableError.

    ``origin`` names where the content comes from in the messages (a file, an id).
    """
    if not isinstance(data, dict):
        raise RuleTableError(
            f"{origin}: not a rule table: its top level is a {_kind_of(data)}, not a mapping "
            f"with the keys {', '.join(_REQUIRED_KEYS)}"
        )
    problem = _structure_problem(data, origin)
    if problem:
        raise RuleTableError(problem)
    present = [key for key in _REQUIRED_KEYS if key in data]
    unknown = [key for key in data if key not in RuleTable.model_fields]
    if unknown and len(present) < len(_REQUIRED_KEYS) / 2:
        # Another kind of file: say so, without echoing what it holds.
        raise RuleTableError(
            f"{origin}: not a rule table: it has {len(present)} of the keys "
            f"{', '.join(_REQUIRED_KEYS)} and {len(unknown)} unknown top-level key(s)"
        )
    try:
        return RuleTable.model_validate(data)
    except ValidationError as exc:
        # A value that fits no member of a union gets one line per member: keep the first.
        lines = list(dict.fromkeys(_describe_error(error, data) for error in exc.errors()))
        places = [line.split(": ", 1)[0] for line in lines]
        lines = [line for i, line in enumerate(lines) if places[i] not in places[:i]]
        table_id = data.get("id", "?")
        table_id = table_id if isinstance(table_id, str) and len(table_id) <= 80 else "?"
        raise RuleTableError(
            f"rule table {table_id!r} ({origin}) is invalid:\n" + "\n".join(lines)
        ) from None


def _kind_of(data: Any) -> str:
    kinds = {list: "list", str: "text", int: "number", float: "number", type(None): "empty file"}
    return kinds.get(type(data), type(data).__name__)


def _describe_error(error: Any, data: dict[str, Any]) -> str:
    location = error.get("loc", ())
    parts: list[str] = []
    node: Any = data
    for key in location:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            rule_id = node.get("id") if isinstance(node, dict) else None
            parts.append(f"[{key}]" + (f" (id {rule_id!r})" if rule_id else ""))
        elif (
            isinstance(key, str)
            and parts
            and node is not None
            and not isinstance(node, (dict, list))
        ):
            break  # the name of a member of a union (float or $parameter), not a place
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
    content = table._checked().model_dump(mode="json", exclude_defaults=True)
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def rule_table_json_schema() -> dict[str, Any]:
    """The JSON Schema of rule tables, for editors that check YAML/JSON as it is typed."""
    schema = RuleTable.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ratefloat rule table"
    return schema
