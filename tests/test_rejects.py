"""Rejects, nothing lost, and the errors that stop a run.

Contract (``ratefloat.errors``, ``RerateResult`` docstrings, the "Nothing lost" decision
in ARCHITECTURE.md): a data problem rejects one employer with a reason code and lets the
rest be rated; ``.rejects`` has one row per rejected employer with ``employer_id, reason,
column, value, row, message``, ``value`` rendered as text and ``row`` the position of the
offending input row; every input employer is in exactly one of ``.rated`` and
``.rejects``. A schema problem (missing column, bad ``as_of``, unknown table or parameter)
raises an exception whose message names the culprit and says what to do.

The base extract has three clean employers, E1 (rows 0-1), E2 (rows 2-3) and E3 (rows
4-5), years 2023 and 2024; each case spoils E2 (or adds a row without an id).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import ratefloat
from helpers import QINGDAO_FLAGS, employer, extract
from ratefloat import ParameterError, RuleTableError, SchemaError

JIANGSU = "cn-jiangsu-2023"
QINGDAO = "cn-qingdao-2017"
AS_OF = "2025-01-01"
#: These tests check the extract, not the table's dates: cn-qingdao-2017 ends 2023-12-31,
#: so it is rated out of force, explicitly.
ANY_DATES = {"outside_effective_dates": "allow"}


def base_extract(rules: str = JIANGSU) -> pd.DataFrame:
    defaults = QINGDAO_FLAGS if rules == QINGDAO else None
    return extract(
        *(employer(e, defaults=defaults, payouts=[1_000.0, 1_000.0]) for e in ("E1", "E2", "E3"))
    )


def assert_nothing_lost(frame: pd.DataFrame, result: ratefloat.RerateResult) -> None:
    """Every employer of the input is exactly once in rated ∪ rejects (ARCHITECTURE.md,
    "Nothing lost")."""
    ids = frame["employer_id"]
    known = {str(v) for v in ids[ids.notna() & (ids.astype(str).str.strip() != "")]}
    rated = list(result.rated["employer_id"])
    rejected = [v for v in result.rejects["employer_id"] if isinstance(v, str)]
    assert len(rated) == len(set(rated)), "an employer is rated twice"
    assert len(rejected) == len(set(rejected)), "an employer is rejected twice"
    assert set(rated).isdisjoint(rejected), "an employer is both rated and rejected"
    assert set(rated) | set(rejected) == known


# --------------------------------------------------------------------------------------
# One case per reject reason
# --------------------------------------------------------------------------------------


def set_cell(column, row, value, dtype=None):
    def mutate(frame):
        if dtype is not None:
            frame[column] = frame[column].astype(dtype)
        frame.iat[row, frame.columns.get_loc(column)] = value
        return frame

    return mutate


def set_cells(column, rows, value):
    def mutate(frame):
        for row in rows:
            frame.iat[row, frame.columns.get_loc(column)] = value
        return frame

    return mutate


def add_column(column, values):
    def mutate(frame):
        frame[column] = values
        return frame

    return mutate


def no_rows_in_window(frame):
    frame.loc[[2, 3], "year"] = [2019, 2020]
    return frame


REJECT_CASES = [
    # (rules, mutate, reason, column, value text, row)
    pytest.param(
        JIANGSU,
        set_cell("contributions", 3, np.nan),
        "MISSING_VALUE",
        "contributions",
        "",
        3,
        id="MISSING_VALUE contributions NaN",
    ),
    pytest.param(
        JIANGSU,
        set_cell("contributions", 3, "abc", dtype=object),
        "NOT_NUMERIC",
        "contributions",
        "abc",
        3,
        id="NOT_NUMERIC contributions 'abc'",
    ),
    pytest.param(
        JIANGSU,
        set_cell("payouts", 2, -250.5),
        "NEGATIVE_VALUE",
        "payouts",
        "-250.5",
        2,
        id="NEGATIVE_VALUE payouts -250.5",
    ),
    pytest.param(
        JIANGSU,
        set_cell("injuries", 3, 1.5, dtype=float),
        "NOT_INTEGER",
        "injuries",
        "1.5",
        3,
        id="NOT_INTEGER injuries 1.5",
    ),
    pytest.param(
        JIANGSU,
        set_cell("insured_since", 2, "2023-02-30"),
        "INVALID_DATE",
        "insured_since",
        "2023-02-30",
        2,
        id="INVALID_DATE insured_since 2023-02-30",
    ),
    pytest.param(
        JIANGSU,
        add_column("no_down_event", ["no", "no", "no", "maybe", "no", "no"]),
        "INVALID_FLAG",
        "no_down_event",
        "maybe",
        3,
        id="INVALID_FLAG no_down_event 'maybe' (jiangsu)",
    ),
    pytest.param(
        QINGDAO,
        set_cell("arrears", 3, 2, dtype=np.int64),
        "INVALID_FLAG",
        "arrears",
        "2",
        3,
        id="INVALID_FLAG arrears 2 (qingdao)",
    ),
    pytest.param(
        JIANGSU,
        set_cells("risk_class", [2, 3], 9),
        "UNKNOWN_CLASS",
        "risk_class",
        "9",
        2,
        id="UNKNOWN_CLASS risk_class 9",
    ),
    pytest.param(
        JIANGSU,
        set_cell("year", 3, 2023),
        "DUPLICATE_EMPLOYER_YEAR",
        "year",
        "2023",
        3,
        id="DUPLICATE_EMPLOYER_YEAR two 2023 rows",
    ),
    pytest.param(
        JIANGSU,
        no_rows_in_window,
        "NO_DATA_IN_WINDOW",
        "year",
        "2019",
        2,
        id="NO_DATA_IN_WINDOW rows of 2019-2020 only",
    ),
]


@pytest.mark.parametrize(("rules", "mutate", "reason", "column", "value", "row"), REJECT_CASES)
def test_reject_reason(rules, mutate, reason, column, value, row):
    """The employer with the bad cell is rejected once, naming reason, column, value and
    row position; the other employers are rated; nothing is lost."""
    frame = mutate(base_extract(rules))
    result = ratefloat.rerate(frame, rules=rules, as_of=AS_OF, **ANY_DATES)

    mine = result.rejects[result.rejects["employer_id"] == "E2"]
    assert len(mine) == 1, result.rejects
    reject = mine.iloc[0]
    assert reject["reason"] == reason
    assert reject["column"] == column
    assert reject["value"] == value
    assert int(reject["row"]) == row
    assert isinstance(reject["message"], str) and reject["message"]
    assert list(result.rejects.columns) == [
        "employer_id",
        "reason",
        "column",
        "value",
        "row",
        "message",
    ]

    assert list(result.rated["employer_id"]) == ["E1", "E3"]
    assert len(result.rejects) == 1
    assert_nothing_lost(frame, result)


@pytest.mark.parametrize(
    "missing_id",
    [pytest.param(None, id="None"), pytest.param(np.nan, id="NaN"), pytest.param("", id="empty")],
)
def test_missing_employer_id(missing_id):
    """A row without employer_id cannot be attributed: it is one reject of its own
    (MISSING_EMPLOYER_ID, column employer_id, its row position) and every employer with an
    id is still rated."""
    frame = base_extract()
    stray = employer("E9", years=(2024,))
    stray[0]["employer_id"] = missing_id
    frame = pd.concat([frame, pd.DataFrame(stray)], ignore_index=True)
    result = ratefloat.rerate(frame, rules=JIANGSU, as_of=AS_OF)

    assert len(result.rejects) == 1, result.rejects
    reject = result.rejects.iloc[0]
    assert pd.isna(reject["employer_id"])
    assert reject["reason"] == "MISSING_EMPLOYER_ID"
    assert reject["column"] == "employer_id"
    assert reject["value"] == ""
    assert int(reject["row"]) == 6
    assert list(result.rated["employer_id"]) == ["E1", "E2", "E3"]
    assert_nothing_lost(frame, result)


def test_row_is_the_position_not_the_index_label():
    """``row`` is the position of the offending input row (RerateResult docstring), also
    when the frame's index is not 0..n-1."""
    frame = base_extract()
    frame.index = [105, 104, 103, 102, 101, 100]
    frame.iat[3, frame.columns.get_loc("payouts")] = -1.0
    result = ratefloat.rerate(frame, rules=JIANGSU, as_of=AS_OF)
    assert result.rejects["employer_id"].tolist() == ["E2"]
    assert int(result.rejects["row"].iat[0]) == 3


