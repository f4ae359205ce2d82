"""Progress to the seed's 2025 goal: 重点行业事故发生率降低20%左右 against 2020
(鲁人社字〔2021〕73号, 一、工作目标)."""

from __future__ import annotations

import math

import matplotlib
import pandas as pd
import pytest

from ratefloat.errors import ParameterError
from ratefloat.reports import key_industry_progress, plot_progress, progress_table

matplotlib.use("Agg")


def inputs():
    # 建筑施工 employer A: 100 insured and 2 accidents in 2020 (20 ‰), 200 insured and 3
    # accidents in 2021 (15 ‰). 危险化学品 employer B: uninsured in 2020, 10 insured and no
    # accident in 2021. 2022: A has 150 insured and 3 accidents (20 ‰).
    register = pd.DataFrame(
        {"employer_id": ["A", "B"], "industry_code": ["4710", "26"], "employees": [300, 50]}
    )
    extract = pd.DataFrame(
        {
            "employer_id": ["A", "A", "B", "A"],
            "year": [2020, 2021, 2021, 2022],
            "avg_insured": [100, 200, 10, 150],
        }
    )
    dates = ["2020-01-01", "2020-02-01", "2021-01-01", "2021-02-01", "2021-03-01"]
    dates += ["2022-01-01", "2022-05-01", "2022-09-01"]
    accidents = pd.DataFrame(
        {
            "accident_id": [str(i) for i in range(8)],
            "employer_id": ["A"] * 8,
            "accident_date": dates,
        }
    )
    return register, extract, accidents


# By hand: baseline 合计 = 2 / 100 × 1000 = 20 ‰; target = 20 × 0.8 = 16 ‰.
# 2021 合计 = 3 / 210 × 1000 = 14.2857 ‰, change 14.2857 / 20 − 1 = −28.57 %, met.
# 2022 合计 = 3 / 150 × 1000 = 20 ‰, change 0, not met.
def test_progress_against_the_2020_baseline_by_hand():
    table = key_industry_progress(*inputs(), years=[2020, 2021, 2022])
    total = table[table["重点行业名称"] == "合计"].set_index("年度")
    assert total["工伤事故发生率"].tolist() == pytest.approx([20.0, 3000 / 210, 20.0])
    assert total["较基期变化"].tolist() == pytest.approx([0.0, (3000 / 210) / 20 - 1, 0.0])
    assert total["目标发生率"].tolist() == pytest.approx([16.0] * 3)
    assert total["达到目标"].tolist() == [False, True, False]
    chemicals = table[table["重点行业名称"] == "危险化学品"].set_index("年度")
    # No insured person in 2020: no baseline, so no change and no target.
    assert math.isnan(chemicals.loc[2021, "较基期变化"]) and not chemicals.loc[2021, "达到目标"]
    assert table.attrs["baseline_year"] == 2020 and table.attrs["target_change"] == -0.20


def test_the_baseline_year_must_be_among_the_years():
    with pytest.raises(ParameterError, match="baseline_year 2020 has no table"):
        key_industry_progress(*inputs(), years=[2021, 2022])


def test_progress_table_uses_the_target_given():
    tables = {
        2020: pd.DataFrame(
            {
                "重点行业名称": ["合计"],
                "参加工伤保险人数": [10],
                "2020年工伤事故数量": [1],
                "工伤事故发生率": [100.0],
            }
        ),
        2023: pd.DataFrame(
            {
                "重点行业名称": ["合计"],
                "参加工伤保险人数": [10],
                "2023年工伤事故数量": [1],
                "工伤事故发生率": [69.0],
            }
        ),
    }
    table = progress_table(tables, target_change=-0.30)
    assert table["目标发生率"].tolist() == pytest.approx([70.0, 70.0])
    assert table["达到目标"].tolist() == [False, True]


def test_plot_draws_the_rate_baseline_and_target_headless():
    table = key_industry_progress(*inputs(), years=[2020, 2021, 2022])
    figure = plot_progress(table)
    assert isinstance(figure, matplotlib.figure.Figure)
    lines = {line.get_gid(): line for line in figure.axes[0].get_lines()}
    assert list(lines["rate"].get_xdata()) == [2020, 2021, 2022]
    assert list(lines["rate"].get_ydata()) == pytest.approx([20.0, 3000 / 210, 20.0])
    assert set(lines["baseline"].get_ydata()) == {20.0}
    assert list(lines["target"].get_ydata()) == pytest.approx([16.0, 16.0])
    assert max(lines["target"].get_xdata()) == 2025
    figure.canvas.draw()  # renders without a display
    matplotlib.pyplot.close(figure)


def test_plot_of_an_unknown_industry_names_the_rows():
    table = key_industry_progress(*inputs(), years=[2020])
    with pytest.raises(ParameterError, match="建筑施工"):
        plot_progress(table, industry="建筑")
