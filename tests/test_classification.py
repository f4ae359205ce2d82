"""Tests of ratefloat.classification: versioned GB/T 4754 → risk-class tables and classify().

Expectations are derived from the published annex, never from the code's own output:

* ``SOURCE_1_2`` below is this test's own transcription of 工伤保险行业风险分类表, the annex
  to 人社部发〔2015〕71号 (MOHRSS + MOF, 2015-07-22, effective 2015-10-01), read in two
  independent reposts: http://m.ddtbk.com/techan/271213.html and
  https://360docs.net/doc/3918510865.html (class 8 also at
  http://www.wap.vmaya.com/socfnews/topic/tskey/sn9388416122310408930.html). Class
  membership by industry name is [S] (seen in the source); the annex lists names only, so
  the two-digit GB/T 4754-2011 大类 codes are [I] (matched to public GB/T 4754-2011 code
  lists). One row per class: class, national base rate, "code name" items, the count of
  大类 in the class. It is parsed here independently of the package.
* The GB/T 4754-2017 expectations apply, in test code, the 2011 → 2017 renumbering of the
  大类 in GB/T 4754-2017 (the code list is [S], its consequences for the classes [I]):
  several 大类 renamed (05, 11, 25, 58 among them); 59 装卸搬运和仓储业 merges 2011 58
  装卸搬运 (class 5) with 2011 59 仓储 (class 2); new 79 土地管理业; 2011 79–96 become
  80–97.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import ratefloat.classification.classifier as classifier_module
from ratefloat.classification import (
    CLASS_FROM_TABLE,
    classify,
    list_classifications,
    load_classification,
    normalize_code,
)
from ratefloat.errors import REJECT_COLUMNS, RejectReason, RuleTableError, SchemaError

# 人社部发〔2015〕71号 annex, risk class → GB/T 4754-2011 大类 (membership [S], codes [I]);
# sources in the module docstring.
SOURCE_1_2 = "\n".join(
    [
        (
            "| 1 | 0.2 % | "
            "65 软件和信息技术服务业; "
            "66 货币金融服务; "
            "67 资本市场服务; "
            "68 保险业; "
            "69 其他金融业; "
            "75 科技推广和应用服务业; "
            "84 社会工作; "
            "86 广播、电视、电影和影视录音制作业; "
            "90 中国共产党机关; "
            "91 国家机构; "
            "92 人民政协、民主党派; "
            "93 社会保障; "
            "94 群众团体、社会团体和其他成员组织; "
            "95 基层群众自治组织; "
            "96 国际组织"
            " (15) |"
        ),
        (
            "| 2 | 0.4 % | "
            "51 批发业; "
            "52 零售业; "
            "59 仓储业; "
            "60 邮政业; "
            "61 住宿业; "
            "62 餐饮业; "
            "63 电信、广播电视和卫星传输服务; "
            "64 互联网和相关服务; "
            "70 房地产业; "
            "71 租赁业; "
            "72 商务服务业; "
            "73 研究和试验发展; "
            "74 专业技术服务业; "
            "79 居民服务业; "
            "81 其他服务业; "
            "82 教育; "
            "83 卫生; "
            "85 新闻和出版业; "
            "87 文化艺术业"
            " (19) |"
        ),
        (
            "| 3 | 0.7 % | "
            "13 农副食品加工业; "
            "14 食品制造业; "
            "15 酒、饮料和精制茶制造业; "
            "16 烟草制品业; "
            "17 纺织业; "
            "20 木材加工和木、竹、藤、棕、草制品业; "
            "24 文教、工美、体育和娱乐用品制造业; "
            "39 计算机、通信和其他电子设备制造业; "
            "40 仪器仪表制造业; "
            "41 其他制造业; "
            "46 水的生产和供应业; "
            "76 水利管理业; "
            "77 生态保护和环境治理业; "
            "78 公共设施管理业; "
            "80 机动车、电子产品和日用产品修理业; "
            "89 娱乐业"
            " (16) |"
        ),
        (
            "| 4 | 0.9 % | "
            "01 农业; "
            "03 畜牧业; "
            "05 农、林、牧、渔服务业; "
            "18 纺织服装、服饰业; "
            "19 皮革、毛皮、羽毛及其制品和制鞋业; "
            "23 印刷和记录媒介复制业; "
            "27 医药制造业; "
            "28 化学纤维制造业; "
            "29 橡胶和塑料制品业; "
            "33 金属制品业; "
            "34 通用设备制造业; "
            "35 专用设备制造业; "
            "36 汽车制造业; "
            "37 铁路、船舶、航空航天和其他运输设备制造业; "
            "38 电气机械和器材制造业; "
            "42 废弃资源综合利用业; "
            "43 金属制品、机械和设备修理业; "
            "44 电力、热力生产和供应业; "
            "45 燃气生产和供应业; "
            "53 铁路运输业; "
            "56 航空运输业; "
            "57 管道运输业; "
            "88 体育"
            " (23) |"
        ),
        (
            "| 5 | 1.1 % | "
            "02 林业; "
            "11 开采辅助活动; "
            "21 家具制造业; "
            "22 造纸和纸制品业; "
            "49 建筑安装业; "
            "50 建筑装饰和其他建筑业; "
            "54 道路运输业; "
            "55 水上运输业; "
            "58 装卸搬运和运输代理业"
            " (9) |"
        ),
        (
            "| 6 | 1.3 % | "
            "04 渔业; "
            "26 化学原料和化学制品制造业; "
            "30 非金属矿物制品业; "
            "31 黑色金属冶炼和压延加工业; "
            "32 有色金属冶炼和压延加工业; "
            "47 房屋建筑业; "
            "48 土木工程建筑业"
            " (7) |"
        ),
        (
            "| 7 | 1.6 % | "
            "07 石油和天然气开采业; "
            "12 其他采矿业; "
            "25 石油加工、炼焦和核燃料加工业"
            " (3) |"
        ),
        (
            "| 8 | 1.9 % | "
            "06 煤炭开采和洗选业; "
            "08 黑色金属矿采选业; "
            "09 有色金属矿采选业; "
            "10 非金属矿采选业"
            " (4) |"
        ),
    ]
)

ID_2011 = "cn-mohrss-2015"
ID_2017 = "cn-mohrss-2015-gbt2017"


def _parse_source() -> tuple[dict[str, tuple[int, str]], dict[int, int]]:
    """code → (class, name) and class → stated count, from the annex rows."""
    codes: dict[str, tuple[int, str]] = {}
    stated: dict[int, int] = {}
    for line in SOURCE_1_2.splitlines():
        m = re.fullmatch(r"\| (\d) \| [\d.]+ % \| (.*) \((\d+)\) \|", line)
        assert m, line
        cls = int(m.group(1))
        stated[cls] = int(m.group(3))
        for item in m.group(2).split("; "):
            code, name = item.split(" ", 1)
            assert code not in codes, f"{code} listed twice in the source"
            codes[code] = (cls, name)
    return codes, stated


SRC, STATED_COUNTS = _parse_source()


def _expected_2017() -> dict[str, object]:
    """2017 code → class (int), ('ambiguous', {classes}) or None (no class).

    GB/T 4754-2017 renumbering: 01–58 and 60–78 keep their numbers; 59 装卸搬运和仓储业 merges
    2011 58 (装卸搬运, class 5) and 2011 59 (仓储, class 2); 79 土地管理业 is new; 80–90 shift
    by one (居民服务业 80 … 娱乐业 90); 91–96 public administration (2011 90–95); 97 国际组织
    (2011 96).
    """
    out: dict[str, object] = {}
    for i in range(1, 98):
        code = f"{i:02d}"
        if code == "59":
            out[code] = ("ambiguous", {SRC["58"][0], SRC["59"][0]})
        elif code == "79":
            out[code] = None
        elif i >= 80:
            out[code] = SRC[f"{i - 1:02d}"][0]
        else:
            out[code] = SRC[code][0]
    return out


EXP_2017 = _expected_2017()


def _frame(codes, **extra) -> pd.DataFrame:
    n = len(codes)
    data = {"employer_id": [f"e{i}" for i in range(n)], "industry_code": codes}
    data.update(extra)
    return pd.DataFrame(data)


def _minimal(entries, **meta) -> dict:
    data = {
        "id": "test-table",
        "name": "test",
        "jurisdiction": "CN",
        "edition": "GB/T 4754-2011",
        "effective_from": "2020-01-01",
        "source": {"document": "test"},
        "entries": entries,
    }
    data.update(meta)
    return data


# --------------------------------------------------------------------------- source tables


def test_source_covers_each_2011_code_once_with_stated_counts():
    # the annex covers the 96 大类 01–96, each exactly once; per-class counts in
    # parentheses are 15/19/16/23/9/7/3/4.
    assert sorted(SRC) == [f"{i:02d}" for i in range(1, 97)]
    counted = {c: sum(1 for k, _ in SRC.values() if k == c) for c in range(1, 9)}
    assert counted == STATED_COUNTS
    assert [STATED_COUNTS[c] for c in range(1, 9)] == [15, 19, 16, 23, 9, 7, 3, 4]


def test_builtins_listed():
    ids = list_classifications()
    assert ID_2011 in ids and ID_2017 in ids
    for table_id in ids:
        assert load_classification(table_id).id == table_id


def test_2011_table_codes_once_and_counts():
    t = load_classification(ID_2011)
    assert list(t.entries) == [f"{i:02d}" for i in range(1, 97)]
    counts = {c: list(t.classes.values()).count(c) for c in range(1, 9)}
    assert counts == STATED_COUNTS  # 15/19/16/23/9/7/3/4 (71号 annex)
    assert not t.ambiguous and not t.unassigned


def test_2011_table_matches_source_classes_and_names():
    t = load_classification(ID_2011)
    for code, (cls, name) in SRC.items():
        assert t.entries[code].risk_class == cls, code
        assert t.entries[code].name == name, code


def test_2011_metadata():
    t = load_classification(ID_2011)
    assert t.edition == "GB/T 4754-2011"
    assert t.effective_from == dt.date(2015, 10, 1)  # 人社部发〔2015〕71号: effective 2015-10-01
    assert "71号" in t.source.document
    # the reposts of the annex (module docstring)
    for url in (
        "http://m.ddtbk.com/techan/271213.html",
        "https://360docs.net/doc/3918510865.html",
    ):
        assert url in t.source.urls
    assert "[S]" in t.confidence and "[I]" in t.confidence


@pytest.mark.parametrize(
    ("code", "name_part"),
    [
        ("06", "煤炭开采"),
        ("65", "软件"),
        ("47", "房屋建筑业"),
        ("59", "仓储业"),
        ("96", "国际组织"),
    ],
)
def test_classify_2011_examples(code, name_part):
    # 71号 annex: 06 → class 8, 65 → 1, 47 → 6, 59 仓储业 → 2, 96 → 1
    cls, name = SRC[code]
    assert name_part in name
    res = classify(_frame([code]))
    assert res.frame["risk_class"].tolist() == [cls]
    assert res.rejects.empty


def test_classify_all_2011_codes_vectorised():
    codes = list(SRC) * 3
    res = classify(_frame(codes))
    assert res.frame["risk_class"].tolist() == [SRC[c][0] for c in codes]
    assert res.frame["risk_class"].dtype == np.int8


# --------------------------------------------------------------------------- GB/T 4754-2017


def test_2017_table_codes_once():
    t = load_classification(ID_2017)
    assert list(t.entries) == [f"{i:02d}" for i in range(1, 98)]
    assert t.edition == "GB/T 4754-2017"


def test_2017_table_follows_renumbering():
    t = load_classification(ID_2017)
    for code, exp in EXP_2017.items():
        entry = t.entries[code]
        if exp is None:
            assert entry.risk_class is None and not entry.candidates, code
        elif isinstance(exp, tuple):
            assert entry.risk_class is None and set(entry.candidates) == exp[1], code
        else:
            assert entry.risk_class == exp, code


def test_2017_rows_tagged_and_traced():
    # every derived row carries [I] and the 2011 code(s) it came from (2017 renumbering)
    t = load_classification(ID_2017)
    for code, entry in t.entries.items():
        assert entry.provenance == "[I]", code
        i = int(code)
        if code == "59":
            assert set(entry.derived_from) == {"58", "59"}
        elif code == "79":
            assert entry.derived_from == ()
        elif i >= 80:
            assert entry.derived_from == (f"{i - 1:02d}",)
        else:
            assert entry.derived_from == (code,)
    assert "[I]" in t.confidence


@pytest.mark.parametrize(
    ("code", "name"),
    [
        # the GB/T 4754-2017 names of the renamed and new 大类
        ("05", "农、林、牧、渔专业及辅助性活动"),
        ("11", "开采专业及辅助性活动"),
        ("25", "石油、煤炭及其他燃料加工业"),
        ("58", "多式联运和运输代理业"),
        ("59", "装卸搬运和仓储业"),
        ("79", "土地管理业"),
        ("80", "居民服务业"),
        ("90", "娱乐业"),
        ("97", "国际组织"),
    ],
)
def test_2017_names(code, name):
    assert load_classification(ID_2017).entries[code].name == name


def test_2017_unchanged_names_equal_2011():
    t = load_classification(ID_2017)
    for code in ("06", "47", "65", "78"):
        assert t.entries[code].name == SRC[code][1]
    for code in ("81", "86", "91"):  # shifted rows keep their 2011 names
        assert t.entries[code].name == SRC[f"{int(code) - 1:02d}"][1]


@pytest.mark.parametrize("code2017", ["80", "81", "84", "90", "92", "97"])
def test_classify_2017_shift(code2017):
    # GB/T 4754-2017: codes 80–97 are 2011 codes 79–96 shifted by one
    res = classify(_frame([code2017]), ID_2017)
    assert res.frame["risk_class"].tolist() == [SRC[f"{int(code2017) - 1:02d}"][0]]


def test_2017_ambiguous_59_rejected():
    res = classify(_frame(["59", "06"]), ID_2017)
    assert res.frame["industry_code"].tolist() == ["06"]
    rej = res.rejects
    assert list(rej.columns) == REJECT_COLUMNS
    assert rej["reason"].tolist() == [RejectReason.AMBIGUOUS_INDUSTRY_CODE]
    assert rej["value"].tolist() == ["59"]
    assert rej["row"].tolist() == [0]
    assert rej["employer_id"].tolist() == ["e0"]
    msg = rej["message"].iloc[0]
    assert "'59'" in msg and ID_2017 in msg and "override" in msg
    for cls in EXP_2017["59"][1]:
        assert str(cls) in msg


@pytest.mark.parametrize("pick", sorted(EXP_2017["59"][1]))
def test_override_resolves_ambiguity(pick):
    res = classify(_frame(["59", "5910"]), ID_2017, overrides={"59": pick})
    assert res.rejects.empty
    assert res.frame["risk_class"].tolist() == [pick, pick]
    assert res.table.entries["59"].risk_class == pick
    assert res.table.id != ID_2017 and ID_2017 in res.table.based_on


def test_zhonglei_override_resolves_part_of_ambiguous_division():
    # a 中类 override applies to its codes only; the rest of 大类 59 stays ambiguous
    loading = SRC["58"][0]  # 装卸搬运 was in 2011 58 (class 5), 71号 annex
    res = classify(_frame(["5910", "5920", "59"]), ID_2017, overrides={"591": loading})
    assert res.frame["industry_code"].tolist() == ["5910"]
    assert res.frame["risk_class"].tolist() == [loading]
    assert res.rejects["reason"].tolist() == [RejectReason.AMBIGUOUS_INDUSTRY_CODE] * 2
    assert "'5920'" in res.rejects["message"].iloc[0]


def test_2017_new_79_rejected_until_overridden():
    res = classify(_frame(["79"]), ID_2017)
    assert res.rejects["reason"].tolist() == [RejectReason.UNKNOWN_INDUSTRY_CODE]
    assert "'79'" in res.rejects["message"].iloc[0]
    res = classify(_frame(["79"]), ID_2017, overrides={"79": 2})
    assert res.frame["risk_class"].tolist() == [2]


def test_2011_code_97_unknown_in_2011_table():
    # 97 exists only in GB/T 4754-2017
    res = classify(_frame(["97"]), ID_2011)
    assert res.rejects["reason"].tolist() == [RejectReason.UNKNOWN_INDUSTRY_CODE]


# --------------------------------------------------------------------------- classify()


def test_unknown_code_rejected_with_actionable_message():
    df = _frame(["06", "99", "65"])
    res = classify(df)
    assert res.frame.index.tolist() == [0, 2]
    rej = res.rejects
    assert rej["reason"].tolist() == [RejectReason.UNKNOWN_INDUSTRY_CODE]
    assert rej["employer_id"].tolist() == ["e1"]
    assert rej["column"].tolist() == ["industry_code"]
    assert rej["value"].tolist() == ["99"]
    assert rej["row"].tolist() == [1]
    msg = rej["message"].iloc[0]
    assert "'99'" in msg and ID_2011 in msg and "GB/T 4754-2011" in msg
    assert "edition" in msg and "override" in msg


@pytest.mark.parametrize("missing", [None, np.nan, "", "   ", pd.NA])
def test_missing_code_rejected(missing):
    res = classify(_frame(["06", missing]))
    assert res.rejects["reason"].tolist() == [RejectReason.MISSING_VALUE]
    assert res.rejects["row"].tolist() == [1]
    assert "industry_code" in res.rejects["message"].iloc[0]


@pytest.mark.parametrize(
    ("value", "code2011"),
    [
        (6, "06"),
        ("6", "06"),
        (" 06 ", "06"),
        ("06\t", "06"),
        ("\u300006", "06"),  # full-width space
        ("０６", "06"),  # full-width digits
        (65, "65"),
        (np.int64(47), "47"),
        (47.0, "47"),
        ("061", "06"),  # 中类 → its 大类
        ("0610", "06"),  # 小类 → its 大类
        (4710, "47"),  # a 4-digit integer is a 小类 with no lost zero
    ],
)
def test_code_normalisation(value, code2011):
    res = classify(_frame([value]))
    assert res.rejects.empty, res.rejects["message"].tolist()
    assert res.frame["risk_class"].tolist() == [SRC[code2011][0]]


@pytest.mark.parametrize("value", [611, "C13", "6.5", 6.5, -6, "12345", True, "0 6"])
def test_malformed_codes_rejected_not_guessed(value):
    res = classify(_frame([value]))
    assert res.frame.empty
    assert res.rejects["reason"].tolist() == [RejectReason.UNKNOWN_INDUSTRY_CODE]
    assert "industry_code" in res.rejects["message"].iloc[0]


def test_three_digit_integer_message_explains():
    msg = classify(_frame([611])).rejects["message"].iloc[0]
    assert "611" in msg and "0611" in msg and "text" in msg


def test_normalize_code_direct():
    assert normalize_code(6) == ("06", None, "")
    assert normalize_code("0610")[0] == "0610"
    assert normalize_code(None)[1] == "missing"
    assert normalize_code("ab")[1] == "malformed"


def test_float_column_with_gaps():
    # a CSV integer column with gaps arrives as float64
    df = _frame([6.0, np.nan, 47.0])
    res = classify(df)
    assert res.frame["risk_class"].tolist() == [SRC["06"][0], SRC["47"][0]]
    assert res.rejects["reason"].tolist() == [RejectReason.MISSING_VALUE]


@pytest.mark.parametrize("dtype", [object, "str", "category"])
def test_column_dtypes(dtype):
    codes = ["06", "65", None, "99", "47", "06"]
    df = _frame(pd.Series(codes, dtype=dtype))
    res = classify(df)
    assert res.frame["risk_class"].tolist() == [SRC[c][0] for c in ("06", "65", "47", "06")]
    assert res.rejects["reason"].tolist() == [
        RejectReason.MISSING_VALUE,
        RejectReason.UNKNOWN_INDUSTRY_CODE,
    ]
    assert res.rejects["row"].tolist() == [2, 3]


def test_index_labels_kept_and_input_untouched():
    df = _frame(["06", "99", "65"])
    df.index = [10, 20, 30]
    before = df.copy()
    res = classify(df)
    assert res.frame.index.tolist() == [10, 30]
    assert res.rejects["row"].tolist() == [1]  # position, not label
    pd.testing.assert_frame_equal(df, before)


def test_custom_column_names_and_no_employer_id():
    df = pd.DataFrame({"hy": ["06", "xx"]})
    res = classify(df, code_column="hy", class_column="cls")
    assert res.frame["cls"].tolist() == [SRC["06"][0]]
    assert res.rejects["column"].tolist() == ["hy"]
    assert res.rejects["message"].iloc[0].startswith("hy ")


def test_missing_code_column_raises_schema_error():
    with pytest.raises(SchemaError, match="industry_code"):
        classify(pd.DataFrame({"employer_id": ["a"], "code": ["06"]}))
    with pytest.raises(SchemaError, match="hangye"):
        classify(_frame(["06"]), code_column="hangye")


def test_empty_extract():
    res = classify(_frame([]))
    assert res.frame.empty and res.rejects.empty
    assert list(res.rejects.columns) == REJECT_COLUMNS


def test_existing_class_kept_and_disagreements_reported():
    df = _frame(["06", "65", "47", "99"], risk_class=[SRC["06"][0], 5, np.nan, 1])
    res = classify(df)
    assert res.frame["risk_class"].tolist()[:2] == [SRC["06"][0], 5]  # untouched
    assert res.frame[CLASS_FROM_TABLE].tolist() == [SRC[c][0] for c in ("06", "65", "47")]
    assert res.frame[CLASS_FROM_TABLE].dtype == np.int8
    assert res.disagreements.index.tolist() == [1, 2]  # differs, missing
    assert res.rejects["row"].tolist() == [3]  # unknown code is still rejected
    assert res.summary()["disagreements"] == 2


def test_existing_class_overwritten_when_asked():
    df = _frame(["06", "65"], risk_class=[1, 1])
    res = classify(df, overwrite=True)
    assert res.frame["risk_class"].tolist() == [SRC["06"][0], SRC["65"][0]]
    assert res.frame["risk_class"].dtype == np.int8
    assert CLASS_FROM_TABLE not in res.frame.columns
    assert res.disagreements.empty
    assert df["risk_class"].tolist() == [1, 1]


def test_summary_counts():
    res = classify(_frame(["06", "99", None, "47"]))
    s = res.summary()
    assert s["rows"] == 4 and s["classified"] == 2 and s["rejected"] == 2
    assert s["rejected_by_reason"] == {"MISSING_VALUE": 1, "UNKNOWN_INDUSTRY_CODE": 1}
    assert s["table_id"] == ID_2011 and s["table_hash"] == res.table.hash


def test_resolves_each_distinct_code_once(monkeypatch):
    calls = []
    real = classifier_module.normalize_code

    def counting(value):
        calls.append(value)
        return real(value)

    monkeypatch.setattr(classifier_module, "normalize_code", counting)
    codes = ["06", "65", "47", "99", None] * 20_000
    res = classify(_frame(codes))
    assert len(res.frame) + len(res.rejects) == len(codes)
    assert len(calls) <= 5 + 1  # distinct values + the missing slot, not one per row


POOL = [*SRC, "99", "00", "97", "0610", "4710", "abc", "", None, 6, 47, 611]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(POOL), max_size=60))
def test_nothing_lost_and_classes_match_source(codes):
    res = classify(_frame(pd.Series(codes, dtype=object)))
    kept = res.frame.index.to_numpy()
    rejected = res.rejects["row"].to_numpy()
    assert sorted([*kept, *rejected]) == list(range(len(codes)))
    for pos, cls in zip(kept, res.frame["risk_class"], strict=True):
        value = codes[pos]
        key = f"{value:02d}" if isinstance(value, int) else value[:2]
        assert cls == SRC[key][0]


# --------------------------------------------------------------------------- tables


def _write(tmp_path: Path, text: str, name: str = "t.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


HEAD = """\
id: test-table
name: test
jurisdiction: CN
edition: GB/T 4754-2011
effective_from: 2020-01-01
source: {document: test}
entries:
"""


def test_bad_class_in_file_names_file_and_code(tmp_path):
    p = _write(tmp_path, HEAD + '  "06": 8\n  "47": {class: 9, name: 房屋建筑业}\n')
    with pytest.raises(RuleTableError) as exc:
        load_classification(p)
    msg = str(exc.value)
    assert str(p) in msg and "'47'" in msg and "9" in msg


def test_duplicate_code_in_file(tmp_path):
    p = _write(tmp_path, HEAD + '  "47": 6\n  "06": 8\n  "47": 5\n')
    with pytest.raises(RuleTableError) as exc:
        load_classification(p)
    assert "'47'" in str(exc.value) and str(p) in str(exc.value)


def test_duplicate_after_normalisation_in_dict():
    with pytest.raises(RuleTableError, match="'06'"):
        load_classification(_minimal({6: 8, "06": 7}))


@pytest.mark.parametrize("code", ["4a", "C13", "12345", "4.7"])
def test_non_digit_code_rejected(code):
    with pytest.raises(RuleTableError) as exc:
        load_classification(_minimal({code: 3}))
    assert repr(code) in str(exc.value)


def test_unquoted_yaml_codes_read_as_written(tmp_path):
    # YAML 1.1 would read 0610 as octal 392; the loader keeps the digits as written
    p = _write(tmp_path, HEAD + "  06: 8\n  0610: 7\n")
    t = load_classification(p)
    assert set(t.entries) == {"06", "0610"}


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ({"class": 0}, "outside"),
        ({"class": 2, "candidates": [2, 5]}, "not both"),
        ({"candidates": [5]}, "fewer than two"),
        ({"candidates": [2, 9]}, "outside"),
        ({"clas": 3}, "class"),
        ({"class": 3, "colour": "red"}, "colour"),
        ("three", "entry"),
    ],
)
def test_bad_entries(entry, fragment):
    with pytest.raises(RuleTableError) as exc:
        load_classification(_minimal({"47": entry}))
    assert "'47'" in str(exc.value) and fragment in str(exc.value)


def test_bad_metadata():
    with pytest.raises(RuleTableError, match="effective_to"):
        load_classification(_minimal({"06": 8}, effective_to="2019-01-01"))
    with pytest.raises(RuleTableError, match="id"):
        load_classification(_minimal({"06": 8}, id="Bad Id"))
    with pytest.raises(RuleTableError, match="typo"):
        load_classification(_minimal({"06": 8}, typo=1))


def test_json_file_and_duplicate_keys(tmp_path):
    good = json.dumps(_minimal({"06": 8, "59": [2, 5]}), ensure_ascii=False)
    t = load_classification(_write(tmp_path, good, "t.json"))
    assert t.classes == {"06": 8} and t.ambiguous == {"59": (2, 5)}
    dup = '{"id": "x", "entries": {"06": 8, "06": 7}}'
    with pytest.raises(RuleTableError, match="'06'"):
        load_classification(_write(tmp_path, dup, "d.json"))


def test_unknown_table_suggests():
    with pytest.raises(RuleTableError, match=ID_2011):
        load_classification("cn-mohrss-2016")
    with pytest.raises(RuleTableError, match="does not exist"):
        load_classification("/nonexistent/table.yaml")


def test_table_is_frozen():
    t = load_classification(ID_2011)
    with pytest.raises(Exception):  # noqa: B017 - pydantic ValidationError on frozen model
        t.id = "x"
    with pytest.raises(TypeError):
        t.entries["06"] = t.entries["47"]
    assert load_classification(t) is t


def test_roundtrip_dict_and_yaml(tmp_path):
    t = load_classification(ID_2017)
    again = load_classification(t.model_dump(by_alias=True))
    assert again == t and again.hash == t.hash
    p = tmp_path / "copy.yaml"
    p.write_text(yaml.safe_dump(t.model_dump(mode="json", by_alias=True), allow_unicode=True))
    assert load_classification(p).hash == t.hash


# --------------------------------------------------------------------------- hash


def test_hash_is_sha256_of_canonical_json():
    t = load_classification(ID_2011)
    assert re.fullmatch(r"[0-9a-f]{64}", t.hash)
    assert t.hash == hashlib.sha256(t.canonical_json().encode("utf-8")).hexdigest()


def test_hash_stable_under_key_order_and_formatting():
    a = _minimal({"06": 8, "47": 6, "59": [5, 2]})
    b = dict(reversed(list(_minimal({"59": [2, 5], "47": 6, "06": {"class": 8}}).items())))
    assert load_classification(a).hash == load_classification(b).hash


@pytest.mark.parametrize(
    "change",
    [
        {"entries": {"06": 7, "47": 6}},
        {"entries": {"06": 8, "47": 6, "48": 6}},
        {"entries": {"06": {"class": 8, "name": "煤炭开采和洗选业"}, "47": 6}},
        {"name": "other"},
        {"effective_from": "2020-01-02"},
    ],
)
def test_hash_changes_with_content(change):
    base = load_classification(_minimal({"06": 8, "47": 6}))
    changed = load_classification({**_minimal({"06": 8, "47": 6}), **change})
    assert changed.hash != base.hash


def test_builtin_hashes_differ():
    assert load_classification(ID_2011).hash != load_classification(ID_2017).hash


# --------------------------------------------------------------------------- overrides


def test_with_overrides():
    base = load_classification(ID_2011)
    local = base.with_overrides({"47": 5, "0610": 7}, id="cn-xx-2024", jurisdiction="CN-XX")
    assert local.id == "cn-xx-2024" and local.jurisdiction == "CN-XX"
    assert local.edition == base.edition
    assert local.based_on == f"{ID_2011}@sha256:{base.hash[:12]}"
    assert local.entries["47"].risk_class == 5
    assert local.entries["47"].provenance == "override"
    assert local.entries["47"].name == SRC["47"][1]
    assert local.hash != base.hash
    assert base.entries["47"].risk_class == SRC["47"][0]  # base untouched
    res = classify(_frame(["0610", "0620", "47"]), local)
    assert res.frame["risk_class"].tolist() == [7, SRC["06"][0], 5]


def test_with_overrides_rejects_bad_values():
    base = load_classification(ID_2011)
    with pytest.raises(RuleTableError, match="'47'"):
        base.with_overrides({"47": 9})
    with pytest.raises(RuleTableError, match="'06'"):
        base.with_overrides({6: 7, "06": 8})
    with pytest.raises(RuleTableError, match="edition"):
        base.with_overrides({"47": 5}, edition="GB/T 4754-2017")


def test_classify_overrides_with_bad_class():
    with pytest.raises(RuleTableError, match="'59'"):
        classify(_frame(["59"]), ID_2017, overrides={"59": 9})


def test_extends_file(tmp_path):
    text = f"""\
id: cn-xx-2024
name: XX local table
jurisdiction: CN-XX
extends: {ID_2017}
effective_from: 2024-01-01
source: {{document: XX人社发〔2024〕1号}}
overrides:
  "59": 2
  591: 5
"""
    p = _write(tmp_path, text, "local.yaml")
    t = load_classification(p)
    assert t.id == "cn-xx-2024" and t.edition == "GB/T 4754-2017"
    res = classify(_frame(["5910", "5920", "81"]), p)
    assert res.frame["risk_class"].tolist() == [5, 2, EXP_2017["81"]]
    # a table may extend a file by relative path
    child = _write(
        tmp_path, "id: cn-xx-2025\nextends: local.yaml\noverrides: {'79': 3}\n", "c.yaml"
    )
    assert load_classification(child).entries["79"].risk_class == 3
    with pytest.raises(RuleTableError, match="entries"):
        load_classification(_write(tmp_path, text + "entries: {}\n", "bad.yaml"))
