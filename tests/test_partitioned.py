"""The partitioned engine equals one in-memory run (module docstring of
``ratefloat.partitioned``; the "Deterministic" decision in ARCHITECTURE.md).

Property: for random tables, populations (with rejects: rows without an id, duplicate
employer-years, impossible values, ids of mixed types), input orders and numbers of
partitions, ``rerate_partitioned`` returns the same rated and rejected frames as
``rerate``, and the files it writes are byte-identical to writing the in-memory result.
Area figures computed over the batch (random tables include them) need the first pass.
"""

from __future__ import annotations

import contextlib
import filecmp
import json
import math
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratefloat
from ratefloat import ParameterError, synth
from ratefloat.indicators import ExactSum
from ratefloat.io import read_extract, write_frame
from ratefloat.partitioned import (
    bucket_of,
    parse_memory,
    partitions_for,
    rerate_partitioned,
    rerate_to_files,
)
from ratefloat.rerate import columns_read
from ratefloat.testing import AS_OF, employer_years, rule_tables


@st.composite
def dirty_extracts(draw: st.DrawFn) -> pd.DataFrame:
    """Valid populations, then spoiled: some rows lose their id, some ids gain whitespace
    around them, some employer-years are
    repeated (the copy may land in another partition's batch), some values are impossible,
    and the rows are shuffled."""
    frame = draw(employer_years(max_employers=30)).astype({"employer_id": object})
    n = len(frame)
    rows = st.integers(0, n - 1)
    for row in draw(st.lists(rows, max_size=3)):
        frame.loc[row, "employer_id"] = draw(st.sampled_from([None, np.nan, "", "  "]))
    for row in draw(st.lists(rows, max_size=4)):
        # The same employer written with surrounding whitespace: one employer after
        # normalisation, so its rows must meet in one range whatever their text.
        padding = draw(st.sampled_from([" ", "\u3000", "\t", "\u00a0"]))
        value = frame.loc[row, "employer_id"]
        if isinstance(value, str) and value.strip():
            frame.loc[row, "employer_id"] = padding + value + padding
    copies = draw(st.lists(rows, max_size=3))
    frame = pd.concat([frame, frame.iloc[copies]], ignore_index=True)
    for row in draw(st.lists(st.integers(0, len(frame) - 1), max_size=3)):
        column = draw(st.sampled_from(["contributions", "payouts", "avg_insured", "year"]))
        frame.loc[row, column] = draw(st.sampled_from([-1.0, np.nan]))
    order = draw(st.permutations(range(len(frame))))
    return frame.iloc[list(order)].reset_index(drop=True)


def assert_same_result(expected: ratefloat.RerateResult, actual: ratefloat.RerateResult) -> None:
    pd.testing.assert_frame_equal(expected.rated, actual.rated)
    pd.testing.assert_frame_equal(expected.rejects, actual.rejects)
    key = ["row", "reason", "column"]
    pd.testing.assert_frame_equal(
        expected.failure_cases.sort_values(key, kind="stable").reset_index(drop=True),
        actual.failure_cases.sort_values(key, kind="stable").reset_index(drop=True),
    )
    assert expected.provenance() == actual.provenance()


def assert_same_files(expected: ratefloat.RerateResult, actual: ratefloat.RerateResult) -> None:
    with tempfile.TemporaryDirectory() as directory:
        for suffix in (".csv", ".parquet"):
            for name in ("rated", "rejects"):
                paths = [Path(directory) / f"{which}-{name}{suffix}" for which in "ab"]
                for result, path in zip((expected, actual), paths, strict=True):
                    write_frame(getattr(result, name), path, result.provenance())
                assert filecmp.cmp(*paths, shallow=False), (name, suffix)


@given(rule_tables(), dirty_extracts(), st.integers(1, 6))
def test_partitioned_equals_in_memory(table, extract, partitions):
    expected = ratefloat.rerate(extract, table, AS_OF)
    actual = rerate_partitioned(extract, table, AS_OF, partitions=partitions)
    assert_same_result(expected, actual)
    assert_same_files(expected, actual)


@given(
    st.sampled_from([("cn-jiangsu-2023", AS_OF), ("cn-qingdao-2017", "2023-01-01")]),
    dirty_extracts(),
    st.integers(1, 6),
)
def test_builtin_tables_partitioned_equal_in_memory(table_and_date, extract, partitions):
    table_id, as_of = table_and_date
    expected = ratefloat.rerate(extract, table_id, as_of)
    actual = rerate_partitioned(extract, table_id, as_of, partitions=partitions)
    assert_same_result(expected, actual)


