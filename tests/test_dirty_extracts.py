"""Dirty extracts: each value that once crashed ``rerate()`` or was silently misread.

One test (or one parametrised family) per reproducer found by fuzzing, on a two-employer
Jiangsu extract: the bad value rejects its employer with a reason code, the column, the
value and the row; the other employer is rated as before.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json

import numpy as np
import pandas as pd
import pytest

import ratefloat
from ratefloat import synth
from ratefloat.rounding import round_money
from ratefloat.schema import validate_extract

RULES = "cn-jiangsu-2023"
AS_OF = "2025-01-01"


def two_employers() -> pd.DataFrame:
    """E0000001 (rows 0-2) and E0000002 (rows 3-5), 2022-2024, every column."""
    return synth.employer_years(2, years=(2022, 2023, 2024), seed=1)


def with_cell(column: str, value: object, row: int = 0, frame=None) -> pd.DataFrame:
    frame = two_employers() if frame is None else frame
    values = frame[column].astype(object).to_numpy(copy=True)
    values[row] = value
    return frame.assign(**{column: pd.Series(values, dtype=object)})


def rate(frame: pd.DataFrame) -> ratefloat.RerateResult:
    return ratefloat.rerate(frame, RULES, AS_OF)


def assert_rejected(result, reason: str, column: str, row: int = 0, employer="E0000001"):
    """``employer`` is rejected for ``reason`` in ``column`` at ``row``; the other is rated."""
    rejects = result.rejects
    if employer is None:
        hit = rejects[rejects["employer_id"].isna() & (rejects["row"] == row)]
    else:
        hit = rejects[rejects["employer_id"] == employer]
    assert len(hit) == 1, rejects
    assert (hit["reason"].iloc[0], hit["column"].iloc[0], hit["row"].iloc[0]) == (
        reason,
        column,
        row,
    )
    assert "E0000002" in set(result.rated["employer_id"])
    return hit.iloc[0]


# -- years beyond int16 ---------------------------------------------------------------


@pytest.mark.parametrize("year", [32768, -32768, 65536 + 2024, 2**40, -(2**62), 1899, 2201])
def test_a_year_beyond_the_calendar_rejects_even_past_int16(year):
    frame = two_employers().assign(year=lambda f: f["year"].astype(np.int64))
    frame.loc[0, "year"] = year
    hit = assert_rejected(rate(frame), "OUT_OF_RANGE", "year")
    assert hit["value"] == str(year)


@pytest.mark.parametrize("year", [1e20, float("inf"), -1e300, 32768.0])
def test_a_float_year_beyond_the_calendar_rejects(year):
    frame = two_employers().assign(year=lambda f: f["year"].astype(float))
    frame.loc[0, "year"] = year
    assert_rejected(rate(frame), "OUT_OF_RANGE", "year")


# -- money too large for the fen ------------------------------------------------------


@pytest.mark.parametrize("column", ["payroll", "payouts", "contributions", "avg_insured"])
@pytest.mark.parametrize("amount", [1e26, 1e300, 1.7976931348623157e308, 1.0000001e15])
def test_amounts_beyond_a_quadrillion_reject(column, amount):
    hit = assert_rejected(rate(with_cell(column, amount)), "OUT_OF_RANGE", column)
    assert float(hit["value"]) == amount


def test_an_amount_of_a_quadrillion_is_still_rated():
    result = rate(with_cell("payroll", 1e15))
    assert set(result.rated["employer_id"]) == {"E0000001", "E0000002"}


@pytest.mark.parametrize("amount", [1e26, -1e26, 1e300, 1.7976931348623157e308, 4.5e13 + 0.125])
def test_round_money_takes_any_finite_double(amount):
    """Beyond 28 significant digits the default decimal context failed to quantize."""
    rounded = round_money(np.array([amount]))[0]
    exact = decimal.Context(prec=400, rounding=decimal.ROUND_HALF_UP)
    assert rounded == float(exact.quantize(decimal.Decimal(repr(amount)), decimal.Decimal("0.01")))


# -- dates with time zones ------------------------------------------------------------


@pytest.mark.parametrize(
    "value, day",
    [
        (pd.Timestamp("2020-01-01", tz="UTC"), "2020-01-01"),
        (pd.Timestamp("2020-03-01 00:30", tz="Asia/Shanghai"), "2020-03-01"),
        ("2020-03-01T00:30+08:00", "2020-03-01"),
        (dt.datetime(2020, 3, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))), "2020-03-01"),
    ],
)
def test_one_zoned_date_among_naive_ones_is_its_local_date(value, day):
    frame = with_cell("insured_since", value)
    result = rate(frame)
    assert set(result.rated["employer_id"]) == {"E0000001", "E0000002"}
    clean = validate_extract(frame, optional=["insured_since"]).columns["insured_since"]
    assert clean[0] == np.datetime64(day)
    assert (clean[1:] == two_employers()["insured_since"].to_numpy("datetime64[D]")[1:]).all()


def test_zoned_text_dates_with_different_offsets_are_local_dates():
    frame = two_employers().assign(insured_since="2020-03-01T00:30+08:00")
    frame.loc[3:, "insured_since"] = "2019-12-31T23:00-05:00"
    clean = validate_extract(frame, optional=["insured_since"]).columns["insured_since"]
    assert clean.tolist() == [dt.date(2020, 3, 1)] * 3 + [dt.date(2019, 12, 31)] * 3


def test_a_zoned_date_column_keeps_local_dates():
    local = pd.Series(pd.to_datetime(["2020-03-01 00:30"] * 6)).dt.tz_localize("Asia/Shanghai")
    frame = two_employers().assign(insured_since=local)
    clean = validate_extract(frame, optional=["insured_since"]).columns["insured_since"]
    assert (clean == np.datetime64("2020-03-01")).all()  # not 2020-02-29 (UTC)


# -- unpaired surrogates in ids -------------------------------------------------------


@pytest.mark.parametrize("dtype", [object, "string[python]"])
@pytest.mark.parametrize("value", ["\ud800", "E\udfff1", "\udc80 "])
def test_an_id_with_an_unpaired_surrogate_is_invalid(dtype, value):
    frame = with_cell("employer_id", value)
    frame["employer_id"] = frame["employer_id"].astype(dtype)
    result = rate(frame)
    hit = assert_rejected(result, "INVALID_EMPLOYER_ID", "employer_id", employer=None)
    hit_text = str(hit["value"])
    hit_text.encode("utf-8")  # the reject itself can be written out
    assert "\\ud" in hit_text or "\\udc" in hit_text or "\\udf" in hit_text
    out = io.StringIO()
    result.to_frame().to_csv(out)
    out.getvalue().encode("utf-8")


# -- Python integers beyond float -----------------------------------------------------


HUGE = {"1e400": 10**400, "-1e400": -(10**400), "1e5000": 10**5000, "2**64+1": 2**64 + 1}


@pytest.mark.parametrize("name", HUGE)
@pytest.mark.parametrize("column", ["payouts", "injuries", "year", "current_grade"])
def test_a_huge_python_int_rejects(name, column):
    value = HUGE[name]
    rejects = rate(with_cell(column, value)).rejects
    mine = rejects[rejects["employer_id"] == "E0000001"].iloc[0]
    signed = value < 0 and column in ("payouts", "injuries")
    assert mine["reason"] in ({"OUT_OF_RANGE", "NEGATIVE_VALUE"} if signed else {"OUT_OF_RANGE"})
    assert (mine["column"], mine["row"]) == (column, 0)
    if name == "1e5000":  # beyond what str() of an int shows
        assert mine["value"] == "<int that cannot be shown>"


# -- duplicate columns ----------------------------------------------------------------


@pytest.mark.parametrize("column", ["payouts", "employer_id", "year", "payroll"])
def test_a_duplicated_column_the_run_reads_is_a_schema_error(column):
    frame = two_employers()
    doubled = pd.concat([frame, frame[[column]]], axis=1)
    with pytest.raises(ratefloat.SchemaError, match=f"duplicate columns: '{column}' \\(2 times\\)"):
        rate(doubled)


def test_a_duplicated_column_the_run_does_not_read_is_ignored():
    frame = two_employers().assign(note="x")
    doubled = pd.concat([frame, frame[["note"]]], axis=1)
    pd.testing.assert_frame_equal(rate(doubled).rated, rate(frame).rated)


def test_a_duplicated_industry_code_is_a_schema_error_when_classifying():
    frame = two_employers()
    doubled = pd.concat([frame, frame[["industry_code"]]], axis=1)
    with pytest.raises(ratefloat.SchemaError, match="industry_code"):
        ratefloat.rerate(doubled, RULES, AS_OF, classification="cn-mohrss-2015-gbt2017")


# -- missing markers as ids -----------------------------------------------------------


def integer_ids() -> pd.DataFrame:
    return two_employers().assign(employer_id=pd.Series([1, 1, 1, 2, 2, 2], dtype=object))


@pytest.mark.parametrize("marker", [pd.NA, pd.NaT, float("nan"), None, np.float64("nan")])
def test_a_missing_marker_is_no_id(marker):
    result = rate(with_cell("employer_id", marker, row=4, frame=integer_ids()))
    rejects = result.rejects
    assert rejects["employer_id"].isna().tolist() == [True]
    assert rejects[["reason", "row"]].values.tolist() == [["MISSING_EMPLOYER_ID", 4]]
    assert set(result.rated["employer_id"]) == {"1", "2"}


@pytest.mark.parametrize("marker", [np.float32("nan"), float("nan"), pd.NA, pd.NaT])
def test_a_nan_among_integer_ids_does_not_merge_with_the_text_nan(marker):
    frame = integer_ids()
    frame["employer_id"] = pd.Series([1, 1, 1, "nan", "nan", marker], dtype=object)
    result = rate(frame)
    assert result.rated["employer_id"].tolist() == ["1", "nan"]
    assert result.rejects[["employer_id", "reason", "row"]].values.tolist() == [
        [None, "MISSING_EMPLOYER_ID", 5]
    ]


def test_a_nan_id_does_not_merge_with_the_text_nan():
    frame = integer_ids()
    frame["employer_id"] = pd.Series(["nan"] * 3 + [float("nan")] * 3, dtype=object)
    result = rate(frame)
    assert result.rated["employer_id"].tolist() == ["nan"]
    assert result.rejects["reason"].tolist() == ["MISSING_EMPLOYER_ID"] * 3


# -- blanks ---------------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["\u3000", "\xa0", "  ", "\t", "\u2003\u3000", "", "\u205f"])
def test_an_id_of_only_blanks_is_missing(blank):
    result = rate(with_cell("employer_id", blank))
    assert_rejected(result, "MISSING_EMPLOYER_ID", "employer_id", employer=None)
    assert blank not in set(result.rated["employer_id"])


@pytest.mark.parametrize("padded", [" E0000001", "E0000001\u3000", "\xa0E0000001\t"])
def test_blanks_around_an_id_are_removed(padded):
    result = rate(with_cell("employer_id", padded))
    pd.testing.assert_frame_equal(result.rated, rate(two_employers()).rated)
    assert result.rejects.empty


def test_one_and_text_one_are_one_employer():
    frame = integer_ids()
    frame["employer_id"] = pd.Series([1, "1", 1.0, np.int64(2), " 2 ", 2.0], dtype=object)
    result = rate(frame)
    assert result.rated["employer_id"].tolist() == ["1", "2"]
    assert result.rejects.empty


@pytest.mark.parametrize("value", [1.5, float("inf"), 2.0**60, True, np.bool_(False), b"1"])
def test_values_that_cannot_be_ids_are_invalid(value):
    result = rate(with_cell("employer_id", value, frame=integer_ids()))
    rejects = result.rejects
    assert rejects[["reason", "row"]].values.tolist() == [["INVALID_EMPLOYER_ID", 0]]
    assert rejects["employer_id"].isna().all()


def test_look_alike_ids_are_counted_not_merged():
    frame = two_employers()
    frame.loc[3:, "employer_id"] = "ｅ0000001"  # full-width, lower case: looks like E0000001
    result = rate(frame)
    assert set(result.rated["employer_id"]) == {"E0000001", "ｅ0000001"}
    assert result.warnings == {"lookalike_ids": 2}
    assert result.counts()["warning_lookalike_ids"] == 2
    assert rate(two_employers()).warnings == {"lookalike_ids": 0}


# -- silently accepted values ---------------------------------------------------------


@pytest.mark.parametrize("value", [20240301, 1709251200, np.int64(20240301), 20240301.0, True])
def test_a_number_in_a_date_column_is_not_a_date(value):
    hit = assert_rejected(rate(with_cell("insured_since", value)), "INVALID_DATE", "insured_since")
    assert hit["value"] == str(value)


@pytest.mark.parametrize("dtype", [np.int64, np.float64])
def test_a_numeric_date_column_is_not_dates(dtype):
    frame = two_employers().assign(insured_since=np.full(6, 20240301, dtype=dtype))
    result = rate(frame)
    assert result.rated.empty
    assert set(result.rejects["reason"]) == {"INVALID_DATE"}


def test_a_date_written_as_digits_in_text_is_a_date():
    frame = with_cell("insured_since", "20240301")
    clean = validate_extract(frame, optional=["insured_since"]).columns["insured_since"]
    assert clean[0] == np.datetime64("2024-03-01")


@pytest.mark.parametrize("value", [complex(5, 7), complex(5, 0), np.complex128(1 + 1j), True])
@pytest.mark.parametrize("column", ["payouts", "injuries", "avg_insured"])
def test_complex_numbers_and_booleans_are_not_amounts(value, column):
    assert_rejected(rate(with_cell(column, value)), "NOT_NUMERIC", column)


def test_a_boolean_money_column_is_not_numeric():
    frame = two_employers().assign(payouts=True)
    assert set(rate(frame).rejects["reason"]) == {"NOT_NUMERIC"}


@pytest.mark.parametrize(
    "others",
    [
        lambda f: f["insured_since"],  # datetime64 column
        lambda f: f["insured_since"].dt.strftime("%Y-%m-%d"),  # text dates
        lambda f: pd.Series([d.date() for d in f["insured_since"]]),  # date objects
        lambda f: pd.Series(["9999-12-31"] * 6),  # nothing else
    ],
    ids=["datetime64", "text", "date", "far"],
)
@pytest.mark.parametrize("far", ["9999-12-31", dt.date(9999, 12, 31), "1800-01-01"])
def test_a_far_date_is_out_of_range_whatever_the_column_holds(others, far):
    frame = two_employers()
    frame = with_cell("insured_since", far, frame=frame.assign(insured_since=others(frame)))
    rejects = rate(frame).rejects
    mine = rejects[rejects["employer_id"] == "E0000001"]
    assert mine[["reason", "column", "row"]].values.tolist() == [
        ["OUT_OF_RANGE", "insured_since", 0]
    ]


def test_a_far_date_column_of_seconds_resolution_is_out_of_range():
    frame = two_employers().assign(
        insured_since=pd.Series([np.datetime64("9999-12-31", "s")] * 6, dtype="datetime64[s]")
    )
    assert set(rate(frame).rejects["reason"]) == {"OUT_OF_RANGE"}


def test_the_id_rules_module_examples_hold():
    import doctest

    import ratefloat.ids

    outcome = doctest.testmod(ratefloat.ids)
    assert outcome.attempted >= 3 and outcome.failed == 0


@pytest.mark.parametrize("dtype", ["datetime64[s]", "timedelta64[s]"])
def test_a_date_or_duration_column_is_not_amounts(dtype):
    frame = two_employers()
    frame["payouts"] = frame["payouts"].astype("int64").astype(dtype)
    assert set(rate(frame).rejects["reason"]) == {"NOT_NUMERIC"}


def test_the_command_reports_look_alike_ids(tmp_path, capsys):
    from ratefloat.cli import main

    frame = two_employers()
    frame.loc[3:, "employer_id"] = "Ｅ0000001"
    extract = tmp_path / "extract.csv"
    frame.to_csv(extract, index=False)
    output = tmp_path / "rated.csv"
    assert (
        main(["rerate", str(extract), "--rules", RULES, "--as-of", AS_OF, "-o", str(output)]) == 0
    )
    assert "; 2 look-alike employer ids" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "rated.manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["warning_lookalike_ids"] == 2


@pytest.mark.parametrize("ids", [[None], [float("nan")], ["  "], [None, None], ["\ud800"]])
def test_an_extract_without_any_usable_id_rejects_every_row(ids):
    frame = two_employers().iloc[: len(ids)].assign(employer_id=pd.Series(ids, dtype=object))
    result = rate(frame)
    assert result.rated.empty
    assert result.rejects["row"].tolist() == list(range(len(ids)))
    assert result.rejects["employer_id"].isna().all()


FLAG_JUNK = {
    "text": "maybe",
    "complex": complex(1, 0),
    "huge": 10**5000,
    "date": dt.date(2020, 1, 1),
}


@pytest.mark.parametrize("name", FLAG_JUNK)
def test_a_flag_column_of_only_invalid_values_rejects_without_a_warning(name):
    import warnings

    frame = two_employers().assign(arrears=pd.Series([FLAG_JUNK[name]] * 6, dtype=object))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validated = validate_extract(frame, optional=["arrears"])
    assert validated.rejected.all()
    assert set(validated.failures["reason"]) == {"INVALID_FLAG"}
    assert not validated.columns["arrears"].any()
