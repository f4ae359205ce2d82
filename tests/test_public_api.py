"""The public API is pinned: agency systems never lose (or silently gain) a name."""

from __future__ import annotations

import ratefloat

EXPECTED_PUBLIC_API = {
    "__version__",
    "rerate",
    "RerateResult",
    "Explanation",
    "load_table",
    "list_tables",
    "RuleTable",
    "TableInfo",
    "table_hash",
    "rule_table_json_schema",
    "required_columns",
    "classify",
    "load_classification",
    "list_classifications",
    "load_example",
    "round_half_up",
    "round_money",
    "RejectReason",
    "RateFloatError",
    "SchemaError",
    "RuleTableError",
    "ExpressionError",
    "ParameterError",
    "compare",
    "sweep",
    "calibrate",
    "backtest",
}


def test_public_api_is_pinned():
    assert set(ratefloat.__all__) == EXPECTED_PUBLIC_API
    assert len(ratefloat.__all__) == len(set(ratefloat.__all__))


def test_every_public_name_resolves():
    for name in ratefloat.__all__:
        assert getattr(ratefloat, name) is not None, name


def test_reject_reason_codes_are_stable():
    # Agency systems store these codes; renaming one is a breaking change.
    assert {reason.value for reason in ratefloat.RejectReason} == {
        "MISSING_EMPLOYER_ID",
        "INVALID_EMPLOYER_ID",
        "MISSING_VALUE",
        "NOT_NUMERIC",
        "NEGATIVE_VALUE",
        "NOT_INTEGER",
        "INVALID_DATE",
        "INVALID_FLAG",
        "UNKNOWN_CLASS",
        "UNKNOWN_INDUSTRY_CODE",
        "AMBIGUOUS_INDUSTRY_CODE",
        "DUPLICATE_EMPLOYER_YEAR",
        "NO_DATA_IN_WINDOW",
        "GRADE_NOT_ON_LADDER",
        "MISSING_CURRENT_RATE",
        "OUT_OF_RANGE",
    }
    for reason in ratefloat.RejectReason:
        assert reason.description


def test_errors_share_one_base_class():
    for error in (
        ratefloat.SchemaError,
        ratefloat.RuleTableError,
        ratefloat.ExpressionError,
        ratefloat.ParameterError,
    ):
        assert issubclass(error, ratefloat.RateFloatError)
        assert issubclass(error, ValueError)
