"""费率浮动告知书: one notice per rated employer, from a template an agency edits.

A template is plain text with ``$name`` (or ``${name}``) placeholders, rendered with
:class:`string.Template`: it is data, never code — no expressions, attribute access or
loops can run, and ``$$`` writes a dollar sign. Every placeholder is checked against
:data:`PLACEHOLDERS` when the template is loaded, so a typo fails before any notice is
written, with the line and a suggestion.

The built-in template (``notice-zh``) reads::

    工伤保险费率浮动告知书
    $employer_name（单位编号：$employer_id）：
    根据$table_document（$table_name）的规定 … 考核指标：$indicators …
    考核结果：$grade，浮动比例为$multiplier，自$as_of起执行的工伤保险费率为$rate …
    如对本次浮动结果有异议，可于$review_period向$agency书面申请复核 …
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import string
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .publicity import grade_texts, indicator_labels, percent_texts, reason_texts

if TYPE_CHECKING:
    from ..result import RerateResult

__all__ = [
    "PLACEHOLDERS",
    "NoticeTemplate",
    "load_notice_template",
    "rate_notices",
    "write_notices",
]

#: Every placeholder a notice template may use, and what it becomes.
PLACEHOLDERS: Mapping[str, str] = {
    "employer_id": "单位编号",
    "employer_name": "单位名称 (the rated frame's employer_name; else the employer id)",
    "risk_class": "行业风险类别 (1-8)",
    "indicators": "one line per indicator: 名称：值",
    "grade": "浮动档次 in words: 上浮1档 / 基准档 / 下浮1档",
    "grade_number": "浮动档次 as a signed number: +1, 0, -1",
    "multiplier": "浮动比例 as a percentage of the base rate (150%)",
    "base_rate": "基准费率 as a percentage",
    "current_rate": "现行费率 as a percentage (empty when the extract has none)",
    "rate": "拟执行费率 as a percentage",
    "reasons": "浮动依据: the cited passages of the rules that fired",
    "as_of": "the date the new rate takes effect",
    "window": "the experience years (考核期), e.g. 2023年至2024年",
    "table_id": "the rule table's id",
    "table_name": "the rule table's name",
    "table_document": "the rule table's source document (e.g. 苏人社规〔2023〕2号)",
    "table_hash": "the rule table's sha256",
    "agency": "the agency issuing the notice (argument)",
    "review_period": "when a review (复核) may be asked for (argument)",
    "contact": "how to reach the agency (argument)",
    "issue_date": "the notice's date (argument; default as_of)",
}


class NoticeTemplate:
    """A checked notice template.

    Parameters
    ----------
    text:
        The template text.
    label:
        Where it came from, for messages (a file name).

    Raises
    ------
    ratefloat.ParameterError
        A ``$`` is not followed by a name (write ``$$`` for a dollar sign), or a
        placeholder is not in :data:`PLACEHOLDERS`; the message gives the line.
    """

    def __init__(self, text: str, label: str = "<template>") -> None:
        self.text = text
        self.label = label
        self._template = string.Template(text)
        pattern = self._template.pattern
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            if match.group("invalid") is not None:
                raise ParameterError(
                    f"notice template {label}, line {line}: '$' must start a placeholder "
                    "such as $rate or ${rate}; write $$ for a dollar sign"
                )
            name = match.group("named") or match.group("braced")
            if name is not None and name not in PLACEHOLDERS:
                close = difflib.get_close_matches(name, PLACEHOLDERS, n=1)
                hint = f" Did you mean ${close[0]}?" if close else ""
                raise ParameterError(
                    f"notice template {label}, line {line}: unknown placeholder ${name}.{hint} "
                    f"Known: {', '.join('$' + p for p in PLACEHOLDERS)}"
                )
        self.placeholders = tuple(sorted(set(self._template.get_identifiers())))

    def render(self, values: Mapping[str, str]) -> str:
        """The notice for one employer's values (every placeholder must be given)."""
        return self._template.substitute(values)


