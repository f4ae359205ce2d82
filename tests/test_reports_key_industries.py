"""The annex 重点行业企业基本情况表 of 鲁人社字〔2021〕73号 (the seed's annex).

The example is computed by hand below; the properties check the table's arithmetic and
that every register employer is counted exactly once, for random inputs and maps.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ratefloat.errors import RuleTableError, SchemaError
from ratefloat.reports import (
    annex_columns,
    key_industries,
    key_industry_report,
    load_industry_map,
)

SEED_COLUMNS = [  # the annex header of the seed, for 2020, as printed
    "重点行业名称",
    "企业户数",
    "参保企业户数",
    "从业总人数",
    "参加工伤保险人数",
    "工伤保险参保率",
    "2020年工伤事故数量",
    "工伤事故发生率",
    "备注",
]
SEED_INDUSTRIES = ["危险化学品", "矿山", "冶金", "建材", "建筑施工", "交通运输", "机械制造"]


def example_inputs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A small register, extract and accident list (see the hand computation below)."""
    register = pd.DataFrame(
        {
            "employer_id": [
                "E01",
                "E02",
                "E03",
                "E04",
                "E05",
                "E06",
                "E07",
                "E08",
                "E09",
                "E10",
                "E11",
            ],
            "industry_code": [
                "2614",
                "25",
                "0610",
                "4710",
                "4810",
                "6110",
                "3011",
                "3360",
                "abc",
                "5410",
                "5410",
            ],
            "employees": [120, 30, 500, 200, 80, 40, 60, 10, 5, -5, 10],
        }
    )
    extract = pd.DataFrame(
        {
            "employer_id": ["E01", "E03", "E04", "E05", "E06", "E07", "E08", "E08", "E11"],
            "year": [2020, 2020, 2020, 2020, 2020, 2020, 2020, 2019, 2020],
            "avg_insured": [100.4, 450.5, 150, 79.6, 40, 0, 10, "x", 12],
        }
    )
    accidents = pd.DataFrame(
        {
            "accident_id": ["K1", "K1", "K2", "K3", "K4", "K5", "K6", "K7", "K8", "K9", "K10"],
            "employer_id": [
                "E01",
                "E01",
                "E01",
                "E02",
                "E03",
                "E04",
                "E05",
                "E05",
                "E06",
                "E99",
                "E05",
            ],
            "accident_date": [
                "2020-03-01",
                "2020-03-01",
                "2020-07-15",
                "2020-12-31",
                "2020-01-01",
                "2019-12-31",
                "2020-06-30",
                "2020-11-11",
                "2020-02-02",
                "2020-05-05",
                "not a date",
            ],
        }
    )
    return register, extract, accidents


# Hand computation (built-in map: 25/26 危险化学品, 06.. 矿山, 30 建材, 47-50 建筑施工,
# 53-57 交通运输, 33-38 机械制造; insured persons = avg_insured rounded half up per employer):
#   危险化学品  E01 (2614), E02 (25): 2 firms, 1 insured (E02 has no extract row),
#               employees 120+30 = 150, insured 100 (100.4), 参保率 100/150,
#               accidents K1 (two injured, one accident), K2, K3 = 3, rate 3/100×1000 = 30
#   矿山        E03 (0610): 1, 1, 500, 451 (450.5 half up), 451/500 = 0.902,
#               1 accident (K4), 1/451×1000
#   冶金        none: zeros, rates undefined
#   建材        E07 (3011): 1 firm, 0 insured (avg 0), 60 employees, 0 persons,
#               参保率 0/60 = 0, no accident, rate undefined
#   建筑施工    E04 (4710), E05 (4810): 2, 2, 280, 150+80 (79.6) = 230, 230/280,
#               K6, K7 = 2 (K5 is of 2019, K10 has no valid date), 2/230×1000
#   交通运输    E10 rejected (employees −5), E11 rejected (12 insured > 10 employees): zeros
#   机械制造    E08 (3360): 1, 1, 10, 10 (its bad 2019 row is another year), 1.0, 0, 0.0
#   outside     E06 (6110 住宿业); E09 rejected (code "abc"); accident K9 of unknown E99
#   合计        7, 5, 1000, 791, 0.791, 6, 6/791×1000
HAND = {
    "危险化学品": (2, 1, 150, 100, 100 / 150, 3, 30.0),
    "矿山": (1, 1, 500, 451, 0.902, 1, 1000 / 451),
    "冶金": (0, 0, 0, 0, math.nan, 0, math.nan),
    "建材": (1, 0, 60, 0, 0.0, 0, math.nan),
    "建筑施工": (2, 2, 280, 230, 230 / 280, 2, 2000 / 230),
    "交通运输": (0, 0, 0, 0, math.nan, 0, math.nan),
    "机械制造": (1, 1, 10, 10, 1.0, 0, 0.0),
    "合计": (7, 5, 1000, 791, 0.791, 6, 6000 / 791),
}


