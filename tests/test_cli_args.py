"""Every command's usage errors: one line ``layerscope: <command>: <message> (see --help)``, exit 2.

argparse's default prints the whole usage block (11 lines for ``layerscope``) before the
message; a pipeline greps one line.  The top-level command has no sub-command name to show.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from layerscope.cli import main

CASES = [
    # (argv, the command prefix, a fragment of the message)
    (["--max-bytes", "lots", "img.tar"], "", "argument --max-bytes: invalid size 'lots'"),
    (["--max-bytes", "0", "img.tar"], "", "argument --max-bytes: invalid size '0': must be at least 1 byte"),
    (["--max-bytes", "-5", "img.tar"], "", "argument --max-bytes: invalid size '-5'"),
    (["--max-entries", "-5", "img.tar"], "", "argument --max-entries: invalid value '-5': must be ≥ 1"),
    (["--max-entries", "0", "img.tar"], "", "argument --max-entries: invalid value '0': must be ≥ 1"),
    (["--max-entries", "9" * 5000, "img.tar"], "", "argument --max-entries: invalid value"),
    (["--format", "xml", "img.tar"], "", "argument --format: invalid choice: 'xml'"),
    (["--no-such-flag", "img.tar"], "", "unrecognized arguments: --no-such-flag"),
    (["diff", "a.tar"], "diff: ", "the following arguments are required: head"),
    (["diff", "a.tar", "b.tar", "--max-entries", "-5"], "diff: ", "argument --max-entries: invalid value '-5'"),
    (["diff", "a.tar", "b.tar", "--max-bytes", "0"], "diff: ", "argument --max-bytes: invalid size '0'"),
    (["report"], "report: ", "the following arguments are required: image"),
    (["report", "a.tar", "--max-entries", "0"], "report: ", "argument --max-entries: invalid value '0'"),
    (["explain", "a.tar", "--top", "x"], "explain: ", "argument --top: invalid --top 'x'"),
    (["explain", "a.tar", "--max-bytes", "-1"], "explain: ", "argument --max-bytes: invalid size '-1'"),
    (["build", "--format", "xml", "-t", "x", "."], "build: ", "argument --format: invalid choice: 'xml'"),
    (["build", "--source", "lxc", "-t", "x", "."], "build: ", "argument --source/--engine/--container-engine"),
]


@pytest.mark.parametrize("argv, command, fragment", CASES, ids=[" ".join(c[0])[:40] for c in CASES])
def test_usage_error_is_one_line_exit_2(argv, command, fragment, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing is read: the flags are refused first
    code = main(argv)
    cap = capsys.readouterr()
    lines = cap.err.splitlines()
    assert code == 2 and cap.out == "" and len(lines) == 1, cap.err
    assert lines[0].startswith(f"layerscope: {command}{fragment}") and lines[0].endswith(" (see --help)")


def test_console_entry_point_prints_one_line():
    """The installed entry point, not only main(): no usage block reaches stderr."""
    r = subprocess.run(
        [sys.executable, "-m", "layerscope", "--max-bytes", "x", "img.tar"], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "usage:" not in r.stderr


@pytest.mark.parametrize("argv", [["diff", "--help"], ["report", "--help"], ["explain", "--help"]])
def test_help_still_prints_help(argv, capsys):
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith(f"usage: layerscope {argv[0]}")


def test_positive_values_are_accepted():
    from layerscope.argparsing import positive_count, positive_size

    assert positive_count("1") == 1 and positive_count("10_000_000") == 10_000_000
    assert positive_size("1") == 1 and positive_size("64GiB") == 64 << 30 and positive_size("20Mb") == 20_000_000