def area_table() -> dict:
    """cn-tianjin-2012 with its city 工伤发生率 computed over the batch, per risk class,
    instead of published (``area_by`` in place of ``area_figure``)."""
    table = ratefloat.load_table("cn-tianjin-2012").model_dump(mode="json", exclude_none=True)
    relative = table["indicators"]["relative_injury_rate"]
    relative.pop("area_figure")
    relative["area_by"] = "risk_class"
    table["parameters"].pop("city_injury_rate", None)
    return table


TIANJIN_PARAMS = {
    "grade_50_max": 0.2,
    "grade_80_max": 0.5,
    "grade_120_above": 1.0,
    "grade_150_above": 1.5,
}


def test_area_figures_span_all_partitions():
    """The employers of one partition alone give another city rate; the first pass makes
    every partition see the whole batch's."""
    extract = synth.employer_years(3_000, seed=5).sample(frac=1.0, random_state=2)
    table = area_table()
    expected = ratefloat.rerate(extract, table, AS_OF, params=TIANJIN_PARAMS)
    actual = rerate_partitioned(extract, table, AS_OF, params=TIANJIN_PARAMS, partitions=4)
    assert_same_result(expected, actual)
    column = "relative_injury_rate"
    assert expected.rated[column].notna().all()
    first_quarter = extract[extract["employer_id"] <= expected.rated["employer_id"].iloc[749]]
    alone = ratefloat.rerate(first_quarter, table, AS_OF, params=TIANJIN_PARAMS).rated
    assert not np.allclose(alone[column], expected.rated[column].iloc[:750])


@pytest.mark.parametrize("source", [".parquet", ".csv"])
@pytest.mark.parametrize("output", [".parquet", ".csv"])
def test_files_byte_identical_to_in_memory_run(tmp_path, source, output):
    extract = synth.employer_years(4_000, seed=7).sample(frac=1.0, random_state=3)
    extract = extract.reset_index(drop=True).astype({"employer_id": object})
    extract.loc[[5, 17], "employer_id"] = None
    extract = pd.concat([extract, extract.iloc[[40, 900]]], ignore_index=True)
    path = tmp_path / f"extract{source}"
    extract.to_parquet(path, index=False) if source == ".parquet" else extract.to_csv(
        path, index=False
    )
    rules = "cn-jiangsu-2023"
    expected = ratefloat.rerate(read_extract(path, columns_read(rules)), rules, AS_OF)
    write_frame(expected.rated, tmp_path / f"a{output}", expected.provenance())
    write_frame(expected.rejects, tmp_path / f"ar{output}", expected.provenance())
    run = rerate_to_files(
        path, tmp_path / f"b{output}", tmp_path / f"br{output}", rules, AS_OF, partitions=5
    )
    assert run.partitions == 5
    assert run.counts() == expected.counts()
    assert len(expected.rejects) == 4
    assert filecmp.cmp(tmp_path / f"a{output}", tmp_path / f"b{output}", shallow=False)
    assert filecmp.cmp(tmp_path / f"ar{output}", tmp_path / f"br{output}", shallow=False)


def test_rated_parquet_spanning_row_groups_is_byte_identical(tmp_path, monkeypatch):
    """Outputs longer than one row group are cut where one write of the whole frame cuts."""
    from ratefloat import partitioned

    monkeypatch.setattr(partitioned, "ROW_GROUP", 1000)
    extract = synth.employer_years(5_000, seed=9)
    path = tmp_path / "extract.parquet"
    extract.to_parquet(path, index=False)
    expected = ratefloat.rerate(read_extract(path, columns_read("cn-jiangsu-2023")), as_of=AS_OF)
    import pyarrow.parquet as pq

    table = partitioned.arrow_table(expected.rated, expected.provenance())
    pq.write_table(table, tmp_path / "a.parquet", row_group_size=1000)
    rerate_to_files(path, tmp_path / "b.parquet", tmp_path / "r.csv", as_of=AS_OF, partitions=3)
    assert pq.ParquetFile(tmp_path / "b.parquet").num_row_groups == 5
    assert filecmp.cmp(tmp_path / "a.parquet", tmp_path / "b.parquet", shallow=False)


