"""Classification tables: GB/T 4754 industry code → work-injury risk class (行业风险类别 1–8).

A classification table is versioned data. Each one states the jurisdiction, the GB/T 4754
edition its codes belong to (2011 or 2017 — the editions renumber codes, so a table of one
edition must never be applied to codes of the other), its effective dates, its source
document and how far its rows can be trusted.

Built-in tables live in ``ratefloat/classification/data/<id>.yaml``; see
:func:`list_classifications`. User tables are YAML or JSON files or plain dicts with the same
shape, and may either list every entry or ``extends`` another table with ``overrides``:

.. code-block:: yaml

    id: cn-xx-city-2024
    name: XX 市工伤保险行业风险分类 (本地调整)
    jurisdiction: CN-XX
    extends: cn-mohrss-2015-gbt2017     # a built-in id, or a path relative to this file
    effective_from: 2024-01-01
    source: {document: XX人社发〔2024〕1号}
    overrides:
      "59": 2                           # resolve the ambiguous 装卸搬运和仓储业
      "591": 5                          # ... or per 中类 (longest code prefix wins)

Entries map a code of 2–4 digits to one of

* a risk class: ``{class: 4, name: 农业}`` (shorthand ``4``);
* ambiguous candidates: ``{candidates: [2, 5], name: ...}`` (shorthand ``[2, 5]``) — the
  edition merged activities of different classes; classifying such a code is refused until a
  local override says which class applies;
* no class: ``{class: null, name: ..., note: ...}`` — the code exists in the edition but the
  source assigns no class (e.g. 79 土地管理业, new in GB/T 4754-2017); also refused.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import os
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from ratefloat.errors import RuleTableError

from .codes import normalize_code

__all__ = [
    "ClassEntry",
    "ClassificationSource",
    "ClassificationTable",
    "load_classification",
    "list_classifications",
    "MIN_CLASS",
    "MAX_CLASS",
]

#: Risk classes of 人社部发〔2015〕71号: 一类 (lowest risk) … 八类 (highest).
MIN_CLASS, MAX_CLASS = 1, 8

_DATA_PACKAGE = "ratefloat.classification"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._+-]*$")
_EXTENDS_DEPTH = 8
_MAX_PROBLEMS = 10


def _check_class(value: int, what: str = "risk class") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} {value!r} is not a whole number in {MIN_CLASS}..{MAX_CLASS}")
    if not MIN_CLASS <= value <= MAX_CLASS:
        raise ValueError(f"{what} {value} is outside {MIN_CLASS}..{MAX_CLASS}")
    return value


class ClassEntry(BaseModel):
    """One row of a classification table.

    Exactly one of three kinds: a single ``risk_class``; ambiguous ``candidates`` (two or
    more classes); or *unassigned* (``class: null`` — the code exists but has no class).

    Attributes
    ----------
    risk_class : int or None
        The risk class 1–8 (written ``class`` in YAML/JSON).
    candidates : tuple of int
        Candidate classes of an ambiguous code, sorted; empty otherwise.
    name : str or None
        The GB/T 4754 name of the code (Chinese).
    derived_from : tuple of str
        Codes of another edition/table this row was derived from.
    provenance : str or None
        Evidence tag of the row (``"[S]"``, ``"[S2]"``, ``"[I]"``, ``"[U]"``, ``"override"``).
    note : str or None
        Free text for auditors.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    risk_class: int | None = Field(default=None, alias="class")
    candidates: tuple[int, ...] = ()
    name: str | None = None
    derived_from: tuple[str, ...] = ()
    provenance: str | None = None
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        # 4 → {class: 4}; [2, 5] → {candidates: [2, 5]}; None → unassigned
        if data is None:
            return {"class": None}
        if isinstance(data, bool):
            raise ValueError(f"risk class {data!r} is not a whole number")
        if isinstance(data, int):
            return {"class": data}
        if isinstance(data, (list, tuple)):
            return {"candidates": list(data)}
        if isinstance(data, Mapping):
            if not ({"class", "risk_class", "candidates"} & set(data)):
                raise ValueError(
                    "an entry needs 'class' (a risk class, or null when the source assigns "
                    "none) or 'candidates' (the classes of an ambiguous code)"
                )
            return data
        if isinstance(data, ClassEntry):
            return data
        raise ValueError(
            f"an entry is a class, a list of candidate classes or a mapping, "
            f"not {type(data).__name__}"
        )

    @field_validator("risk_class", mode="before")
    @classmethod
    def _valid_class(cls, v: Any) -> Any:
        if v is None:
            return v
        return _check_class(v)

    @field_validator("candidates", mode="before")
    @classmethod
    def _valid_candidates(cls, v: Any) -> Any:
        if v is None:
            return ()
        if not isinstance(v, (list, tuple)):
            raise ValueError("candidates must be a list of risk classes")
        if not v:
            return ()
        out = sorted({_check_class(c, "candidate class") for c in v})
        if len(out) < 2:
            raise ValueError(
                f"candidates {list(v)} name fewer than two distinct classes: write 'class' instead"
            )
        return tuple(out)

    @field_validator("derived_from", mode="before")
    @classmethod
    def _valid_derived(cls, v: Any) -> Any:
        if v is None:
            return ()
        return tuple(sorted(str(c) for c in v))

    @model_validator(mode="after")
    def _one_kind(self) -> ClassEntry:
        if self.risk_class is not None and self.candidates:
            raise ValueError("give either 'class' or 'candidates', not both")
        return self

    @property
    def is_ambiguous(self) -> bool:
        """True when the code maps to several candidate classes."""
        return bool(self.candidates)

    @property
    def is_assigned(self) -> bool:
        """True when the code maps to exactly one risk class."""
        return self.risk_class is not None


