"""Profile ``ratefloat.rerate()`` on a cached benchmark population with cProfile.

    python benchmarks/profile_rerate.py 1m [--top 30] [--out rerate.prof]
                                           [--shuffle] [--ids text|int64|category]

Prints the functions with the most cumulative and the most own ("tottime") time, and the
callees of ``rerate`` itself. cProfile adds overhead to every Python call, so absolute
numbers run high for Python-heavy code; compare shares, not seconds, with ``run.py``.

Then a memory timeline: a thread samples the resident set size every 2 ms together with the
innermost ``ratefloat`` function the main thread is in, and prints, per function, the
highest RSS seen above the level before the call (where the peak memory is reached), in
the order the functions first ran.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import threading
import time
from pathlib import Path

import pandas as pd

import data
import fixtures
from baselines import ratefloat_rerate
from run import parse_size


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("size", type=parse_size)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--out", type=Path, help="also dump the raw profile here (for snakeviz)")
    p.add_argument("--shuffle", action="store_true", help="rows in random order (seed 1)")
    p.add_argument(
        "--ids",
        choices=("text", "int64", "category"),
        default="text",
        help="employer_id as text, as int64 (the 'E' prefix stripped) or categorical text",
    )
    args = p.parse_args()

    frame = with_ids(pd.read_parquet(data.ensure(args.size)), args.ids)
    if args.shuffle:
        frame = frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
    ratefloat_rerate.rate(fixtures.case_frame())  # warm-up: imports, table compilation
    memory_timeline(frame)  # first, while the allocator holds no freed memory yet
    t0 = time.perf_counter()
    ratefloat_rerate.rate(frame)
    print(f"rerate() on {args.size:,} employers, unprofiled: {time.perf_counter() - t0:.3f} s")

    prof = cProfile.Profile()
    prof.enable()
    ratefloat_rerate.rate(frame)
    prof.disable()
    if args.out:
        prof.dump_stats(args.out)
    stats = pstats.Stats(prof, stream=sys.stdout).strip_dirs()
    print("\n== by cumulative time")
    stats.sort_stats("cumulative").print_stats(args.top)
    print("\n== by own time")
    stats.sort_stats("tottime").print_stats(args.top)
    print("\n== what rerate() calls")
    stats.sort_stats("cumulative").print_callees(r"\brerate\b")


def with_ids(frame: pd.DataFrame, ids: str) -> pd.DataFrame:
    """The population with its employer ids stored as ``ids`` says."""
    if ids == "int64":
        return frame.assign(employer_id=frame["employer_id"].str[1:].astype("int64"))
    if ids == "category":
        return frame.assign(employer_id=frame["employer_id"].astype("category"))
    return frame


def memory_timeline(frame: pd.DataFrame, interval: float = 0.002) -> None:
    """Peak RSS above the starting level, by the innermost ratefloat function running."""
    main_id, samples, done = threading.get_ident(), [], threading.Event()

    def sample() -> None:
        while not done.is_set():
            f = sys._current_frames().get(main_id)
            where = "?"
            while f is not None:
                if "ratefloat" in f.f_code.co_filename and "benchmarks" not in f.f_code.co_filename:
                    where = f"{Path(f.f_code.co_filename).name}:{f.f_code.co_name}"
                    break
                f = f.f_back
            samples.append((_rss(), where))
            time.sleep(interval)

    base = _rss()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    ratefloat_rerate.rate(frame)
    done.set()
    sampler.join()
    peaks: dict[str, int] = {}
    for rss, where in samples:
        peaks[where] = max(peaks.get(where, 0), rss - base)
    print(f"\n== peak RSS above the start ({base / 2**20:.0f} MiB) by ratefloat function, "
          "in order of first appearance")
    for where, extra in peaks.items():  # dicts keep insertion order
        print(f"{extra / 2**20:8.0f} MiB  {where}")


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


if __name__ == "__main__":
    main()
