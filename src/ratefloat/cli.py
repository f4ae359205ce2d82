"""The ``ratefloat`` command: nightly re-rating of extracts, all outputs or none.

Exit codes (stable, for schedulers)::

    0   OK
    1   unexpected internal error (a bug: please report it)
    2   usage error (bad options)
    65  data error: --fail-on-rejects was given and employers were rejected
    66  the extract is missing or unreadable, or lacks a required column
    67  nobody rated: every employer was rejected, or the extract has no rows
        (nothing is written unless --allow-empty)
    73  an output cannot be written (suffix, folder, an input, disk full, ...)
    75  another run holds the lock on an output folder (try again later)
    78  configuration error: invalid rule table, as_of, parameters or column mapping
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from ._version import __version__

__all__ = ["main", "EXIT_CODES"]

EXIT_CODES = {
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

#: Output formats by file name ending (the manifest is always JSON).
_OUTPUT_SUFFIXES = (".csv", ".csv.gz", ".xlsx", ".parquet", ".pq")


class _Failure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    json_log = _asks_for_json_log(argv)
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help()
            return EXIT_CODES["usage"]
        return args.handler(args)
    except _Failure as failure:
        print(f"ratefloat: error: {failure}", file=sys.stderr)
        _log_failure(json_log, EXIT_CODES[failure.code], failure.code, str(failure))
        return EXIT_CODES[failure.code]
    except KeyboardInterrupt:
        print("ratefloat: interrupted", file=sys.stderr)
        _log_failure(json_log, 130, "interrupted", "interrupted")
        return 130
    except Exception as exc:  # a bug: keep the traceback for the report, log it as a failure
        import traceback

        traceback.print_exc()
        message = f"internal error (a bug: please report it): {type(exc).__name__}: {exc}"
        print(f"ratefloat: {message}", file=sys.stderr)
        _log_failure(json_log, EXIT_CODES["internal"], "internal", message)
        return EXIT_CODES["internal"]


class _Parser(argparse.ArgumentParser):
    """Usage errors go through the same path as the others (and so into the JSON log)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise _Failure("usage", f"{self.prog}: {message}")


def _asks_for_json_log(argv: list[str]) -> bool:
    pairs = zip(argv, [*argv[1:], ""], strict=True)
    return "--log-format=json" in argv or ("--log-format", "json") in pairs


