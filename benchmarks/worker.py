"""Time one variant on one population, in a fresh process; print the numbers as JSON.

    python benchmarks/worker.py VARIANT DATA.parquet --repeat 3 --threads 2 --out DIR

Called by ``run.py``; one process per (size, variant), so imports, allocator state and
thread pools of one engine never leak into another's numbers.

Steps: set the thread environment (before any engine is imported), import the variant, load
the frame (frame variants only; Parquet variants get the path), warm up on the tiny case
frame, then:

* **memory run**: reset the kernel's peak-RSS mark to the current RSS (``/proc/self/
  clear_refs`` ← 5), run once, and report ``VmHWM - VmRSS before`` (the same counter as
  ``getrusage().ru_maxrss``): the extra resident memory the call needed at its peak, on top
  of the loaded input. This run's time is reported as ``first_run_s``.
* **timed runs**: ``--repeat`` more calls, each after ``gc.collect()``; median reported,
  with each run's user and system CPU time (all threads),
  with the CPU the *rest* of the machine used meanwhile (``background_cores``: busy time in
  ``/proc/stat`` minus this process's CPU time, per wall second), so noisy runs show.

The first run's output is written to ``DIR/VARIANT.parquet`` for the runner's check.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

SHUFFLE_SEED = 1


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("variant")
    p.add_argument("data", type=Path)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--sample", type=int, default=20_000, help="employers for 'sampled' kinds")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()

    os.environ["POLARS_MAX_THREADS"] = str(args.threads)  # read once, at import
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import pandas as pd

    import fixtures
    from baselines import rule
    from variants import BY_NAME

    variant = BY_NAME[args.variant]
    fn = variant.resolve()
    kwargs = {"threads": args.threads} if "threads" in inspect.signature(fn).parameters else {}

    record: dict = {"variant": variant.name, "threads": args.threads, "source": variant.source}
    with tempfile.TemporaryDirectory() as tmp:  # warm-up: imports, thread pools, caches
        tiny = fixtures.case_frame()
        if variant.source == "parquet":
            tiny.to_parquet(Path(tmp) / "tiny.parquet")
            tiny = Path(tmp) / "tiny.parquet"
        fn(tiny, **kwargs)

    rss_start = _status("VmRSS")
    if variant.source == "parquet":
        data = args.data
    elif variant.kind == "sampled":  # never load the full frame: its freed memory hides peaks
        from baselines.pandas_rowwise import sample_parquet

        data = sample_parquet(args.data, args.sample)
        record["input_employers"] = int(
            pd.read_parquet(args.data, columns=["employer_id"])["employer_id"].nunique()
        )
        record["sample_employers"] = int(data["employer_id"].nunique())
        record["sample_rows"] = len(data)
        args.out.mkdir(parents=True, exist_ok=True)
        ids = data[["employer_id"]].drop_duplicates()
        ids.to_parquet(args.out / f"{variant.name}.sample_ids.parquet")
    else:
        data = pd.read_parquet(args.data)
        if variant.source == "shuffled":  # the same rows in an order no engine can exploit
            data = data.sample(frac=1.0, random_state=SHUFFLE_SEED).reset_index(drop=True)
        record["input_rows"] = len(data)
        record["input_frame_bytes"] = int(data.memory_usage(deep=True).sum())
        record["input_employers"] = int(data["employer_id"].nunique())
    gc.collect()
    record["rss_loaded_bytes"] = _status("VmRSS")
    record["rss_input_bytes"] = record["rss_loaded_bytes"] - rss_start

    peak_resettable = _reset_peak()
    before = _status("VmRSS")
    t0 = time.perf_counter()
    out = fn(data, **kwargs)
    record["first_run_s"] = time.perf_counter() - t0
    if peak_resettable:
        record["peak_extra_bytes"] = _status("VmHWM") - before
        record["peak_method"] = "VmHWM after clear_refs=5, minus VmRSS before the call"
    else:  # ru_maxrss cannot be reset: the load's own peak may hide the call's
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        record["peak_extra_bytes"] = maxrss - before
        record["peak_method"] = "ru_maxrss minus VmRSS before the call (load peak may mask it)"
    if variant.kind != "floor":
        args.out.mkdir(parents=True, exist_ok=True)
        out = pd.DataFrame(out)
        if "employer_id" not in out.columns:
            out = out.reset_index()
        out[rule.OUTPUT_COLUMNS].to_parquet(args.out / f"{variant.name}.parquet")
        record["output_rows"] = len(out)
    del out

    times, user, system = [], [], []
    busy0, own0, wall0 = _machine_busy_s(), time.process_time(), time.perf_counter()
    for _ in range(args.repeat):
        gc.collect()
        ru0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        out = fn(data, **kwargs)
        times.append(time.perf_counter() - t0)
        ru1 = resource.getrusage(resource.RUSAGE_SELF)
        user.append(ru1.ru_utime - ru0.ru_utime)  # all threads of this process
        system.append(ru1.ru_stime - ru0.ru_stime)  # mostly page faults of fresh memory
        del out
    record.update(runs_s=times, cpu_user_s=user, cpu_sys_s=system)
    if times:  # CPU the rest of the machine used meanwhile, in cores (noise indicator)
        others = (_machine_busy_s() - busy0) - (time.process_time() - own0)
        record["background_cores"] = max(others, 0.0) / (time.perf_counter() - wall0)
    print(json.dumps(record))


def _status(field: str) -> int:
    """A ``/proc/self/status`` memory field in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def _machine_busy_s() -> float:
    """CPU seconds all processes have used since boot (``/proc/stat``, non-idle time)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _reset_peak() -> bool:
    """Reset the peak-RSS mark to the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