def test_annex_matches_the_hand_computed_example():
    table = key_industries(*example_inputs(), year=2020)
    assert table.columns.tolist() == SEED_COLUMNS
    assert table["重点行业名称"].tolist() == [*SEED_INDUSTRIES, "合计"]
    for name, expected in HAND.items():
        row = table.set_index("重点行业名称").loc[name]
        got = row[SEED_COLUMNS[1:8]].tolist()
        assert got[:4] == list(expected[:4]), name
        assert got[5] == expected[5], name
        for value, want in ((got[4], expected[4]), (got[6], expected[6])):
            assert (math.isnan(value) and math.isnan(want)) or value == pytest.approx(want), name


def test_rejects_name_input_reason_column_value_and_row():
    report = key_industry_report(*example_inputs(), year=2020)
    got = {
        (r.input, r.employer_id, r.reason, r.column, r.value, r.row)
        for r in report.rejects.itertuples()
    }
    assert got == {
        ("register", "E09", "UNKNOWN_INDUSTRY_CODE", "industry_code", "abc", 8),
        ("register", "E10", "NEGATIVE_VALUE", "employees", "-5", 9),
        ("register", "E11", "OUT_OF_RANGE", "employees", "10", 10),
        ("accidents", "E99", "UNKNOWN_EMPLOYER", "employer_id", "E99", 9),
        ("accidents", "E05", "INVALID_DATE", "accident_date", "not a date", 10),
    }
    assert report.table.attrs["rejected"] == 5


def test_written_csv_has_the_seed_layout_and_rounds_half_up(tmp_path):
    report = key_industry_report(*example_inputs(), year=2020)
    path = report.write(tmp_path / "annex.csv", unit="某市人社局", person="张三", phone="0531-1")
    raw = path.read_bytes()
    again = key_industry_report(*example_inputs(), year=2020).write(
        tmp_path / "again.csv", unit="某市人社局", person="张三", phone="0531-1"
    )
    assert again.read_bytes() == raw
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: the form is opened in Excel
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith(
        "《山东省工伤预防五年行动计划（2021-2025年）实施方案》重点行业企业基本情况表"
    )
    assert lines[1].startswith("填报单位：某市人社局")
    assert lines[2].split(",") == SEED_COLUMNS
    # 100/150 = 66.666…% → 66.67 %, 1000/451 = 2.2172…‰ → 2.22, 2000/230 = 8.6956…‰ → 8.70
    assert lines[3].startswith("危险化学品,2,1,150,100,66.67%,3,30.00‰,")
    assert lines[4].startswith("矿山,1,1,500,451,90.20%,1,2.22‰,")
    assert lines[5].startswith("冶金,0,0,0,0,,0,,")
    assert lines[7].startswith("建筑施工,2,2,280,230,82.14%,2,8.70‰,")
    assert lines[10] == "合计,7,5,1000,791,79.10%,6,7.59‰,"
    assert lines[11].split(",")[0] == "填报人：张三" and "联系电话：0531-1" in lines[11]
    assert lines[12].startswith("备注：")
    text = "\n".join(lines[13:])
    for definition in (
        "工伤保险参保率 = 参加工伤保险人数 ÷ 从业总人数",
        "× 1000 (起/千人",
        "不是受伤人数",
    ):
        assert definition in text
    assert report.industry_map.hash in text


