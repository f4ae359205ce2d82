"""Key industries (重点行业) as data: industry name → GB/T 4754 codes.

The seed (鲁人社字〔2021〕73号) names seven key industries — 危险化学品、矿山、冶金、建材、
建筑施工、交通运输、机械制造 — and lets each city add its own ("各市确定的重点行业"). The
built-in map ``cn-shandong-2021`` assigns them GB/T 4754 大类 codes; a city file extends it:

.. code-block:: yaml

    id: jinan-2021
    extends: cn-shandong-2021          # a built-in id, or a path relative to this file
    industries:
      - name: 交通运输                  # an existing name: its codes are replaced
        codes: ["53", "54", "55", "56", "57", "58"]
      - name: 危险化学品仓储             # a new name: appended as a city key industry
        codes: ["5942"]

An employer belongs to the industry whose code is the **longest prefix** of its own code
(``5942`` above wins over a ``59`` elsewhere), so every employer is in at most one key
industry and the rows of the table add up to its 合计 row. The same code in two industries
is refused when the map is loaded.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..classification.codes import normalize_code
from ..errors import RuleTableError

__all__ = ["KeyIndustry", "KeyIndustryMap", "load_industry_map", "list_industry_maps"]


def _data() -> Any:
    return resources.files("ratefloat.reports").joinpath("data")


_EXTENDS_DEPTH = 8


class KeyIndustry(BaseModel):
    """One key industry: its name as the table lists it and its GB/T 4754 codes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="重点行业名称, as the row of the table reads.")
    name_en: str | None = Field(None, description="English name, for plots without CJK fonts.")
    codes: tuple[str, ...] = Field(
        min_length=1, description="GB/T 4754 codes (大类 2, 中类 3 or 小类 4 digits)."
    )
    note: str | None = Field(None, description="What the map leaves out or assumes.")
    local: bool = Field(False, description="A city's own key industry (市定重点行业).")

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("an industry needs a name")
        return v

    @field_validator("codes", mode="before")
    @classmethod
    def _codes(cls, values: Any) -> Any:
        if isinstance(values, (str, int)):
            values = [values]
        out = []
        for value in values:
            code, problem, detail = normalize_code(value)
            if problem:
                raise ValueError(f"code {value!r} is not a GB/T 4754 code: {detail or problem}")
            out.append(code)
        return tuple(out)


class KeyIndustryMap(BaseModel):
    """The key industries of a report, in the order the table lists them.

    Attributes
    ----------
    id, name, title, source, edition:
        Identity; ``title`` heads the written table.
    baseline_year, target_year, target_change:
        The goal the progress report measures against (2020, 2025, −20 %).
    industries:
        The key industries, in table order.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    name: str = ""
    title: str = "重点行业企业基本情况表"
    source: str = ""
    edition: str = "GB/T 4754-2017"
    baseline_year: int = Field(2020, ge=1900, le=2200)
    target_year: int = Field(2025, ge=1900, le=2200)
    target_change: float = Field(-0.20, gt=-1, lt=1)
    industries: tuple[KeyIndustry, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_industry_per_code(self) -> KeyIndustryMap:
        seen: dict[str, str] = {}
        names: set[str] = set()
        for industry in self.industries:
            if industry.name in names or industry.name == "合计":
                raise ValueError(f"industry name {industry.name!r} is used twice or reserved")
            names.add(industry.name)
            for code in industry.codes:
                if code in seen:
                    raise ValueError(
                        f"code {code!r} is in both {seen[code]!r} and {industry.name!r}; "
                        "an employer can be counted in one key industry only"
                    )
                seen[code] = industry.name
        if self.target_year <= self.baseline_year:
            raise ValueError("target_year must come after baseline_year")
        return self

    @property
    def hash(self) -> str:
        """sha256 of the map's canonical JSON: recorded in every report it produced."""
        text = json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def names(self) -> list[str]:
        """Industry names in table order."""
        return [industry.name for industry in self.industries]

    def lookup(self) -> dict[str, int]:
        """Code → position of its industry in :attr:`industries`."""
        return {code: i for i, ind in enumerate(self.industries) for code in ind.codes}

    def industry_of(self, code: str) -> int:
        """Position of the industry of a normalised employer code, or -1 if none.

        The longest code of the map that is a prefix of ``code`` decides.
        """
        table = self.lookup()
        for length in range(len(code), 1, -1):
            position = table.get(code[:length])
            if position is not None:
                return position
        return -1


