"""The nightly batch command: outputs, manifest, and exit codes a scheduler can branch on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import ratefloat
from ratefloat.cli import EXIT_CODES, main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "extract.csv"
ARGS = ["--rules", "cn-jiangsu-2023", "--as-of", "2025-01-01"]


def test_exit_codes_are_the_documented_ones():
    assert EXIT_CODES == {
        "ok": 0,
        "internal": 1,
        "usage": 2,
        "data": 65,
        "no_input": 66,
        "empty": 67,
        "cannot_create": 73,
        "busy": 75,
        "config": 78,
    }


def test_rerate_writes_rated_rejects_and_manifest(tmp_path, capsys):
    output = tmp_path / "out" / "rated.csv"
    assert main(["rerate", str(EXAMPLE), *ARGS, "-o", str(output), "--mkdir"]) == 0
    printed = capsys.readouterr().out
    assert "Employers by class and grade" in printed
    rated = pd.read_csv(output, dtype={"employer_id": str})
    rejects = pd.read_csv(tmp_path / "out" / "rated.rejects.csv", dtype={"employer_id": str})
    manifest = json.loads((tmp_path / "out" / "rated.manifest.json").read_text(encoding="utf-8"))
    extract = pd.read_csv(EXAMPLE, dtype={"employer_id": str})
    assert set(rated["employer_id"]) | set(rejects["employer_id"]) == set(extract["employer_id"])
    assert manifest["counts"]["rated"] == len(rated)
    assert manifest["counts"]["rejected"] == len(rejects)
    assert manifest["input_rows"] == len(extract)
    assert manifest["table_hash"] == ratefloat.table_hash(ratefloat.load_table("cn-jiangsu-2023"))
    leftovers = [p.name for p in (tmp_path / "out").glob(".*") if p.name != ".ratefloat.lock"]
    assert not leftovers, "temporary files were left behind"


def test_parquet_output_carries_the_table_hash(tmp_path):
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    output = tmp_path / "rated.parquet"
    assert main(["rerate", str(EXAMPLE), *ARGS, "-o", str(output), "--quiet"]) == 0
    metadata = pq.read_schema(output).metadata
    expected = ratefloat.table_hash(ratefloat.load_table("cn-jiangsu-2023"))
    assert metadata[b"ratefloat.table_hash"].decode() == expected


def test_same_input_gives_byte_identical_output(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["rerate", str(EXAMPLE), *ARGS, "-o", str(first), "--quiet"]) == 0
    assert main(["rerate", str(EXAMPLE), *ARGS, "-o", str(second), "--quiet"]) == 0
    assert first.read_bytes() == second.read_bytes()


def test_missing_extract_exits_66(tmp_path, capsys):
    assert main(["rerate", str(tmp_path / "nope.csv"), *ARGS]) == 66
    assert "does not exist" in capsys.readouterr().err


def test_missing_column_exits_66_naming_it(tmp_path, capsys):
    extract = pd.read_csv(EXAMPLE).drop(columns=["payouts"])
    path = tmp_path / "extract.csv"
    extract.to_csv(path, index=False)
    assert main(["rerate", str(path), *ARGS]) == 66
    assert "payouts" in capsys.readouterr().err


def test_invalid_table_exits_78(tmp_path, capsys):
    table = tmp_path / "bad.yaml"
    table.write_text("id: bad\nname: x\n", encoding="utf-8")
    assert main(["rerate", str(EXAMPLE), "--rules", str(table), "--as-of", "2025-01-01"]) == 78
    assert "is invalid" in capsys.readouterr().err


def test_bad_as_of_and_params_exit_78(capsys):
    assert main(["rerate", str(EXAMPLE), "--rules", "cn-jiangsu-2023", "--as-of", "soon"]) == 78
    assert main(["rerate", str(EXAMPLE), *ARGS, "--param", "threshold=1.2"]) == 78
    assert main(["rerate", str(EXAMPLE), *ARGS, "--param", "novalue"]) == 78
    err = capsys.readouterr().err
    assert "as_of must be a date" in err and "has no parameter 'threshold'" in err


def test_fail_on_rejects_exits_65(tmp_path):
    output = tmp_path / "rated.csv"
    code = main(["rerate", str(EXAMPLE), *ARGS, "-o", str(output), "--fail-on-rejects", "--quiet"])
    assert code == 65
    assert output.exists(), "outputs are still written so the rejects can be inspected"


def test_unwritable_output_exits_73(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    assert main(["rerate", str(EXAMPLE), *ARGS, "-o", str(blocker / "rated.csv"), "--quiet"]) == 73


def test_json_log_line(capsys):
    assert main(["rerate", str(EXAMPLE), *ARGS, "--quiet", "--log-format", "json"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["table_id"] == "cn-jiangsu-2023"
    assert record["counts"]["employers"] == 500


def test_tables_check_table_and_schema(tmp_path, capsys):
    assert main(["tables"]) == 0
    assert "cn-jiangsu-2023" in capsys.readouterr().out
    assert main(["check-table", "cn-qingdao-2017"]) == 0
    assert "valid" in capsys.readouterr().out
    schema = tmp_path / "schema.json"
    assert main(["schema", "-o", str(schema)]) == 0
    assert json.loads(schema.read_text(encoding="utf-8")) == ratefloat.rule_table_json_schema()


def test_usage_errors_exit_2():
    process = subprocess.run(
        [sys.executable, "-m", "ratefloat.cli", "rerate"], capture_output=True, text=True
    )
    assert process.returncode == 2
    assert "required" in process.stderr


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_only_the_columns_a_table_reads_are_loaded(tmp_path, suffix):
    from ratefloat.io import read_extract, write_frame
    from ratefloat.rerate import columns_read

    extract = ratefloat.load_example().assign(notes="free text the rating never reads")
    path = write_frame(extract, tmp_path / f"extract{suffix}")
    wanted = columns_read("cn-jiangsu-2023")
    loaded = read_extract(path, columns=wanted)
    assert "notes" not in loaded.columns
    assert set(loaded.columns) == set(wanted) & set(extract.columns)
    assert {"payouts", "contributions", "insured_since", "payroll"} <= set(loaded.columns)
    full = ratefloat.rerate(extract, "cn-jiangsu-2023", "2025-01-01")
    narrow = ratefloat.rerate(loaded, "cn-jiangsu-2023", "2025-01-01")
    assert narrow.rated["rate"].tolist() == full.rated["rate"].tolist()


def test_bundled_example_is_the_examples_file():
    """load_example() and the README's command read the same data."""
    from importlib import resources

    packaged = resources.files("ratefloat.data").joinpath("example_extract.csv").read_bytes()
    assert packaged == EXAMPLE.read_bytes()
    assert len(ratefloat.load_example()) == len(pd.read_csv(EXAMPLE))