def test_memory_limit_sets_the_number_of_partitions(tmp_path, monkeypatch):
    """Partitions follow from rows × bytes per row over the limit less the baseline (the
    bytes per row are raised so that a small extract needs several)."""
    from ratefloat import partitioned

    monkeypatch.setattr(partitioned, "BYTES_PER_ROW", 64 * 2**20 // 1_000)
    extract = synth.employer_years(2_000, seed=1)
    path = tmp_path / "extract.parquet"
    extract.to_parquet(path, index=False)
    limit = partitioned.BASELINE_BYTES + 64 * 2**20
    run = rerate_to_files(
        path, tmp_path / "r.parquet", tmp_path / "x.parquet", as_of=AS_OF, memory_limit=limit
    )
    expected = math.ceil(len(extract) * partitioned.RANGES_AT_ONCE / 1_000)
    assert run.partitions == expected == partitions_for(len(extract), limit)
    expected = ratefloat.rerate(read_extract(path, columns_read("cn-jiangsu-2023")), as_of=AS_OF)
    write_frame(expected.rated, tmp_path / "a.parquet", expected.provenance())
    assert filecmp.cmp(tmp_path / "a.parquet", tmp_path / "r.parquet", shallow=False)


def test_missing_file_and_bad_limits():
    with pytest.raises(FileNotFoundError, match="nowhere.parquet"):
        rerate_partitioned("nowhere.parquet", as_of=AS_OF, partitions=2)
    with pytest.raises(ParameterError, match="'lots'"):
        rerate_partitioned(ratefloat.load_example(), as_of=AS_OF, memory_limit="lots")
    with pytest.raises(ParameterError, match="leaves no room"):
        rerate_partitioned(ratefloat.load_example(), as_of=AS_OF, memory_limit="100MB")
    with pytest.raises(ParameterError, match="positive integer"):
        rerate_partitioned(ratefloat.load_example(), as_of=AS_OF, partitions=0)


@pytest.mark.parametrize(
    ("text", "size"),
    [("2GiB", 2 * 2**30), ("1.5 GB", 1_500_000_000), ("800MiB", 800 * 2**20), (4096, 4096)],
)
def test_parse_memory(text, size):
    assert parse_memory(text) == size


@given(st.lists(st.text(max_size=4) | st.none(), max_size=40), st.lists(st.text(max_size=4)))
def test_buckets_are_ranges_of_code_point_order(keys, bounds):
    import pyarrow as pa

    bounds = sorted(set(bounds))
    buckets = bucket_of(pa.array(keys, type=pa.string()), pa.array(bounds, type=pa.string()))
    for key, bucket in zip(keys, buckets, strict=True):
        if key is None:
            assert bucket == 0
        else:
            assert bucket == sum(bound <= key for bound in bounds)


@given(
    st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), max_size=30),
    st.integers(0, 30),
)
def test_exact_sums_of_parts_equal_fsum_of_all(values, cut):
    x = np.array(values, dtype=np.float64)
    combined = ExactSum.of(x[:cut]) + ExactSum.of(x[cut:])
    exact = sum(map(Fraction, values), Fraction(0))
    try:
        expected = float(exact)
    except OverflowError:
        with pytest.raises(OverflowError):
            float(combined)
        return
    assert float(combined) == expected
    with contextlib.suppress(OverflowError):  # fsum overflows on some representable sums
        assert float(combined) == math.fsum(values)


