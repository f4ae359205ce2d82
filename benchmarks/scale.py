"""Beyond memory: the partitioned and Dask engines against DuckDB, on the same Parquet file.

    python benchmarks/scale.py generate 30m --order shuffled   # prints the file's path
    python benchmarks/scale.py duckdb FILE OUT.parquet --memory-limit 2GiB
    python benchmarks/scale.py run --sizes 1m,3m,10m,30m --memory-limit 2GiB
    python benchmarks/scale.py check FILE                     # partitioned == in-memory
    python benchmarks/scale.py render                         # plot + docs/benchmarks.md

``generate`` writes ``synth`` panels of 1 M employers at a time (ids ``E`` + 9 digits, so
30 M fit), each with its own seed, into one Parquet file without holding it in memory;
``--order shuffled`` gives every chunk ids drawn from a random permutation of all ids and
shuffles its rows, so the file is in no id order. ``run`` times, for each size, the
``ratefloat`` command with ``--memory-limit`` (partitioned engine) and with ``--engine
dask``, and the DuckDB query of ``baselines/duckdb_sql.py`` on the same file with the same
``memory_limit`` writing its result to Parquet, each in its own process under
a sampler of the memory of the process and its descendants (wall, user + sys CPU, peak
RSS summed over all processes: Dask's workers included). Results go to
``results/scale.json``; ``report.py`` draws
the curve.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "data"
RESULTS = HERE / "results" / "scale.json"
CHUNK = 1_000_000
RULES, AS_OF = "cn-jiangsu-2023", "2025-01-01"


def parse_size(text: str) -> int:
    text = text.lower().strip()
    factor = {"k": 10**3, "m": 10**6}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * factor)


def path_for(employers: int, order: str) -> Path:
    return DATA_DIR / f"scale_{employers}_{order}.parquet"


def generate(employers: int, order: str) -> Path:
    """The Parquet file of ``employers`` employers × 3 years, generated unless cached."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ratefloat import synth

    path = path_for(employers, order)
    if path.exists():
        return path
    DATA_DIR.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    numbers = rng.permutation(employers) + 1 if order == "shuffled" else None
    temporary = path.with_suffix(".tmp")
    writer = None
    for start in range(0, employers, CHUNK):
        n = min(CHUNK, employers - start)
        frame = synth.employer_years(n, seed=start // CHUNK)
        local = frame["employer_id"].str.slice(1).astype(np.int64) - 1
        ids = numbers[start + local.to_numpy()] if numbers is not None else start + local + 1
        frame["employer_id"] = np.strings.add("E", np.strings.zfill(np.asarray(ids).astype(str), 9))
        frame["employer_id"] = frame["employer_id"].astype(object)
        if order == "shuffled":
            frame = frame.sample(frac=1.0, random_state=start // CHUNK)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        writer = writer or pq.ParquetWriter(temporary, table.schema)
        writer.write_table(table)
    writer.close()
    temporary.rename(path)
    return path


def duckdb_rate(source: Path, out: Path, memory_limit: str, threads: int = 2) -> None:
    """The hand-written query on the Parquet file, with a memory limit, to Parquet."""
    import duckdb

    sys.path.insert(0, str(HERE))
    from baselines import duckdb_sql

    limit = re.sub(r"(?i)ib$", "iB", memory_limit)
    with tempfile.TemporaryDirectory() as spill:
        con = duckdb.connect(
            config={"threads": threads, "memory_limit": limit, "temp_directory": spill}
        )
        con.sql("SET preserve_insertion_order = false")
        query = duckdb_sql.sql(f"read_parquet('{source.as_posix()}')", False, AS_OF)
        con.sql(f"COPY ({query}) TO '{out.as_posix()}' (FORMAT parquet)")


def timed(command: list[str]) -> dict:
    """Wall seconds, CPU seconds (user + sys, children included) and peak memory of a
    command: the largest sum of the RSS of the process and all its descendants (Dask's
    workers are descendants), sampled every 0.1 s."""
    import resource

    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root, peak = psutil.Process(process.pid), 0
    while process.poll() is None:
        total = 0
        try:
            for member in [root, *root.children(recursive=True)]:
                total += member.memory_info().rss
        except psutil.Error:
            pass
        peak = max(peak, total)
        time.sleep(0.1)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{process.stderr.read()[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_gib": round(peak / 2**30, 3)}


def commands(source: Path, out: Path, memory_limit: str, python: str) -> dict[str, list[str]]:
    cli = [
        python,
        "-m",
        "ratefloat.cli",
        "rerate",
        str(source),
        "--rules",
        RULES,
        "--as-of",
        AS_OF,
        "--quiet",
    ]
    return {
        "ratefloat_partitioned": [
            *cli,
            "-o",
            str(out / "partitioned.parquet"),
            "--memory-limit",
            memory_limit,
        ],
        "ratefloat_dask": [
            *cli,
            "-o",
            str(out / "dask.parquet"),
            "--engine",
            "dask",
            "--workers",
            "2",
            "--memory-limit",
            memory_limit,
        ],
        "duckdb": [
            python,
            str(Path(__file__)),
            "duckdb",
            str(source),
            str(out / "duckdb.parquet"),
            "--memory-limit",
            memory_limit,
        ],
    }


def run(sizes: list[int], order: str, memory_limit: str, variants: list[str]) -> dict:
    results = {
        "machine": platform.platform(),
        "memory_limit": memory_limit,
        "order": order,
        "rows_per_employer": 3,
        "sizes": [],
    }
    with tempfile.TemporaryDirectory(dir=DATA_DIR) as out:
        for size in sizes:
            source = generate(size, order)
            entry = {"employers": size}
            for name, command in commands(source, Path(out), memory_limit, sys.executable).items():
                if name in variants:
                    entry[name] = timed(command)
                    print(size, name, entry[name], flush=True)
            results["sizes"].append(entry)
    return results


def check(source: Path, memory_limit: str) -> bool:
    """The partitioned run's files equal the in-memory run's, byte for byte."""
    import filecmp

    with tempfile.TemporaryDirectory(dir=DATA_DIR) as out:
        cli = [
            sys.executable,
            "-m",
            "ratefloat.cli",
            "rerate",
            str(source),
            "--rules",
            RULES,
            "--as-of",
            AS_OF,
            "--quiet",
        ]
        subprocess.run([*cli, "-o", f"{out}/a.parquet"], check=True)
        subprocess.run([*cli, "-o", f"{out}/b.parquet", "--memory-limit", memory_limit], check=True)
        return all(
            filecmp.cmp(f"{out}/a{kind}.parquet", f"{out}/b{kind}.parquet", shallow=False)
            for kind in ("", ".rejects")
        )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("employers", type=parse_size)
    g.add_argument("--order", choices=["sorted", "shuffled"], default="shuffled")
    d = sub.add_parser("duckdb")
    d.add_argument("source", type=Path)
    d.add_argument("out", type=Path)
    d.add_argument("--memory-limit", default="2GiB")
    r = sub.add_parser("run")
    r.add_argument("--sizes", default="1m,3m,10m,30m")
    r.add_argument("--order", choices=["sorted", "shuffled"], default="shuffled")
    r.add_argument("--memory-limit", default="2GiB")
    r.add_argument("--variants", default="ratefloat_partitioned,ratefloat_dask,duckdb")
    sub.add_parser("render")
    c = sub.add_parser("check")
    c.add_argument("source", type=Path)
    c.add_argument("--memory-limit", default="1GiB")
    args = p.parse_args()
    if args.command == "generate":
        print(generate(args.employers, args.order))
    elif args.command == "duckdb":
        duckdb_rate(args.source, args.out, args.memory_limit)
    elif args.command == "check":
        same = check(args.source, args.memory_limit)
        print("identical" if same else "DIFFERENT")
        return 0 if same else 1
    elif args.command == "render":
        render()
    else:
        sizes = [parse_size(s) for s in args.sizes.split(",")]
        results = run(sizes, args.order, args.memory_limit, args.variants.split(","))
        RESULTS.parent.mkdir(exist_ok=True)
        previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        if args.order in previous and previous[args.order]["memory_limit"] == args.memory_limit:
            # Keep the other variants' figures of earlier runs (one variant at a time).
            old = {e["employers"]: e for e in previous[args.order]["sizes"]}
            for entry in results["sizes"]:
                old[entry["employers"]] = {**old.get(entry["employers"], {}), **entry}
            results["sizes"] = [old[n] for n in sorted(old)]
        previous[args.order] = results
        RESULTS.write_text(json.dumps(previous, indent=2) + "\n")
        render()
    return 0


def render() -> None:
    """Redraw the plot and re-render docs/benchmarks.md with the Beyond memory section."""
    import report

    report.write_scaling_plot()
    latest = HERE / "results" / "latest.json"
    doc = HERE.parent / "docs" / "benchmarks.md"
    doc.write_text(report.render(json.loads(latest.read_text())))


if __name__ == "__main__":
    sys.exit(main())
