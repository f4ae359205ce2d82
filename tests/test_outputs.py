"""A run's outputs are all or nothing: killed, out of space, racing another run, or refused.

The reference for "consistent" is two clean runs written elsewhere: whatever a failed or
killed run leaves, a set that carries a manifest must be, byte for byte, one of them.
"""

from __future__ import annotations

import fcntl
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from ratefloat.cli import main
from ratefloat.outputs import (
    LOCK_NAME,
    STAGE_PREFIX,
    OutputPathError,
    OutputSet,
    check_output_paths,
    verify_manifest,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "extract.csv"
ARGS = ["--rules", "cn-jiangsu-2023", "--as-of", "2025-01-01", "--quiet"]
SRC = str(Path(__file__).resolve().parents[1] / "src")


def _second_extract(folder: Path) -> Path:
    """An extract whose rated and rejects outputs both differ from the example's."""
    frame = pd.read_csv(EXAMPLE, dtype={"employer_id": str, "industry_code": str})
    frame["payouts"] = frame["payouts"] * 3
    bad = frame[frame["employer_id"] == frame["employer_id"].iloc[0]].copy()
    bad["employer_id"] = "ZZ-NEGATIVE"
    bad["contributions"] = -1.0
    path = folder / "second.csv"
    pd.concat([frame, bad]).to_csv(path, index=False)
    return path


def _run(extract: Path, output: Path, *extra: str) -> int:
    return main(["rerate", str(extract), *ARGS, "-o", str(output), *extra])


def _command(extract: Path, output: Path, *extra: str) -> list[str]:
    """The command line of a run in its own process."""
    return [
        sys.executable,
        "-m",
        "ratefloat",
        "rerate",
        str(extract),
        *ARGS,
        "-o",
        str(output),
        *extra,
    ]


def _set(folder: Path) -> tuple[bytes | None, bytes | None, dict | None]:
    def read(name: str) -> bytes | None:
        path = folder / name
        return path.read_bytes() if path.exists() else None

    manifest = read("rated.manifest.json")
    return read("rated.csv"), read("rated.rejects.csv"), manifest and json.loads(manifest)


@pytest.fixture()
def references(tmp_path):
    """The outputs of a clean run of each extract, and the folder the tests play in."""
    second = _second_extract(tmp_path)
    sets = {}
    for name, extract in (("old", EXAMPLE), ("new", second)):
        folder = tmp_path / f"reference-{name}"
        folder.mkdir()
        assert _run(extract, folder / "rated.csv") == 0
        sets[name] = _set(folder)
    assert sets["old"][0] != sets["new"][0] and sets["old"][1] != sets["new"][1]
    out = tmp_path / "out"
    out.mkdir()
    assert _run(EXAMPLE, out / "rated.csv") == 0
    return out, second, sets


def _assert_consistent(out: Path, sets: dict) -> str:
    """A set with a manifest is one run's, whole; a set without one is flagged incomplete."""
    rated, rejects, manifest = _set(out)
    if manifest is None:
        assert verify_manifest(out / "rated.manifest.json"), "no manifest must read as incomplete"
        return "incomplete"
    for name, (ref_rated, ref_rejects, ref_manifest) in sets.items():
        if (rated, rejects) == (ref_rated, ref_rejects):
            assert manifest["counts"] == ref_manifest["counts"]
            assert verify_manifest(out / "rated.manifest.json") == []
            return name
    raise AssertionError("the manifest vouches for a mix of two runs' files")


KILLER = """
import os, signal, sys
sys.path.insert(0, {src!r})
import ratefloat.io as rio
import ratefloat.outputs as outputs
from ratefloat.cli import main

point, n = sys.argv[1], int(sys.argv[2])
calls = [0]

def counted(real):
    def call(*args, **kwargs):
        if calls[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)
        calls[0] += 1
        return real(*args, **kwargs)
    return call

if point == "rename":
    outputs._rename = counted(outputs._rename)
else:
    rio.write_frame = counted(rio.write_frame)
sys.exit(main(sys.argv[3:]))
"""


@pytest.mark.parametrize(
    ("point", "n"),
    [("write", 0), ("write", 1), ("rename", 0), ("rename", 1), ("rename", 2)],
    ids=["before-rated", "after-rated-staged", "before-renames", "after-1-rename", "after-2"],
)
def test_a_killed_run_never_leaves_a_mixed_set_and_the_next_run_cleans_up(references, point, n):
    out, second, sets = references
    command = ["rerate", str(second), *ARGS, "-o", str(out / "rated.csv")]
    script = KILLER.format(src=SRC)
    process = subprocess.run(
        [sys.executable, "-c", script, point, str(n), *command], capture_output=True, text=True
    )
    assert process.returncode == -signal.SIGKILL, process.stderr
    state = _assert_consistent(out, sets)
    if point == "write":
        assert state == "old", "a kill before the commit must leave the previous set whole"
    stale = list(out.glob(f"{STAGE_PREFIX}*"))
    assert stale, "the kill left its staging folder (so the next run has something to clean)"

    assert _run(second, out / "rated.csv") == 0
    assert _assert_consistent(out, sets) == "new"
    assert not list(out.glob(f"{STAGE_PREFIX}*")), "the next run removes the staging left over"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [LOCK_NAME, "rated.csv", "rated.rejects.csv", "rated.manifest.json"]
    )


