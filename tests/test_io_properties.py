"""Properties of reading and writing: any encoding and any header spelling read the same
frame; neutralised cells never start a formula and lose nothing but the added quote;
claim aggregation keeps every claim and every fen, whatever the attribution or row order."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from ratefloat.claims import aggregate_claims
from ratefloat.io import FORMULA_TRIGGERS, neutralise_formulas, read_extract
from ratefloat.schema import COLUMNS

TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x9FFF, exclude_categories=("Cs",)),
    max_size=12,
)


@given(
    st.lists(
        st.one_of(TEXT, st.sampled_from(FORMULA_TRIGGERS).map(lambda c: c + "1")),
        min_size=1,
        max_size=20,
    )
)
def test_neutralised_cells_never_start_a_formula(values):
    out = neutralise_formulas(pd.DataFrame({"text": values}))["text"].tolist()
    for before, after in zip(values, out, strict=True):
        assert not after.startswith(FORMULA_TRIGGERS)
        assert after == (("'" + before) if before.startswith(FORMULA_TRIGGERS) else before)


SPELLINGS = {spec.name: (spec.name, spec.zh, *spec.aliases) for spec in COLUMNS}


@given(
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "gbk"]),
    choice=st.data(),
    names=st.lists(TEXT.map(lambda t: "单位" + t.strip()), min_size=1, max_size=6),
)
def test_any_encoding_and_spelling_reads_the_same_frame(tmp_path_factory, encoding, choice, names):
    columns = ["employer_id", "year", "avg_insured", "payouts", "injuries"]
    headers = [choice.draw(st.sampled_from(SPELLINGS[c])) for c in columns]
    # Text that GBK cannot hold is outside the file, not the property.
    names = [n.encode("gbk", "replace").decode("gbk") for n in names]
    frame = pd.DataFrame(
        {
            "employer_id": [f"00{i}" for i in range(len(names))],
            "year": 2024,
            "avg_insured": np.arange(len(names)) + 0.5,
            "payouts": 1.25,
            "injuries": 1,
        }
    )
    path = tmp_path_factory.mktemp("enc") / "x.csv"
    frame.set_axis(headers, axis=1).assign(单位名称=names).to_csv(
        path, index=False, encoding=encoding
    )
    read = read_extract(path, encoding=encoding)
    pd.testing.assert_frame_equal(read[columns], frame, check_dtype=False)
    assert read["单位名称"].tolist() == names


@st.composite
def claim_rows(draw):
    n = draw(st.integers(1, 25))
    years = [2022, 2023, 2024]
    paid = {
        f"paid_{y}": draw(
            st.lists(
                st.one_of(st.none(), st.integers(0, 10**7).map(lambda f: f / 100)),
                min_size=n,
                max_size=n,
            )
        )
        for y in years
    }
    first = [next((y for y in years if (paid[f"paid_{y}"][i] or 0) > 0), None) for i in range(n)]
    for i, year in enumerate(first):
        if year is None:
            paid["paid_2024"][i] = 1.0
    day = st.dates(
        min_value=pd.Timestamp("2021-01-01").date(), max_value=pd.Timestamp("2024-12-31").date()
    ).map(str)
    return pd.DataFrame(
        {
            "employer_id": draw(st.lists(st.sampled_from(["A", "B", "C"]), min_size=n, max_size=n)),
            "accident_id": [f"X{i}" for i in range(n)],
            "accident_date": draw(st.lists(day, min_size=n, max_size=n)),
            "recognition_date": draw(st.lists(day, min_size=n, max_size=n)),
            "type": draw(
                st.lists(st.sampled_from(["工伤", "death", "职业病"]), min_size=n, max_size=n)
            ),
            "disability_grade": draw(
                st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=n, max_size=n)
            ),
            **paid,
        }
    )


@given(
    claims=claim_rows(),
    attribution=st.sampled_from(["accident", "recognition", "payment"]),
    seed=st.integers(0, 2**16),
)
def test_claim_aggregation_keeps_every_claim_and_fen(claims, attribution, seed):
    out = aggregate_claims(claims, attribution)
    assert out["injuries"].sum() == len(claims)
    paid = claims.filter(like="paid_").astype(float).fillna(0).to_numpy()
    assert round(out["payouts"].sum(), 2) == round(float(np.round(paid * 100).sum()) / 100, 2)
    per_employer = out.groupby("employer_id")["injuries"].sum()
    assert per_employer.to_dict() == claims["employer_id"].value_counts().to_dict()
    shuffled = claims.sample(frac=1, random_state=seed)
    pd.testing.assert_frame_equal(aggregate_claims(shuffled, attribution), out)
