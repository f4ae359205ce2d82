"""Employer ids: one normal text form per employer, and a count of look-alike ids.

An extract's ``employer_id`` column can hold text, integers (``1`` and ``"1"`` are one
employer), floats that were integers before a CSV reader met an empty cell (``1.0``),
missing markers of every kind (``None``, ``NaN``, ``pd.NA``, ``pd.NaT``) and stray
whitespace. :func:`normalise_employer_ids` maps every value to its id text, or marks it
missing or invalid:

* text: surrounding whitespace is removed (every character ``str.isspace`` knows,
  including the ideographic space U+3000 and the no-break space U+00A0); text that is
  empty afterwards is missing. Nothing else changes: case, full-width characters and
  inner spaces are kept, because folding them could merge two distinct employers.
* integers (Python, numpy, nullable): their decimal text (``7`` → ``"7"``); beyond
  1,000 digits they are invalid.
* floats: whole numbers below 2**53 in magnitude as the integer's text (``7.0`` →
  ``"7"``, ``-0.0`` → ``"0"``); fractions, infinities and larger floats (which cannot
  tell neighbouring integers apart) are invalid.
* missing markers: missing.
* anything else (booleans, bytes, dates, complex numbers, text with a lone UTF-16
  surrogate that cannot be written as UTF-8): invalid.

The mapping is a pure function of each value, so it may be applied to the distinct
values of a column instead of every row. :func:`count_lookalike_ids` then counts the
distinct ids that equal another one once compatibility forms (NFKC), case and
whitespace are folded: ``"E001"``, ``"e001"``, ``"Ｅ００１"`` and ``"E 001"`` are three
look-alikes of the first; they stay separate employers and are reported as a warning.
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["NormalisedIds", "normalise_employer_ids", "count_lookalike_ids", "WHITESPACE"]

#: Every character ``str.isspace`` accepts: what is stripped around ids.
WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())

_EXACT_FLOAT = 2.0**53


@dataclass(frozen=True)
class NormalisedIds:
    """Normal id texts of some values, aligned with them.

    Attributes
    ----------
    text:
        The id text of each value (``object`` array of ``str``); ``None`` where the value
        is missing or invalid.
    missing:
        The value is a missing marker, or text that is only whitespace.
    invalid:
        The value is present but cannot be an id (see the module docs).
    """

    text: np.ndarray
    missing: np.ndarray
    invalid: np.ndarray
    #: The texts as a pyarrow array, when it was built (reused to count look-alikes).
    arrow: Any = None


def normalise_employer_ids(
    values: np.ndarray | pd.api.extensions.ExtensionArray, kind: str | None = None
) -> NormalisedIds:
    """The normal text form of employer ids (see the module docs for the rules).

    Parameters
    ----------
    values:
        Raw ids: a numpy array of any dtype or a pandas extension array.
    kind:
        ``pandas.api.types.infer_dtype(values, skipna=False)`` if the caller knows it.

    Returns
    -------
    NormalisedIds

    Examples
    --------
    >>> ids = normalise_employer_ids(np.array([" E1 ", 1, 1.0, "\\u3000", None, 1.5], dtype=object))
    >>> ids.text.tolist(), ids.missing.tolist(), ids.invalid.tolist()
    (['E1', '1', '1', None, None, None], [False, False, False, True, True, False], \
[False, False, False, False, False, True])
    """
    if isinstance(values, pd.api.extensions.ExtensionArray):
        if isinstance(values.dtype, pd.StringDtype):
            values = values.to_numpy(dtype=object, na_value=None)
        else:
            values = np.asarray(values, dtype=object)
    values = np.asarray(values)
    n = len(values)
    if values.dtype.kind in "iu":
        return NormalisedIds(
            values.astype(str).astype(object), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        )
    if values.dtype.kind == "f":
        return _from_floats(values.astype(np.float64))
    if values.dtype.kind != "O":
        # bool, datetime, complex, bytes ...: not an id type
        missing = pd.isna(values) if values.dtype.kind in "mM" else np.zeros(n, dtype=bool)
        return NormalisedIds(np.full(n, None, dtype=object), missing, ~missing)
    if (kind or pd.api.types.infer_dtype(values, skipna=False)) == "string":
        return _from_text(values)
    return _from_mixed(values)


def _from_floats(numbers: np.ndarray) -> NormalisedIds:
    missing = np.isnan(numbers)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(numbers) & (numbers == np.floor(numbers))
        whole &= np.abs(numbers) < _EXACT_FLOAT
    text = np.full(len(numbers), None, dtype=object)
    text[whole] = numbers[whole].astype(np.int64).astype(str).astype(object)
    return NormalisedIds(text, missing, ~missing & ~whole)


def _from_mixed(values: np.ndarray) -> NormalisedIds:
    """Object arrays that are not all text: each value by its type (the rare, dirty case)."""
    n = len(values)
    missing = np.asarray(pd.isna(values), dtype=bool)
    text = np.full(n, None, dtype=object)
    invalid = np.zeros(n, dtype=bool)
    strings = np.zeros(n, dtype=bool)
    for position, value in enumerate(values):
        if missing[position]:
            continue
        if isinstance(value, str):
            strings[position] = True
        elif isinstance(value, (bool, np.bool_)):
            invalid[position] = True
        elif isinstance(value, Integral):
            text[position] = str(int(value)) if abs(int(value)) < 10**1000 else None
            invalid[position] = text[position] is None
        elif isinstance(value, (float, np.floating)):
            number = _from_floats(np.array([float(value)]))
            text[position], invalid[position] = number.text[0], number.invalid[0]
        else:
            invalid[position] = True
    if strings.any():
        texts = _from_text(values[strings])
        text[strings] = texts.text
        missing[strings] = texts.missing
        invalid[strings] = texts.invalid
    return NormalisedIds(text, missing, invalid)


def _from_text(values: np.ndarray) -> NormalisedIds:
    """An object array of ``str``: strip whitespace, refuse lone surrogates."""
    n = len(values)
    invalid = np.zeros(n, dtype=bool)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow is in every extra that runs tests
        pa = None
    if pa is not None:
        try:
            arrow = pa.array(values, type=pa.string())
        except (UnicodeEncodeError, pa.ArrowException):
            invalid = np.array([not _encodable(v) for v in values], dtype=bool)
            arrow = pa.array(np.where(invalid, "", values), type=pa.string())
        stripped = pc.utf8_trim(arrow, characters=WHITESPACE)
        empty = pc.equal(pc.binary_length(stripped), 0)
        missing = np.zeros(n, dtype=bool)
        if pc.any(empty).as_py():
            missing = ~invalid & empty.to_numpy(zero_copy_only=False)
        changed = invalid.any() or pc.any(pc.not_equal(stripped, arrow)).as_py()
        text = stripped.to_numpy(zero_copy_only=False).astype(object) if changed else values
    else:
        invalid = np.array([not _encodable(v) for v in values], dtype=bool)
        text = pd.Series(values, dtype=object).str.strip(WHITESPACE).to_numpy(dtype=object)
        missing = ~invalid & (text == "")
        stripped = None
    if missing.any() or invalid.any():
        return NormalisedIds(np.where(missing | invalid, None, text), missing, invalid)
    return NormalisedIds(text, missing, invalid, stripped)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def count_lookalike_ids(ids: np.ndarray | None, arrow: Any = None) -> int:
    """How many distinct ids equal another one after folding.

    The fold: Unicode compatibility form (NFKC, so full-width ``Ｅ１`` is ``E1``), case
    folding and removal of all whitespace. ``ids`` are distinct normalised id texts;
    ``arrow``, if given, is the same texts as a pyarrow array (in any order); with it,
    ``ids`` may be None.

    Examples
    --------
    >>> count_lookalike_ids(np.array(["E001", "e001", "Ｅ００１", "E 001", "E002"], dtype=object))
    4
    """
    if len(ids if arrow is None else arrow) < 2:
        return 0
    keys = _fold(None if ids is None else np.asarray(ids, dtype=object), arrow)
    if keys is None:
        return 0
    codes, uniques = pd.factorize(keys)
    sizes = np.bincount(codes, minlength=len(uniques))
    return int(sizes[sizes > 1].sum())


def _fold(ids: np.ndarray | None, arrow: Any = None) -> np.ndarray | None:
    """Folded keys of ``ids``, or ``None`` when folding cannot make two of them equal."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover
        return np.array([_fold_one(i) for i in ids], dtype=object)
    arrow = pa.array(ids, type=pa.string()) if arrow is None else arrow
    if pc.all(pc.string_is_ascii(arrow)).as_py() and (
        pc.all(pc.ascii_is_alnum(arrow)).as_py()
        or not pc.any(pc.match_substring_regex(arrow, r"\s")).as_py()
    ):
        # ASCII without whitespace: the fold is lower-casing, which cannot merge ids that
        # are all upper case (or all lower case) already - the usual id format.
        if pc.all(pc.equal(pc.ascii_upper(arrow), arrow)).as_py():
            return None
        if pc.all(pc.equal(pc.ascii_lower(arrow), arrow)).as_py():
            return None
        return pc.ascii_lower(arrow).to_numpy(zero_copy_only=False)
    folded = pc.utf8_normalize(arrow, form="NFKC")
    keys = folded.to_numpy(zero_copy_only=False).astype(object)
    ascii_keys = pc.string_is_ascii(folded).to_numpy(zero_copy_only=False)
    keys[ascii_keys] = [_strip_all(k.lower()) for k in keys[ascii_keys]]
    keys[~ascii_keys] = [_fold_one(k) for k in keys[~ascii_keys]]
    return keys


def _fold_one(text: str) -> str:
    return _strip_all(unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()))


def _strip_all(text: str) -> str:
    return "".join(text.split())