def test_several_problems_one_reject_row_all_failure_cases():
    """Two bad cells of one employer: one row in .rejects, both in .failure_cases."""
    frame = base_extract()
    frame["contributions"] = frame["contributions"].astype(object)
    frame.iat[2, frame.columns.get_loc("payouts")] = -1.0
    frame.iat[3, frame.columns.get_loc("contributions")] = "abc"
    result = ratefloat.rerate(frame, rules=JIANGSU, as_of=AS_OF)

    assert result.rejects["employer_id"].tolist() == ["E2"]
    cases = result.failure_cases[result.failure_cases["employer_id"] == "E2"]
    assert sorted(zip(cases["reason"], cases["row"], strict=True)) == [
        ("NEGATIVE_VALUE", 2),
        ("NOT_NUMERIC", 3),
    ]
    assert result.rejects["reason"].iat[0] in {"NEGATIVE_VALUE", "NOT_NUMERIC"}
    assert list(result.rated["employer_id"]) == ["E1", "E3"]
    assert_nothing_lost(frame, result)


def test_many_bad_employers_at_once():
    """Every reject reason in one extract: each spoilt employer rejected once with its own
    reason, the clean ones rated, nothing lost."""
    rows = [employer(f"G{i}", payouts=[1_000.0, 1_000.0]) for i in range(3)]
    spoilt = {
        "B1": ("contributions", "abc", "NOT_NUMERIC"),
        "B2": ("payouts", -5.0, "NEGATIVE_VALUE"),
        "B3": ("injuries", 1.5, "NOT_INTEGER"),
        "B4": ("insured_since", "not a date", "INVALID_DATE"),
        "B5": ("risk_class", 9, "UNKNOWN_CLASS"),
        "B6": ("avg_insured", None, "MISSING_VALUE"),
    }
    for employer_id, (column, value, _) in spoilt.items():
        own = employer(employer_id)
        own[1][column] = value
        rows.append(own)
    rows.append(employer("B7", years=(2023, 2023)))
    rows.append(employer("B8", years=(2018,)))
    frame = extract(*rows)
    result = ratefloat.rerate(frame, rules=JIANGSU, as_of=AS_OF)

    expected = {k: reason for k, (_, _, reason) in spoilt.items()}
    expected |= {"B7": "DUPLICATE_EMPLOYER_YEAR", "B8": "NO_DATA_IN_WINDOW"}
    got = dict(zip(result.rejects["employer_id"], result.rejects["reason"], strict=True))
    assert got == expected
    assert list(result.rated["employer_id"]) == ["G0", "G1", "G2"]
    assert_nothing_lost(frame, result)
    counts = result.counts()
    assert (counts["employers"], counts["rated"], counts["rejected"]) == (11, 3, 8)


