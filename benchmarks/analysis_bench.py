"""Benchmarks of the analysis layer on a synthetic province (default 1 M employers).

    python benchmarks/analysis_bench.py [--employers 1000000] [--repeat 3] [--seed 0]

Measures, A/B interleaved where there is an A and a B, medians of ``--repeat`` runs:

* ``compare`` of 3 tables against 3 separate ``rerate()`` calls (two tables that read the
  same columns share a preparation; the third, Qingdao, needs its own);
* a 20-point ``sweep`` of one named threshold (Jiangsu's ``raised_payout_above``): total,
  and the cost of each extra variant as a
  fraction of one full ``rerate()`` (target: at most 1/5);
* ``calibrate`` to revenue neutrality at the default 0.1 % tolerance: time, iterations,
  residual;
* ``backtest`` over 3 scored years (200 bootstrap resamples each).

Writes ``benchmarks/results/analysis.json`` and ``docs/benchmarks-analysis.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import ratefloat
from ratefloat import synth
from ratefloat.analysis import Population, backtest, calibrate, compare, sweep
from ratefloat.analysis.variants import with_base_rate_scale

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "analysis.json"
PAGE = ROOT / "docs" / "benchmarks-analysis.md"
AS_OF = "2025-01-01"


def timed(function: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def interleaved(a: Any, b: Any, repeat: int) -> tuple[list[float], list[float]]:
    """Run a and b alternately (a, b, b, a, …) so drifts in machine load hit both."""
    times_a, times_b = [], []
    for i in range(repeat):
        order = (a, b) if i % 2 == 0 else (b, a)
        for function in order:
            seconds, _ = timed(function)
            (times_a if function is a else times_b).append(seconds)
    return times_a, times_b


def proposal_table() -> ratefloat.RuleTable:
    return ratefloat.load_table("cn-jiangsu-2023").with_changes(
        {
            "id": "cn-jiangsu-2023-proposal",
            "bands.raised.when": "payout_ratio > 0.7 or injury_rate > 0.01",
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--employers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    n, repeat = args.employers, args.repeat

    seconds, panel = timed(lambda: synth.employer_years(n, years=range(2019, 2025), seed=args.seed))
    print(f"panel: {n:,} employers, {len(panel):,} rows, drawn in {seconds:.1f} s", flush=True)
    out: dict[str, Any] = {
        "employers": n,
        "rows": len(panel),
        "repeat": repeat,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    tables = {
        "current": "cn-jiangsu-2023",
        "proposal": proposal_table(),
        "qingdao": "cn-qingdao-2017",
    }

    # compare of 3 tables vs 3 rerate() calls
    def three_reruns() -> None:
        for table in tables.values():
            ratefloat.rerate(panel, table, AS_OF, outside_effective_dates="allow")

    # Qingdao's table ended 2023-12-31: rating with it as of 2025 is a what-if.
    a, b = interleaved(
        lambda: compare(panel, tables, AS_OF, outside_effective_dates="allow"), three_reruns, repeat
    )
    out["compare"] = {"compare_s": statistics.median(a), "three_rerate_s": statistics.median(b)}
    variants = {
        "current": "cn-jiangsu-2023",
        "proposal": tables["proposal"],
        "scaled": with_base_rate_scale(ratefloat.load_table("cn-jiangsu-2023"), 0.9),
    }

    def three_variant_reruns() -> None:
        for table in variants.values():
            ratefloat.rerate(panel, table, AS_OF)

    a, b = interleaved(lambda: compare(panel, variants, AS_OF), three_variant_reruns, repeat)
    out["compare"].update(
        variants_compare_s=statistics.median(a), variants_three_rerate_s=statistics.median(b)
    )
    print("compare", out["compare"], flush=True)

    # 20-point sweep of a named threshold vs one rerate()
    grid = {"raised_payout_above": [round(float(v), 3) for v in np.linspace(0.3, 0.95, 20)]}

    def one_rerate() -> None:
        ratefloat.rerate(panel, "cn-jiangsu-2023", AS_OF)

    def twenty() -> None:
        sweep(panel, "cn-jiangsu-2023", AS_OF, grid=grid)

    a, b = interleaved(twenty, one_rerate, repeat)
    prepares = [
        timed(lambda: Population(panel, AS_OF).prepared_for("cn-jiangsu-2023"))[0]
        for _ in range(repeat)
    ]
    sweep_s, rerate_s = statistics.median(a), statistics.median(b)
    prepare_s = statistics.median(prepares)
    variant_s = (sweep_s - prepare_s) / 20  # each variant inside the sweep
    out["sweep"] = {
        "points": 20,
        "sweep_s": sweep_s,
        "rerate_s": rerate_s,
        "prepare_s": prepare_s,
        "variant_s": variant_s,
        "variant_over_rerate": variant_s / rerate_s,
        "twenty_rerate_estimate_s": 20 * rerate_s,
    }
    print("sweep", out["sweep"], flush=True)

    # calibrate to revenue neutrality
    runs = [timed(lambda: calibrate(panel, "cn-jiangsu-2023", AS_OF)) for _ in range(repeat)]
    found = runs[-1][1]
    out["calibrate"] = {
        "seconds": statistics.median(s for s, _ in runs),
        "iterations": found.iterations,
        "residual": found.residual,
        "tolerance": found.tolerance,
        "value": found.value,
        "converged": found.converged,
    }
    print("calibrate", out["calibrate"], flush=True)

    # backtest over 3 years
    seconds, scored = timed(
        lambda: backtest(panel, "cn-jiangsu-2023", [2022, 2023, 2024], bootstraps=200)
    )
    out["backtest"] = {
        "seconds": seconds,
        "years": 3,
        "bootstraps": 200,
        "gini": scored.gini[["year", "gini", "low", "high"]].to_dict("records"),
    }
    print("backtest", out["backtest"], flush=True)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2, default=float), encoding="utf-8")
    PAGE.write_text(render(out), encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)} and {PAGE.relative_to(ROOT)}")
    return 0


def render(r: dict[str, Any]) -> str:
    c, s, k, b = r["compare"], r["sweep"], r["calibrate"], r["backtest"]
    met = "met" if s["variant_over_rerate"] <= 0.2 else "not met"
    rows = [
        (
            "`compare` of 3 tables (Jiangsu, a proposal, Qingdao)",
            c["compare_s"],
            "3 `rerate()` calls",
            c["three_rerate_s"],
        ),
        (
            "`compare` of 3 variants of one table",
            c["variants_compare_s"],
            "3 `rerate()` calls",
            c["variants_three_rerate_s"],
        ),
        (
            "`sweep`, 20 points of one parameter",
            s["sweep_s"],
            "20 `rerate()` calls (estimated)",
            s["twenty_rerate_estimate_s"],
        ),
        ("one extra sweep variant", s["variant_s"], "one `rerate()`", s["rerate_s"]),
    ]
    lines = ["| job | time | against | ratio |", "|---|---:|---|---:|"]
    for job, seconds, against, reference in rows:
        lines.append(
            f"| {job} | {seconds:.2f} s | {against}: {reference:.2f} s "
            f"| {seconds / reference:.2f} |"
        )
    lines[-1] = lines[-1][:-2] + f" (target ≤ 0.20: {met}) |"
    lines.append(
        f"| `calibrate`, revenue-neutral, tolerance {k['tolerance']:.1%} | {k['seconds']:.2f} s "
        f"| {k['iterations']} rule evaluations, residual {k['residual']:+.5%} | |"
    )
    lines.append(
        f"| `backtest`, 3 years, {b['bootstraps']} bootstraps each | {b['seconds']:.1f} s "
        "| 3 ratings and the scoring | |"
    )
    table = "\n".join(lines)
    ginis = ", ".join(
        f"{g['year']}: {g['gini']:.3f} [{g['low']:.3f}, {g['high']:.3f}]" for g in b["gini"]
    )
    return f"""# Benchmarks: analysis

