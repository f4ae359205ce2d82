"""``ratefloat report …``: the seed's reports from the command line.

::

    ratefloat report key-industries --register R --extract E --accidents A --year 2020 -o t.xlsx
    ratefloat report progress --register R --extract E --accidents A --years 2020-2025 -o p.csv
    ratefloat report notices EXTRACT --rules cn-jiangsu-2023 --as-of 2025-01-01 -o list.xlsx

Exit codes are those of the ``ratefloat`` command (:data:`ratefloat.cli.EXIT_CODES`): 66 an
input is missing, unreadable or lacks a column, 78 an invalid map, table, template or
parameter, 73 an output cannot be written, 65 rows were rejected and
``--fail-on-rejects`` was given. Output suffixes are checked before any input is read.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..cli import EXIT_CODES, _Failure

__all__ = ["register_report_commands"]


def register_report_commands(subparsers: Any) -> None:
    """Add ``report key-industries``, ``report progress`` and ``report notices``."""
    report = subparsers.add_parser("report", help="the seed's reports and rate notices")
    reports = report.add_subparsers(title="reports")

    annex = reports.add_parser(
        "key-industries", help="重点行业企业基本情况表 (the seed's annex) as .xlsx or .csv"
    )
    _inputs(annex)
    annex.add_argument("--year", type=int, required=True, help="year reported (e.g. 2020)")
    annex.add_argument("-o", "--output", required=True, help="the table (.xlsx or .csv)")
    annex.add_argument("--unit", default="", help="填报单位")
    annex.add_argument("--person", default="", help="填报人")
    annex.add_argument("--phone", default="", help="联系电话")
    _rejects(annex)
    annex.set_defaults(handler=_key_industries)

    progress = reports.add_parser(
        "progress", help="key-industry accident rate per year against the 2020 baseline"
    )
    _inputs(progress)
    progress.add_argument(
        "--years", required=True, help="years, e.g. 2020-2025 or 2020,2021 (with the baseline)"
    )
    progress.add_argument("-o", "--output", required=True, help="the table (.xlsx or .csv)")
    progress.add_argument("--plot", help="also draw it (.png, .svg or .pdf; needs matplotlib)")
    _rejects(progress)
    progress.set_defaults(handler=_progress)

    notices = reports.add_parser(
        "notices", help="公示 list and one 费率浮动告知书 per rated employer"
    )
    notices.add_argument("extract", help="employer-year extract (.csv or .parquet)")
    notices.add_argument("--rules", required=True, help="built-in table id or a YAML/JSON path")
    notices.add_argument("--as-of", required=True, help="date the new rates take effect")
    notices.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a table parameter (JSON value); repeatable",
    )
    notices.add_argument("-o", "--output", required=True, help="the 公示 list (.xlsx or .csv)")
    notices.add_argument("--notices-dir", help="write one <employer_id>.txt notice per employer")
    notices.add_argument("--template", help="notice template (UTF-8 text with $placeholders)")
    notices.add_argument("--agency", default="社会保险经办机构", help="issuing agency")
    notices.add_argument("--review-period", default="公示期内", help="when 复核 may be asked")
    notices.add_argument("--contact", default="", help="the agency's contact")
    notices.add_argument("--issue-date", help="date on the notices (default: --as-of)")
    notices.set_defaults(handler=_notices)


def _inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--register", required=True, help="employer register (.csv/.parquet)")
    parser.add_argument("--extract", required=True, help="insured extract (.csv/.parquet)")
    parser.add_argument("--accidents", required=True, help="accident list (.csv/.parquet)")
    parser.add_argument(
        "--industries", help="key-industry map: built-in id or YAML path (default cn-shandong-2021)"
    )


def _rejects(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rejects", help="rejected rows (.csv; default: beside the output)")
    parser.add_argument(
        "--fail-on-rejects", action="store_true", help="exit 65 if any row was rejected"
    )


def _check_outputs(args: argparse.Namespace, outputs: dict[str, tuple[str, ...]]) -> None:
    """Refuse unknown suffixes and outputs that are inputs, before reading anything."""
    inputs = {
        Path(p).resolve()
        for p in (getattr(args, n, None) for n in ("register", "extract", "accidents", "template"))
        if p
    }
    for option, suffixes in outputs.items():
        value = getattr(args, option.lstrip("-").replace("-", "_"), None)
        if not value:
            continue
        if Path(value).suffix.lower() not in suffixes:
            raise _Failure("usage", f"{option} {value!r}: use a {' or '.join(suffixes)} file")
        if Path(value).resolve() in inputs:
            raise _Failure(
                "cannot_create", f"{option} {value!r} is an input; refusing to overwrite it"
            )


def _read(path: str, what: str) -> Any:
    from ..io import read_extract

    try:
        return read_extract(path)
    except FileNotFoundError:
        raise _Failure("no_input", f"the {what} {path!r} does not exist") from None
    except (ValueError, OSError, ImportError) as exc:
        raise _Failure("no_input", f"cannot read the {what} {path!r}: {exc}") from None


def _build(compute: Any) -> Any:
    from ..errors import ParameterError, RuleTableError, SchemaError

    try:
        return compute()
    except SchemaError as exc:
        raise _Failure("no_input", f"an input cannot be used: {exc}") from None
    except (RuleTableError, ParameterError) as exc:
        raise _Failure("config", str(exc)) from None


def _write(write: Any, what: str) -> Any:
    try:
        return write()
    except (OSError, ImportError, ValueError) as exc:
        raise _Failure("cannot_create", f"cannot write the {what}: {exc}") from None


def _three_inputs(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    return (
        _read(args.register, "register"),
        _read(args.extract, "extract"),
        _read(args.accidents, "accident list"),
    )


def _write_rejects(args: argparse.Namespace, rejects: Any) -> str:
    from ..io import write_frame

    output = Path(args.output)
    path = Path(args.rejects) if args.rejects else output.with_name(f"{output.stem}.rejects.csv")
    _write(lambda: write_frame(rejects, path), "rejects")
    return str(path)


def _finish(args: argparse.Namespace, rejected: int, line: str) -> int:
    print(line)
    if args.fail_on_rejects and rejected:
        raise _Failure("data", f"{rejected:,} rows were rejected (--fail-on-rejects)")
    return EXIT_CODES["ok"]


def _key_industries(args: argparse.Namespace) -> int:
    from .annex import key_industry_report

    _check_outputs(args, {"--output": (".xlsx", ".csv"), "--rejects": (".csv", ".parquet")})
    register, extract, accidents = _three_inputs(args)
    report = _build(
        lambda: key_industry_report(
            register, extract, accidents, year=args.year, industries=args.industries
        )
    )
    _write(
        lambda: report.write(args.output, unit=args.unit, person=args.person, phone=args.phone),
        "table",
    )
    rejects_path = _write_rejects(args, report.rejects)
    counted = len(report.employers)
    return _finish(
        args,
        len(report.rejects),
        f"ratefloat: 重点行业企业基本情况表 {args.year}: {counted:,} employers in "
        f"{len(report.industry_map.industries)} key industries, {len(report.rejects):,} rows "
        f"rejected ({rejects_path}); map {report.industry_map.id} "
        f"sha256:{report.industry_map.hash[:12]} -> {args.output}",
    )


def _parse_years(text: str) -> list[int]:
    try:
        if "-" in text:
            first, last = (int(part) for part in text.split("-", 1))
            years = list(range(first, last + 1))
        else:
            years = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        years = []
    if not years:
        raise _Failure("usage", f"--years {text!r}: write e.g. 2020-2025 or 2020,2021,2022")
    return years


def _progress(args: argparse.Namespace) -> int:
    from .progress import key_industry_progress

    _check_outputs(
        args,
        {
            "--output": (".xlsx", ".csv"),
            "--plot": (".png", ".svg", ".pdf"),
            "--rejects": (".csv", ".parquet"),
        },
    )
    years = _parse_years(args.years)
    register, extract, accidents = _three_inputs(args)
    table = _build(
        lambda: key_industry_progress(
            register, extract, accidents, years=years, industries=args.industries
        )
    )
    _write(lambda: _write_progress(table, Path(args.output)), "table")
    if args.plot:
        _write(lambda: _draw(table, args.plot), "plot")
    rejected = sum(table.attrs["rejected"].values())
    return _finish(
        args,
        rejected,
        f"ratefloat: key-industry progress {years[0]}-{years[-1]} against "
        f"{table.attrs['baseline_year']} (target {table.attrs['target_change']:+.0%} by "
        f"{table.attrs['target_year']}); {rejected:,} rows rejected over the years -> "
        f"{args.output}",
    )


def _write_progress(table: Any, path: Path) -> Path:
    from .sheets import write_table

    return write_table(
        table,
        path,
        title="重点行业工伤事故发生率 (‰) 与目标",
        text={
            "较基期变化": lambda values: [_percent_or_blank(v) for v in values],
            "达到目标": lambda values: ["是" if v else "否" for v in values],
        },
        number_formats={"较基期变化": "0.0%", "工伤事故发生率": "0.00", "目标发生率": "0.00"},
        sheet_name="progress",
    )


def _percent_or_blank(value: float) -> str:
    return "" if value != value else f"{value:+.1%}"


def _draw(table: Any, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .progress import plot_progress

    figure = plot_progress(table)
    # No version or date stamps, so the same table gives the same file.
    stamps = {".png": {"Software": None}, ".svg": {"Date": None}, ".pdf": {"CreationDate": None}}
    figure.savefig(path, metadata=stamps[Path(path).suffix.lower()])
    plt.close(figure)


def _notices(args: argparse.Namespace) -> int:
    from ..cli import _parse_params
    from ..rerate import rerate
    from .notices import load_notice_template, rate_notices, write_notices
    from .publicity import write_publicity_list

    _check_outputs(args, {"--output": (".xlsx", ".csv")})
    template = _build(lambda: load_notice_template(args.template))
    extract = _read(args.extract, "extract")
    params = _parse_params(args.param)
    result = _build(lambda: rerate(extract, rules=args.rules, as_of=args.as_of, params=params))
    _write(lambda: write_publicity_list(result, args.output), "公示 list")
    written = 0
    if args.notices_dir:
        texts = rate_notices(
            result,
            template,
            agency=args.agency,
            review_period=args.review_period,
            contact=args.contact,
            issue_date=args.issue_date,
        )
        written = len(_write(lambda: write_notices(texts, args.notices_dir), "notices"))
    print(
        f"ratefloat: 公示 list of {len(result.rated):,} rated employers "
        f"({len(result.rejects):,} rejected) -> {args.output}; {written:,} notices; "
        f"table {result.table.id} sha256:{result.table_hash[:12]}"
    )
    return EXIT_CODES["ok"]
