"""Normalisation of GB/T 4754 industry codes (行业代码) as they arrive in extracts.

GB/T 4754 codes are strings of digits: a 2-digit 大类 (division, ``"06"``), a 3-digit 中类
(group, ``"061"``) or a 4-digit 小类 (class, ``"0610"``). Extracts mangle them in a few
well-known ways, which :func:`normalize_code` undoes where that is unambiguous and refuses where
it is not:

* surrounding whitespace (also the full-width space) is stripped and full-width digits
  (``"０６"``) are read as ASCII digits (Unicode NFKC);
* a 1-digit code lost its leading zero (``6`` or ``"6"`` → ``"06"``): there are no 1-digit codes;
* integers (and integral floats such as ``6.0``, which is what a CSV integer column with gaps
  becomes) of 1–2 digits are 大类 and of 4 digits 小类;
* a **3-digit integer is refused**: it may be a 中类 (``611``) or a 小类 whose leading zero was
  lost (``0611`` → ``611``), which belong to different 大类 (61 住宿业 vs 06 煤炭开采). Text
  codes keep their zeros, so a 3-character *string* is taken as a 中类.

Nothing else is guessed: letters, decimals, signs and codes longer than 4 digits are refused.
"""

from __future__ import annotations

import math
import numbers
import unicodedata

__all__ = ["normalize_code", "CodeProblem"]


class CodeProblem:
    """Why a value could not be normalised to a code (a tiny tagged result, no exception)."""

    MISSING = "missing"
    MALFORMED = "malformed"


def normalize_code(value: object) -> tuple[str | None, str | None, str]:
    """Normalise one industry-code value.

    Parameters
    ----------
    value
        A code as found in an extract or a table: ``str``, ``int`` (also numpy integers),
        integral ``float``, or a missing value (``None``, ``NaN``, ``pd.NA``).

    Returns
    -------
    code, problem, detail
        ``code`` is the normalised digit string (2–4 digits) or ``None``; ``problem`` is
        ``None`` on success, :attr:`CodeProblem.MISSING` or :attr:`CodeProblem.MALFORMED`;
        ``detail`` explains a malformed value in words an analyst can act on.

    Examples
    --------
    >>> normalize_code(6)
    ('06', None, '')
    >>> normalize_code(" 0610 ")
    ('0610', None, '')
    >>> normalize_code(611)[1]
    'malformed'
    """
    if value is None:
        return None, CodeProblem.MISSING, ""
    if isinstance(value, bool):
        return None, CodeProblem.MALFORMED, "a true/false value is not an industry code"
    if isinstance(value, numbers.Integral):
        return _from_int(int(value))
    if isinstance(value, numbers.Real):
        f = float(value)
        if math.isnan(f):
            return None, CodeProblem.MISSING, ""
        if math.isinf(f) or not f.is_integer():
            return None, CodeProblem.MALFORMED, "a code is a whole number written as digits"
        return _from_int(int(f))
    if isinstance(value, str):
        return _from_str(value)
    try:  # pd.NA, pd.NaT and other missing markers
        import pandas as pd

        if pd.isna(value):
            return None, CodeProblem.MISSING, ""
    except (TypeError, ValueError):
        pass
    return None, CodeProblem.MALFORMED, f"a value of type {type(value).__name__} is not a code"


def _from_int(n: int) -> tuple[str | None, str | None, str]:
    if n < 0:
        return None, CodeProblem.MALFORMED, "a code cannot be negative"
    if n < 100:
        return f"{n:02d}", None, ""
    if n < 1000:
        return (
            None,
            CodeProblem.MALFORMED,
            f"the integer {n} may be the 中类 '{n}' or the 小类 '0{n}' that lost its leading zero;"
            " supply codes as text",
        )
    if n < 10000:
        return str(n), None, ""
    return None, CodeProblem.MALFORMED, "a GB/T 4754 code has at most 4 digits (小类)"


def _from_str(text: str) -> tuple[str | None, str | None, str]:
    s = unicodedata.normalize("NFKC", text).strip()
    if not s:
        return None, CodeProblem.MISSING, ""
    if not (s.isascii() and s.isdigit()):
        return (
            None,
            CodeProblem.MALFORMED,
            "write 2–4 digits (大类, 中类 or 小类) without letters, signs or dots",
        )
    if len(s) == 1:
        return "0" + s, None, ""
    if len(s) > 4:
        return None, CodeProblem.MALFORMED, "a GB/T 4754 code has at most 4 digits (小类)"
    return s, None, ""