# --------------------------------------------------------------------------------------
# Errors that stop the run
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "column"),
    [
        pytest.param(JIANGSU, column, id=f"jiangsu-{column}")
        for column in (
            "employer_id",
            "year",
            "risk_class",
            "avg_insured",
            "contributions",
            "payouts",
            "injuries",
            "insured_since",
        )
    ]
    + [
        pytest.param(QINGDAO, column, id=f"qingdao-{column}")
        for column in ("arrears", "fraud", "concealment", "insured_since")
    ],
)
def test_missing_required_column(rules, column):
    """A missing required column raises SchemaError whose message names the column."""
    frame = base_extract(rules).drop(columns=[column])
    with pytest.raises(SchemaError, match=rf"\b{column}\b"):
        ratefloat.rerate(frame, rules=rules, as_of=AS_OF, **ANY_DATES)


def test_optional_column_may_be_absent():
    """Jiangsu's no_down_event has a default (false): an extract without it is rated."""
    frame = base_extract()
    assert "no_down_event" not in frame
    result = ratefloat.rerate(frame, rules=JIANGSU, as_of=AS_OF)
    assert len(result.rated) == 3


def test_not_a_dataframe():
    with pytest.raises(SchemaError, match="DataFrame"):
        ratefloat.rerate(base_extract().to_dict("records"), rules=JIANGSU, as_of=AS_OF)


@pytest.mark.parametrize(
    "as_of",
    [
        pytest.param(None, id="None"),
        pytest.param("2025-13-01", id="month 13"),
        pytest.param("2025-02-30", id="30 February"),
        pytest.param("01/01/2025", id="not ISO"),
        pytest.param("next year", id="words"),
        pytest.param(2025, id="int"),
    ],
)
def test_bad_as_of(as_of):
    """A bad as_of raises ParameterError naming as_of and showing the expected form."""
    with pytest.raises(ParameterError, match=r"as_of.*2025-01-01"):
        ratefloat.rerate(base_extract(), rules=JIANGSU, as_of=as_of)


