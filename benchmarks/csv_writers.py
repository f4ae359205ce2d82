"""CSV writing of a rated frame: pandas (what ratefloat writes) against pyarrow.

Interleaved A/B runs, medians; and whether the two give the same bytes, which decides
whether pyarrow could replace pandas without changing any output file.

    python benchmarks/csv_writers.py --rows 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import numpy as np
import pyarrow as pa
import pyarrow.csv as pc

import ratefloat


def rated_frame(rows: int):
    """The example's rated frame, repeated to ``rows`` rows with distinct employer ids."""
    rated = ratefloat.rerate(ratefloat.load_example(), "cn-jiangsu-2023", "2025-01-01").rated
    big = rated.iloc[np.resize(np.arange(len(rated)), rows)].reset_index(drop=True)
    big["employer_id"] = [f"E{i:08d}" for i in range(rows)]
    return big


def with_pandas(frame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode()


def with_pyarrow(frame) -> bytes:
    buffer = io.BytesIO()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pc.write_csv(table, buffer, pc.WriteOptions(quoting_style="needed"))
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame = rated_frame(args.rows)
    times: dict[str, list[float]] = {"pandas": [], "pyarrow": []}
    outputs = {}
    for _ in range(args.repeat):
        for name, write in (("pandas", with_pandas), ("pyarrow", with_pyarrow)):
            started = time.perf_counter()
            outputs[name] = write(frame)
            times[name].append(time.perf_counter() - started)
    for name, values in times.items():
        print(f"{name:8} median {statistics.median(values):6.2f} s  {len(outputs[name]):,} bytes")
    same = outputs["pandas"] == outputs["pyarrow"]
    print(f"same bytes: {same}")
    if not same:
        first = [
            line
            for line in zip(
                outputs["pandas"].splitlines(), outputs["pyarrow"].splitlines(), strict=False
            )
        ][:2]
        for a, b in first:
            print(f"  pandas : {a[:120]!r}\n  pyarrow: {b[:120]!r}")


if __name__ == "__main__":
    main()
