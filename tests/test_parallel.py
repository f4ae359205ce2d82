"""``rerate()`` on two threads (two employer ranges at once) equals the single run exactly:
rated, rejects, failure cases (in input-row order), warnings, provenance, explanations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratefloat
from ratefloat import parallel, synth
from ratefloat.errors import ParameterError, RateFloatError, SchemaError
from ratefloat.testing import AS_OF, corrupted_extracts, employer_years, rule_tables

TEXT = pd.StringDtype("pyarrow")


def halves(extract: pd.DataFrame, rules, as_of=AS_OF, **kwargs) -> ratefloat.RerateResult | None:
    """The two-thread result, on however few rows."""
    return parallel.rerate_in_halves(
        extract,
        rules,
        as_of,
        kwargs.get("params"),
        kwargs.get("classification"),
        kwargs.get("outside_effective_dates", "refuse"),
        min_rows=0,
    )


def assert_identical(one: ratefloat.RerateResult, two: ratefloat.RerateResult) -> None:
    pd.testing.assert_frame_equal(one.rated, two.rated)
    pd.testing.assert_frame_equal(one.rejects, two.rejects)
    pd.testing.assert_frame_equal(one.failure_cases, two.failure_cases)
    assert one.warnings == two.warnings
    assert one.provenance() == two.provenance()
    assert one.inputs.keys() == two.inputs.keys()
    for name, value in one.inputs.items():
        other = two.inputs[name]
        assert np.asarray(value).dtype == np.asarray(other).dtype, name
        assert np.array_equal(np.asarray(value), np.asarray(other), equal_nan=True), name


@st.composite
def spoiled(draw: st.DrawFn) -> pd.DataFrame:
    """Valid populations with Arrow text ids, then: impossible values, repeated
    employer-years, ids differing only in case (look-alikes that may land in different
    halves), rows shuffled."""
    frame = draw(employer_years(max_employers=30))
    n = len(frame)
    rows = st.integers(0, n - 1)
    for row in draw(st.lists(rows, max_size=4)):
        column = draw(st.sampled_from(["contributions", "payouts", "avg_insured"]))
        frame.loc[row, column] = draw(st.sampled_from([-1.0, np.nan, 1e300]))
    for row in draw(st.lists(rows, max_size=2)):
        frame.loc[row, "year"] = draw(st.sampled_from([1700, 2020, 2024]))
    frame = pd.concat([frame, frame.iloc[draw(st.lists(rows, max_size=3))]], ignore_index=True)
    ids = frame["employer_id"].astype(str)
    lower = ids.isin(draw(st.lists(st.sampled_from(sorted(set(ids))), max_size=3)))
    ids = ids.where(~lower, ids.str.lower())
    frame["employer_id"] = ids.astype(TEXT)
    order = draw(st.permutations(range(len(frame))))
    return frame.iloc[list(order)].reset_index(drop=True)


def check_two_equal_one(extract: pd.DataFrame, table, **kwargs) -> None:
    """The two-thread result is the single run's; where the single run raises, the
    two-thread path declines (and ``rerate()`` raises the single run's error)."""
    two = halves(extract, table, **kwargs)
    try:
        one = ratefloat.rerate(extract, table, AS_OF, threads=1, **kwargs)
    except RateFloatError:
        assert two is None
        return
    assert two is not None or extract["employer_id"].nunique() == 1
    if two is not None:
        assert_identical(one, two)


@given(rule_tables(), spoiled())
def test_two_threads_equal_one(table, extract):
    check_two_equal_one(extract, table)


@given(
    st.sampled_from(["cn-jiangsu-2023", "cn-shandong-2024", "cn-national-2015", "cn-ordos-2015"]),
    spoiled(),
)
def test_builtin_tables_two_threads_equal_one(table_id, extract):
    check_two_equal_one(extract, table_id, outside_effective_dates="allow")


def test_sorted_and_shuffled_large_extract():
    """Through ``rerate()`` itself, above the size where it splits, in both row orders,
    with integer ids too."""
    extract = synth.employer_years(120_000, seed=4)
    extract["employer_id"] = extract["employer_id"].astype(TEXT)
    shuffled = extract.sample(frac=1.0, random_state=4).reset_index(drop=True)
    numbers = extract.assign(employer_id=extract["employer_id"].str[1:].astype("int64"))
    for frame in (extract, shuffled, numbers):
        assert len(frame) >= parallel.MIN_ROWS
        assert halves(frame, "cn-jiangsu-2023") is not None
        one = ratefloat.rerate(frame, "cn-jiangsu-2023", AS_OF, threads=1)
        assert_identical(one, ratefloat.rerate(frame, "cn-jiangsu-2023", AS_OF))


def test_area_totals_cover_both_halves():
    """Tianjin's city injury rate computed over the batch: each half sees the whole."""
    from test_partitioned import TIANJIN_PARAMS, area_table

    extract = synth.employer_years(4_000, seed=6).sample(frac=1.0, random_state=1)
    extract["employer_id"] = extract["employer_id"].astype(TEXT)
    table = area_table()
    one = ratefloat.rerate(extract, table, AS_OF, params=TIANJIN_PARAMS, threads=1)
    two = halves(extract, table, params=TIANJIN_PARAMS)
    assert_identical(one, two)
    half = extract[extract["employer_id"] < one.rated["employer_id"].iloc[1000]]
    alone = ratefloat.rerate(half, table, AS_OF, params=TIANJIN_PARAMS, threads=1).rated
    together = one.rated["relative_injury_rate"].to_numpy()[: len(alone)]
    assert not np.allclose(alone["relative_injury_rate"], together)


def test_rows_keep_their_numbers_whatever_the_index():
    extract = synth.employer_years(300, seed=2)
    extract["employer_id"] = extract["employer_id"].astype(TEXT)
    extract.loc[5, "payouts"] = -1.0
    extract.loc[400, "year"] = 1700
    extract.index = [f"label-{i}" for i in range(len(extract))][::-1]
    two = halves(extract, "cn-jiangsu-2023")
    assert_identical(ratefloat.rerate(extract, "cn-jiangsu-2023", AS_OF, threads=1), two)
    assert {5, 400} <= set(two.failure_cases["row"])


def test_explanations_equal():
    extract = synth.employer_years(500, seed=3)
    extract["employer_id"] = extract["employer_id"].astype(TEXT)
    one = ratefloat.rerate(extract, "cn-jiangsu-2023", AS_OF, threads=1)
    two = halves(extract, "cn-jiangsu-2023")
    for employer in one.rated["employer_id"].iloc[[0, 249, 250, -1]]:
        assert str(one.explain(employer)) == str(two.explain(employer))


@pytest.mark.parametrize(
    "ids",
    [
        pd.array(["E1 ", "E2", "E3", "E4"] * 3, dtype=TEXT),  # whitespace to strip
        pd.array(["E1", None, "E3", "E4"] * 3, dtype=TEXT),  # a missing id
        pd.array(["E1", "", "E3", "E4"] * 3, dtype=TEXT),  # an empty id
        pd.array(["E1", "Ｅ2", "E3", "E4"] * 3, dtype=TEXT),  # non-ASCII at an end
        pd.Series(["E1", "E2", "E3", "E4"] * 3, dtype=object),  # Python strings
        pd.array(["E1"] * 12, dtype=TEXT),  # one employer: nothing to split
    ],
)
def test_ids_that_need_normalising_are_rated_in_one_piece(ids):
    extract = synth.employer_years(4, years=(2022, 2023, 2024), seed=1)
    extract = extract.iloc[: len(ids)].assign(employer_id=ids)
    assert extract["employer_id"].dtype == getattr(ids, "dtype", None)
    assert halves(extract, "cn-jiangsu-2023") is None


def test_errors_come_from_the_single_run():
    extract = synth.employer_years(300, seed=2)
    extract["employer_id"] = extract["employer_id"].astype(TEXT)
    duplicated = pd.concat([extract, extract[["payouts"]]], axis=1)
    assert halves(duplicated, "cn-jiangsu-2023") is None
    with pytest.raises(SchemaError) as one:
        ratefloat.rerate(duplicated, "cn-jiangsu-2023", AS_OF, threads=1)
    with pytest.raises(SchemaError) as two:
        ratefloat.rerate(duplicated, "cn-jiangsu-2023", AS_OF)
    assert str(one.value) == str(two.value)


@pytest.mark.parametrize("threads", [0, -1, 1.5, "2", True, None])
def test_threads_must_be_a_positive_integer(threads):
    with pytest.raises(ParameterError, match="threads"):
        ratefloat.rerate(ratefloat.load_example(), "cn-jiangsu-2023", AS_OF, threads=threads)


def test_classification_in_both_halves():
    """Classes derived from industry codes (人社部发〔2015〕71号 annex) in each half, an
    unknown code rejecting its employer, as in one piece."""
    extract = synth.employer_years(600, years=(2021, 2022), seed=8)
    extract["employer_id"] = extract["employer_id"].astype(TEXT)
    codes = np.array(["06", "65", "47", "99", None], dtype=object)
    extract["industry_code"] = codes[extract["employer_id"].str[1:].astype(int) % 5]
    extract = extract.drop(columns="risk_class").sample(frac=1.0, random_state=8)
    kwargs = {"classification": "cn-mohrss-2015"}
    one = ratefloat.rerate(extract, "cn-qingdao-2017", "2023-01-01", threads=1, **kwargs)
    two = halves(extract, "cn-qingdao-2017", "2023-01-01", **kwargs)
    assert_identical(one, two)
    assert {"UNKNOWN_INDUSTRY", "MISSING_VALUE"} & set(two.rejects["reason"])
    assert set(two.rated["risk_class"]) == {1, 6, 8}


def test_files_are_byte_identical(tmp_path):
    """Written to Parquet and CSV, two threads' result gives the bytes of one piece's,
    on an extract whose id dictionary outgrows a Parquet dictionary page (where the
    writer's fallback to plain pages would show any difference in chunking)."""
    from ratefloat.io import write_frame

    extract = synth.employer_years(100_000, seed=9).sample(frac=1.0, random_state=9)
    extract["employer_id"] = extract["employer_id"].astype(TEXT)
    assert len(extract) >= parallel.MIN_ROWS
    one = ratefloat.rerate(extract, "cn-jiangsu-2023", AS_OF, threads=1)
    two = ratefloat.rerate(extract, "cn-jiangsu-2023", AS_OF)
    for suffix in (".parquet", ".csv"):
        paths = [tmp_path / f"{name}{suffix}" for name in ("one", "two")]
        for result, path in zip((one, two), paths, strict=True):
            write_frame(result.rated, path, result.provenance())
        assert paths[0].read_bytes() == paths[1].read_bytes(), suffix


@pytest.mark.parametrize(
    "dtype",
    [
        pd.ArrowDtype(pa.string()),
        pd.ArrowDtype(pa.large_string()),
        "int64",
    ],
)
def test_other_id_storage_splits_and_equals_one_piece(dtype):
    """Arrow text of either offset width and integer ids take the two halves too."""
    extract = synth.employer_years(400, seed=5).sample(frac=1.0, random_state=5)
    extract = extract.reset_index(drop=True)
    if dtype == "int64":
        extract["employer_id"] = extract["employer_id"].str[1:].astype("int64")
    else:
        extract["employer_id"] = extract["employer_id"].astype(dtype)
    two = halves(extract, "cn-jiangsu-2023")
    assert two is not None
    assert_identical(ratefloat.rerate(extract, "cn-jiangsu-2023", AS_OF, threads=1), two)


@given(corrupted_extracts())
def test_corrupted_extracts_through_the_halves(extract):
    """The fuzz suite's dirty extracts (hostile values, other dtypes, rewritten ids,
    duplicated or dropped columns, repeated rows) through the two-thread path: it declines
    or equals one piece, and never raises where one piece would not."""
    try:
        one = ratefloat.rerate(extract, "cn-jiangsu-2023", AS_OF, threads=1)
    except SchemaError:
        assert halves(extract, "cn-jiangsu-2023") is None
        return
    two = halves(extract, "cn-jiangsu-2023")
    if two is not None:
        assert_identical(one, two)


def test_two_calls_at_once_in_one_process():
    """A service rating two batches at once from two threads: each result is the one it
    gets alone (the halves' thread pools are per call)."""
    from concurrent.futures import ThreadPoolExecutor

    extracts = []
    for seed in (11, 12):
        extract = synth.employer_years(95_000, seed=seed).sample(frac=1.0, random_state=seed)
        extract["employer_id"] = extract["employer_id"].astype(TEXT)
        assert len(extract) >= parallel.MIN_ROWS
        extracts.append(extract.reset_index(drop=True))
    alone = [ratefloat.rerate(e, "cn-jiangsu-2023", AS_OF, threads=1) for e in extracts]
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(lambda e: ratefloat.rerate(e, "cn-jiangsu-2023", AS_OF), extracts))
    for one, two in zip(alone, together, strict=True):
        assert_identical(one, two)
