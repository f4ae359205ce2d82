"""Employer codes do not depend on how the id column is stored or ordered.

Arrow-backed text columns (pandas' default ``str`` dtype) take a fast path that hashes
the rows in Arrow and sorts only the distinct ids; object columns take the general path.
Both must give the same sorted ids, row codes, missing/invalid masks and look-alike count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratefloat
from ratefloat import synth
from ratefloat.schema import employer_codes

# Short ids from a small alphabet, so that repeats, look-alikes, surrounding and inner
# whitespace, empty text and non-ASCII ids all occur often.
_ids = st.text(alphabet="aAE1１ \u3000\t\u00e9", max_size=4)


def _same(left, right) -> None:
    np.testing.assert_array_equal(left.codes, right.codes)
    assert left.employer_ids.dtype == right.employer_ids.dtype == object
    assert left.employer_ids.tolist() == right.employer_ids.tolist()
    np.testing.assert_array_equal(left.missing, right.missing)
    np.testing.assert_array_equal(left.invalid, right.invalid)
    assert left.lookalikes == right.lookalikes


@given(st.lists(_ids, min_size=0, max_size=40), st.randoms(use_true_random=False))
def test_arrow_text_ids_code_like_object_ids(ids, random):
    random.shuffle(ids)
    general = employer_codes(pd.Series(ids, dtype=object))
    for dtype in ("str", "string[pyarrow]"):
        _same(employer_codes(pd.Series(ids, dtype=dtype)), general)


@given(st.lists(st.text(min_size=1, max_size=6), min_size=2, max_size=60), st.randoms())
def test_arrow_codes_are_sorted_positions(ids, random):
    random.shuffle(ids)
    coded = employer_codes(pd.Series(ids, dtype="str"))
    normal = [i.strip() or None for i in ids]
    distinct = sorted({i for i in normal if i is not None})
    assert coded.employer_ids.tolist() == distinct
    expected = [distinct.index(i) if i is not None else -1 for i in normal]
    assert coded.codes.tolist() == expected


# Ids of one byte width up to 8 are sorted as integers: include NUL and DEL bytes, and
# two-byte characters whose ids then all have an even width.
_fixed_width_ids = st.sampled_from(["0189AZaz\x00\x7f", "éü中"]).flatmap(
    lambda alphabet: st.integers(1, 9).flatmap(
        lambda width: st.lists(
            st.text(alphabet=alphabet, min_size=width, max_size=width), min_size=2, max_size=80
        )
    )
)


@given(_fixed_width_ids, st.randoms(use_true_random=False))
def test_fixed_width_ids_sort_by_code_point(ids, random):
    random.shuffle(ids)
    coded = employer_codes(pd.Series(ids, dtype="str"))
    assert coded.employer_ids.tolist() == sorted(set(ids))
    assert [coded.employer_ids[c] for c in coded.codes] == ids


@given(st.integers(1, 40), st.integers(0, 2**32 - 1), st.sampled_from(["str", "string[pyarrow]"]))
def test_rated_frame_does_not_depend_on_id_storage(n, seed, dtype):
    frame = synth.employer_years(n, seed=seed)
    frame = frame.iloc[np.random.default_rng(seed).permutation(len(frame))]
    frame = frame.reset_index(drop=True)
    as_objects = frame.assign(employer_id=frame["employer_id"].astype(object))
    as_arrow = frame.assign(employer_id=frame["employer_id"].astype(dtype))
    expected = ratefloat.rerate(as_objects, rules="cn-jiangsu-2023", as_of="2025-01-01")
    result = ratefloat.rerate(as_arrow, rules="cn-jiangsu-2023", as_of="2025-01-01")
    pd.testing.assert_frame_equal(result.rated, expected.rated)
    pd.testing.assert_frame_equal(result.rejects, expected.rejects)
    assert result.rated.to_csv(index=False) == expected.rated.to_csv(index=False)


@pytest.mark.parametrize("dtype", [object, "str"])
def test_no_rated_employer_gives_the_same_empty_frame(dtype):
    frame = synth.employer_years(3, seed=1).iloc[::-1].reset_index(drop=True)
    frame["avg_insured"] = -1.0  # every employer rejected
    frame = frame.assign(employer_id=frame["employer_id"].astype(dtype))
    expected = ratefloat.rerate(
        frame.assign(employer_id=frame["employer_id"].astype(object)),
        rules="cn-jiangsu-2023",
        as_of="2025-01-01",
    )
    result = ratefloat.rerate(frame, rules="cn-jiangsu-2023", as_of="2025-01-01")
    assert result.rated.empty
    pd.testing.assert_frame_equal(result.rated, expected.rated)