def test_xlsx_is_the_same_grid_and_byte_identical_on_rerun(tmp_path):
    import openpyxl

    report = key_industry_report(*example_inputs(), year=2020)
    first = report.write(tmp_path / "a.xlsx", unit="某市")
    again = key_industry_report(*example_inputs(), year=2020).write(
        tmp_path / "b.xlsx", unit="某市"
    )
    assert first.read_bytes() == again.read_bytes()
    sheet = openpyxl.load_workbook(first).active
    assert [c.value for c in sheet[3]] == SEED_COLUMNS
    assert sheet["A2"].value == "填报单位：某市"
    total = [c.value for c in sheet[11]]
    assert total[:5] == ["合计", 7, 5, 1000, 791]
    assert total[5] == pytest.approx(0.791) and sheet.cell(11, 6).number_format == "0.00%"
    assert total[7] == pytest.approx(6000 / 791)
    assert sheet.cell(6, 8).value is None  # 冶金: no insured persons, rate left blank
    assert report.industry_map.hash in openpyxl.load_workbook(first).properties.keywords


def test_unknown_suffix_is_refused(tmp_path):
    report = key_industry_report(*example_inputs(), year=2020)
    with pytest.raises(ValueError, match=r"\.csv or \.xlsx"):
        report.write(tmp_path / "annex.pdf")


@pytest.mark.parametrize(
    ("which", "column"),
    [
        (0, "employees"),
        (0, "industry_code"),
        (1, "avg_insured"),
        (2, "accident_date"),
        (2, "accident_id"),
    ],
)
def test_a_missing_column_is_named(which, column):
    inputs = list(example_inputs())
    inputs[which] = inputs[which].drop(columns=[column])
    with pytest.raises(SchemaError, match=column):
        key_industries(*inputs, year=2020)


def test_year_must_be_a_year():
    with pytest.raises(Exception, match="calendar year"):
        key_industries(*example_inputs(), year="2020")


def test_register_with_years_uses_the_year_reported():
    register, extract, accidents = example_inputs()
    older = register.assign(year=2019, employees=register["employees"].abs() * 7)
    both = pd.concat([older, register.assign(year=2020)], ignore_index=True)
    table = key_industries(both, extract, accidents, year=2020).set_index("重点行业名称")
    assert table.loc["合计", "从业总人数"] == 1000
    rejects = key_industry_report(both, extract, accidents, year=2020).rejects
    assert rejects.loc[rejects.employer_id == "E09", "row"].tolist() == [19]  # 11 + 8


def test_register_rows_whose_year_cannot_be_read_are_rejected_not_lost():
    register, extract, accidents = example_inputs()
    register = register.assign(year=[2020] * 6 + ["二〇二〇", None] + [2020] * 3)
    report = key_industry_report(register, extract, accidents, year=2020)
    year_rejects = report.rejects[report.rejects["column"] == "year"]
    found = zip(year_rejects.employer_id, year_rejects.reason, year_rejects.row, strict=True)
    assert set(found) == {("E07", "NOT_NUMERIC", 6), ("E08", "MISSING_VALUE", 7)}
    assert {"E07", "E08"}.isdisjoint(report.employers["employer_id"])


# -- the map: a city extends it; an employer in two key industries ------------------------


def test_city_map_adds_an_industry_and_the_longest_code_wins():
    city = {
        "id": "city-2021",
        "extends": "cn-shandong-2021",
        "industries": [
            {"name": "交通运输", "codes": ["53", "54", "55", "56", "57", "59"]},
            {"name": "危险化学品仓储", "codes": ["5942"]},
        ],
    }
    register = pd.DataFrame(
        {
            "employer_id": ["A", "B", "C"],
            "industry_code": ["5942", "5910", "59"],
            "employees": [10, 20, 30],
        }
    )
    extract = pd.DataFrame({"employer_id": ["A", "B"], "year": [2020, 2020], "avg_insured": [5, 9]})
    accidents = pd.DataFrame(
        {"accident_id": ["X"], "employer_id": ["A"], "accident_date": ["2020-04-04"]}
    )
    table = key_industries(register, extract, accidents, year=2020, industries=city)
    rows = table.set_index("重点行业名称")
    assert table["重点行业名称"].tolist() == [*SEED_INDUSTRIES, "危险化学品仓储", "合计"]
    # A (5942) is in both 交通运输 (59) and 危险化学品仓储 (5942): only the more specific one.
    assert rows.loc[
        "危险化学品仓储", ["企业户数", "从业总人数", "2020年工伤事故数量"]
    ].tolist() == [1, 10, 1]
    assert rows.loc["交通运输", ["企业户数", "参保企业户数", "从业总人数"]].tolist() == [2, 1, 50]
    assert rows.loc["合计", "企业户数"] == 3
    assert rows.loc["危险化学品仓储", "备注"].startswith("市定重点行业")


