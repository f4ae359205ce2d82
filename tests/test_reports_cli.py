"""``ratefloat report …`` on the example inputs: outputs, messages and exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from ratefloat.cli import EXIT_CODES, main
from ratefloat.reports import key_industries

EXAMPLES = Path(__file__).parent.parent / "examples"
REPORTS = EXAMPLES / "reports"
INPUTS = [
    "--register",
    str(REPORTS / "register.csv"),
    "--extract",
    str(REPORTS / "extract.csv"),
    "--accidents",
    str(REPORTS / "accidents.csv"),
]


def read_inputs():
    keep = {"employer_id": str, "industry_code": str}
    return tuple(
        pd.read_csv(REPORTS / f"{n}.csv", dtype=keep) for n in ("register", "extract", "accidents")
    )


def test_key_industries_writes_the_table_and_rejects(tmp_path, capsys):
    out = tmp_path / "annex.csv"
    code = main(
        [
            "report",
            "key-industries",
            *INPUTS,
            "--year",
            "2020",
            "-o",
            str(out),
            "--unit",
            "示例市",
            "--person",
            "李四",
            "--phone",
            "123",
        ]
    )
    assert code == EXIT_CODES["ok"]
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].startswith("填报单位：示例市")
    expected = key_industries(*read_inputs(), year=2020)
    total = expected.set_index("重点行业名称").loc["合计"]
    assert lines[10].split(",")[:5] == ["合计", *(str(total[c]) for c in expected.columns[1:5])]
    rejects = pd.read_csv(tmp_path / "annex.rejects.csv")
    # The example has one broken register row and one accident of an unknown employer.
    assert sorted(rejects["reason"]) == ["NOT_NUMERIC", "UNKNOWN_EMPLOYER"]
    assert "2 rows rejected" in capsys.readouterr().out


def test_fail_on_rejects_exits_65_after_writing(tmp_path):
    out = tmp_path / "annex.xlsx"
    code = main(
        ["report", "key-industries", *INPUTS, "--year", "2020", "-o", str(out), "--fail-on-rejects"]
    )
    assert code == EXIT_CODES["data"] and out.exists()


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        (["-o", "{tmp}/annex.pdf"], "usage", "use a .xlsx or .csv file"),
        (["-o", str(REPORTS / "register.csv")], "cannot_create", "is an input; refusing"),
        (["--accidents", "{tmp}/none.csv"], "no_input", "accident list .* does not exist"),
        (["--industries", "cn-shandong-2012"], "config", "neither a built-in"),
        (["--rejects", "{tmp}/r.txt"], "usage", "--rejects"),
    ],
)
def test_errors_have_the_command_exit_codes(tmp_path, capsys, change, code, message):
    args = ["report", "key-industries", *INPUTS, "--year", "2020", "-o", str(tmp_path / "a.csv")]
    change = [c.replace("{tmp}", str(tmp_path)) for c in change]
    position = args.index(change[0]) if change[0] in args else None
    if position is not None:
        args[position + 1] = change[1]
    else:
        args += change
    assert main(args) == EXIT_CODES[code]
    assert re.search(message, capsys.readouterr().err)


def test_an_output_that_is_an_input_is_refused(tmp_path, capsys):
    register = tmp_path / "register.csv"
    register.write_bytes((REPORTS / "register.csv").read_bytes())
    args = [
        "report",
        "key-industries",
        "--register",
        str(register),
        *INPUTS[2:],
        "--year",
        "2020",
        "-o",
        str(tmp_path / "a.csv"),
        "--rejects",
        str(register),
    ]
    assert main(args) == EXIT_CODES["cannot_create"]
    assert "is an input" in capsys.readouterr().err
    assert register.read_bytes() == (REPORTS / "register.csv").read_bytes()


def test_a_missing_column_exits_66_naming_it(tmp_path, capsys):
    register = pd.read_csv(REPORTS / "register.csv").drop(columns=["employees"])
    path = tmp_path / "register.csv"
    register.to_csv(path, index=False)
    args = [
        "report",
        "key-industries",
        "--register",
        str(path),
        *INPUTS[2:],
        "--year",
        "2020",
        "-o",
        str(tmp_path / "a.csv"),
    ]
    assert main(args) == EXIT_CODES["no_input"]
    message = "employees (persons employed at year end; or the header 从业人数 / 职工人数)"
    assert message in capsys.readouterr().err


def test_progress_writes_table_and_plot(tmp_path):
    out, plot = tmp_path / "progress.csv", tmp_path / "progress.png"
    code = main(
        ["report", "progress", *INPUTS, "--years", "2020-2022", "-o", str(out), "--plot", str(plot)]
    )
    assert code == EXIT_CODES["ok"]
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].split(",") == [
        "年度",
        "重点行业名称",
        "参加工伤保险人数",
        "工伤事故数量",
        "工伤事故发生率",
        "较基期变化",
        "目标发生率",
        "达到目标",
    ]
    assert sum(line.split(",")[1:2] == ["合计"] for line in lines) == 3
    assert plot.read_bytes().startswith(b"\x89PNG")
    again = tmp_path / "again.png"
    main(
        [
            "report",
            "progress",
            *INPUTS,
            "--years",
            "2020-2022",
            "-o",
            str(out),
            "--plot",
            str(again),
        ]
    )
    assert again.read_bytes() == plot.read_bytes()


def test_progress_years_must_parse(tmp_path, capsys):
    code = main(
        ["report", "progress", *INPUTS, "--years", "2020..2022", "-o", str(tmp_path / "p.csv")]
    )
    assert code == EXIT_CODES["usage"] and "--years" in capsys.readouterr().err


def test_notices_write_the_list_and_one_notice_per_rated_employer(tmp_path, capsys):
    out, folder = tmp_path / "list.xlsx", tmp_path / "notices"
    code = main(
        [
            "report",
            "notices",
            str(EXAMPLES / "extract.csv"),
            "--rules",
            "cn-jiangsu-2023",
            "--as-of",
            "2025-01-01",
            "-o",
            str(out),
            "--notices-dir",
            str(folder),
            "--agency",
            "示例市社保中心",
        ]
    )
    assert code == EXIT_CODES["ok"]
    rated = int(capsys.readouterr().out.split("公示 list of ")[1].split()[0].replace(",", ""))
    files = sorted(folder.glob("*.txt"))
    assert len(files) == rated > 0
    assert "向示例市社保中心书面申请复核" in files[0].read_text(encoding="utf-8")


def test_notices_with_a_bad_template_exit_78_before_reading(tmp_path, capsys):
    template = tmp_path / "t.txt"
    template.write_text("新费率 $rat", encoding="utf-8")
    code = main(
        [
            "report",
            "notices",
            str(tmp_path / "missing.csv"),
            "--rules",
            "cn-jiangsu-2023",
            "--as-of",
            "2025-01-01",
            "-o",
            str(tmp_path / "l.csv"),
            "--template",
            str(template),
        ]
    )
    assert code == EXIT_CODES["config"]
    assert "Did you mean $rate?" in capsys.readouterr().err
