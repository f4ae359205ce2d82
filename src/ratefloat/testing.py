"""Public testing helpers: hypothesis strategies and the reference check.

Agencies that write their own tables, and anyone who writes another engine (a Spark
adapter, say), can use these the way ratefloat's own tests do::

    from hypothesis import given
    from ratefloat.testing import employer_years, rule_tables, assert_matches_reference

    @given(rule_tables(), employer_years())
    def test_my_engine(table, extract):
        assert_matches_reference(extract, table, as_of="2025-01-01")

Needs ``hypothesis`` (in the ``dev`` extra). Profiles: ``fast`` (CI default) and
``expensive`` (deep runs), chosen with ``RATEFLOAT_HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, get_args

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from .reference import rate_all
from .rerate import rerate
from .result import REASON_SEPARATOR
from .rules.loader import load_table
from .rules.model import ModifierAction, RuleTable

__all__ = [
    "employer_years",
    "corrupted_extracts",
    "HOSTILE_VALUES",
    "rule_tables",
    "rule_table_dicts",
    "assert_matches_reference",
    "register_profiles",
    "AS_OF",
]

#: The rating date the strategies are built around.
AS_OF = dt.date(2025, 1, 1)
_YEARS = (2020, 2021, 2022, 2023, 2024)


def register_profiles() -> None:
    """Register the ``fast`` and ``expensive`` profiles and load the one named in the env."""
    common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
    settings.register_profile("fast", max_examples=40, **common)
    settings.register_profile("expensive", max_examples=1500, **common)
    settings.load_profile(os.environ.get("RATEFLOAT_HYPOTHESIS_PROFILE", "fast"))


# -- populations -----------------------------------------------------------------------

# Values that sit on and around the thresholds real tables use, so that boundary
# behaviour is exercised, plus zeros (most employers have no injury in a year).
_RATIO_POINTS = [0.0, 0.01, 0.03, 0.5, 1.0, 1.2, 3.0]


@st.composite
def employer_years(
    draw: st.DrawFn,
    max_employers: int = 25,
    classes: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8),
    grades: tuple[int, int] = (-2, 2),
) -> pd.DataFrame:
    """Valid employer-year extracts with every column of the vocabulary.

    Amounts are drawn so that payout ratios and injury rates often land exactly on the
    thresholds tables use (0, 1 %, 3 %, 50 %, 100 %, 120 %, 300 %).
    """
    n = draw(st.integers(1, max_employers))
    rows: list[dict[str, Any]] = []
    for index in range(n):
        employer = f"E{index:04d}"
        risk_class = draw(st.sampled_from(classes))
        years = draw(st.lists(st.sampled_from(_YEARS), min_size=1, max_size=5, unique=True))
        insured_since = draw(st.dates(dt.date(2010, 1, 1), dt.date(2024, 12, 31)))
        current_grade = draw(st.integers(*grades))
        for year in sorted(years):
            contributions = draw(st.sampled_from([0.0, 1000.0, 2500.5, 10000.0, 123456.78]))
            point = draw(st.sampled_from(_RATIO_POINTS + [None]))
            if point is None:
                payouts = draw(st.floats(0, 500000, allow_nan=False).map(lambda x: round(x, 2)))
            else:
                payouts = round(contributions * point, 2)
            avg_insured = draw(st.sampled_from([0.0, 1.0, 10.0, 33.5, 100.0, 2000.0]))
            injuries = draw(st.integers(0, 3))
            deaths = draw(st.integers(0, injuries))
            rows.append(
                {
                    "employer_id": employer,
                    "year": year,
                    "risk_class": risk_class,
                    "avg_insured": avg_insured,
                    "contributions": contributions,
                    "payouts": payouts,
                    "injuries": injuries,
                    "deaths": deaths,
                    "payroll": round(contributions * 100, 2),
                    "arrears": draw(st.booleans()),
                    "fraud": draw(st.booleans()),
                    "concealment": draw(st.booleans()),
                    "no_down_event": draw(st.booleans()),
                    "safety_level": draw(st.integers(0, 3)),
                    "insured_since": pd.Timestamp(insured_since),
                    "current_grade": current_grade,
                    "current_rate": 0.004,
                }
            )
    frame = pd.DataFrame(rows)
    return frame.sample(frac=1.0, random_state=draw(st.integers(0, 2**31 - 1))).reset_index(
        drop=True
    )


# -- corrupted populations -------------------------------------------------------------

#: Values that have crashed, or could crash, a cleaning path: missing markers of every
#: kind, extremes, wrong types, encodings, blanks, dates in odd forms, look-alike ids.
HOSTILE_VALUES: tuple[Any, ...] = (
    None,
    float("nan"),
    pd.NA,
    pd.NaT,
    float("inf"),
    float("-inf"),
    -0.0,
    1e26,
    -1e26,
    1.7976931348623157e308,
    5e-324,
    10**400,
    -(10**400),
    2**63,
    -(2**63),
    2**64 + 1,
    32768,
    -32768,
    20240301,
    1.5,
    -1,
    0,
    2024,
    complex(5, 7),
    True,
    False,
    np.int64(7),
    np.float32(2.5),
    np.bool_(True),
    Decimal("12.34"),
    Decimal("NaN"),
    b"bytes",
    "",
    "  ",
    "\u3000",
    "\xa0",
    "\u200b",
    "\ud800",
    "nan",
    "NaN",
    "None",
    "1,000",
    "1e400",
    "－5",
    "１２",
    "abc",
    "是",
    "true",
    "9999-12-31",
    "0001-01-01",
    "2024-03-01T00:00+08:00",
    "20240301",
    "E0000001",
    " E0000001 ",
    "e0000001",
    "Ｅ0000001",
    pd.Timestamp("2020-01-01", tz="UTC"),
    pd.Timestamp("2020-06-30 23:30", tz="Asia/Shanghai"),
    dt.date(2020, 1, 1),
    dt.date(9999, 12, 31),
    dt.datetime(2019, 5, 4, 12, 0),
    np.datetime64("2021-02-03"),
    np.datetime64("NaT"),
)

#: Dtypes a whole column is converted to (where the conversion succeeds).
COLUMN_DTYPES: tuple[str, ...] = (
    "object",
    "Int64",
    "Float64",
    "boolean",
    "category",
    "string[pyarrow]",
    "string[python]",
    "str",
    "float32",
    "int16",
    "int64",
    "uint64",
    "int64[pyarrow]",
    "double[pyarrow]",
    "datetime64[s]",
)


def _set_cell(frame: pd.DataFrame, column: str, row: int, value: Any) -> pd.DataFrame:
    values = frame[column].astype(object).to_numpy(copy=True)
    values[row] = value
    return frame.assign(**{column: pd.Series(values, index=frame.index, dtype=object)})


def _convert(frame: pd.DataFrame, column: str, dtype: str) -> pd.DataFrame:
    try:
        converted = frame[column].astype(dtype)
    except Exception:  # noqa: BLE001 - an impossible conversion is simply not a corruption
        return frame
    return frame.assign(**{column: converted})


@st.composite
def _corruption(draw: st.DrawFn, frame: pd.DataFrame) -> pd.DataFrame:
    """One corruption of ``frame`` (never in place)."""
    columns = list(dict.fromkeys(frame.columns))
    column = draw(st.sampled_from(columns))
    n = len(frame)
    kind = draw(st.integers(0, 9))
    if kind <= 3 or n == 0:
        # the most frequent corruption: one hostile cell (several in a row for kind 3)
        for _ in range(1 if kind < 3 else draw(st.integers(2, 5))):
            if n:
                frame = _set_cell(
                    frame,
                    column,
                    draw(st.integers(0, n - 1)),
                    draw(st.sampled_from(HOSTILE_VALUES)),
                )
        return frame
    if kind == 4:
        return _convert(frame, column, draw(st.sampled_from(COLUMN_DTYPES)))
    if kind == 5 and "employer_id" in frame:
        # the whole employer_id column in another type: numbers, floats, mixed
        codes = pd.factorize(frame["employer_id"].astype(str))[0]
        form = draw(st.sampled_from(["int", "float", "mixed", "padded", "fullwidth"]))
        if form == "int":
            ids: Any = codes + 1
        elif form == "float":
            ids = (codes + 1).astype(float)
        elif form == "mixed":
            ids = np.array([c + 1 if c % 2 else str(c + 1) for c in codes], dtype=object)
        elif form == "padded":
            ids = np.array([f" {c}\u3000" for c in codes], dtype=object)
        else:
            ids = np.array([f"Ｅ{c}" if c % 3 == 0 else f"E{c}" for c in codes], dtype=object)
        return frame.assign(employer_id=ids)
    if kind == 7:
        if draw(st.integers(0, 3)) == 0:
            return frame.drop(columns=[column])  # a missing column
        rows = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
        return pd.concat([frame, frame.iloc[rows]], ignore_index=True)  # repeated rows
    if kind == 8 and "insured_since" in frame:
        dates = pd.to_datetime(frame["insured_since"], errors="coerce", utc=True)
        zone = draw(st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York"]))
        return frame.assign(insured_since=dates.dt.tz_convert(zone))
    # rows in another order
    return frame.sample(frac=1.0, random_state=draw(st.integers(0, 2**31 - 1)))


@functools.lru_cache(maxsize=1)
def _example_extract() -> pd.DataFrame:
    from .examples import load_example

    return load_example()


@st.composite
def corrupted_extracts(
    draw: st.DrawFn, max_employers: int = 12, max_corruptions: int = 4
) -> pd.DataFrame:
    """Valid employer-year extracts with 1 to ``max_corruptions`` corruptions each.

    The extract to corrupt is a small synthetic population (:mod:`ratefloat.synth`, every
    column of the vocabulary) or a slice of the packaged example. The corruptions: values
    from :data:`HOSTILE_VALUES` in one or several cells; a whole column converted to
    another dtype (nullable, categorical, pyarrow-backed, object ...); the ids rewritten
    (integers, floats, mixed, padded with Unicode blanks, full-width look-alikes); a
    column duplicated or dropped; rows repeated; dates made time-zone aware; rows
    shuffled. ``rerate()`` must reject, never crash, on every one of them (a missing or
    duplicated column is the one :class:`SchemaError`).
    """
    from .synth import employer_years as synthetic

    n = draw(st.integers(1, max_employers))
    if draw(st.integers(0, 3)) == 0:
        example = _example_extract()
        ids = example["employer_id"].drop_duplicates()
        first = draw(st.integers(0, len(ids) - 1))
        chosen = example["employer_id"].isin(ids.iloc[first : first + n])
        frame = example[chosen].reset_index(drop=True)
    else:
        years = draw(st.sampled_from([(2022, 2023, 2024), (2021, 2022, 2023, 2024), (2024,)]))
        frame = synthetic(n, years, seed=draw(st.integers(0, 2**16)))
    for _ in range(draw(st.integers(1, max_corruptions))):
        frame = draw(_corruption(frame))
    if draw(st.integers(0, 9)) == 0:
        column = draw(st.sampled_from(list(frame.columns)))
        frame = pd.concat([frame, frame[[column]]], axis=1)  # a duplicate column
    return frame


# -- rule tables -----------------------------------------------------------------------

_NUMERIC = [
    "payout_ratio",
    "injury_rate",
    "prev_payout_ratio",
    "injuries",
    "deaths",
    "insured_months",
    "relative_incidence",
    "incidence_vs_class",
    "injuries_y1",
    "payout_ratio_y2",
    "severity",
]
_FLAGS = ["arrears", "fraud", "concealment"]
_THRESHOLDS = [0.0, 0.01, 0.03, 0.5, 1.0, 1.2, 3.0, 12.0, 24.0]


@st.composite
def _condition(draw: st.DrawFn, depth: int = 0) -> str:
    kind = draw(st.integers(0, 5 if depth < 1 else 3))
    if kind <= 2:
        name = draw(st.sampled_from(_NUMERIC))
        op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
        return f"{name} {op} {draw(st.sampled_from(_THRESHOLDS))}"
    if kind == 3:
        flag = draw(st.sampled_from(_FLAGS))
        return flag if draw(st.booleans()) else f"not {flag}"
    if kind == 4:
        members = draw(st.lists(st.integers(1, 8), min_size=1, max_size=3, unique=True))
        return f"risk_class in {members}"
    left, right = draw(_condition(depth + 1)), draw(_condition(depth + 1))
    return f"({left}) {draw(st.sampled_from(['and', 'or']))} ({right})"


@st.composite
def _outcome(draw: st.DrawFn, low: int, high: int, steps: bool) -> dict[str, int]:
    if steps and draw(st.booleans()):
        return {"step": draw(st.integers(-2, 2))}
    return {"grade": draw(st.integers(low, high))}


@st.composite
def _threshold_rows(draw: st.DrawFn, low: int, high: int, steps: bool) -> list[dict[str, Any]]:
    cuts = sorted(
        draw(st.lists(st.sampled_from(_THRESHOLDS[1:7]), min_size=1, max_size=4, unique=True))
    )
    rows = []
    lower, lower_closed = 0.0, True
    for cut in cuts + [float("inf")]:
        upper_closed = cut != float("inf") and draw(st.booleans())
        left = "[" if lower_closed else "("
        right = "]" if upper_closed else ")"
        upper = "inf" if cut == float("inf") else repr(cut)
        rows.append(
            {"interval": f"{left}{lower!r}, {upper}{right}", **draw(_outcome(low, high, steps))}
        )
        lower, lower_closed = cut, not upper_closed
    return rows


@st.composite
def rule_table_dicts(draw: st.DrawFn, steps: bool = True) -> dict[str, Any]:
    """Random valid rule tables as dicts (every construct of the language appears)."""
    mode = draw(st.sampled_from(["multiply", "multiply", "add"]))
    if mode == "multiply":
        full = {-2: 0.5, -1: 0.8, 0: 1.0, 1: 1.2, 2: 1.5}
        up_only = {0: 1.0, 1: 1.2, 2: 1.5}
    else:
        full = {-2: -0.002, -1: -0.001, 0: 0.0, 1: 0.001, 2: 0.002}
        up_only = {0: 0.0, 1: 0.001, 2: 0.002}
    ladders = {"full": {"mode": mode, "grades": full}, "up-only": {"mode": mode, "grades": up_only}}
    base_rates = [0.002, 0.004, 0.007, 0.009, 0.011, 0.013, 0.016, 0.019]
    classes = {
        number: {
            "base_rate": base_rates[number - 1],
            "ladder": "up-only" if number == 1 and draw(st.booleans()) else "full",
            "floated": draw(st.booleans()) if number == 2 else True,
        }
        for number in range(1, 9)
    }
    low, high = -2, 2
    eligibility = [
        {"id": f"e{i}", "when": draw(_condition()), "outcome": draw(_outcome(low, high, steps))}
        for i in range(draw(st.integers(0, 2)))
    ]
    bands: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            band: dict[str, Any] = {
                "id": f"t{i}",
                "indicator": draw(st.sampled_from(["payout_ratio", "injury_rate"])),
                "rows": draw(_threshold_rows(low, high, steps)),
            }
            if draw(st.booleans()):
                band["when"] = draw(_condition())
        else:
            band = {"id": f"b{i}", "when": draw(_condition()), **draw(_outcome(low, high, steps))}
        bands.append(band)
    modifiers = []
    for i in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(get_args(ModifierAction)))
        when = draw(
            st.one_of(
                _condition(),
                st.builds(
                    lambda op, g: f"band_grade {op} {g}",
                    st.sampled_from(["<", ">="]),
                    st.integers(-1, 1),
                ),
            )
        )
        modifier: dict[str, Any] = {"id": f"m{i}", "when": when, "action": action}
        if action in ("bump", "reclassify"):
            modifier["by"] = draw(st.sampled_from([-2, -1, 1, 2]))
        elif action == "rate_factor":
            modifier["by"] = draw(st.sampled_from([0.8, 0.85, 0.9, 1.2, 1.5]))
        elif action == "rate_add":
            modifier["by"] = draw(st.sampled_from([-0.0003, 0.0005]))
        elif action == "set_grade":
            modifier["grade"] = draw(st.integers(low, high))
        modifiers.append(modifier)
    indicators = {
        "relative_incidence": {
            "numerator": "injuries",
            "denominator": "avg_insured",
            "min_denominator": draw(st.sampled_from([None, 50])),
            "relative_to_area": True,
        },
        "incidence_vs_class": {
            "numerator": "injuries",
            "denominator": "avg_insured",
            "relative_to_area": True,
            "area_by": "risk_class",
            "scale": 1000.0,
        },
        "severity": {"expr": "deaths * 10 + injuries"},
    }
    cuts = []
    if draw(st.booleans()):
        ends = draw(st.sampled_from(["2024-12-31", "2025-12-31"]))
        cuts.append(
            {"id": "cut-base", "effective_from": "2024-07-01", "effective_to": ends, "factor": 0.8}
        )
    if draw(st.booleans()):
        cuts.append(
            {
                "id": "cut-rate",
                "effective_from": "2025-01-01",
                "factor": 0.5,
                "applies_to": "rate",
                "classes": [2, 3, 4, 5, 6, 7, 8],
                "min_rate": {"class_base": 1},
            }
        )
    schedule = []
    if draw(st.booleans()):
        raised = {c: base_rates[c - 1] * 1.1 for c in range(1, 9)}
        schedule.append({"effective_from": "2025-01-01", "rates": raised})
    table: dict[str, Any] = {
        "id": "random-table",
        "indicators": indicators,
        "cuts": cuts,
        "base_rates": schedule,
        "name": "random",
        "jurisdiction": "test",
        "source": {"document": "generated"},
        "window": {
            "years": draw(st.integers(1, 3)),
            "lag_years": draw(st.integers(0, 1)),
            "history_years": 2,
        },
        "ladders": ladders,
        "classes": classes,
        "eligibility": eligibility,
        "bands": bands,
        "combine": draw(st.sampled_from(["first", "max"])),
        "otherwise": draw(_outcome(low, high, steps)),
        "modifiers": modifiers,
        "rounding": {"rate_decimals": draw(st.integers(4, 8))},
    }
    if draw(st.booleans()):
        table["movement"] = {
            "max_step": draw(st.one_of(st.none(), st.integers(0, 2))),
            "max_from_base": draw(st.one_of(st.none(), st.integers(0, 2))),
        }
    if draw(st.booleans()):
        table["bounds"] = {
            "min_rate": {"class_base": 1},
            "max_rate": draw(st.sampled_from([0.02, 0.03])),
            "min_grade": draw(st.sampled_from([None, -1])),
            "per_class": {8: {"max_rate": 0.025, "max_grade": 1}} if draw(st.booleans()) else {},
        }
    _drop_unreachable(table)
    return table


def _drop_unreachable(table: dict[str, Any]) -> None:
    """Cut rules after an always-true one (a valid table has none)."""
    for stage in ("eligibility", "bands"):
        rules = table[stage]
        for index, rule in enumerate(rules):
            if str(rule.get("when", "")).strip() == "true" and "rows" not in rule:
                table[stage] = rules[: index + 1]
                break


def rule_tables(steps: bool = True) -> st.SearchStrategy[RuleTable]:
    """Random valid :class:`RuleTable` objects."""
    return rule_table_dicts(steps=steps).map(load_table)


# -- the reference check ---------------------------------------------------------------


def assert_matches_reference(
    extract: pd.DataFrame,
    rules: RuleTable | str | Mapping[str, Any],
    as_of: str | dt.date = AS_OF,
    params: Mapping[str, Any] | None = None,
) -> None:
    """Assert that :func:`ratefloat.rerate` equals :func:`ratefloat.reference.rate_one`.

    For every employer: the same status (rated, or rejected for lack of window data),
    and for rated ones exactly the same grade, rated class, multiplier, rate and reasons.
    """
    table = load_table(rules if not isinstance(rules, Mapping) else dict(rules))
    result = rerate(extract, table, as_of, params=params)
    rated = result.rated.set_index("employer_id")
    rejected = set(result.rejects["employer_id"])
    reference = rate_all(extract, table, as_of, params)
    for employer_id, expected in sorted(reference.items()):
        if "rejected" in expected:
            assert employer_id in rejected, f"{employer_id}: expected a reject {expected}"
            continue
        assert employer_id in rated.index, f"{employer_id}: not rated, expected {expected}"
        got = rated.loc[employer_id]
        actual = {
            "grade": int(got["grade"]),
            "rated_class": int(got["rated_class"]),
            "multiplier": float(got["multiplier"]),
            "rate": float(got["rate"]),
            "reasons": str(got["reasons"]).split(REASON_SEPARATOR),
        }
        wanted = {key: expected[key] for key in actual}
        assert actual == wanted or _same_with_nan(actual, wanted), (
            f"{employer_id}: vectorised {actual} != reference {wanted}"
        )


def _same_with_nan(actual: dict[str, Any], wanted: dict[str, Any]) -> bool:
    for key, value in actual.items():
        other = wanted[key]
        if (
            isinstance(value, float)
            and np.isnan(value)
            and isinstance(other, float)
            and np.isnan(other)
        ):
            continue
        if value != other:
            return False
    return True