def test_cli_memory_limit_writes_the_in_memory_files(tmp_path):
    from ratefloat.cli import main

    extract = synth.employer_years(3_000, seed=4).sample(frac=1.0, random_state=1)
    path = tmp_path / "extract.parquet"
    extract.to_parquet(path, index=False)
    assert (
        main(
            [
                "rerate",
                str(path),
                "--rules",
                "cn-jiangsu-2023",
                "--as-of",
                AS_OF.isoformat(),
                "-o",
                str(tmp_path / "a.parquet"),
                "--quiet",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "rerate",
                str(path),
                "--rules",
                "cn-jiangsu-2023",
                "--as-of",
                AS_OF.isoformat(),
                "-o",
                str(tmp_path / "b.parquet"),
                "--quiet",
                "--memory-limit",
                "1GiB",
            ]
        )
        == 0
    )
    assert filecmp.cmp(tmp_path / "a.parquet", tmp_path / "b.parquet", shallow=False)
    assert filecmp.cmp(
        tmp_path / "a.rejects.parquet", tmp_path / "b.rejects.parquet", shallow=False
    )
    manifest = json.loads((tmp_path / "b.manifest.json").read_text())
    assert manifest["engine"] == "partitioned"
    assert manifest["counts"]["rated"] == 3_000
    assert manifest["input_rows"] == len(extract)


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--engine", "partitioned"], "usage", "-o/--output"),
        (["-o", "OUT/r.csv", "--memory-limit", "lots"], "config", "'lots'"),
        (["-o", "OUT/r.xlsx", "--engine", "partitioned"], "usage", "other than .csv"),
        (["-o", "OUT/r.csv", "--memory-limit", "1GiB", "--keep", "year"], "usage", "--keep"),
    ],
)
def test_cli_scaled_engines_refuse_what_they_cannot_do(tmp_path, capsys, extra, code, message):
    from ratefloat.cli import EXIT_CODES, main

    path = tmp_path / "extract.csv"
    ratefloat.load_example().to_csv(path, index=False)
    extra = [part.replace("OUT", str(tmp_path)) for part in extra]
    common = ["rerate", str(path), "--rules", "cn-jiangsu-2023", "--as-of", "2025-01-01"]
    assert main([*common, *extra]) == EXIT_CODES[code]
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize("layout", ["folder", "csv.gz"])
def test_headers_mapped_and_folders_read_as_in_memory(tmp_path, layout):
    """Chinese headers and a site mapping are read as ``read_extract`` reads them, from a
    Parquet folder of several files or a gzip CSV in GB18030."""
    extract = synth.employer_years(3_000, seed=8).sample(frac=1.0, random_state=6)
    extract = extract.rename(columns={"employer_id": "单位编号", "payouts": "支付 (元)"})
    mapping = {"支付 (元)": "payouts"}
    if layout == "folder":
        path = tmp_path / "extract"
        path.mkdir()
        for index, start in enumerate(range(0, len(extract), 2_500)):
            extract.iloc[start : start + 2_500].to_parquet(path / f"part-{index:02d}.parquet")
        options = {}
    else:
        path = tmp_path / "extract.csv.gz"
        extract.to_csv(path, index=False, encoding="gb18030")
        options = {"encoding": "gb18030"}
    rules = "cn-jiangsu-2023"
    frame = read_extract(path, columns_read(rules), mapping=mapping, **options)
    assert "employer_id" in frame.columns and "payouts" in frame.columns
    expected = ratefloat.rerate(frame, rules, AS_OF)
    write_frame(expected.rated, tmp_path / "a.csv", expected.provenance())
    rerate_to_files(
        path,
        tmp_path / "b.csv",
        tmp_path / "r.csv",
        rules,
        AS_OF,
        partitions=4,
        mapping=mapping,
        **options,
    )
    assert filecmp.cmp(tmp_path / "a.csv", tmp_path / "b.csv", shallow=False)


def test_outside_effective_dates_refused_or_recorded():
    """As ``rerate``: a table not in force is refused, or rated and recorded with "allow"."""
    extract = ratefloat.load_example()
    with pytest.raises(ParameterError, match="not in force"):
        rerate_partitioned(extract, "cn-qingdao-2017", AS_OF, partitions=2)
    expected = ratefloat.rerate(extract, "cn-qingdao-2017", AS_OF, outside_effective_dates="allow")
    actual = rerate_partitioned(
        extract, "cn-qingdao-2017", AS_OF, partitions=2, outside_effective_dates="allow"
    )
    assert_same_result(expected, actual)
    assert actual.out_of_force == expected.out_of_force is not None


def test_plain_page_fallback_is_byte_identical(tmp_path):
    """Ids outgrowing a 1 MiB Parquet dictionary page make the writer fall back to plain
    pages at a point that depends on how the column is chunked: the partitions' rated
    frames, joined, must still write the bytes of one in-memory run."""
    from ratefloat.io import write_frame

    extract = synth.employer_years(100_000, years=(2023, 2024), seed=4)
    extract = extract.sample(frac=1.0, random_state=4)
    path = tmp_path / "extract.parquet"
    extract.to_parquet(path, index=False)
    expected = ratefloat.rerate(read_extract(path, columns_read("cn-jiangsu-2023")), as_of=AS_OF)
    write_frame(expected.rated, tmp_path / "a.parquet", expected.provenance())
    rerate_to_files(path, tmp_path / "b.parquet", tmp_path / "r.csv", as_of=AS_OF, partitions=12)
    assert filecmp.cmp(tmp_path / "a.parquet", tmp_path / "b.parquet", shallow=False)