def test_the_same_code_in_two_industries_is_refused():
    city = {
        "id": "bad",
        "extends": "cn-shandong-2021",
        "industries": [{"name": "城市燃气", "codes": ["26"]}],
    }
    with pytest.raises(RuleTableError, match=r"'26'.*危险化学品.*城市燃气"):
        load_industry_map(city)


def test_bad_maps_say_where():
    with pytest.raises(RuleTableError, match="neither a built-in"):
        load_industry_map("cn-shandong-2012")
    with pytest.raises(RuleTableError, match="not a GB/T 4754 code"):
        load_industry_map({"id": "x", "industries": [{"name": "a", "codes": ["2a"]}]})
    with pytest.raises(RuleTableError, match="industries.0.cdoes: Extra inputs"):
        load_industry_map({"id": "x", "industries": [{"name": "a", "codes": ["26"], "cdoes": 1}]})


def test_city_map_file_extends_by_relative_path(tmp_path):
    (tmp_path / "base.yaml").write_text(
        "id: base\nindustries:\n  - {name: 矿山, codes: ['06']}\n", encoding="utf-8"
    )
    (tmp_path / "city.yaml").write_text(
        "id: city\nextends: base.yaml\nindustries:\n  - {name: 燃气, codes: ['45']}\n",
        encoding="utf-8",
    )
    loaded = load_industry_map(tmp_path / "city.yaml")
    assert loaded.names == ["矿山", "燃气"] and loaded.industries[1].local


# -- properties ----------------------------------------------------------------------------

MAP = {
    "id": "prop",
    "industries": [
        {"name": "甲", "codes": ["06", "0610"]},  # 0610 repeats 06's scope: same industry
        {"name": "乙", "codes": ["59"]},
        {"name": "丙", "codes": ["5942", "261"]},
        {"name": "丁", "codes": ["26"]},
    ],
}
CODE_POOL = ["06", "0610", "0620", "59", "5942", "5910", "26", "261", "2614", "2620", "61", "x"]


def oracle_industry(code: str) -> str | None:
    """The reference's rule written out plainly: the longest map code that prefixes it."""
    best, best_len = None, 0
    for industry in MAP["industries"]:
        for prefix in industry["codes"]:
            if code.startswith(prefix) and len(prefix) > best_len:
                best, best_len = industry["name"], len(prefix)
    return best


@st.composite
def populations(draw):
    n = draw(st.integers(1, 30))
    ids = [f"E{i:02d}" for i in range(n)]
    if n > 1 and draw(st.booleans()):
        ids[-1] = ids[0]  # a duplicate register row
    codes = draw(st.lists(st.sampled_from(CODE_POOL), min_size=n, max_size=n))
    employees = draw(st.lists(st.integers(-1, 50), min_size=n, max_size=n))
    insured_share = draw(
        st.lists(st.sampled_from([None, 0.0, 0.3, 1.0, 1.5]), min_size=n, max_size=n)
    )
    register = pd.DataFrame({"employer_id": ids, "industry_code": codes, "employees": employees})
    extract_rows = [
        (i, 2020, max(e, 0) * s)
        for i, e, s in zip(ids, employees, insured_share, strict=True)
        if s is not None
    ]
    extract = pd.DataFrame(extract_rows, columns=["employer_id", "year", "avg_insured"])
    extract = extract.drop_duplicates("employer_id")
    k = draw(st.integers(0, 20))
    accidents = pd.DataFrame(
        {
            "accident_id": draw(
                st.lists(st.sampled_from([f"K{j}" for j in range(12)]), min_size=k, max_size=k)
            ),
            "employer_id": draw(st.lists(st.sampled_from([*ids, "ZZ"]), min_size=k, max_size=k)),
            "accident_date": draw(
                st.lists(
                    st.sampled_from(["2020-01-01", "2020-12-31", "2021-01-01"]),
                    min_size=k,
                    max_size=k,
                )
            ),
        }
    )
    return register, extract, accidents