def _big_rejects_extract(folder: Path) -> Path:
    """Few rated employers, many rejected ones: the rejects file is the larger."""
    frame = pd.read_csv(EXAMPLE, dtype={"employer_id": str, "industry_code": str})
    good = frame[frame["employer_id"].isin(frame["employer_id"].unique()[:20])]
    bad = pd.concat([frame] * 4, ignore_index=True)
    bad["employer_id"] = [f"BAD{i:06d}" for i in range(len(bad))]
    bad["payouts"] = -5.0
    path = folder / "mostly-bad.csv"
    pd.concat([good, bad]).to_csv(path, index=False)
    return path


def test_disk_full_on_the_second_output_leaves_the_previous_set_whole(references, tmp_path):
    out, _, sets = references
    extract = _big_rejects_extract(tmp_path)
    sizes = tmp_path / "sizes"
    sizes.mkdir()
    assert _run(extract, sizes / "rated.csv") == 0
    rated_size = (sizes / "rated.csv").stat().st_size
    rejects_size = (sizes / "rated.rejects.csv").stat().st_size
    assert rejects_size > 2 * rated_size
    limit = (rated_size + rejects_size) // 2  # the rated file fits, the rejects do not

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    process = subprocess.run(
        _command(extract, out / "rated.csv"),
        capture_output=True,
        text=True,
        preexec_fn=small_disk,
        env={**os.environ, "PYTHONPATH": SRC},
    )
    assert _assert_consistent(out, sets) == "old"
    assert process.returncode == 73, process.stderr
    assert "rejects" in process.stderr and "File too large" in process.stderr
    assert not list(out.glob(f"{STAGE_PREFIX}*")), "a failed run removes what it staged"


def test_a_run_waits_for_or_refuses_a_concurrent_run_on_the_same_folder(references, capsys):
    out, second, sets = references
    handle = os.open(out / LOCK_NAME, os.O_RDWR)
    fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        assert _run(second, out / "rated.csv") == 75
        assert "another run is writing" in capsys.readouterr().err
        assert _assert_consistent(out, sets) == "old"
        timer = threading.Timer(0.3, lambda: fcntl.flock(handle, fcntl.LOCK_UN))
        timer.start()
        assert _run(second, out / "rated.csv", "--lock-timeout", "20") == 0
        timer.join()
    finally:
        os.close(handle)
    assert _assert_consistent(out, sets) == "new"


