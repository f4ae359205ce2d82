"""Claim-level extracts become employer-years, with the attribution year chosen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ratefloat import SchemaError
from ratefloat.claims import aggregate_claims
from ratefloat.cli import main
from ratefloat.synth import claims as synth_claims
from ratefloat.synth import employer_years

COUNTS = [
    "injuries",
    "deaths",
    "disability_1_4",
    "disability_5_6",
    "disability_7_10",
    "occupational_disease",
]


def _claim_rows(employer_year_frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Synthetic claims as an agency exports them: one row per person, paid in the
    accident year, recognised 0-120 days later (so some recognitions fall a year later)."""
    drawn = synth_claims(employer_year_frame, seed=seed)
    rng = np.random.default_rng(seed)
    grade_of_band = {"disability_1_4": 2, "disability_5_6": 5, "disability_7_10": 9}
    severity = drawn["severity"].astype(str)
    return pd.DataFrame(
        {
            "employer_id": drawn["employer_id"],
            "accident_id": drawn["claim_id"],
            "accident_date": drawn["accident_date"].dt.strftime("%Y-%m-%d"),
            "recognition_date": (
                drawn["accident_date"] + pd.to_timedelta(rng.integers(0, 120, len(drawn)), "D")
            ).dt.strftime("%Y-%m-%d"),
            "type": np.where(
                severity == "death",
                "工亡",
                np.where(drawn["occupational_disease"], "职业病", "工伤"),
            ),
            "disability_grade": severity.map(grade_of_band),
            **{
                f"paid_{year}": drawn["payout"].where(drawn["year"] == year)
                for year in sorted(drawn["year"].unique())
            },
        }
    )


def _drawn_both(frame: pd.DataFrame, seed: int) -> np.ndarray:
    drawn = synth_claims(frame, seed=seed)
    return ((drawn["severity"] == "death") & drawn["occupational_disease"]).to_numpy(int)


def test_accident_attribution_reconciles_with_the_employer_years():
    frame = employer_years(1000, years=(2022, 2023, 2024), seed=11)
    claims = _claim_rows(frame, seed=11)
    assert len(claims) > 150
    out = aggregate_claims(claims, "accident").set_index(["employer_id", "year"])
    expected = frame[frame["injuries"] > 0].set_index(["employer_id", "year"]).sort_index()
    assert out.index.tolist() == expected.index.tolist()
    for column in COUNTS:
        if column != "occupational_disease":
            assert out[column].tolist() == expected[column].astype(int).tolist(), column
    # One type per claim: a death from an occupational disease counts as a death only.
    deaths_from_disease = (
        claims.assign(both=_drawn_both(frame, seed=11))
        .groupby(["employer_id", pd.to_datetime(claims["accident_date"]).dt.year])["both"]
        .sum()
    )
    assert (out["occupational_disease"] + deaths_from_disease.to_numpy()).tolist() == expected[
        "occupational_disease"
    ].astype(int).tolist()
    assert np.allclose(out["payouts"], expected["payouts"], atol=0.005)


def test_the_three_attributions_on_a_hand_computed_example():
    claims = pd.DataFrame(
        {
            "employer_id": ["E1", "E1", "E2"],
            "accident_id": ["A1", "A2", "A3"],
            "accident_date": ["2023-12-20", "2024-03-01", "2022-06-30"],
            "recognition_date": ["2024-02-10", "2024-04-01", "2022-09-01"],
            "type": ["injury", "death", "occupational_disease"],
            "disability_grade": [7, None, 3],
            "paid_2023": [None, None, 100.005],
            "paid_2024": [1000.10, 50_000.0, 200.0],
        }
    )
    by_accident = aggregate_claims(claims, "accident")
    assert by_accident.to_dict("records") == [
        dict(
            employer_id="E1",
            year=2023,
            injuries=1,
            deaths=0,
            disability_1_4=0,
            disability_5_6=0,
            disability_7_10=1,
            occupational_disease=0,
            payouts=1000.10,
        ),
        dict(
            employer_id="E1",
            year=2024,
            injuries=1,
            deaths=1,
            disability_1_4=0,
            disability_5_6=0,
            disability_7_10=0,
            occupational_disease=0,
            payouts=50_000.0,
        ),
        dict(
            employer_id="E2",
            year=2022,
            injuries=1,
            deaths=0,
            disability_1_4=1,
            disability_5_6=0,
            disability_7_10=0,
            occupational_disease=1,
            payouts=300.01,
        ),
    ]
    by_recognition = aggregate_claims(claims, "recognition")
    assert by_recognition[["employer_id", "year", "injuries", "payouts"]].values.tolist() == [
        ["E1", 2024, 2, 51_000.10],
        ["E2", 2022, 1, 300.01],
    ]
    by_payment = aggregate_claims(claims, "payment")
    assert by_payment[["employer_id", "year", "injuries", "payouts"]].values.tolist() == [
        ["E1", 2024, 2, 51_000.10],
        ["E2", 2023, 1, 100.01],
        ["E2", 2024, 0, 200.0],
    ]


@pytest.mark.parametrize(
    ("column", "value", "needle"),
    [
        ("type", "sprain", "not a claim type"),
        ("disability_grade", 11, "grade"),
        ("accident_date", "someday", "not a date"),
        ("paid_2024", -1, "negative"),
        ("accident_id", "A1", "repeats"),
    ],
)
def test_bad_claims_are_named_by_row_column_and_value(column, value, needle):
    claims = pd.DataFrame(
        {
            "employer_id": ["E1", "E2"],
            "accident_id": ["A1", "A2"],
            "accident_date": ["2024-01-05", "2024-02-01"],
            "type": ["injury", "injury"],
            "disability_grade": [None, None],
            "paid_2024": [10.0, 20.0],
        }
    )
    claims.loc[1, column] = value
    with pytest.raises(SchemaError, match=needle) as caught:
        aggregate_claims(claims, "accident")
    assert "row 1" in str(caught.value) and column in str(caught.value)


def test_aggregate_claims_command_reads_chinese_headers(tmp_path):
    path = tmp_path / "claims.csv"
    pd.DataFrame(
        {
            "单位编号": ["001", "001"],
            "事故编号": ["A1", "A2"],
            "事故日期": ["2023-05-01", "2024-05-01"],
            "工伤认定日期": ["2023-07-01", "2024-07-01"],
            "伤害类型": ["工伤", "工伤"],
            "伤残等级": [None, 6],
            "2023年支付": [10.0, None],
            "2024年支付": [5.0, 7.0],
        }
    ).to_csv(path, index=False, encoding="gb18030")
    out = tmp_path / "employer-years.csv"
    assert (
        main(
            [
                "aggregate-claims",
                str(path),
                "--attribution",
                "payment",
                "--encoding",
                "gb18030",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    written = pd.read_csv(out, dtype={"employer_id": str})
    assert written[
        ["employer_id", "year", "injuries", "disability_5_6", "payouts"]
    ].values.tolist() == [["001", 2023, 1, 0, 10.0], ["001", 2024, 1, 1, 12.0]]
    assert main(["aggregate-claims", str(path), "--attribution", "accident", "-o", str(out)]) == 66
