"""The ``ratefloat`` command: nightly re-rating of CSV/Parquet extracts.

Exit codes (stable, for schedulers)::

    0   OK
    1   unexpected internal error (a bug: please report it)
    2   usage error (bad options)
    65  data error: --fail-on-rejects was given and employers were rejected
    66  the extract is missing or unreadable, or lacks a required column
    73  an output file cannot be written
    78  configuration error: invalid rule table, as_of or parameters
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import ParameterError, RuleTableError, SchemaError

__all__ = ["main", "EXIT_CODES"]

EXIT_CODES = {
    "ok": 0,
    "internal": 1,
    "usage": 2,
    "data": 65,
    "no_input": 66,
    "cannot_create": 73,
    "config": 78,
}


class _Failure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_CODES["usage"]
    try:
        return args.handler(args)
    except _Failure as failure:
        print(f"ratefloat: error: {failure}", file=sys.stderr)
        return EXIT_CODES[failure.code]
    except KeyboardInterrupt:
        print("ratefloat: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ratefloat",
        description="Floating work-injury premium rates (工伤保险费率浮动) from rule tables.",
        epilog="Exit codes: 0 ok, 1 internal error, 2 usage, 65 rejects with --fail-on-rejects, "
        "66 missing/unreadable extract, 73 cannot write output, 78 invalid table/params.",
    )
    parser.add_argument("--version", action="version", version=f"ratefloat {__version__}")
    commands = parser.add_subparsers(title="commands")

    rerate = commands.add_parser("rerate", help="re-rate every employer of an extract")
    rerate.add_argument("extract", help="employer-year extract (.csv or .parquet)")
    rerate.add_argument("--rules", required=True, help="built-in table id or a YAML/JSON path")
    rerate.add_argument("--as-of", required=True, help="date the new rates take effect")
    rerate.add_argument("-o", "--output", help="rated employers (.csv or .parquet)")
    rerate.add_argument("--rejects", help="rejected employers (default: beside the output)")
    rerate.add_argument("--manifest", help="run manifest JSON (default: beside the output)")
    rerate.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a table parameter (JSON value, e.g. thresholds=[1.2,3]); repeatable",
    )
    rerate.add_argument(
        "--fail-on-rejects", action="store_true", help="exit 65 if any employer is rejected"
    )
    rerate.add_argument("--quiet", action="store_true", help="print only the one-line log")
    rerate.add_argument(
        "--allow-outside-effective-dates",
        action="store_true",
        help="rate even when --as-of is outside the table's effective dates (backtests); "
        "the manifest records table_in_force: no",
    )
    rerate.add_argument(
        "--log-format", choices=["text", "json"], default="text", help="format of the log line"
    )
    rerate.set_defaults(handler=_rerate)

    tables = commands.add_parser("tables", help="list the built-in rule tables")
    tables.set_defaults(handler=_tables)

    check = commands.add_parser("check-table", help="validate a rule table file")
    check.add_argument("table", help="path to a YAML/JSON rule table, or a built-in id")
    check.set_defaults(handler=_check_table)

    schema = commands.add_parser("schema", help="print the JSON Schema of rule tables")
    schema.add_argument("-o", "--output", help="write it to this file instead")
    schema.set_defaults(handler=_schema)
    return parser


def _rerate(args: argparse.Namespace) -> int:
    from .io import read_extract, write_frame, write_json
    from .rerate import columns_read, rerate

    started = time.perf_counter()
    timings: dict[str, float] = {}
    try:
        wanted = columns_read(args.rules)
    except RuleTableError as exc:
        raise _Failure("config", str(exc)) from None
    _progress(args, f"reading {args.extract}")
    try:
        extract = read_extract(args.extract, columns=wanted)
    except FileNotFoundError as exc:
        raise _Failure("no_input", str(exc)) from None
    except (ValueError, OSError, ImportError) as exc:
        raise _Failure("no_input", f"cannot read {args.extract!r}: {exc}") from None
    timings["read_s"] = time.perf_counter() - started

    params = _parse_params(args.param)
    _progress(args, f"re-rating {len(extract):,} rows with {args.rules} as of {args.as_of}")
    step = time.perf_counter()
    try:
        result = rerate(
            extract,
            rules=args.rules,
            as_of=args.as_of,
            params=params,
            outside_effective_dates="allow" if args.allow_outside_effective_dates else "refuse",
        )
    except SchemaError as exc:
        raise _Failure("no_input", f"the extract cannot be used: {exc}") from None
    except (RuleTableError, ParameterError) as exc:
        raise _Failure("config", str(exc)) from None
    timings["rerate_s"] = time.perf_counter() - step

    provenance = result.provenance()
    outputs: dict[str, str] = {}
    if args.output:
        output = Path(args.output)
        rejects_path = Path(args.rejects) if args.rejects else _beside(output, "rejects")
        manifest_path = (
            Path(args.manifest) if args.manifest else _beside(output, "manifest", ".json")
        )
        step = time.perf_counter()
        try:
            write_frame(result.rated, output, provenance)
            write_frame(result.rejects, rejects_path, provenance)
        except (OSError, ImportError, ValueError) as exc:
            raise _Failure("cannot_create", f"cannot write the output: {exc}") from None
        timings["write_s"] = time.perf_counter() - step
        outputs = {
            "rated": str(output),
            "rejects": str(rejects_path),
            "manifest": str(manifest_path),
        }
    timings["total_s"] = time.perf_counter() - started

    counts = result.counts()
    manifest = {
        **provenance,
        "extract": str(args.extract),
        "input_rows": len(extract),
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in result.params.items()},
        "counts": counts,
        "outputs": outputs,
        "timings": {k: round(v, 4) for k, v in timings.items()},
    }
    if outputs:
        try:
            write_json(manifest, outputs["manifest"])
        except OSError as exc:
            raise _Failure("cannot_create", f"cannot write the manifest: {exc}") from None

    if not args.quiet:
        print(_readable_summary(result))
    if args.log_format == "json":
        print(json.dumps(manifest, ensure_ascii=False, sort_keys=True, default=str))
    else:
        print(
            f"ratefloat: {counts['employers']:,} employers, {counts['rated']:,} rated, "
            f"{counts['rejected']:,} rejected; table {provenance['table_id']} "
            f"sha256:{provenance['table_hash'][:12]}; {timings['total_s']:.2f}s"
        )
    if args.fail_on_rejects and counts["rejected"]:
        raise _Failure(
            "data", f"{counts['rejected']:,} employers were rejected (--fail-on-rejects)"
        )
    return EXIT_CODES["ok"]


def _readable_summary(result: Any) -> str:
    """A few tables a person can read at a glance."""
    import pandas as pd

    rated = result.rated
    lines = [
        f"Rule table   {result.table.id} ({result.table.name})",
        f"Table hash   sha256:{result.table_hash}",
        f"As of        {result.as_of}   window {result.window}",
        "",
    ]
    grades = pd.crosstab(rated["rated_class"], rated["grade"], margins=True, margins_name="all")
    grades.index.name, grades.columns.name = "class", "grade"
    lines += ["Employers by class and grade (grade 0 = base rate):", grades.to_string(), ""]
    if "premium" in rated:
        base = rated["premium_at_base"].sum()
        new = rated["premium"].sum()
        change = (new / base - 1) * 100 if base else 0.0
        lines.append(
            f"Premium at base rates {base:,.2f} yuan -> after floating {new:,.2f} yuan "
            f"({change:+.1f} %)"
        )
    reasons = rated["reasons"].value_counts().head(8)
    lines += ["", "Most frequent reasons:", reasons.to_string()]
    if len(result.rejects):
        by_reason = result.rejects["reason"].value_counts()
        lines += ["", f"Rejected employers: {len(result.rejects):,}", by_reason.to_string()]
    return "\n".join(lines)


def _tables(args: argparse.Namespace) -> int:
    from .rules import list_tables

    for info in list_tables():
        print(info)
        if info.parameters_required:
            print(f"    needs parameters: {', '.join(info.parameters_required)}")
    return EXIT_CODES["ok"]


def _check_table(args: argparse.Namespace) -> int:
    from .rules import load_table, table_hash

    try:
        table = load_table(args.table)
    except RuleTableError as exc:
        raise _Failure("config", str(exc)) from None
    print(f"{table.id}: valid; {len(table.rule_ids())} rules; sha256:{table_hash(table)}")
    return EXIT_CODES["ok"]


def _schema(args: argparse.Namespace) -> int:
    from .io import write_json
    from .rules import rule_table_json_schema

    schema = rule_table_json_schema()
    if args.output:
        write_json(schema, args.output)
    else:
        print(json.dumps(schema, ensure_ascii=False, indent=2))
    return EXIT_CODES["ok"]


def _parse_params(pairs: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise _Failure("config", f"--param takes NAME=VALUE, got {pair!r}")
        try:
            params[name.strip()] = json.loads(text)
        except json.JSONDecodeError:
            raise _Failure(
                "config", f"--param {name}: {text!r} is not a JSON value (e.g. 1.2, true, [1,2])"
            ) from None
    return params


def _beside(path: Path, label: str, suffix: str | None = None) -> Path:
    return path.with_name(f"{path.stem}.{label}{suffix or path.suffix}")


def _progress(args: argparse.Namespace, message: str) -> None:
    if not args.quiet and sys.stderr.isatty():
        print(f"… {message}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