def list_industry_maps() -> list[str]:
    """Ids of the built-in key-industry maps."""
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in _data().iterdir()
        if entry.name.endswith(".yaml")
    )


def load_industry_map(
    source: str | os.PathLike[str] | Mapping[str, Any] | KeyIndustryMap | None = None,
) -> KeyIndustryMap:
    """Load and validate a key-industry map.

    Parameters
    ----------
    source:
        ``None`` for the default (``cn-shandong-2021``), a built-in id, a path to a
        ``.yaml``/``.json`` file, a mapping, or a :class:`KeyIndustryMap` (returned as is).
        A file or mapping may ``extends`` another map and list only the industries it adds
        or whose codes it replaces.

    Raises
    ------
    ratefloat.errors.RuleTableError
        The map is invalid or cannot be found; the message names the source and the field.

    Examples
    --------
    >>> load_industry_map().names
    ['危险化学品', '矿山', '冶金', '建材', '建筑施工', '交通运输', '机械制造']
    >>> load_industry_map({"id": "city", "extends": "cn-shandong-2021",
    ...                    "industries": [{"name": "燃气", "codes": ["45"]}]}).names[-1]
    '燃气'
    """
    if isinstance(source, KeyIndustryMap):
        return source
    return _load(source, base_dir=None, depth=0)


def _load(source: Any, *, base_dir: Path | None, depth: int) -> KeyIndustryMap:
    if depth > _EXTENDS_DEPTH:
        raise RuleTableError(f"key-industry map {source}: extends is nested too deep (a cycle?)")
    if source is None:
        source = "cn-shandong-2021"
    if isinstance(source, Mapping):
        return _from_data(dict(source), "key-industry map <dict>", base_dir, depth)
    text = str(source)
    if text in list_industry_maps():
        data = yaml.safe_load(_data().joinpath(f"{text}.yaml").read_text("utf-8"))
        return _from_data(data, f"key-industry map {text}", None, depth)
    path = Path(text) if base_dir is None or Path(text).is_absolute() else base_dir / text
    if not path.is_file():
        close = difflib.get_close_matches(text, list_industry_maps(), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise RuleTableError(
            f"key-industry map {text!r} is neither a built-in ({', '.join(list_industry_maps())})"
            f" nor a file.{hint}"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleTableError(f"key-industry map {path}: cannot be read: {exc}") from None
    return _from_data(data, f"key-industry map {path}", path.parent, depth)


def _from_data(data: Any, label: str, base_dir: Path | None, depth: int) -> KeyIndustryMap:
    if not isinstance(data, Mapping):
        raise RuleTableError(f"{label}: expected a mapping with id and industries")
    data = dict(data)
    parent_ref = data.pop("extends", None)
    if parent_ref is not None:
        parent = _load(parent_ref, base_dir=base_dir, depth=depth + 1)
        data = _extend(parent, data, label)
    try:
        return KeyIndustryMap.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'map'}: {error['msg']}"
            for error in exc.errors()[:10]
        )
        raise RuleTableError(f"{label}: {problems}") from None


def _extend(parent: KeyIndustryMap, data: dict[str, Any], label: str) -> dict[str, Any]:
    merged = parent.model_dump(mode="json")
    merged.update({k: v for k, v in data.items() if k != "industries"})
    industries = [dict(ind) for ind in merged["industries"]]
    position = {ind["name"]: i for i, ind in enumerate(industries)}
    for item in data.get("industries") or []:
        if not isinstance(item, Mapping) or "name" not in item:
            raise RuleTableError(f"{label}: each industry needs a name and codes, got {item!r}")
        name = str(item["name"]).strip()
        if name in position:
            industries[position[name]].update(dict(item))
        else:
            position[name] = len(industries)
            industries.append({"local": True, **dict(item)})
    merged["industries"] = industries
    return merged