@given(populations())
def test_totals_row_is_the_column_sums(population):
    table = key_industries(*population, year=2020, industries=MAP).set_index("重点行业名称")
    counts = ["企业户数", "参保企业户数", "从业总人数", "参加工伤保险人数", "2020年工伤事故数量"]
    assert (table.loc["合计", counts] == table.drop(index="合计")[counts].sum()).all()
    assert table.columns.tolist() == annex_columns(2020)[1:]


@given(populations())
def test_rates_are_defined_exactly_where_their_denominators_are_and_in_range(population):
    table = key_industries(*population, year=2020, industries=MAP)
    coverage, employees = table["工伤保险参保率"], table["从业总人数"]
    assert (coverage.isna() == (employees == 0)).all()
    assert ((coverage.dropna() >= 0) & (coverage.dropna() <= 1)).all()
    rate, insured = table["工伤事故发生率"], table["参加工伤保险人数"]
    assert (rate.isna() == (insured == 0)).all()
    defined = insured > 0
    expected = table.loc[defined, "2020年工伤事故数量"] * 1000 / insured[defined]
    assert np.allclose(rate[defined], expected)
    assert (table["参保企业户数"] <= table["企业户数"]).all()


@given(populations())
def test_every_register_employer_is_counted_once(population):
    register = population[0]
    report = key_industry_report(*population, year=2020, industries=MAP)
    counted = report.employers["employer_id"]
    assert counted.is_unique
    rejected = set(report.rejects.loc[report.rejects.input != "accidents", "employer_id"])
    assert not rejected & set(counted)
    outside = {
        i
        for i, c in zip(register.employer_id, register.industry_code, strict=True)
        if oracle_industry(c) is None
    } - rejected
    assert set(counted) | rejected | outside == set(register.employer_id)
    assert report.table.set_index("重点行业名称").loc["合计", "企业户数"] == len(counted)
    # Each counted employer sits in the industry of its longest matching code.
    for row in report.employers.itertuples():
        assert row.industry == oracle_industry(row.industry_code)


def test_numeric_ids_match_across_inputs_and_numeric_codes_are_normalised():
    # Ids read as numbers (float where a row is empty) still join: 1.0 in one input is the
    # employer 1 of another. The code 6 is 大类 "06" (矿山); 611 is ambiguous and refused.
    register = pd.DataFrame(
        {"employer_id": [1, 2, None], "industry_code": [6, 611, 30], "employees": [10, 5, 3]}
    )
    extract = pd.DataFrame({"employer_id": [1.0], "year": [2020], "avg_insured": [5]})
    accidents = pd.DataFrame(
        {"accident_id": [7], "employer_id": ["1"], "accident_date": pd.to_datetime(["2020-01-01"])}
    )
    report = key_industry_report(register, extract, accidents, year=2020)
    mining = report.table.set_index("重点行业名称").loc["矿山"]
    assert mining[
        ["企业户数", "参保企业户数", "参加工伤保险人数", "2020年工伤事故数量"]
    ].tolist() == [
        1,
        1,
        5,
        1,
    ]
    assert sorted(report.rejects["reason"]) == ["MISSING_EMPLOYER_ID", "UNKNOWN_INDUSTRY_CODE"]
    assert "611" in report.rejects.set_index("reason").loc["UNKNOWN_INDUSTRY_CODE", "message"]


def test_header_only_inputs_give_an_empty_table_not_an_error():
    register = pd.DataFrame(columns=["employer_id", "industry_code", "employees"])
    extract = pd.DataFrame(columns=["employer_id", "year", "avg_insured"])
    accidents = pd.DataFrame(columns=["accident_id", "employer_id", "accident_date"])
    table = key_industries(register, extract, accidents, year=2020)
    assert table["企业户数"].sum() == 0 and table["工伤保险参保率"].isna().all()


def test_chinese_headers_of_agency_exports_are_read():
    register, extract, accidents = example_inputs()
    register = register.rename(
        columns={"employer_id": "单位编号", "industry_code": "行业代码", "employees": "从业人数"}
    ).assign(年度=2020)
    accidents = accidents.rename(
        columns={
            "accident_id": "事故编号",
            "employer_id": "单位编号",
            "accident_date": "事故发生日期",
        }
    )
    table = key_industries(register, extract, accidents, year=2020).set_index("重点行业名称")
    assert table.loc["合计", ["企业户数", "从业总人数", "2020年工伤事故数量"]].tolist() == [
        7,
        1000,
        6,
    ]
