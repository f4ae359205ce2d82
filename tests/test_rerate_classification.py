"""rerate(..., classification=...) derives risk classes from industry codes first.

Expected classes are the annex of 人社部发〔2015〕71号 (GB/T 4754-2011 大类 → class).
"""

from __future__ import annotations

import pandas as pd

import ratefloat
from ratefloat import RejectReason

#: A date in force for cn-qingdao-2017 (2017-01-01 … 2023-12-31); its window is 2022.
QINGDAO_IN_FORCE = "2023-01-01"


def extract(rows):
    base = {
        "year": 2022,
        "avg_insured": 10.0,
        "contributions": 1000.0,
        "payouts": 0.0,
        "injuries": 0,
        "insured_since": "2015-01-01",
        "arrears": False,
        "fraud": False,
        "concealment": False,
    }
    return pd.DataFrame([{**base, **row} for row in rows])


def test_classes_come_from_the_industry_code():
    frame = extract(
        [
            {"employer_id": "mine", "industry_code": "06"},  # 煤炭开采和洗选业: class 8
            {"employer_id": "software", "industry_code": "65"},  # 软件和信息技术服务业: class 1
            {"employer_id": "builder", "industry_code": "47"},  # 房屋建筑业: class 6
        ]
    )
    result = ratefloat.rerate(
        frame, "cn-qingdao-2017", QINGDAO_IN_FORCE, classification="cn-mohrss-2015"
    )
    classes = dict(zip(result.rated["employer_id"], result.rated["risk_class"], strict=True))
    assert classes == {"mine": 8, "software": 1, "builder": 6}
    assert result.rejects.empty


def test_a_given_risk_class_is_replaced():
    frame = extract([{"employer_id": "mine", "industry_code": "06", "risk_class": 2}])
    result = ratefloat.rerate(
        frame, "cn-qingdao-2017", QINGDAO_IN_FORCE, classification="cn-mohrss-2015"
    )
    assert result.rated["risk_class"].tolist() == [8]


def test_unknown_code_rejects_the_whole_employer_with_its_reason():
    frame = extract(
        [
            {"employer_id": "odd", "industry_code": "06", "year": 2021},
            {"employer_id": "odd", "industry_code": "99", "year": 2022},
            {"employer_id": "fine", "industry_code": "65"},
            {"employer_id": "blank", "industry_code": None},
        ]
    )
    result = ratefloat.rerate(
        frame, "cn-qingdao-2017", QINGDAO_IN_FORCE, classification="cn-mohrss-2015"
    )
    assert result.rated["employer_id"].tolist() == ["fine"]
    rejects = result.rejects.set_index("employer_id")
    assert rejects.loc["odd", "reason"] == RejectReason.UNKNOWN_INDUSTRY_CODE
    assert rejects.loc["odd", "row"] == 1
    assert rejects.loc["odd", "value"] == "99"
    assert rejects.loc["blank", "reason"] == RejectReason.MISSING_VALUE
    assert rejects.loc["blank", "column"] == "industry_code"
    # nothing lost, nothing twice
    assert len(result.rejects) == 2
    assert len(result.failure_cases[result.failure_cases["column"] == "risk_class"]) == 0
