"""Benchmark populations: ``ratefloat.synth`` panels cached as Parquet in ``benchmarks/data/``.

    python benchmarks/data.py 1000000 [--seed 0]     # prints the cached file's path

The cache key holds the size, the seed and a hash of ``synth.py``'s source, so a change to
the generator regenerates the data (and deletes the stale file). Until ``ratefloat.synth``
exists, ``fixtures.random_panel`` stands in (file names start with ``fake_``); the runner
says so in the report.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import sys
import time
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
YEARS = (2022, 2023, 2024)


def synth_available() -> bool:
    try:
        from ratefloat import synth
    except ImportError:
        return False
    return hasattr(synth, "employer_years")


def path_for(n_employers: int, seed: int = 0) -> Path:
    """Where the population of this size and seed is (or will be) cached."""
    if synth_available():
        from ratefloat import synth

        digest = hashlib.sha1(inspect.getsource(synth).encode()).hexdigest()[:8]
        return DATA_DIR / f"synth_{n_employers}_s{seed}_{digest}.parquet"
    return DATA_DIR / f"fake_{n_employers}_s{seed}.parquet"


def ensure(n_employers: int, seed: int = 0) -> Path:
    """Generate and cache the population unless it is cached already; return its path."""
    path = path_for(n_employers, seed)
    if path.exists():
        return path
    if synth_available():
        from ratefloat import synth

        frame = synth.employer_years(n_employers, years=YEARS, seed=seed)
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import fixtures

        frame = fixtures.random_panel(n_employers, seed=seed)
    DATA_DIR.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp")
    frame.to_parquet(tmp, index=False)
    tmp.rename(path)
    for stale in DATA_DIR.glob(f"*_{n_employers}_s{seed}*.parquet"):  # older generators
        if stale != path:
            stale.unlink()
    return path


def main() -> None:
    p = argparse.ArgumentParser(description="generate/cache one benchmark population")
    p.add_argument("n_employers", type=int)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    t0 = time.perf_counter()
    path = ensure(args.n_employers, args.seed)
    print(path)
    print(f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