def _log_failure(json_log: bool, exit_code: int, error: str, message: str) -> None:
    if json_log:
        record = {"status": "failed", "exit_code": exit_code, "error": error, "message": message}
        print(json.dumps(record, ensure_ascii=False, sort_keys=True))


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ratefloat",
        description="Floating work-injury premium rates (工伤保险费率浮动) from rule tables.",
        epilog="Exit codes: 0 ok, 1 internal error, 2 usage, 65 rejects with --fail-on-rejects, "
        "66 missing/unreadable extract, 67 nobody rated, 73 cannot write output, "
        "75 outputs locked by another run, 78 invalid table/params.",
    )
    parser.add_argument("--version", action="version", version=f"ratefloat {__version__}")
    commands = parser.add_subparsers(title="commands")

    rerate = commands.add_parser("rerate", help="re-rate every employer of an extract")
    rerate.add_argument(
        "extract",
        help="employer-year extract: .csv, .csv.gz, .xlsx, .parquet, a Parquet folder, "
        "or - for CSV on standard input",
    )
    rerate.add_argument("--rules", required=True, help="built-in table id or a YAML/JSON path")
    rerate.add_argument("--as-of", required=True, help="date the new rates take effect")
    rerate.add_argument("-o", "--output", help="rated employers (.csv, .csv.gz, .xlsx or .parquet)")
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
        "--encoding",
        default="utf-8",
        help="text encoding of a CSV extract: utf-8 (default, a BOM is accepted), "
        "utf-8-sig, gb18030, gbk",
    )
    rerate.add_argument(
        "--columns",
        metavar="MAPPING.yaml",
        help="site column names -> vocabulary names, one 'name: vocabulary_name' per line",
    )
    rerate.add_argument(
        "--keep",
        metavar="COL,...",
        default="",
        help="extract columns carried into the outputs (first value per employer)",
    )
    rerate.add_argument(
        "--excel",
        action="store_true",
        help="CSV for spreadsheets: UTF-8 with BOM, formula-like text cells neutralised",
    )
    rerate.add_argument("--mkdir", action="store_true", help="create missing output folders")
    rerate.add_argument(
        "--allow-empty",
        action="store_true",
        help="write the outputs even when nobody is rated (otherwise exit 67, nothing written)",
    )
    rerate.add_argument(
        "--lock-timeout",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another run on the same output folder (default: fail at once)",
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
        "--log-format",
        choices=["text", "json"],
        default="text",
        help="format of the log line (json: the manifest, or the failure, as one line)",
    )
    scale = rerate.add_argument_group("scale (extracts beyond memory or one machine)")
    scale.add_argument(
        "--engine",
        choices=["memory", "partitioned", "dask"],
        help="memory: one in-memory run (default); partitioned: employer ranges spilled to "
        "disk, rated one at a time (default with --memory-limit); dask: a Dask cluster",
    )
    scale.add_argument(
        "--memory-limit", metavar="SIZE", help="memory a run (or a Dask worker) may use, e.g. 2GiB"
    )
    scale.add_argument("--workers", type=int, help="Dask workers of a local cluster")
    scale.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler to use")
    scale.add_argument("--spill-dir", help="directory for the partition files (default: temp)")
    rerate.set_defaults(handler=_rerate)

    claims = commands.add_parser(
        "aggregate-claims",
        help="turn a claim-level extract (one row per injured person) into employer-years",
    )
    claims.add_argument("claims", help="claim rows: .csv, .csv.gz, .xlsx, .parquet or -")
    claims.add_argument(
        "--attribution",
        required=True,
        choices=["accident", "recognition", "payment"],
        help="the year a claim counts in: of the accident, of the recognition decision, "
        "or of each payment",
    )
    claims.add_argument("-o", "--output", required=True, help="employer-year claim columns")
    claims.add_argument("--encoding", default="utf-8", help="text encoding of CSV input")
    claims.add_argument("--columns", metavar="MAPPING.yaml", help="site column names")
    claims.add_argument("--mkdir", action="store_true", help="create a missing output folder")
    claims.set_defaults(handler=_aggregate_claims)

    tables = commands.add_parser("tables", help="list the built-in rule tables")
    tables.set_defaults(handler=_tables)

    check = commands.add_parser("check-table", help="validate a rule table file")
    check.add_argument("table", help="path to a YAML/JSON rule table, or a built-in id")
    check.set_defaults(handler=_check_table)

    schema = commands.add_parser("schema", help="print the JSON Schema of rule tables")
    schema.add_argument("-o", "--output", help="write it to this file instead")
    schema.set_defaults(handler=_schema)

    from .reports.cli import register_report_commands

    register_report_commands(commands)
    return parser


def _rerate(args: argparse.Namespace) -> int:
    from .outputs import OutputBusyError, OutputPathError, OutputSet

    started = time.perf_counter()
    keep = [name.strip() for name in args.keep.split(",") if name.strip()]
    targets = _output_paths(args)
    if targets is None:
        return _run_rerate(args, keep, None, started)
    try:
        with OutputSet(targets, lock_timeout=args.lock_timeout) as outputs:
            if outputs.stale_removed:
                removed = ", ".join(path.name for path in outputs.stale_removed)
                _progress(args, f"removed what an interrupted run left: {removed}")
            return _run_rerate(args, keep, outputs, started)
    except OutputBusyError as exc:
        raise _Failure("busy", str(exc)) from None
    except OutputPathError as exc:
        raise _Failure("cannot_create", str(exc)) from None