def test_racing_runs_leave_one_whole_set(references):
    out, second, sets = references
    env = {**os.environ, "PYTHONPATH": SRC}
    for _ in range(2):
        runs = [
            subprocess.Popen(
                _command(extract, out / "rated.csv", "--lock-timeout", "60"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
            )
            for extract in (second, EXAMPLE, second)
        ]
        codes = [run.wait() for run in runs]
        assert codes == [0, 0, 0], [run.stderr.read() for run in runs]
        assert _assert_consistent(out, sets) in ("old", "new")


def test_outputs_honour_the_umask(tmp_path):
    previous = os.umask(0o027)
    try:
        assert _run(EXAMPLE, tmp_path / "rated.csv") == 0
    finally:
        os.umask(previous)
    for name in ("rated.csv", "rated.rejects.csv", "rated.manifest.json"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o640, name


def test_output_equal_to_an_input_is_refused_before_any_work(tmp_path, capsys):
    extract = tmp_path / "extract.csv"
    shutil.copy(EXAMPLE, extract)
    before = extract.read_bytes()
    assert _run(extract, extract) == 73
    assert "is the input" in capsys.readouterr().err
    link = tmp_path / "link.csv"
    link.symlink_to(extract)
    assert _run(extract, link) == 73
    assert (
        main(
            [
                "rerate",
                str(extract),
                *ARGS,
                "-o",
                str(tmp_path / "r.csv"),
                "--rejects",
                str(tmp_path / "r.csv"),
            ]
        )
        == 73
    )
    assert "same file" in capsys.readouterr().err
    assert extract.read_bytes() == before
    assert not (tmp_path / "r.csv").exists()


def test_paths_are_checked_before_reading(tmp_path, capsys):
    missing_extract = tmp_path / "nope.csv"
    assert _run(missing_extract, tmp_path / "rated.txt") == 73
    err = capsys.readouterr().err
    assert "rated.txt" in err and ".csv" in err and "does not exist" not in err
    assert (
        main(
            [
                "rerate",
                str(EXAMPLE),
                *ARGS,
                "-o",
                str(tmp_path / "r.csv"),
                "--manifest",
                str(tmp_path / "m.yaml"),
            ]
        )
        == 73
    )
    assert "m.yaml" in capsys.readouterr().err


def test_a_missing_output_folder_is_refused_unless_mkdir(tmp_path, capsys):
    target = tmp_path / "typo" / "rated.csv"
    assert _run(EXAMPLE, target) == 73
    err = capsys.readouterr().err
    assert "does not exist" in err and "--mkdir" in err
    assert not target.parent.exists()
    assert _run(EXAMPLE, target, "--mkdir") == 0
    assert verify_manifest(target.parent / "rated.manifest.json") == []


def test_nobody_rated_is_a_failure_that_keeps_the_previous_set(references, tmp_path, capsys):
    out, _, sets = references
    header_only = tmp_path / "header.csv"
    header_only.write_text(EXAMPLE.read_text(encoding="utf-8").splitlines()[0] + "\n")
    assert _run(header_only, out / "rated.csv") == 67
    assert "nobody rated" in capsys.readouterr().err
    assert _assert_consistent(out, sets) == "old"
    assert (
        main(
            [
                "rerate",
                str(EXAMPLE),
                "--rules",
                "cn-jiangsu-2023",
                "--as-of",
                "2040-01-01",
                "--allow-outside-effective-dates",  # a window with no data, not a date check
                "--quiet",
                "-o",
                str(out / "rated.csv"),
            ]
        )
        == 67
    )
    assert "NO_DATA_IN_WINDOW" in capsys.readouterr().err
    assert _assert_consistent(out, sets) == "old"
    assert _run(header_only, out / "rated.csv", "--allow-empty") == 0
    assert pd.read_csv(out / "rated.csv").empty
    assert verify_manifest(out / "rated.manifest.json") == []


def test_json_log_covers_failures(tmp_path, capsys):
    code = main(["rerate", str(tmp_path / "nope.csv"), *ARGS, "--log-format", "json"])
    assert code == 66
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["status"] == "failed" and record["exit_code"] == 66
    assert "nope.csv" in record["message"]


def test_json_log_covers_usage_errors_and_bugs(monkeypatch, capsys):
    assert main(["rerate", str(EXAMPLE), "--log-format", "json"]) == 2
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["error"] == "usage" and "--rules" in record["message"]

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    import importlib

    monkeypatch.setattr(importlib.import_module("ratefloat.rerate"), "rerate", broken)
    assert main(["rerate", str(EXAMPLE), *ARGS, "--log-format=json"]) == 1
    captured = capsys.readouterr()
    record = json.loads(captured.out.strip().splitlines()[-1])
    assert record["error"] == "internal" and "ZeroDivisionError" in record["message"]
    assert "Traceback" in captured.err


def test_verify_manifest_detects_a_changed_or_missing_file(tmp_path):
    assert _run(EXAMPLE, tmp_path / "rated.csv") == 0
    manifest = tmp_path / "rated.manifest.json"
    assert verify_manifest(manifest) == []
    rejects = tmp_path / "rated.rejects.csv"
    rejects.write_bytes(rejects.read_bytes() + b"\n")
    assert any("rejects" in problem for problem in verify_manifest(manifest))
    rejects.unlink()
    assert any("missing" in problem for problem in verify_manifest(manifest))


def test_output_set_without_commit_changes_nothing(tmp_path):
    (tmp_path / "a.csv").write_text("old\n")
    targets = check_output_paths(
        {"a": tmp_path / "a.csv", "manifest": tmp_path / "m.json"}, inputs=[]
    )
    with pytest.raises(RuntimeError), OutputSet(targets) as outputs:
        outputs.staged("a").write_text("new\n")
        raise RuntimeError("failed half way")
    assert (tmp_path / "a.csv").read_text() == "old\n"
    assert not (tmp_path / "m.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [LOCK_NAME, "a.csv"]


def test_check_output_paths_follows_hard_links(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("x\n")
    os.link(source, tmp_path / "alias.csv")
    with pytest.raises(OutputPathError, match="is the input"):
        check_output_paths({"rated": tmp_path / "alias.csv"}, inputs=[source])


def test_leftovers_of_single_file_writes_are_removed_too(references):
    out, second, sets = references
    legacy = out / ".rated.csv.k3x_9qz0"  # what a killed earlier version left (mkstemp)
    legacy.write_bytes(b"half a file")
    ours = out / ".rated.rejects.csv.0a1b2c3d.tmp"
    ours.write_bytes(b"half a file")
    unrelated = out / ".rated.csv.notes"
    unrelated.write_bytes(b"someone else's")
    assert _run(second, out / "rated.csv") == 0
    assert not legacy.exists() and not ours.exists()
    assert unrelated.exists()


def test_sigkill_at_any_moment_of_a_large_run(tmp_path):
    """Killed from outside while reading, rating, writing a large output or committing."""
    import time

    from ratefloat.synth import employer_years

    frame = employer_years(25_000, years=(2022, 2023, 2024), seed=5)
    old_extract, new_extract = tmp_path / "old.csv", tmp_path / "new.csv"
    frame.to_csv(old_extract, index=False)
    frame.assign(payouts=frame["payouts"] * 3).to_csv(new_extract, index=False)
    sets = {}
    for name, extract in (("old", old_extract), ("new", new_extract)):
        folder = tmp_path / f"reference-{name}"
        folder.mkdir()
        started = time.perf_counter()
        assert subprocess.run(_command(extract, folder / "rated.csv")).returncode == 0
        duration = time.perf_counter() - started
        sets[name] = _set(folder)
    out = tmp_path / "out"
    out.mkdir()
    for fraction in (0.3, 0.6, 0.85):
        for name in ("rated.csv", "rated.rejects.csv", "rated.manifest.json"):
            shutil.copy(tmp_path / "reference-old" / name, out / name)
        run = subprocess.Popen(
            _command(new_extract, out / "rated.csv"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(duration * fraction)
        run.send_signal(signal.SIGKILL)
        run.wait()
        _assert_consistent(out, sets)
    assert subprocess.run(_command(new_extract, out / "rated.csv")).returncode == 0
    assert _assert_consistent(out, sets) == "new"
    assert not list(out.glob(f"{STAGE_PREFIX}*"))


def test_a_set_spread_over_folders_is_locked_and_recorded_as_one(tmp_path):
    folders = {name: tmp_path / name for name in ("rated", "rejects", "audit")}
    for folder in folders.values():
        folder.mkdir()
    paths = [
        "-o",
        str(folders["rated"] / "r.csv"),
        "--rejects",
        str(folders["rejects"] / "x.parquet"),
        "--manifest",
        str(folders["audit"] / "m.json"),
    ]
    assert main(["rerate", str(EXAMPLE), *ARGS, *paths]) == 0
    manifest = json.loads((folders["audit"] / "m.json").read_text(encoding="utf-8"))
    assert manifest["outputs"]["rejects"]["path"] == "../rejects/x.parquet"
    assert verify_manifest(folders["audit"] / "m.json") == []
    handle = os.open(folders["rejects"] / LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        before = (folders["rated"] / "r.csv").read_bytes()
        assert main(["rerate", str(_second_extract(tmp_path)), *ARGS, *paths]) == 75
        assert (folders["rated"] / "r.csv").read_bytes() == before
    finally:
        os.close(handle)
    process = subprocess.run(
        [
            sys.executable,
            "-c",
            KILLER.format(src=SRC),
            "rename",
            "1",
            "rerate",
            str(_second_extract(tmp_path)),
            *ARGS,
            *paths,
        ],
        capture_output=True,
    )
    assert process.returncode == -signal.SIGKILL
    assert verify_manifest(folders["audit"] / "m.json"), "half a commit is never vouched for"
    assert main(["rerate", str(EXAMPLE), *ARGS, *paths]) == 0
    assert verify_manifest(folders["audit"] / "m.json") == []
    assert not [p for f in folders.values() for p in f.glob(f"{STAGE_PREFIX}*")]


def test_parquet_bytes_do_not_depend_on_column_chunks(tmp_path):
    """A column assembled from pieces (as the parallel and partitioned engines assemble
    theirs) writes the bytes of the same column in one piece, also where the writer falls
    back from dictionary to plain pages (ids outgrowing a 1 MiB dictionary page)."""
    import numpy as np
    import pandas as pd

    from ratefloat.io import write_frame

    ids = pd.array([f"E{i:09d}" for i in range(150_000)], dtype=pd.StringDtype("pyarrow"))
    values = np.random.default_rng(1).random(len(ids))
    whole = pd.DataFrame({"employer_id": ids, "rate": values})
    halves = [whole.iloc[:70_001], whole.iloc[70_001:]]
    pieces = pd.concat(halves, ignore_index=True)
    assert pieces["employer_id"].array._pa_array.num_chunks == 2
    write_frame(whole, tmp_path / "whole.parquet", {})
    write_frame(pieces, tmp_path / "pieces.parquet", {})
    assert (tmp_path / "whole.parquet").read_bytes() == (tmp_path / "pieces.parquet").read_bytes()