def load_notice_template(
    source: str | os.PathLike[str] | NoticeTemplate | None = None,
) -> NoticeTemplate:
    """The built-in template (``None`` or ``"notice-zh"``), a UTF-8 text file, or as given."""
    if isinstance(source, NoticeTemplate):
        return source
    if source is None or str(source) == "notice-zh":
        text = resources.files("ratefloat.reports").joinpath("templates/notice-zh.txt")
        return NoticeTemplate(text.read_text(encoding="utf-8"), "notice-zh")
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError(f"notice template {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"notice template {path} cannot be read as UTF-8: {exc}") from None
    return NoticeTemplate(text, str(path))


def _years_text(first: int, last: int) -> str:
    return f"{first}年" if first == last else f"{first}年至{last}年"


def _number(value: float) -> str:
    return "" if value != value else f"{value:.6g}"


def rate_notices(
    result: RerateResult,
    template: str | os.PathLike[str] | NoticeTemplate | None = None,
    *,
    agency: str = "社会保险经办机构",
    review_period: str = "公示期内",
    contact: str = "",
    issue_date: str | dt.date | None = None,
) -> pd.Series:
    """One 费率浮动告知书 per rated employer, rendered from ``template``.

    Parameters
    ----------
    result:
        A re-rating.
    template:
        ``None`` for the built-in ``notice-zh``, a path to a UTF-8 text file, or a
        :class:`NoticeTemplate`. See :data:`PLACEHOLDERS`.
    agency, review_period, contact, issue_date:
        Filled into ``$agency``, ``$review_period`` (e.g. ``"收到本告知书之日起15个工作日内"``;
        the default says "within the publicity period", as no rule of its length is
        encoded), ``$contact`` and ``$issue_date`` (default: ``as_of``).

    Returns
    -------
    pandas.Series
        Notice text indexed by ``employer_id``, in employer order.
    """
    notice = load_notice_template(template)
    rated = result.rated
    provenance = result.provenance()
    labels = indicator_labels(result)
    reasons = reason_texts(result).to_numpy()
    names = rated["employer_name"] if "employer_name" in rated else rated["employer_id"]
    current = rated["current_rate"] if "current_rate" in rated else pd.Series(np.nan, rated.index)
    common = {
        "as_of": provenance["as_of"],
        "window": _years_text(result.window.first, result.window.last),
        "table_id": provenance["table_id"],
        "table_name": result.table.name,
        "table_document": result.table.source.document if result.table.source else "",
        "table_hash": provenance["table_hash"],
        "agency": agency,
        "review_period": review_period,
        "contact": contact,
        "issue_date": str(issue_date) if issue_date is not None else provenance["as_of"],
    }
    lines = [
        [f"{label}：{_number(v)}" for v in rated[name].tolist()] for name, label in labels.items()
    ]
    per_employer = {
        "employer_id": rated["employer_id"].astype(str).tolist(),
        "employer_name": names.astype(str).tolist(),
        "risk_class": rated["rated_class"].astype(str).tolist(),
        "indicators": ["\n".join(parts) for parts in zip(*lines, strict=True)]
        if lines
        else [""] * len(rated),
        "grade": grade_texts(rated["grade"]).tolist(),
        "grade_number": [f"{g:+d}" if g else "0" for g in rated["grade"].astype(int).tolist()],
        "multiplier": percent_texts(rated["multiplier"], 2).tolist(),
        "base_rate": percent_texts(rated["base_rate"]).tolist(),
        "current_rate": percent_texts(current).tolist(),
        "rate": percent_texts(rated["rate"]).tolist(),
        "reasons": reasons.tolist(),
    }
    keys = list(per_employer)
    texts = [
        notice.render({**common, **dict(zip(keys, values, strict=True))})
        for values in zip(*per_employer.values(), strict=True)
    ]
    return pd.Series(texts, index=pd.Index(rated["employer_id"], name="employer_id"), name="notice")


_UNSAFE = re.compile(r"[^\w.-]")


def write_notices(notices: pd.Series, folder: str | os.PathLike[str]) -> list[Path]:
    """Write each notice to ``<folder>/<employer_id>.txt`` (UTF-8), atomically per file.

    The folder is created if it does not exist (one file per employer needs a folder of
    its own).

    Characters of an id that cannot be in a file name are replaced by ``_``; two ids that
    would share a file name are refused (:class:`ValueError`) before anything is written.
    """
    from ..io import _atomic

    folder = Path(folder)
    names = [_UNSAFE.sub("_", str(i)).lstrip(".") or "_" for i in notices.index]
    seen: dict[str, object] = {}
    for name, employer in zip(names, notices.index, strict=True):
        if name in seen:
            raise ValueError(
                f"employers {seen[name]!r} and {employer!r} would both be written to {name}.txt"
            )
        seen[name] = employer
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in zip(names, notices.to_numpy(), strict=True):
        data = text.encode("utf-8")
        written.append(
            _atomic(folder / f"{name}.txt", lambda tmp, d=data: Path(tmp).write_bytes(d))
        )
    return written
