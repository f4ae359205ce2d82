"""Assign a risk class (行业风险类别) to every row of an extract from its industry code."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ratefloat.errors import ParameterError, RejectReason, SchemaError, reject_frame

from .codes import CodeProblem, normalize_code
from .table import ClassificationTable, load_classification

__all__ = ["ClassifyResult", "classify", "CLASS_FROM_TABLE"]

#: Column added by :func:`classify` when the extract already has a risk class and
#: ``overwrite=False``: the class the table gives, next to the one supplied.
CLASS_FROM_TABLE = "class_from_table"

_LEVEL = {2: "大类", 3: "中类", 4: "小类"}


@dataclass(frozen=True)
class ClassifyResult:
    """Outcome of :func:`classify`.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows that were classified, in input order with their original index. The class
        column (``risk_class`` by default) holds the table's class as ``int8``; when the extract
        already had that column and ``overwrite=False``, it is left as supplied and the table's
        class is in ``class_from_table`` (``int8``) instead.
    rejects : pandas.DataFrame
        One row per input row that could not be classified, with the standard columns of
        :func:`ratefloat.errors.reject_frame` (``row`` is the input position).
    table : ClassificationTable
        The table used (after overrides); ``table.id`` and ``table.hash`` identify it.
    class_column : str
        Name of the class column.
    """

    frame: pd.DataFrame
    rejects: pd.DataFrame
    table: ClassificationTable
    class_column: str = "risk_class"
    _compared: bool = field(default=False, repr=False)

    @property
    def disagreements(self) -> pd.DataFrame:
        """Classified rows whose supplied class is missing or differs from the table's.

        Empty unless the extract already had the class column and ``overwrite=False``.
        """
        if not self._compared:
            return self.frame.iloc[0:0]
        given = pd.to_numeric(self.frame[self.class_column], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        table = self.frame[CLASS_FROM_TABLE].to_numpy()
        return self.frame[~(given == table)]

    def summary(self) -> dict[str, Any]:
        """Counts for logs and run manifests.

        Returns
        -------
        dict
            ``rows``, ``classified``, ``rejected``, ``rejected_by_reason`` (reason → count),
            ``disagreements``, ``table_id``, ``table_hash``.
        """
        by_reason = self.rejects["reason"].value_counts().sort_index()
        return {
            "rows": len(self.frame) + len(self.rejects),
            "classified": len(self.frame),
            "rejected": len(self.rejects),
            "rejected_by_reason": {str(k): int(v) for k, v in by_reason.items()},
            "disagreements": len(self.disagreements),
            "table_id": self.table.id,
            "table_hash": self.table.hash,
        }


def classify(
    extract: pd.DataFrame,
    table: str | os.PathLike[str] | Mapping[str, Any] | ClassificationTable = "cn-mohrss-2015",
    *,
    overrides: Mapping[Any, Any] | None = None,
    code_column: str = "industry_code",
    class_column: str = "risk_class",
    overwrite: bool = False,
) -> ClassifyResult:
    """Classify every row of an extract into a risk class from its GB/T 4754 industry code.

    The work is vectorised: each *distinct* code is resolved once (a few hundred at most in a
    province), then mapped onto all rows with one array take. Nothing is guessed: a code the
    table does not know, an ambiguous code and an empty code each reject the row with a reason
    and a message the analyst can act on.

    Codes are normalised first (see :mod:`ratefloat.classification.codes`): whitespace is
    stripped, integers get their leading zero back (``6`` → ``"06"``), and 3/4-digit 中类/小类
    codes are accepted — the entry of the longest matching prefix applies, which for a table of
    大类 means the first two digits (``"0610"`` → ``"06"``). 3-digit *integers* are rejected
    (中类 ``611`` and 小类 ``0611`` are indistinguishable once the zero is lost).

    Parameters
    ----------
    extract : pandas.DataFrame
        Employer (or employer-year) rows with an industry-code column. An ``employer_id``
        column, if present, is copied into the rejects.
    table : str, path, mapping or ClassificationTable, default "cn-mohrss-2015"
        A built-in id, a YAML/JSON file, a dict or a loaded table (see
        :func:`load_classification`). Its edition must match the extract's codes:
        ``"cn-mohrss-2015"`` is GB/T 4754-2011, ``"cn-mohrss-2015-gbt2017"`` GB/T 4754-2017.
    overrides : Mapping, optional
        Local overrides ``{code: class}`` laid over the table (see
        :meth:`ClassificationTable.with_overrides`), e.g. ``{"59": 2}``.
    code_column : str, default "industry_code"
        Column holding the codes.
    class_column : str, default "risk_class"
        Column to fill with the class (``int8``).
    overwrite : bool, default False
        If the extract already has ``class_column``: replace it with the table's class
        (``True``), or keep it and add ``class_from_table`` so that rows where the two disagree
        can be reviewed through :attr:`ClassifyResult.disagreements` (``False``).

    Returns
    -------
    ClassifyResult
        ``.frame`` (classified rows), ``.rejects`` (one row per rejected input row, reasons
        ``UNKNOWN_INDUSTRY_CODE``, ``AMBIGUOUS_INDUSTRY_CODE`` or ``MISSING_VALUE``),
        ``.table``, ``.disagreements``, ``.summary()``. Every input row is in exactly one of
        ``frame`` and ``rejects``.

    Raises
    ------
    ratefloat.errors.SchemaError
        ``code_column`` is not a column of the extract (or appears twice).
    ratefloat.errors.RuleTableError
        The table or an override is invalid.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"employer_id": ["a", "b", "c"], "industry_code": ["06", 65, "99"]})
    >>> res = classify(df)
    >>> res.frame["risk_class"].tolist()
    [8, 1]
    >>> res.rejects["reason"].tolist()
    ['UNKNOWN_INDUSTRY_CODE']
    """
    if not isinstance(extract, pd.DataFrame):
        raise ParameterError(f"classify() needs a pandas DataFrame, not {type(extract).__name__}")
    if code_column not in extract.columns:
        raise SchemaError(
            f"the extract has no industry-code column {code_column!r} "
            f"(columns: {', '.join(map(str, extract.columns[:20]))}"
            f"{', ...' if len(extract.columns) > 20 else ''}); "
            "pass code_column= to name the column that holds the GB/T 4754 codes"
        )
    col = extract[code_column]
    if isinstance(col, pd.DataFrame):
        raise SchemaError(f"the extract has more than one column named {code_column!r}")

    tbl = load_classification(table)
    if overrides:
        tbl = tbl.with_overrides(overrides)

    # --- one pass over the distinct codes ------------------------------------------------
    if isinstance(col.dtype, pd.CategoricalDtype):
        row_slot = col.cat.codes.to_numpy()
        uniques: Any = col.cat.categories
    else:
        row_slot, uniques = pd.factorize(col, use_na_sentinel=True)
    n_unique = len(uniques)
    # slot -1 (NaN sentinel) indexes the last element, reserved for "missing"
    u_class = np.zeros(n_unique + 1, dtype=np.int8)
    u_reason = np.empty(n_unique + 1, dtype=object)
    u_message = np.empty(n_unique + 1, dtype=object)
    resolver = _Resolver(tbl, code_column)
    for i, value in enumerate(uniques):
        u_class[i], u_reason[i], u_message[i] = resolver(value)
    u_class[n_unique], u_reason[n_unique], u_message[n_unique] = resolver(None)

    row_class = u_class[row_slot]
    ok = row_class > 0

    # --- classified rows ------------------------------------------------------------------
    all_ok = bool(ok.all())
    frame = extract.copy(deep=False) if all_ok else extract.iloc[np.flatnonzero(ok)]
    table_class = row_class if all_ok else row_class[ok]
    compared = class_column in extract.columns and not overwrite
    target = CLASS_FROM_TABLE if compared else class_column
    frame = frame.assign(**{target: table_class})

    # --- rejected rows --------------------------------------------------------------------
    pos = np.flatnonzero(~ok)
    if "employer_id" in extract.columns:
        employer = extract["employer_id"].iloc[pos].to_numpy(dtype=object)
    else:
        employer = np.full(len(pos), None, dtype=object)
    slots = row_slot[pos]
    rejects = reject_frame(
        employer_id=employer,
        reason=u_reason[slots],
        column=code_column,
        value=col.iloc[pos].to_numpy(dtype=object),
        row=pos,
        message=u_message[slots],
    )
    return ClassifyResult(
        frame=frame, rejects=rejects, table=tbl, class_column=class_column, _compared=compared
    )


class _Resolver:
    """Resolve one distinct raw code to (class, reason, message); caches by normalised code."""

    def __init__(self, table: ClassificationTable, column: str) -> None:
        self.table = table
        self.column = column
        self.where = f"{table.id} ({table.edition})"
        self.cache: dict[str, tuple[int, object, object]] = {}

    def __call__(self, value: object) -> tuple[int, object, object]:
        code, problem, detail = normalize_code(value)
        if problem == CodeProblem.MISSING:
            return (
                0,
                RejectReason.MISSING_VALUE.value,
                f"{self.column} is empty: fill in the employer's {self.table.edition} code",
            )
        if problem is not None or code is None:
            return (
                0,
                RejectReason.UNKNOWN_INDUSTRY_CODE.value,
                f"{self.column} {_show(value)} is not a GB/T 4754 code: {detail}",
            )
        hit = self.cache.get(code)
        if hit is None:
            hit = self.cache[code] = self._resolve(code)
        return hit

    def _resolve(self, code: str) -> tuple[int, object, object]:
        found = self.table._lookup_normalized(code)
        col = self.column
        if found is None:
            shown = f"'{code}'" if len(code) == 2 else f"'{code}' (大类 '{code[:2]}')"
            return (
                0,
                RejectReason.UNKNOWN_INDUSTRY_CODE.value,
                f"{col} {shown} is not in {self.where}: check the edition or add a local override",
            )
        matched, entry = found
        if entry.risk_class is not None:
            return entry.risk_class, None, None
        label = f"'{code}'"
        name = f" {entry.name}" if entry.name else ""
        if matched != code:
            label += f" ({_LEVEL.get(len(matched), '')} '{matched}'{name})"
        elif entry.name:
            label += f" ({entry.name})"
        if entry.candidates:
            options = " or ".join(str(c) for c in entry.candidates)
            return (
                0,
                RejectReason.AMBIGUOUS_INDUSTRY_CODE.value,
                f"{col} {label} is ambiguous in {self.where}: it may be risk class {options}; "
                f"add a local override, e.g. overrides={{'{matched}': <{options}>}}",
            )
        return (
            0,
            RejectReason.UNKNOWN_INDUSTRY_CODE.value,
            f"{col} {label} has no risk class in {self.where}: "
            f"add a local override, e.g. overrides={{'{matched}': <class 1-8>}}",
        )


def _show(value: object) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)