def _output_paths(args: argparse.Namespace) -> dict[str, Path] | None:
    """Every output path, checked before any work; ``None`` without ``-o``."""
    from .outputs import OutputPathError, check_output_paths

    if not args.output:
        if args.rejects or args.manifest:
            raise _Failure("usage", "--rejects and --manifest need -o/--output")
        return None
    output = Path(args.output)
    wanted = {
        "rated": output,
        "rejects": Path(args.rejects) if args.rejects else _beside(output, "rejects"),
        "manifest": Path(args.manifest) if args.manifest else _beside(output, "manifest", ".json"),
    }
    inputs = [args.extract, args.rules, *([args.columns] if args.columns else [])]
    try:
        targets = check_output_paths(
            wanted,
            inputs=[i for i in inputs if i != "-"],
            suffixes={
                "rated": _OUTPUT_SUFFIXES,
                "rejects": _OUTPUT_SUFFIXES,
                "manifest": (".json",),
            },
            mkdir=args.mkdir,
        )
    except OutputPathError as exc:
        raise _Failure("cannot_create", str(exc)) from None
    for label in ("rated", "rejects"):
        _check_format_available(targets[label])
    return targets


def _run_rerate(args: argparse.Namespace, keep: list[str], outputs: Any, started: float) -> int:
    from .errors import ParameterError, RuleTableError, SchemaError
    from .io import ExtractReadError, read_column_mapping, read_extract, write_frame
    from .rerate import columns_read, rerate

    timings: dict[str, float] = {}
    engine = args.engine or ("partitioned" if args.memory_limit else "memory")
    if engine != "memory":
        return _run_scaled(args, engine, keep, outputs, started)
    try:
        wanted = columns_read(args.rules)
    except RuleTableError as exc:
        raise _Failure("config", str(exc)) from None
    try:
        mapping = read_column_mapping(args.columns) if args.columns else None
    except ExtractReadError as exc:
        raise _Failure("config", str(exc)) from None
    _progress(args, f"reading {args.extract}")
    step = time.perf_counter()
    try:
        extract = read_extract(
            args.extract, columns=[*wanted, *keep], encoding=args.encoding, mapping=mapping
        )
    except FileNotFoundError as exc:
        raise _Failure("no_input", str(exc)) from None
    except ExtractReadError as exc:
        raise _Failure("no_input", str(exc)) from None
    except (ValueError, OSError, ImportError) as exc:
        raise _Failure("no_input", f"cannot read {args.extract!r}: {exc}") from None
    missing_keep = [name for name in keep if name not in extract.columns]
    if missing_keep:
        raise _Failure(
            "no_input", f"--keep: the extract has no column {', '.join(map(repr, missing_keep))}"
        )
    timings["read_s"] = time.perf_counter() - step

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
    except ParameterError as exc:
        raise _Failure("config", _for_command_line(str(exc))) from None
    except RuleTableError as exc:
        raise _Failure("config", str(exc)) from None
    timings["rerate_s"] = time.perf_counter() - step
    rated, rejects = result.rated, result.rejects
    if keep:
        rated, rejects = _with_kept(rated, extract, keep), _with_kept(rejects, extract, keep)

    provenance = result.provenance()
    counts = result.counts()
    manifest = {
        **provenance,
        "extract": str(args.extract),
        "input_rows": len(extract),
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in result.params.items()},
        "counts": counts,
    }
    empty = counts["rated"] == 0
    if outputs is not None and not (empty and not args.allow_empty):
        step = time.perf_counter()
        for label, frame in (("rated", rated), ("rejects", rejects)):
            _progress(args, f"writing {len(frame):,} {label} rows to {outputs.targets[label]}")
            try:
                write_frame(
                    frame, outputs.staged(label), provenance, excel=args.excel, atomic=False
                )
            except (OSError, ImportError, ValueError) as exc:
                raise _Failure("cannot_create", f"cannot write the {label} output: {exc}") from None
        timings["write_s"] = time.perf_counter() - step
        timings["total_s"] = time.perf_counter() - started
        manifest["timings"] = {k: round(v, 4) for k, v in timings.items()}
        _progress(args, f"committing the outputs, manifest last: {outputs.targets['manifest']}")
        try:
            manifest = outputs.commit(manifest)
        except OSError as exc:
            raise _Failure("cannot_create", f"cannot commit the outputs: {exc}") from None
    else:
        timings["total_s"] = time.perf_counter() - started
        manifest["timings"] = {k: round(v, 4) for k, v in timings.items()}

    if not args.quiet and not empty:
        print(_readable_summary(result))
    if args.log_format == "json":
        print(
            json.dumps(
                {"status": "ok", **manifest}, ensure_ascii=False, sort_keys=True, default=str
            )
        )
    elif not empty:
        print(
            f"ratefloat: {counts['employers']:,} employers, {counts['rated']:,} rated, "
            f"{counts['rejected']:,} rejected; table {provenance['table_id']} "
            f"sha256:{provenance['table_hash'][:12]}; {timings['total_s']:.2f}s"
            + (f"; {n:,} look-alike employer ids" if (n := counts["warning_lookalike_ids"]) else "")
        )
    if empty and not args.allow_empty:
        reasons = ", ".join(
            f"{k.removeprefix('rejected_')} {v:,}"
            for k, v in counts.items()
            if k.startswith("rejected_")
        )
        raise _Failure(
            "empty",
            f"nobody rated: {len(extract):,} extract rows, {counts['rejected']:,} employers "
            f"rejected ({reasons or 'no rows'}); nothing was written "
            "(give --allow-empty to write empty outputs)",
        )
    if args.fail_on_rejects and counts["rejected"]:
        raise _Failure(
            "data", f"{counts['rejected']:,} employers were rejected (--fail-on-rejects)"
        )
    return EXIT_CODES["ok"]


