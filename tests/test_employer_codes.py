"""Employer codes do not depend on how the id column is stored or ordered.

Arrow-backed text columns (pandas' default ``str`` dtype) take a fast path that hashes
the rows in Arrow and sorts only the distinct ids; object columns take the general path.
Numpy integer and categorical columns have fast paths of their own. All must give the
same sorted ids, row codes, missing/invalid masks and look-alike count.
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


_int_dtypes = st.sampled_from(["int8", "int16", "int32", "int64", "uint8", "uint32", "uint64"])


@given(
    _int_dtypes.flatmap(
        lambda d: st.tuples(
            st.just(d),
            st.lists(
                st.integers(int(np.iinfo(d).min), int(np.iinfo(d).max)) | st.integers(0, 120),
                max_size=40,
            ),
        )
    ),
    st.randoms(use_true_random=False),
)
def test_integer_ids_code_like_their_text(dtype_and_ids, random):
    # Numpy integer columns hash the integers; the employers must still be numbered in text
    # order of the decimal ids ("10" before "9"), exactly as the same ids written as text.
    dtype, ids = dtype_and_ids
    random.shuffle(ids)
    as_text = employer_codes(pd.Series([str(i) for i in ids], dtype=object))
    _same(employer_codes(pd.Series(np.array(ids, dtype=dtype))), as_text)
    _same(employer_codes(pd.Series(ids, dtype=object)), as_text)


_category_values = st.one_of(_ids, st.integers(-20, 20), st.just(None))


@given(st.lists(_category_values, max_size=40), st.lists(_ids, max_size=5), st.booleans())
def test_categorical_ids_code_like_their_values(ids, unused, ordered):
    # Categories may merge after normalisation (" E" and "E"), be empty text (missing),
    # mix ints and text, or be used by no row (no employer).
    values = ids
    categories = pd.unique(pd.Series([v for v in values if v is not None] + unused, dtype=object))
    categorical = pd.Series(pd.Categorical(values, categories=categories, ordered=ordered))
    expected = employer_codes(pd.Series(values, dtype=object))
    _same(employer_codes(categorical), expected)


@given(
    st.integers(1, 30),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["int64", "uint32", "category", "int-category"]),
)
def test_rated_frame_is_the_same_for_integer_and_categorical_ids(n, seed, storage):
    frame = synth.employer_years(n, seed=seed)
    frame = frame.iloc[np.random.default_rng(seed).permutation(len(frame))]
    frame = frame.reset_index(drop=True)
    numbers = frame["employer_id"].str[1:].astype("int64")  # "E0000010" → 10: "10" < "9"
    as_objects = frame.assign(employer_id=numbers.astype(str).astype(object))
    stored = {
        "int64": numbers,
        "uint32": numbers.astype("uint32"),
        "category": numbers.astype(str).astype("category"),
        "int-category": numbers.astype("category"),
    }[storage]
    expected = ratefloat.rerate(as_objects, rules="cn-jiangsu-2023", as_of="2025-01-01")
    result = ratefloat.rerate(
        frame.assign(employer_id=stored), rules="cn-jiangsu-2023", as_of="2025-01-01"
    )
    pd.testing.assert_frame_equal(result.rated, expected.rated)
    pd.testing.assert_frame_equal(result.rejects, expected.rejects)
    pd.testing.assert_frame_equal(result.failure_cases, expected.failure_cases)
    assert result.rated.to_csv(index=False) == expected.rated.to_csv(index=False)


# Ids of one byte width code through integer keys (ratefloat.fixed_width) when the column
# ranges fit in 64 bits: letters of both cases (look-alikes), spaces at the ends (to be
# stripped: the general path), digit codes up to 25 wide (from 20 digits the keys would
# overflow: the general path again).
@st.composite
def _one_width_ids(draw: st.DrawFn) -> list[str]:
    alphabet = draw(st.sampled_from(["aAeE01", "0123456789", "AB 1\u3000", "E0123456789"]))
    width = draw(st.integers(1, 25))
    ids = draw(
        st.lists(
            st.text(alphabet=alphabet, min_size=width, max_size=width), min_size=2, max_size=60
        )
    )
    return ids + [i.swapcase() for i in draw(st.lists(st.sampled_from(ids), max_size=3))]


@given(_one_width_ids(), st.randoms(use_true_random=False))
def test_one_width_ids_code_like_object_ids(ids, random):
    random.shuffle(ids)
    general = employer_codes(pd.Series(ids, dtype=object))
    _same(employer_codes(pd.Series(ids, dtype="str")), general)


@given(_one_width_ids())
def test_fixed_width_column_ranges_tell_the_truth(ids):
    import pyarrow as pa

    from ratefloat.fixed_width import fixed_width_keys
    from ratefloat.ids import count_lookalike_ids

    texts = pa.array(ids, type=pa.string())
    fixed = fixed_width_keys(texts)
    encoded = [i.encode() for i in ids]
    if len({len(i) for i in encoded}) > 1:
        assert fixed is None
        return
    span = 1
    for column in zip(*encoded, strict=True):
        span *= max(column) - min(column) + 1
    assert (fixed is None) == (span > 2**64)
    if fixed is None:
        return
    order = sorted(range(len(ids)), key=lambda k: ids[k].encode())
    keys = fixed.keys.tolist()
    assert all(keys[a] <= keys[b] for a, b in zip(order, order[1:], strict=False))  # byte order
    assert all((keys[a] == keys[b]) == (ids[a] == ids[b]) for a in order for b in order)
    printable = all(0x21 <= i.encode()[k] <= 0x7E for i in ids for k in (0, -1))
    assert fixed.trimmed == printable
    if not fixed.may_fold:
        assert count_lookalike_ids(np.array(sorted(set(ids)), dtype=object)) == 0