class ClassificationSource(BaseModel):
    """Where a table comes from: document, article, date, URLs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document: str
    article: str | None = None
    date: dt.date | None = None
    urls: tuple[str, ...] = ()
    note: str | None = None


class ClassificationTable(BaseModel):
    """A versioned industry-code → risk-class table (frozen, validated, content-hashed).

    Build one with :func:`load_classification`; derive a local one with
    :meth:`with_overrides`.

    Attributes
    ----------
    id : str
        Stable identifier, e.g. ``"cn-mohrss-2015"``.
    name : str
        Human-readable title.
    jurisdiction : str
        ``"CN"`` for national tables, ``"CN-<province>"``/``"CN-<city>"`` for local ones.
    edition : str
        The GB/T 4754 edition of the codes, e.g. ``"GB/T 4754-2011"``.
    effective_from, effective_to : datetime.date
        Validity; ``effective_to`` is ``None`` while in force.
    source : ClassificationSource
        The document the classes come from.
    confidence : str
        How far the rows can be trusted, with evidence tags: ``[S]`` seen in the source,
        ``[S2]`` seen only in a secondary source, ``[I]`` inferred (e.g. the 大类 codes
        matched to the names of the 人社部发〔2015〕71号 annex), ``[U]`` not confirmed in a
        source.
    entries : Mapping[str, ClassEntry]
        Code (2–4 digits) → entry, read-only, sorted by code.
    based_on : str or None
        The table this one was derived from or overrides (``id@sha256:<hash12>`` for
        overrides).
    hash : str
        sha256 of the canonical JSON of the table (see :attr:`hash`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    jurisdiction: str
    edition: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    source: ClassificationSource
    confidence: str = ""
    based_on: str | None = None
    entries: Mapping[str, ClassEntry]

    _hash: str = PrivateAttr(default="")
    _max_len: int = PrivateAttr(default=2)

    @field_validator("id")
    @classmethod
    def _valid_id(cls, v: str) -> str:
        if not _ID_RE.match(v):
            raise ValueError(
                f"id {v!r} must be lower-case letters, digits and . _ + - (e.g. 'cn-jiangsu-2023')"
            )
        return v

    @field_validator("edition")
    @classmethod
    def _valid_edition(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("edition must name the GB/T 4754 edition, e.g. 'GB/T 4754-2017'")
        return v.strip()

    @field_validator("source", mode="before")
    @classmethod
    def _source_shorthand(cls, v: Any) -> Any:
        return {"document": v} if isinstance(v, str) else v

    @field_validator("entries", mode="before")
    @classmethod
    def _valid_codes(cls, v: Any) -> Any:
        if not isinstance(v, Mapping):
            raise ValueError("entries must be a mapping of industry code → class")
        if not v:
            raise ValueError("entries is empty")
        out: dict[str, Any] = {}
        given: dict[str, object] = {}
        for key, entry in v.items():
            code = _table_code(key)
            if code in out:
                raise ValueError(f"duplicate code '{code}' (given as {given[code]!r} and {key!r})")
            out[code] = entry
            given[code] = key
        return out

    @field_validator("entries", mode="after")
    @classmethod
    def _freeze_entries(cls, v: Mapping[str, ClassEntry]) -> Mapping[str, ClassEntry]:
        return MappingProxyType(dict(sorted(v.items())))

    @field_serializer("entries")
    def _serialize_entries(self, v: Mapping[str, ClassEntry], info: Any) -> dict[str, Any]:
        return {
            code: e.model_dump(
                mode=info.mode,
                by_alias=True,
                exclude_defaults=bool(info.exclude_defaults),
                exclude_none=bool(info.exclude_none),
            )
            for code, e in v.items()
        }

    @model_validator(mode="after")
    def _valid_dates(self) -> ClassificationTable:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(
                f"effective_to {self.effective_to} is before effective_from {self.effective_from}"
            )
        return self

    def model_post_init(self, context: Any, /) -> None:
        self._hash = hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()
        self._max_len = max(len(c) for c in self.entries)

    # ------------------------------------------------------------------ identity

    def canonical_json(self) -> str:
        """The canonical JSON text the :attr:`hash` is computed from.

        Keys sorted, no insignificant whitespace, UTF-8 text (not ``\\u`` escapes), fields at
        their default values left out (so that adding an optional field to the model in a
        later version does not change the hash of existing tables).
        """
        data = self.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @property
    def hash(self) -> str:
        """sha256 (hex) of :meth:`canonical_json`: equal content ⇔ equal hash.

        Independent of key order and formatting of the source file; any change to a class, a
        code, a name or the metadata changes it.
        """
        return self._hash

    # ------------------------------------------------------------------ views

    @property
    def classes(self) -> dict[str, int]:
        """Code → risk class of every entry with exactly one class."""
        return {c: e.risk_class for c, e in self.entries.items() if e.risk_class is not None}

    @property
    def ambiguous(self) -> dict[str, tuple[int, ...]]:
        """Code → candidate classes of every ambiguous entry."""
        return {c: e.candidates for c, e in self.entries.items() if e.candidates}

    @property
    def unassigned(self) -> list[str]:
        """Codes that exist in the edition but have no class in this table."""
        return [c for c, e in self.entries.items() if e.risk_class is None and not e.candidates]

    @property
    def names(self) -> dict[str, str]:
        """Code → name (entries that carry a name)."""
        return {c: e.name for c, e in self.entries.items() if e.name}

    def lookup(self, code: object) -> tuple[str, ClassEntry] | None:
        """Find the entry that governs ``code``.

        Parameters
        ----------
        code
            An industry code, normalised with
            :func:`~ratefloat.classification.codes.normalize_code` (``6`` → ``"06"``).

        Returns
        -------
        (matched_code, entry) or None
            The entry of the **longest prefix** of ``code`` present in the table: a 4-digit 小类
            first, then its 3-digit 中类, then its 2-digit 大类. ``None`` when no prefix is in
            the table or ``code`` is not a valid code.
        """
        norm, problem, _ = normalize_code(code)
        if problem is not None or norm is None:
            return None
        return self._lookup_normalized(norm)

    def _lookup_normalized(self, code: str) -> tuple[str, ClassEntry] | None:
        for length in range(min(len(code), self._max_len), 1, -1):
            entry = self.entries.get(code[:length])
            if entry is not None:
                return code[:length], entry
        return None

    # ------------------------------------------------------------------ derivation

    def with_overrides(
        self,
        overrides: Mapping[Any, Any],
        *,
        id: str | None = None,  # noqa: A002 - the table's field is called id
        **metadata: Any,
    ) -> ClassificationTable:
        """Return a new table: this one with some codes re-classified (local overrides).

        This is how a pooling area's own table is laid on top of the national one, and how
        ambiguous codes (e.g. 2017 code 59 装卸搬运和仓储业) are resolved.

        Parameters
        ----------
        overrides : Mapping
            Code → class (``{"59": 2}``), candidates (``{"59": [2, 5]}``), ``None`` (no
            class) or a full entry mapping (``{"59": {"class": 2, "note": "..."}}``). Codes
            may be 2–4 digits; a 中类/小类 code overrides only that part of its 大类, since
            lookups use the longest matching prefix. Codes not in the table are added.
        id : str, optional
            Id of the new table; default ``"<this id>+overrides"``.
        **metadata
            Other table fields to replace (``name``, ``jurisdiction``, ``effective_from``,
            ``source``, ``confidence`` ...). ``edition`` cannot change: codes keep their
            meaning.

        Returns
        -------
        ClassificationTable
            The new table, with ``based_on = "<this id>@sha256:<first 12 hex of hash>"``.

        Raises
        ------
        ratefloat.errors.RuleTableError
            If an override is invalid (class outside 1–8, malformed code ...).
        """
        if "edition" in metadata and metadata["edition"] != self.edition:
            raise RuleTableError(
                f"overrides of {self.id} cannot change the edition "
                f"({self.edition} → {metadata['edition']}): codes would change meaning"
            )
        if "entries" in metadata:
            raise RuleTableError("pass entries to change as `overrides`, not `entries`")
        label = f"overrides of {self.id}"
        entries: dict[str, Any] = dict(self.entries)
        seen: dict[str, object] = {}
        for key, value in overrides.items():
            try:
                code = _table_code(key)
            except ValueError as exc:
                raise RuleTableError(f"{label}: {exc}") from None
            if code in seen:
                raise RuleTableError(
                    f"{label}: duplicate code '{code}' (given as {seen[code]!r} and {key!r})"
                )
            seen[code] = key
            if isinstance(value, ClassEntry):
                entries[code] = value
                continue
            if isinstance(value, Mapping):
                data = dict(value)
            elif isinstance(value, (list, tuple)):
                data = {"candidates": list(value)}
            else:
                data = {"class": value}
            base = self.entries.get(code)
            data.setdefault("name", base.name if base is not None else None)
            data.setdefault("provenance", "override")
            try:
                entries[code] = ClassEntry.model_validate(data)
            except ValidationError as exc:
                raise RuleTableError(
                    _format_validation(label, exc, prefix=("entries", code))
                ) from None
        fields = self.model_dump(by_alias=True)
        fields.update(metadata)
        fields["id"] = id if id is not None else f"{self.id}+overrides"
        fields["based_on"] = f"{self.id}@sha256:{self.hash[:12]}"
        fields["entries"] = entries
        return _validate(fields, label)

    def __repr__(self) -> str:
        return (
            f"ClassificationTable(id={self.id!r}, edition={self.edition!r}, "
            f"entries={len(self.entries)}, hash={self.hash[:12]!r})"
        )

    __str__ = __repr__


def _table_code(key: object) -> str:
    """Normalise a code used as a key of a table (stricter about odd keys than extracts)."""
    code, problem, detail = normalize_code(key)
    if problem is not None or code is None:
        why = detail or "the code is empty"
        raise ValueError(f"code {key!r} is not a GB/T 4754 code: {why}")
    return code


# ---------------------------------------------------------------------------- loading


class _KeyPreservingLoader(yaml.SafeLoader):
    """SafeLoader that keeps mapping keys as written and refuses duplicate keys.

    YAML 1.1 reads an unquoted ``06:`` as the octal integer 6 and ``0610:`` as 392; keeping
    the text of plain scalar keys avoids silently corrupting codes. Duplicate keys, which
    PyYAML otherwise resolves by keeping the last one, are an error.
    """


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    lines: dict[Any, int] = {}
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag in (
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
        ):
            key: Any = key_node.value  # the digits as written
        else:
            key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in out:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {lines[key]}, again on line {line})",
                key_node.start_mark,
            )
        out[key] = loader.construct_object(value_node, deep=True)
        lines[key] = line
    return out


_KeyPreservingLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _read_file(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as stream:  # a stream, so YAML errors name the file
            if path.suffix.lower() == ".json":
                return json.load(stream, object_pairs_hook=_json_pairs)
            return yaml.load(stream, Loader=_KeyPreservingLoader)  # noqa: S506 - SafeLoader
    except OSError as exc:
        raise RuleTableError(f"cannot read classification table {path}: {exc}") from None
    except (yaml.YAMLError, ValueError) as exc:
        raise RuleTableError(f"{path}: not a valid classification table file: {exc}") from None


def _builtin_dir() -> Any:
    return resources.files(_DATA_PACKAGE).joinpath("data")


def list_classifications() -> list[str]:
    """Ids of the built-in classification tables, sorted.

    Returns
    -------
    list of str
        e.g. ``["cn-mohrss-2015", "cn-mohrss-2015-gbt2017"]``; pass one to
        :func:`load_classification` or :func:`~ratefloat.classification.classify`.
    """
    return sorted(
        p.name[: -len(".yaml")] for p in _builtin_dir().iterdir() if p.name.endswith(".yaml")
    )


_BUILTIN_CACHE: dict[str, ClassificationTable] = {}


def _load_builtin(table_id: str) -> ClassificationTable:
    cached = _BUILTIN_CACHE.get(table_id)
    if cached is not None:
        return cached
    res = _builtin_dir().joinpath(f"{table_id}.yaml")
    label = f"built-in classification {table_id} ({res.name})"
    try:
        data = yaml.load(res.read_text(encoding="utf-8"), Loader=_KeyPreservingLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        raise RuleTableError(f"{label}: {exc}") from None
    table = _from_data(data, label, base_dir=None, depth=0)
    if table.id != table_id:
        raise RuleTableError(f"{label}: declares id {table.id!r}; the file must be {table.id}.yaml")
    _BUILTIN_CACHE[table_id] = table
    return table


def load_classification(
    source: str | os.PathLike[str] | Mapping[str, Any] | ClassificationTable,
) -> ClassificationTable:
    """Load and validate a classification table.

    Parameters
    ----------
    source
        * a built-in id (see :func:`list_classifications`), e.g. ``"cn-mohrss-2015"``;
        * a path to a ``.yaml``/``.yml``/``.json`` file;
        * a mapping with the table's fields;
        * a :class:`ClassificationTable` (returned unchanged).

        A file or mapping may ``extends`` another table (an id, or a path relative to the
        file) and list ``overrides`` instead of ``entries``.

    Returns
    -------
    ClassificationTable

    Raises
    ------
    ratefloat.errors.RuleTableError
        The table is invalid or cannot be found. The message names the file (or built-in id)
        and the offending code, e.g. ``bad.yaml: entries['47'].class: risk class 9 is
        outside 1..8``.

    Examples
    --------
    >>> t = load_classification("cn-mohrss-2015")
    >>> t.classes["06"]
    8
    """
    if isinstance(source, ClassificationTable):
        return source
    if isinstance(source, Mapping):
        return _from_data(source, "classification table <dict>", base_dir=None, depth=0)
    if isinstance(source, str) and source in list_classifications():
        return _load_builtin(source)
    path = Path(source)
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.exists():
        if not path.is_file():
            raise RuleTableError(
                f"classification table file {path} does not exist or is not a file"
            )
        return _from_data(_read_file(path), str(path), base_dir=path.parent, depth=0)
    ids = list_classifications()
    close = difflib.get_close_matches(str(source), ids, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise RuleTableError(
        f"unknown classification table {str(source)!r}.{hint} Built-ins: {', '.join(ids)}; "
        "or give the path of a .yaml/.json file."
    )


def _from_data(data: Any, label: str, *, base_dir: Path | None, depth: int) -> ClassificationTable:
    if not isinstance(data, Mapping):
        raise RuleTableError(f"{label}: a classification table is a mapping of fields")
    data = dict(data)
    if "extends" not in data:
        if "overrides" in data:
            raise RuleTableError(f"{label}: 'overrides' needs 'extends: <base table>'")
        return _validate(data, label)
    if depth >= _EXTENDS_DEPTH:
        raise RuleTableError(f"{label}: 'extends' nested more than {_EXTENDS_DEPTH} deep")
    if "entries" in data:
        raise RuleTableError(
            f"{label}: a table that 'extends' another lists 'overrides', not 'entries'"
        )
    ref = data.pop("extends")
    overrides = data.pop("overrides", None) or {}
    if not isinstance(overrides, Mapping):
        raise RuleTableError(f"{label}: 'overrides' must be a mapping of code → class")
    base = _resolve_extends(ref, label, base_dir=base_dir, depth=depth)
    if "id" not in data:
        raise RuleTableError(f"{label}: a table that extends {base.id} needs its own 'id'")
    table_id = data.pop("id")
    try:
        return base.with_overrides(overrides, id=table_id, **data)
    except RuleTableError as exc:
        raise RuleTableError(f"{label}: {exc}") from None


def _resolve_extends(
    ref: Any, label: str, *, base_dir: Path | None, depth: int
) -> ClassificationTable:
    if not isinstance(ref, str):
        raise RuleTableError(f"{label}: 'extends' must be a table id or a file path")
    if ref in list_classifications():
        return _load_builtin(ref)
    path = Path(ref)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_file():
        raise RuleTableError(
            f"{label}: extends {ref!r}, which is neither a built-in "
            f"({', '.join(list_classifications())}) nor an existing file"
        )
    return _from_data(_read_file(path), str(path), base_dir=path.parent, depth=depth + 1)


def _validate(data: Mapping[str, Any], label: str) -> ClassificationTable:
    try:
        return ClassificationTable.model_validate(data)
    except ValidationError as exc:
        raise RuleTableError(_format_validation(label, exc)) from None


def _format_validation(label: str, exc: ValidationError, prefix: tuple[Any, ...] = ()) -> str:
    problems = []
    for err in exc.errors(include_url=False):
        loc = prefix + tuple(err["loc"])
        where = _format_loc(loc)
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        problems.append(f"{where}: {msg}" if where else msg)
    more = (
        f"; ... and {len(problems) - _MAX_PROBLEMS} more" if len(problems) > _MAX_PROBLEMS else ""
    )
    return f"{label}: invalid classification table: " + "; ".join(problems[:_MAX_PROBLEMS]) + more


def _format_loc(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    i = 0
    while i < len(loc):
        item = loc[i]
        if item == "entries" and i + 1 < len(loc):
            parts.append(f"entries['{loc[i + 1]}']")
            i += 2
            continue
        if item in ("function-after[_one_kind()]", "function-before[_shorthand()]"):
            i += 1
            continue
        parts.append(str(item))
        i += 1
    return ".".join(parts)
