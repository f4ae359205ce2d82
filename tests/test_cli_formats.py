"""The files agencies really have: encodings, Chinese headers, site names, Excel, gzip,
standard input, Parquet folders, pass-through columns; and messages for the command line."""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ratefloat.cli import main
from ratefloat.io import (
    ExtractReadError,
    header_mapping,
    neutralise_formulas,
    read_column_mapping,
    read_extract,
    write_frame,
)
from ratefloat.schema import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "extract.csv"
GB_EXPORT = ROOT / "examples" / "gb18030-export.csv"
GB_COLUMNS = ROOT / "examples" / "gb18030-columns.yaml"
ARGS = ["--rules", "cn-jiangsu-2023", "--as-of", "2025-01-01", "--quiet"]
ZH = {spec.name: spec.zh for spec in COLUMNS}


def _example() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE, dtype={"employer_id": str, "industry_code": str})


def _rated(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"employer_id": str})


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> bytes:
    """The rated CSV of the example extract as read from plain UTF-8 with English names."""
    folder = tmp_path_factory.mktemp("reference")
    assert main(["rerate", str(EXAMPLE), *ARGS, "-o", str(folder / "rated.csv")]) == 0
    return (folder / "rated.csv").read_bytes()


def _chinese(frame: pd.DataFrame) -> pd.DataFrame:
    """The example with the Chinese column names of the vocabulary and Chinese text."""
    named = frame.rename(columns=ZH)
    return named.assign(单位名称="某某机械制造有限公司")


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-8"])
def test_chinese_headers_in_any_encoding_rate_like_the_english_extract(
    tmp_path, reference, encoding
):
    path = tmp_path / "export.csv"
    _chinese(_example()).to_csv(path, index=False, encoding=encoding)
    out = tmp_path / "rated.csv"
    assert main(["rerate", str(path), *ARGS, "--encoding", encoding, "-o", str(out)]) == 0
    assert out.read_bytes() == reference


def test_a_wrong_encoding_names_the_file_line_and_option(tmp_path, capsys):
    frame = _example()
    frame["note"] = ""
    frame.loc[6, "note"] = "欠费已补缴"  # Chinese text in a column the table never reads
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False, encoding="gb18030")
    assert main(["rerate", str(path), *ARGS, "-o", str(tmp_path / "rated.csv")]) == 66
    err = capsys.readouterr().err
    assert "export.csv" in err and "line 8" in err and "--encoding gb18030" in err
    assert not (tmp_path / "rated.csv").exists()


def test_decode_error_line_is_right_across_read_blocks(tmp_path, monkeypatch):
    import ratefloat.io as rio

    monkeypatch.setattr(rio, "_DECODE_CHUNK", 7)
    path = tmp_path / "x.csv"
    lines = ["employer_id,year"] + [f"E{i},2024" for i in range(30)]
    lines[23] = "单位,2024"
    path.write_bytes("\n".join(lines).encode("gb18030"))
    with pytest.raises(ExtractReadError, match=r"line 24\b"):
        read_extract(path)


def test_site_column_names_come_from_a_mapping_file(tmp_path, reference):
    frame = _example().rename(columns={"payouts": "工伤基金支付额（元）", "year": "统计年度"})
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    mapping = tmp_path / "columns.yaml"
    mapping.write_text("工伤基金支付额（元）: payouts\n统计年度: year\n", encoding="utf-8")
    out = tmp_path / "rated.csv"
    assert main(["rerate", str(path), *ARGS, "-o", str(out)]) == 66
    assert main(["rerate", str(path), *ARGS, "--columns", str(mapping), "-o", str(out)]) == 0
    assert out.read_bytes() == reference


def test_a_broken_mapping_file_is_named(tmp_path, capsys):
    mapping = tmp_path / "columns.yaml"
    mapping.write_text("a: [b\n", encoding="utf-8")
    assert main(["rerate", str(EXAMPLE), *ARGS, "--columns", str(mapping)]) == 78
    assert "columns.yaml" in capsys.readouterr().err
    mapping.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ExtractReadError, match="columns.yaml"):
        read_column_mapping(mapping)