def _run_scaled(
    args: argparse.Namespace, engine: str, keep: list[str], outputs: Any, started: float
) -> int:
    """``rerate`` with the partitioned or the Dask engine: results go straight to files."""
    from .errors import ParameterError, RuleTableError, SchemaError
    from .io import ExtractReadError, read_column_mapping

    if outputs is None:
        raise _Failure("usage", f"--engine {engine} writes its result: give -o/--output")
    unsupported = [flag for flag, given in (("--keep", keep), ("--excel", args.excel)) if given]
    for label in ("rated", "rejects"):
        if not outputs.targets[label].name.lower().endswith((".csv", ".parquet", ".pq")):
            unsupported.append(f"a {label} file other than .csv or .parquet")
    if unsupported:
        raise _Failure("usage", f"--engine {engine} does not take {', '.join(unsupported)}")
    try:
        mapping = read_column_mapping(args.columns) if args.columns else None
    except ExtractReadError as exc:
        raise _Failure("config", str(exc)) from None
    options: dict[str, Any] = {
        "params": _parse_params(args.param),
        "memory_limit": args.memory_limit,
        "encoding": args.encoding,
        "mapping": mapping,
        "outside_effective_dates": "allow" if args.allow_outside_effective_dates else "refuse",
    }
    try:
        if engine == "dask":
            from .distributed import rerate_to_files

            options |= {"workers": args.workers, "scheduler": args.scheduler}
        else:
            from .partitioned import rerate_to_files

            options["spill_dir"] = args.spill_dir
        run = rerate_to_files(
            args.extract,
            outputs.staged("rated"),
            outputs.staged("rejects"),
            args.rules,
            args.as_of,
            **options,
        )
    except FileNotFoundError as exc:
        raise _Failure("no_input", str(exc)) from None
    except (SchemaError, ExtractReadError) as exc:
        raise _Failure("no_input", f"the extract cannot be used: {exc}") from None
    except ParameterError as exc:
        raise _Failure("config", _for_command_line(str(exc))) from None
    except RuleTableError as exc:
        raise _Failure("config", str(exc)) from None
    except ImportError as exc:
        raise _Failure("config", f"--engine {engine}: {exc}") from None
    except OSError as exc:
        raise _Failure("cannot_create", f"cannot write the outputs: {exc}") from None
    counts, provenance = run.counts(), run.provenance()
    total = time.perf_counter() - started
    manifest = {
        **provenance,
        "extract": str(args.extract),
        "input_rows": run.input_rows,
        "engine": engine,
        "partitions": run.partitions,
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in run.result.params.items()},
        "counts": counts,
        "timings": {"total_s": round(total, 4)},
    }
    if counts["rated"] == 0 and not args.allow_empty:
        raise _Failure(
            "empty",
            f"nobody rated: {counts['rejected']:,} employers rejected; nothing was written "
            "(give --allow-empty to write empty outputs)",
        )
    try:
        manifest = outputs.commit(manifest)
    except OSError as exc:
        raise _Failure("cannot_create", f"cannot commit the outputs: {exc}") from None
    if args.log_format == "json":
        print(json.dumps({"status": "ok", **manifest}, ensure_ascii=False, sort_keys=True))
    else:
        print(
            f"ratefloat: {counts['employers']:,} employers, {counts['rated']:,} rated, "
            f"{counts['rejected']:,} rejected; table {provenance['table_id']} "
            f"sha256:{provenance['table_hash'][:12]}; {engine}, {run.partitions} partitions; "
            f"{total:.2f}s"
        )
    if args.fail_on_rejects and counts["rejected"]:
        raise _Failure(
            "data", f"{counts['rejected']:,} employers were rejected (--fail-on-rejects)"
        )
    return EXIT_CODES["ok"]