<!-- generated by benchmarks/analysis_bench.py; do not edit by hand -->

The analysis layer (`ratefloat.analysis`) on a synthetic province of
{r["employers"]:,} employers ({r["rows"]:,} employer-years, 2019–2024), on a
{r["machine"]["cpus"]}-core machine (Python {r["machine"]["python"]}), medians of
{r["repeat"]} runs, A and B interleaved. Regenerate with
`python benchmarks/analysis_bench.py`.

{table}

- **compare**: tables that read the same columns over the same window share one
  validation and aggregation (`prepare`): the Jiangsu table and its proposal do, Qingdao's
  table reads other columns and is prepared on its own; three variants of one table are
  prepared once. Each scenario still builds its full rated frame (reasons included), so
  the saving is the preparation only.
- **sweep**: the extract is prepared once ({s["prepare_s"]:.2f} s); a variant's cost is
  (sweep − preparation) ÷ 20. Each variant runs
  indicators, rules and a per-class-and-grade tally, without building the rated frame
  or the reason texts.
- **calibrate**: the base-rate scale, bracketed and then found by false position on the
  prepared data.
- **backtest** Gini of `cn-jiangsu-2023` (95 % bootstrap interval): {ginis}.
"""


if __name__ == "__main__":
    sys.exit(main())