def test_header_mapping_prefers_the_exact_name_and_refuses_ties():
    assert header_mapping(["平均参保人数", "年平均参保人数"]) == {"平均参保人数": "avg_insured"}
    assert header_mapping([" Employer_ID ", "年度"]) == {
        " Employer_ID ": "employer_id",
        "年度": "year",
    }
    with pytest.raises(ExtractReadError, match="both mean 'employer_id'"):
        header_mapping(["单位编码", "用人单位编号"])
    with pytest.raises(ExtractReadError, match="one name"):
        header_mapping(["payouts", "基金"], {"基金": "payouts"})


def test_every_alias_maps_to_its_column():
    for spec in COLUMNS:
        for alias in (spec.zh, *spec.aliases):
            assert header_mapping([alias]) == {alias: spec.name}, alias


def test_keep_carries_the_first_value_per_employer(tmp_path):
    frame = _example()
    frame["employer_name"] = "name of " + frame["employer_id"] + " in " + frame["year"].astype(str)
    frame = frame.iloc[::-1]  # file order decides "first"
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "rated.csv"
    assert main(["rerate", str(path), *ARGS, "--keep", "employer_name", "-o", str(out)]) == 0
    rated = _rated(out)
    first = frame.dropna(subset=["employer_id"]).groupby("employer_id", sort=False).first()
    expected = first.loc[rated["employer_id"], "employer_name"].tolist()
    assert rated["employer_name"].tolist() == expected
    assert "employer_name" in pd.read_csv(tmp_path / "rated.rejects.csv").columns


def test_keep_names_a_missing_column(tmp_path, capsys):
    out = tmp_path / "rated.csv"
    assert main(["rerate", str(EXAMPLE), *ARGS, "--keep", "employer_name", "-o", str(out)]) == 66
    assert "employer_name" in capsys.readouterr().err


def test_gzip_and_standard_input_read_the_same_extract(tmp_path, reference):
    packed = tmp_path / "extract.csv.gz"
    packed.write_bytes(gzip.compress(EXAMPLE.read_bytes()))
    out = tmp_path / "a.csv"
    assert main(["rerate", str(packed), *ARGS, "-o", str(out)]) == 0
    assert out.read_bytes() == reference
    process = subprocess.run(
        [sys.executable, "-m", "ratefloat", "rerate", "-", *ARGS, "-o", str(tmp_path / "b.csv")],
        input=EXAMPLE.read_bytes(),
        capture_output=True,
    )
    assert process.returncode == 0, process.stderr
    assert (tmp_path / "b.csv").read_bytes() == reference


def test_gzip_output_is_the_csv_and_reproducible(tmp_path, reference):
    for name in ("a", "b"):
        assert main(["rerate", str(EXAMPLE), *ARGS, "-o", str(tmp_path / f"{name}.csv.gz")]) == 0
    assert gzip.decompress((tmp_path / "a.csv.gz").read_bytes()) == reference
    assert (tmp_path / "a.csv.gz").read_bytes() == (tmp_path / "b.csv.gz").read_bytes()
    assert (tmp_path / "a.rejects.csv.gz").exists()


def test_parquet_dataset_folder_is_read(tmp_path, reference):
    pytest.importorskip("pyarrow")
    folder = tmp_path / "extract"
    folder.mkdir()
    frame = _example()
    for year, part in frame.groupby("year"):
        write_frame(part, folder / f"part-{year}.parquet")
    out = tmp_path / "rated.csv"
    assert main(["rerate", str(folder), *ARGS, "-o", str(out)]) == 0
    assert out.read_bytes() == reference


def test_xlsx_in_and_out(tmp_path, reference):
    pytest.importorskip("openpyxl")
    source = tmp_path / "export.xlsx"
    _chinese(_example()).to_excel(source, index=False)
    out = tmp_path / "rated.xlsx"
    assert main(["rerate", str(source), *ARGS, "-o", str(out)]) == 0
    written = pd.read_excel(out, dtype={"employer_id": str})
    expected = pd.read_csv(io.BytesIO(reference), dtype={"employer_id": str})
    pd.testing.assert_frame_equal(written, expected, check_dtype=False)


def test_excel_csv_has_a_bom_and_no_live_formulas(tmp_path):
    frame = _example()
    frame["employer_name"] = '=HYPERLINK("http://x","click")'
    frame.loc[frame.index[::2], "employer_name"] = "@SUM(A1)"
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "rated.csv"
    assert (
        main(["rerate", str(path), *ARGS, "--keep", "employer_name", "--excel", "-o", str(out)])
        == 0
    )
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    names = pd.read_csv(out, encoding="utf-8-sig")["employer_name"]
    assert names.str.startswith("'").all()
    assert set(names.str[1]) == {"=", "@"}