def _with_kept(frame: Any, extract: Any, keep: list[str]) -> Any:
    """``frame`` with the first value of each ``keep`` column per employer, file order."""
    present = extract.dropna(subset=["employer_id"])
    firsts = (
        present.assign(employer_id=present["employer_id"].astype(str))
        .groupby("employer_id", sort=False)[keep]
        .first()
    )
    clash = [name for name in keep if name in frame.columns]
    if clash:
        raise _Failure("usage", f"--keep: {', '.join(clash)} is already an output column")
    return frame.join(firsts, on="employer_id")


def _for_command_line(message: str) -> str:
    """Library messages speak of ``params={...}``; on the command line it is ``--param``."""
    return message.replace("params={...}", "--param NAME=VALUE (once for each)")


def _check_format_available(path: Path) -> None:
    lower = path.name.lower()
    needs = {
        ".xlsx": ("openpyxl", "excel"),
        ".parquet": ("pyarrow", "parquet"),
        ".pq": ("pyarrow", "parquet"),
    }
    for suffix, (module, extra) in needs.items():
        if lower.endswith(suffix):
            try:
                __import__(module)
            except ImportError:
                raise _Failure(
                    "cannot_create",
                    f"writing {str(path)!r} needs {module}: pip install 'ratefloat[{extra}]'",
                ) from None


def _aggregate_claims(args: argparse.Namespace) -> int:
    from .claims import CLAIM_ALIASES, aggregate_claims
    from .errors import SchemaError
    from .io import ExtractReadError, read_column_mapping, read_extract, write_frame
    from .outputs import OutputPathError, check_output_paths

    inputs = [args.claims, *([args.columns] if args.columns else [])]
    try:
        target = check_output_paths(
            {"employer-years": args.output},
            inputs=[i for i in inputs if i != "-"],
            suffixes={"employer-years": _OUTPUT_SUFFIXES},
            mkdir=args.mkdir,
        )["employer-years"]
    except OutputPathError as exc:
        raise _Failure("cannot_create", str(exc)) from None
    try:
        mapping = {**CLAIM_ALIASES, **(read_column_mapping(args.columns) if args.columns else {})}
        claims = read_extract(args.claims, encoding=args.encoding, mapping=mapping)
    except FileNotFoundError as exc:
        raise _Failure("no_input", str(exc)) from None
    except (ExtractReadError, ValueError, OSError, ImportError) as exc:
        raise _Failure("no_input", f"cannot read {args.claims!r}: {exc}") from None
    try:
        employer_years = aggregate_claims(claims, args.attribution)
    except SchemaError as exc:
        raise _Failure("no_input", f"{args.claims}: {exc}") from None
    try:
        write_frame(employer_years, target)
    except OSError as exc:
        raise _Failure("cannot_create", f"cannot write {str(target)!r}: {exc}") from None
    print(
        f"ratefloat: {len(claims):,} claims -> {len(employer_years):,} employer-years "
        f"(attributed by {args.attribution} year) in {target}"
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
    from .errors import RuleTableError
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
    """``out/rated.csv.gz`` → ``out/rated.<label>.csv.gz`` (or ``.<label><suffix>``)."""
    name = path.name
    ending = next((s for s in _OUTPUT_SUFFIXES if name.lower().endswith(s)), path.suffix)
    stem = name[: len(name) - len(ending)] if ending else name
    return path.with_name(f"{stem}.{label}{suffix or ending}")


def _progress(args: argparse.Namespace, message: str) -> None:
    if not args.quiet and sys.stderr.isatty():
        print(f"… {message}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
