"""Notebook display: short repr, HTML cards that show the object's own numbers."""

from __future__ import annotations

import pytest

import ratefloat
from ratefloat import synth
from ratefloat.analysis import backtest, calibrate, compare

AS_OF = "2025-01-01"


@pytest.fixture(scope="module")
def objects():
    extract = ratefloat.load_example()
    result = ratefloat.rerate(extract, "cn-jiangsu-2023", AS_OF)
    employer = result.rated["employer_id"].iat[0]
    panel = synth.employer_years(2_000, years=range(2021, 2025), seed=1)
    return {
        "result": result,
        "explanation": result.explain(employer),
        "rejected": result.explain(result.rejects["employer_id"].dropna().iat[0]),
        "counterfactual": result.counterfactual(employer),
        "comparison": compare(
            extract,
            {"a": "cn-jiangsu-2023", "b": "cn-qingdao-2017"},
            AS_OF,
            outside_effective_dates="allow",
        ),
        "calibration": calibrate(extract, "cn-jiangsu-2023", AS_OF),
        "backtest": backtest(panel, "cn-jiangsu-2023", [2024], bootstraps=10),
        "table": ratefloat.load_table("cn-jiangsu-2023"),
    }


@pytest.mark.parametrize(
    "name",
    [
        "result",
        "explanation",
        "rejected",
        "counterfactual",
        "comparison",
        "calibration",
        "backtest",
        "table",
    ],
)
def test_repr_is_one_short_line_and_html_is_a_card(objects, name):
    obj = objects[name]
    text = repr(obj)
    assert "\n" not in text and len(text) <= 200, text
    html = obj._repr_html_()
    assert html.startswith("<div>") and html.endswith("</div>")


def test_result_card_shows_counts_and_provenance(objects):
    result = objects["result"]
    html = result._repr_html_()
    assert result.table_hash in html
    assert f"<td>{len(result.rated)}</td>" in html and f"<td>{len(result.rejects)}</td>" in html
    assert "first 10 of 495" in html


def test_cards_show_their_objects_numbers(objects):
    calibration = objects["calibration"]
    assert f"{calibration.value:.8g}" in calibration._repr_html_()
    comparison = objects["comparison"]
    assert comparison.results["a"].table_hash[:12] in comparison._repr_html_()
    explanation = objects["explanation"]
    assert explanation.reasons[0] in explanation._repr_html_()
    assert objects["rejected"].rejection["reason"] in objects["rejected"]._repr_html_()
    table = objects["table"]
    assert all(rule_id in table._repr_html_() for rule_id in table.rule_ids())
    assert objects["backtest"].verdict.split(":")[0] in objects["backtest"]._repr_html_()


def test_html_escapes_text(objects):
    table = objects["table"]
    html = table._repr_html_()
    assert "<script" not in html
    odd = table.model_copy(update={"name": "<script>alert(1)</script>"})
    assert "&lt;script&gt;" in odd._repr_html_()