@pytest.mark.parametrize(
    "as_of",
    [
        pytest.param(dt.date(2025, 1, 1), id="date"),
        pytest.param(dt.datetime(2025, 1, 1, 8, 30), id="datetime"),
        pytest.param(pd.Timestamp("2025-01-01"), id="Timestamp"),
    ],
)
def test_as_of_date_types(as_of):
    """Dates, datetimes and Timestamps mean the same day as the ISO string."""
    frame = base_extract()
    expected = ratefloat.rerate(frame, rules=JIANGSU, as_of=AS_OF).rated
    got = ratefloat.rerate(frame, rules=JIANGSU, as_of=as_of).rated
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize(
    ("rules", "suggestion"),
    [
        pytest.param("cn-jiangsu-2024", "cn-jiangsu-2023", id="wrong year"),
        pytest.param("cn-qingdao", "cn-qingdao-2017", id="no year"),
        pytest.param("cn_jiangsu_2023", "cn-jiangsu-2023", id="underscores"),
    ],
)
def test_unknown_rules_id_suggests(rules, suggestion):
    """An unknown built-in id raises RuleTableError with a did-you-mean and the list."""
    with pytest.raises(RuleTableError) as raised:
        ratefloat.rerate(base_extract(), rules=rules, as_of=AS_OF)
    message = str(raised.value)
    assert repr(rules) in message
    assert f"did you mean {suggestion!r}" in message
    assert JIANGSU in message and QINGDAO in message


def test_missing_rules_file():
    with pytest.raises(RuleTableError, match="does not exist"):
        ratefloat.rerate(base_extract(), rules="no/such/table.yaml", as_of=AS_OF)


def test_unknown_param_suggests():
    """An unknown parameter raises ParameterError with a did-you-mean."""
    with pytest.raises(ParameterError) as raised:
        ratefloat.rerate(
            base_extract(QINGDAO),
            rules=QINGDAO,
            as_of=AS_OF,
            **ANY_DATES,
            params={"not_floated_class": [1, 2]},
        )
    message = str(raised.value)
    assert "'not_floated_class'" in message
    assert "did you mean 'not_floated_classes'" in message


def test_param_for_a_table_without_parameters():
    qingdao = ratefloat.load_table(QINGDAO)
    defaults = {name: spec.default for name, spec in qingdao.parameters.items()}
    table = qingdao.with_parameters(defaults).model_dump(mode="json", exclude_none=True)
    del table["parameters"]
    table["eligibility"] = []  # its rules read parameters
    with pytest.raises(ParameterError, match=r"no parameter 'not_floated_classes'.*none"):
        ratefloat.rerate(
            base_extract(QINGDAO),
            rules=table,
            as_of=AS_OF,
            params={"not_floated_classes": [1]},
            **ANY_DATES,
        )


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("1,2", id="text"),
        pytest.param(2, id="scalar"),
        pytest.param([True], id="bools"),
        pytest.param(["1"], id="list of text"),
    ],
)
def test_param_of_wrong_type(value):
    """not_floated_classes is a list of class numbers; anything else is a ParameterError
    naming the parameter and the type wanted."""
    with pytest.raises(ParameterError, match=r"'not_floated_classes'.*list"):
        ratefloat.rerate(
            base_extract(QINGDAO),
            rules=QINGDAO,
            as_of=AS_OF,
            **ANY_DATES,
            params={"not_floated_classes": value},
        )


def test_missing_required_param():
    """A parameter without a default must be supplied: ParameterError names it, explains
    it and says how (params={...})."""
    table = ratefloat.load_table(QINGDAO).model_dump(mode="json", exclude_none=True)
    del table["parameters"]["not_floated_classes"]["default"]
    with pytest.raises(ParameterError) as raised:
        ratefloat.rerate(base_extract(QINGDAO), rules=table, as_of=AS_OF, **ANY_DATES)
    message = str(raised.value)
    assert "not_floated_classes" in message
    assert "params=" in message
    result = ratefloat.rerate(
        base_extract(QINGDAO),
        rules=table,
        as_of=AS_OF,
        params={"not_floated_classes": [1]},
        **ANY_DATES,
    )
    assert len(result.rated) == 3
