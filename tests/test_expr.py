"""The rule-table expression language: what it accepts, what it refuses, how it evaluates."""

from __future__ import annotations

import numpy as np
import pytest

from ratefloat.errors import ExpressionError
from ratefloat.expr import MAX_EXPRESSION_LENGTH, Kind, parse_expression

NAMES = {
    "payout_ratio": Kind.NUMBER,
    "injury_rate": Kind.NUMBER,
    "injuries": Kind.NUMBER,
    "risk_class": Kind.NUMBER,
    "arrears": Kind.BOOL,
    "classes": Kind.LIST,
}


def evaluate(text, **columns):
    env = {name: np.asarray(value) for name, value in columns.items()}
    return parse_expression(text, NAMES).evaluate(env).tolist()


def test_jiangsu_condition_reads_as_the_policy_text():
    result = evaluate(
        "payout_ratio > 1.0 or injury_rate > 0.03",
        payout_ratio=[0.5, 1.0, 1.0000001, 0.0],
        injury_rate=[0.031, 0.03, 0.0, 0.0],
    )
    assert result == [True, False, True, False]


def test_chained_comparison_is_an_interval():
    assert evaluate("0.5 < payout_ratio <= 1.0", payout_ratio=[0.5, 0.51, 1.0, 1.01]) == [
        False,
        True,
        True,
        False,
    ]


def test_missing_values_compare_false_everywhere():
    nan = float("nan")
    for text in (
        "payout_ratio > 1",
        "payout_ratio <= 1",
        "payout_ratio == 0",
        "payout_ratio != 0",
        "payout_ratio in [0, 1]",
        "payout_ratio not in [0, 1]",
    ):
        assert evaluate(text, payout_ratio=[nan]) == [False], text


def test_membership_and_flags():
    assert evaluate(
        "risk_class in [1, 2] and not arrears",
        risk_class=[1, 2, 3, 1],
        arrears=[False, True, False, False],
    ) == [True, False, False, True]
    assert parse_expression("risk_class in classes", NAMES).evaluate(
        {"risk_class": np.array([1.0, 3.0]), "classes": (1.0, 2.0)}
    ).tolist() == [True, False]


def test_arithmetic_and_functions():
    values = evaluate(
        "max(payout_ratio, injury_rate * 10) >= 0.3",
        payout_ratio=[0.1, 0.3],
        injury_rate=[0.03, 0.0],
    )
    assert values == [True, True]
    assert evaluate("abs(payout_ratio - 1) < 0.25", payout_ratio=[0.8, 1.3]) == [True, False]
    assert evaluate("payout_ratio ** 2 > 4", payout_ratio=[2.0, 2.1]) == [False, True]


def test_names_used_are_reported_in_order():
    expression = parse_expression("injuries > 0 and payout_ratio > 1 or injuries > 2", NAMES)
    assert expression.names == ("injuries", "payout_ratio")


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("__import__('os').system('echo hacked')", "not allowed"),
        ("payout_ratio.real > 1", "attribute access"),
        ("(lambda: 1)() > 0", "not allowed"),
        ("open('/etc/passwd') == 1", "calling open is not allowed"),
        ("eval('1') == 1", "calling eval is not allowed"),
        ("[x for x in classes] == 1", "comprehension"),
        ("payout_ratio[0] > 1", "indexing"),
        ("9 ** 9 ** 9 > 1", "exponent"),
        ("payout_ratio ** 100 > 1", "exponent"),
        ("payout_ratio ** injuries > 1", "exponent"),
        ("'text' == 'text'", "literal"),
        ("payout_ratio if arrears else 0", "if ... else"),
        ("payout_ratio > 1 & arrears", "write 'and'"),
        ("(x := 1) > 0", "':='"),
        ("payout_ratio // 2 > 0", "'//'"),
    ],
)
def test_unsafe_or_unknown_constructs_are_refused(text, fragment):
    with pytest.raises(ExpressionError) as error:
        parse_expression(text, NAMES, where="bands 'x' (when)")
    message = str(error.value)
    assert fragment in message
    assert message.startswith("bands 'x' (when)")


def test_unknown_name_suggests_the_closest():
    with pytest.raises(
        ExpressionError, match="unknown name 'payout_ratoi'; did you mean 'payout_ratio'"
    ):
        parse_expression("payout_ratoi > 1", NAMES)


def test_type_errors_explain_what_to_write():
    with pytest.raises(ExpressionError, match="write a comparison"):
        parse_expression("injuries and arrears", NAMES)
    with pytest.raises(ExpressionError, match="expected a bool"):
        parse_expression("payout_ratio + 1", NAMES)
    with pytest.raises(ExpressionError, match="cannot compare a bool with a number"):
        parse_expression("arrears > 1", NAMES)
    with pytest.raises(ExpressionError, match="list can only stand after 'in'"):
        parse_expression("classes == 1", NAMES)


def test_size_limits():
    long = " or ".join(["injuries > 1"] * 200)
    assert len(long) > MAX_EXPRESSION_LENGTH
    with pytest.raises(ExpressionError, match="characters long"):
        parse_expression(long, NAMES)
    many = " or ".join(["injuries > 1"] * 80)
    with pytest.raises(ExpressionError, match="parts"):
        parse_expression(many, NAMES)


def test_syntax_error_points_at_the_column():
    with pytest.raises(ExpressionError, match="cannot parse 'payout_ratio > > 1' at column 16"):
        parse_expression("payout_ratio > > 1", NAMES)
    with pytest.raises(ExpressionError, match="'\\(' was never closed"):
        parse_expression("(payout_ratio > 1", NAMES)
    with pytest.raises(ExpressionError, match="cannot parse 'payout_ratio >'"):
        parse_expression("payout_ratio >", NAMES)
