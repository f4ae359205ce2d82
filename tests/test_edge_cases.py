"""Extracts at the edges: empty, all rejected, numeric ids, unsorted and arrow-backed ids."""

from __future__ import annotations

import pandas as pd
import pytest

import ratefloat

AS_OF = "2025-01-01"


@pytest.fixture(scope="module")
def example():
    return ratefloat.load_example()


def test_empty_extract_gives_empty_results(example):
    result = ratefloat.rerate(example.iloc[0:0], "cn-jiangsu-2023", AS_OF)
    assert result.rated.empty and result.rejects.empty
    assert result.counts()["employers"] == 0
    assert result.summary().empty


def test_every_employer_rejected(example):
    broken = example.assign(payouts=-1.0)
    result = ratefloat.rerate(broken, "cn-jiangsu-2023", AS_OF)
    assert result.rated.empty
    assert len(result.rejects) == example["employer_id"].nunique()
    assert set(result.rejects["reason"]) == {"NEGATIVE_VALUE"}


def test_numeric_employer_ids_come_out_as_text(example):
    numbered = example.assign(employer_id=example["employer_id"].str[1:].astype(int))
    result = ratefloat.rerate(numbered, "cn-jiangsu-2023", AS_OF)
    expected = ratefloat.rerate(example, "cn-jiangsu-2023", AS_OF)
    assert sorted(result.rated["employer_id"]) == sorted(
        str(int(e[1:])) for e in expected.rated["employer_id"]
    )
    assert list(result.rated["employer_id"]) == sorted(result.rated["employer_id"])
    assert result.rated["grade"].tolist() == [
        expected.rated.set_index("employer_id").loc[f"E{int(e):07d}", "grade"]
        for e in result.rated["employer_id"]
    ]


@pytest.mark.parametrize("dtype", ["object", "str"])
def test_id_storage_and_row_order_do_not_change_the_result(example, dtype):
    reference = ratefloat.rerate(example, "cn-jiangsu-2023", AS_OF)
    shuffled = example.sample(frac=1.0, random_state=3).astype({"employer_id": dtype})
    result = ratefloat.rerate(shuffled.reset_index(drop=True), "cn-jiangsu-2023", AS_OF)
    pd.testing.assert_frame_equal(
        result.rated.drop(columns="employer_id"), reference.rated.drop(columns="employer_id")
    )
    assert (
        result.rated["employer_id"].astype(str).tolist()
        == reference.rated["employer_id"].astype(str).tolist()
    )


def test_blank_and_missing_ids_are_rejected_once_per_row(example):
    frame = example.head(6).copy()
    frame["employer_id"] = frame["employer_id"].astype(object)
    frame.loc[0, "employer_id"] = "  "
    frame.loc[1, "employer_id"] = None
    result = ratefloat.rerate(frame, "cn-jiangsu-2023", AS_OF)
    missing = result.rejects[result.rejects["reason"] == "MISSING_EMPLOYER_ID"]
    assert missing["row"].tolist() == [0, 1]


def test_long_histories_group_years_the_same_way(example):
    """More distinct years than YearRows scans one by one: the sorted path must agree."""
    from ratefloat.testing import assert_matches_reference

    clean = ratefloat.rerate(example, "cn-jiangsu-2023", AS_OF).rated["employer_id"]
    rows = example[example["employer_id"].isin(clean.head(40))]
    shifted = [rows.assign(year=rows["year"] - 4 * k) for k in range(8)]
    history = pd.concat([rows, *shifted[1:]], ignore_index=True)
    assert history["year"].nunique() > 16
    assert_matches_reference(history, "cn-jiangsu-2023", AS_OF)
    result = ratefloat.rerate(history, "cn-jiangsu-2023", AS_OF)
    expected = ratefloat.rerate(rows, "cn-jiangsu-2023", AS_OF)
    # the older years fall outside the window and its previous window
    assert result.rated["grade"].tolist() == expected.rated["grade"].tolist()
