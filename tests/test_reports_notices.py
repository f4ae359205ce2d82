"""The 公示 list and the 费率浮动告知书 rendered from an editable template."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

import ratefloat
from ratefloat.errors import ParameterError
from ratefloat.reports import (
    NoticeTemplate,
    publicity_list,
    rate_notices,
    write_notices,
    write_publicity_list,
)
from ratefloat.reports.notices import PLACEHOLDERS
from ratefloat.rules.tables import __file__ as tables_init


@pytest.fixture(scope="module")
def result():
    return ratefloat.rerate(ratefloat.load_example(), rules="cn-jiangsu-2023", as_of="2025-01-01")


def jiangsu_band(rule_id: str) -> dict:
    """The band row of 苏人社规〔2023〕2号 as the table file states it (not via the engine)."""
    from pathlib import Path

    data = yaml.safe_load((Path(tables_init).parent / "cn-jiangsu-2023.yaml").read_text("utf-8"))
    for band in data["bands"]:
        for row in band.get("rows", [band]):
            if row.get("id") == rule_id:
                return row
    raise KeyError(rule_id)


def test_publicity_list_has_chinese_headers_and_one_row_per_rated_employer(result):
    frame = publicity_list(result)
    assert frame.columns[:2].tolist() == ["单位编号", "行业风险类别"]
    assert frame.columns[-6:].tolist() == [
        "现行费率",
        "基准费率",
        "浮动档次",
        "浮动比例",
        "拟执行费率",
        "浮动依据",
    ]
    assert {"支缴率", "工伤发生率"} <= set(frame.columns)  # 苏人社规〔2023〕2号's two indicators
    assert frame["单位编号"].tolist() == result.rated["employer_id"].tolist()
    assert (frame["拟执行费率"].to_numpy() == result.rated["rate"].to_numpy()).all()
    words = {-2: "下浮2档", -1: "下浮1档", 0: "基准档", 1: "上浮1档", 2: "上浮2档"}
    assert frame["浮动档次"].tolist() == [words[g] for g in result.rated["grade"]]
    assert frame.attrs["table_hash"] == result.table_hash


def test_reason_is_the_cited_passage_of_the_rule_that_fired(result):
    frame = publicity_list(result).set_index("单位编号")
    high = result.rated.loc[result.rated["reasons"] == "band:high", "employer_id"]
    assert len(high)
    cite = jiangsu_band("high")["cite"]
    assert (frame.loc[high, "浮动依据"] == cite).all()


def test_notice_of_a_band_high_employer_reads_as_the_rule_says(result):
    # E0000001 is class 7 (base rate 0.016 in cn-jiangsu-2023.yaml) and fired band:high,
    # which the table maps to grade +2 = ×1.5: 1.6 % × 1.5 = 2.4 %.
    row = result.rated.set_index("employer_id").loc["E0000001"]
    assert (row["rated_class"], row["reasons"]) == (7, "band:high")
    notice = rate_notices(
        result,
        agency="某市社会保险经办机构",
        review_period="收到本告知书之日起15个工作日内",
        contact="0000-12345",
        issue_date="2024-12-01",
    )["E0000001"]
    for expected in (
        "工伤保险费率浮动告知书",
        "单位编号：E0000001",
        "行业风险类别为7类",
        "基准费率为1.6%",
        "上浮2档",
        "浮动比例为150%",
        "自2025-01-01起执行的工伤保险费率为2.4%",
        jiangsu_band("high")["cite"],
        "可于收到本告知书之日起15个工作日内向某市社会保险经办机构书面申请复核",
        "0000-12345",
        "2024-12-01",
        "考核期为2023年至2024年",
        "苏人社规〔2023〕2号",
        result.table_hash,
    ):
        assert expected in notice, expected
    assert f"支缴率：{row['payout_ratio']:.6g}" in notice
    assert "$" not in notice


def test_one_notice_per_rated_employer_with_its_own_rate(result):
    notices = rate_notices(result)
    assert notices.index.tolist() == result.rated["employer_id"].tolist()
    for employer, rate in zip(result.rated["employer_id"], result.rated["rate"], strict=True):
        assert f"费率为{rate * 100:g}%" in notices[employer]


def test_an_agency_template_may_use_any_placeholder_and_dollars(result, tmp_path):
    path = tmp_path / "mine.txt"
    body = " ".join(f"${{{name}}}" for name in PLACEHOLDERS)
    path.write_text(f"费用 $$100 {body} $rate.__class__", encoding="utf-8")
    text = rate_notices(result, path)["E0000001"]
    assert text.startswith("费用 $100 E0000001")
    assert text.endswith("2.4%.__class__")  # attribute syntax is text, never evaluated


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("第一行\n新费率 $rat", r"line 2: unknown placeholder \$rat\. Did you mean \$rate\?"),
        ("${__import__('os')}", r"line 1: '\$' must start a placeholder"),
        ("100$ 元", r"line 1: '\$' must start a placeholder"),
        ("$employer_id.$agency\n$table_hsh", r"line 2: unknown placeholder \$table_hsh"),
    ],
)
def test_bad_templates_fail_on_load_with_the_line(text, message):
    with pytest.raises(ParameterError, match=message):
        NoticeTemplate(text)


def test_missing_template_file_is_named(tmp_path, result):
    with pytest.raises(ParameterError, match="does not exist"):
        rate_notices(result, tmp_path / "nope.txt")


def test_notices_are_written_one_file_each_with_safe_names(tmp_path):
    notices = pd.Series(["甲", "乙"], index=pd.Index(["A/../B", "C"], name="employer_id"))
    written = write_notices(notices, tmp_path / "out")
    assert [p.name for p in written] == ["A_.._B.txt", "C.txt"]
    assert (tmp_path / "out" / "A_.._B.txt").read_text(encoding="utf-8") == "甲"
    clash = pd.Series(["x", "y"], index=["a/b", "a_b"])
    with pytest.raises(ValueError, match="both be written"):
        write_notices(clash, tmp_path / "clash")
    assert not (tmp_path / "clash").exists()


def test_publicity_list_files_show_rates_as_percentages(result, tmp_path):
    import openpyxl

    csv_path = write_publicity_list(result, tmp_path / "list.csv")
    lines = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "工伤保险费率浮动公示名单"
    header = lines[1].split(",")
    first = dict(zip(header, lines[2].split(","), strict=False))
    assert (first["单位编号"], first["基准费率"], first["拟执行费率"]) == (
        "E0000001",
        "1.6%",
        "2.4%",
    )
    assert any(result.table_hash in line for line in lines[-3:])
    xlsx_path = write_publicity_list(result, tmp_path / "list.xlsx")
    again = write_publicity_list(result, tmp_path / "again.xlsx")
    assert xlsx_path.read_bytes() == again.read_bytes()
    sheet = openpyxl.load_workbook(xlsx_path).active
    assert [c.value for c in sheet[2]] == publicity_list(result).columns.tolist()
    assert sheet.max_row == 2 + len(result.rated) + 3