def test_neutralise_formulas_only_touches_text_that_starts_like_a_formula():
    frame = pd.DataFrame(
        {
            "text": ["=1+1", "+1", "-2", "@x", "\tx", "plain", None, "a=b"],
            "number": [-1.0, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        }
    )
    out = neutralise_formulas(frame)
    shown = out["text"].fillna("<missing>").tolist()
    assert shown == ["'=1+1", "'+1", "'-2", "'@x", "'\tx", "plain", "<missing>", "a=b"]
    assert out["number"].tolist() == frame["number"].tolist()


def test_a_table_needing_parameters_is_explained_with_param(tmp_path, capsys):
    from ratefloat.rules import list_tables

    needing = [info.id for info in list_tables() if info.parameters_required]
    assert needing, "a built-in table that needs parameters"
    assert (
        main(["rerate", str(EXAMPLE), "--rules", needing[0], "--as-of", "2025-01-01", "--quiet"])
        == 78
    )
    err = capsys.readouterr().err
    assert "params={" not in err and "--param NAME=VALUE" in err


def test_a_broken_rule_file_is_named(tmp_path, capsys):
    table = tmp_path / "city.yaml"
    table.write_text("id: [broken\n", encoding="utf-8")
    assert main(["rerate", str(EXAMPLE), "--rules", str(table), "--as-of", "2025-01-01"]) == 78
    assert "city.yaml" in capsys.readouterr().err


def test_python_dash_m_and_version_without_pandas():
    code = (
        "import sys\nfrom ratefloat.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pandas', 'numpy') if m in sys.modules))"
    )
    process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert process.stdout.strip().splitlines()[-1] == "[]"
    assert re.match(r"ratefloat \d", process.stdout)
    process = subprocess.run(
        [sys.executable, "-m", "ratefloat", "tables"], capture_output=True, text=True
    )
    assert process.returncode == 0 and "cn-jiangsu-2023" in process.stdout


def test_progress_covers_every_phase(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert (
        main(
            [
                "rerate",
                str(EXAMPLE),
                "--rules",
                "cn-jiangsu-2023",
                "--as-of",
                "2025-01-01",
                "-o",
                str(tmp_path / "rated.csv"),
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    for phase in ("reading", "re-rating", "writing", "rated rows", "rejects rows", "committing"):
        assert phase in err, phase


def _walkthrough() -> str:
    guide = (ROOT / "docs" / "guides" / "batch.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- gb18030-walkthrough -->\s*```sh\n(.*?)```", guide, re.S)
    assert match, "the batch guide has the GB18030 walk-through"
    return match.group(1)


def test_the_gb18030_walkthrough_runs_as_written(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    bin_dir = Path(sys.executable).parent
    script = _walkthrough()
    process = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")},
    )
    assert process.returncode == 0, process.stderr
    manifest = json.loads((tmp_path / "out" / "rated.manifest.json").read_text("utf-8"))
    rated = pd.read_csv(
        tmp_path / "out" / "rated.csv", encoding="utf-8-sig", dtype={"employer_id": str}
    )
    export = pd.read_csv(GB_EXPORT, encoding="gb18030", dtype={"单位编号": str})
    assert manifest["counts"]["employers"] == export["单位编号"].nunique()
    assert manifest["counts"]["rated"] == len(rated) > 0
    names = export.drop_duplicates("单位编号").set_index("单位编号")["单位名称"]
    assert rated["单位名称"].tolist() == names.loc[rated["employer_id"]].tolist()
    assert "单位名称" in rated.columns and rated["单位名称"].str.contains("公司|厂|集团").all()


def test_the_package_loads_lazily_and_names_stay_functions():
    code = (
        "import sys, ratefloat\n"
        "assert 'pandas' not in sys.modules\n"
        "from ratefloat.rerate import columns_read\n"
        "assert callable(ratefloat.rerate) and ratefloat.rerate.__name__ == 'rerate'\n"
        "assert ratefloat.schema.COLUMNS[0].name == 'employer_id'\n"
        "assert set(ratefloat.__all__) <= set(dir(ratefloat))\n"
        "print('ok')"
    )
    process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert process.stdout.strip() == "ok", process.stderr
