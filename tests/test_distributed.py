"""The Dask engine equals one in-memory run (module docstring of ``ratefloat.distributed``).

Property, on Dask's synchronous scheduler: for random tables, populations with rejects
(see ``test_partitioned.dirty_extracts``), input partitionings and numbers of ranges,
``distributed.rerate`` returns the same rated and rejected frames as ``ratefloat.rerate``
of the same rows. Then once on a real ``distributed.LocalCluster`` of two workers, from a
Parquet file to files byte-identical to the in-memory run's.
"""

from __future__ import annotations

import filecmp

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratefloat
from ratefloat import SchemaError, synth
from ratefloat.io import read_extract, write_frame
from ratefloat.rerate import columns_read
from ratefloat.testing import AS_OF, rule_tables
from test_partitioned import TIANJIN_PARAMS, area_table, assert_same_result, dirty_extracts

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed_ = pytest.importorskip("distributed")

from ratefloat import distributed  # noqa: E402


def as_dask(frame, npartitions):
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_pandas(frame, npartitions=npartitions, sort=False)


@given(rule_tables(), dirty_extracts(), st.integers(1, 4), st.integers(1, 5))
def test_dask_equals_in_memory(table, extract, npartitions, ranges):
    expected = ratefloat.rerate(extract, table, AS_OF)
    with dask.config.set(scheduler="sync"):
        actual = distributed.rerate(as_dask(extract, npartitions), table, AS_OF, partitions=ranges)
    assert_same_result(expected, actual)


def test_dask_area_figures_span_all_ranges():
    extract = synth.employer_years(2_000, seed=6).sample(frac=1.0, random_state=4)
    table = area_table()
    expected = ratefloat.rerate(extract, table, AS_OF, params=TIANJIN_PARAMS)
    with dask.config.set(scheduler="sync"):
        actual = distributed.rerate(
            as_dask(extract, 3), table, AS_OF, params=TIANJIN_PARAMS, partitions=4
        )
    assert_same_result(expected, actual)


def test_pandas_frame_is_refused():
    with pytest.raises(SchemaError, match="dask DataFrame"):
        distributed.rerate(ratefloat.load_example(), as_of=AS_OF)


def test_local_cluster_writes_the_in_memory_files(tmp_path):
    from distributed import LocalCluster

    extract = synth.employer_years(6_000, seed=12).sample(frac=1.0, random_state=5)
    extract = extract.reset_index(drop=True).astype({"employer_id": object})
    extract.loc[[3, 99], "employer_id"] = None
    path = tmp_path / "extract.parquet"
    extract.to_parquet(path, index=False, row_group_size=4_000)
    rules = "cn-jiangsu-2023"
    expected = ratefloat.rerate(read_extract(path, columns_read(rules)), rules, AS_OF)
    write_frame(expected.rated, tmp_path / "a.parquet", expected.provenance())
    write_frame(expected.rejects, tmp_path / "a.rejects.csv", expected.provenance())
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        run = distributed.rerate_to_files(
            path,
            tmp_path / "b.parquet",
            tmp_path / "b.rejects.csv",
            rules,
            AS_OF,
            scheduler=cluster.scheduler_address,
            partitions=3,
        )
    assert run.counts() == expected.counts()
    assert run.counts()["rejected"] == 2
    assert filecmp.cmp(tmp_path / "a.parquet", tmp_path / "b.parquet", shallow=False)
    assert filecmp.cmp(tmp_path / "a.rejects.csv", tmp_path / "b.rejects.csv", shallow=False)


def test_cli_dask_engine_on_a_running_scheduler(tmp_path):
    from distributed import LocalCluster

    from ratefloat.cli import main

    path = tmp_path / "extract.parquet"
    synth.employer_years(2_000, seed=2).to_parquet(path, index=False)
    common = ["rerate", str(path), "--rules", "cn-jiangsu-2023", "--as-of", "2025-01-01"]
    assert main([*common, "-o", str(tmp_path / "a.csv"), "--quiet"]) == 0
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        dask_run = ["--engine", "dask", "--scheduler", cluster.scheduler_address]
        assert main([*common, "-o", str(tmp_path / "b.csv"), "--quiet", *dask_run]) == 0
    assert filecmp.cmp(tmp_path / "a.csv", tmp_path / "b.csv", shallow=False)
    assert filecmp.cmp(tmp_path / "a.rejects.csv", tmp_path / "b.rejects.csv", shallow=False)
