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


# ---------------------------------------------------------------- the shared flags, declared once
def _dests(parser) -> set[str]:  # noqa: ANN001
    return {a.dest for a in parser._actions if a.dest != "help"}


def test_rule_flags_are_dives_rule_keys():
    from layerscope.ci.rules import RULE_KEYS
    from layerscope.cli_args import RULE_FLAGS

    assert [dest for dest, *_ in RULE_FLAGS] == list(RULE_KEYS)


def test_top_level_defaults_are_the_typed_defaults():
    """What build leaves out takes AnalyzeArgs' defaults: they must be the top level's."""
    from layerscope.cli import build_parser
    from layerscope.settings import AnalyzeArgs

    assert AnalyzeArgs.from_namespace(build_parser().parse_args(["x"])) == AnalyzeArgs(image="x")


def test_every_top_level_flag_reaches_the_typed_args():
    """A dest that is no AnalyzeArgs field (or rule flag) would be dropped silently."""
    import dataclasses

    from layerscope.cli import build_parser
    from layerscope.cli_args import RULE_FLAGS
    from layerscope.settings import AnalyzeArgs

    fields = {f.name for f in dataclasses.fields(AnalyzeArgs)} | {d for d, *_ in RULE_FLAGS}
    assert _dests(build_parser()) <= fields


@pytest.mark.parametrize("command", ["diff", "report", "explain"])
def test_sub_commands_take_the_shared_read_flags(command):
    import importlib

    from layerscope.settings import ReadArgs

    parser = importlib.import_module(f"layerscope.commands.{command}").build_parser()
    images = ["a.tar", "b.tar"] if command == "diff" else ["a.tar"]
    ns = parser.parse_args([*images, "--no-cache", "--insecure", "--platform", "linux/arm64", "-i", "-q"])
    got = ReadArgs.from_namespace(ns)
    assert (got.cache, got.insecure, got.platform, got.ignore_errors, ns.quiet) == (
        False,
        True,
        "linux/arm64",
        True,
        True,
    )
    assert ReadArgs.from_namespace(parser.parse_args(images)).cache is True


def test_build_parser_gives_no_defaults():
    from layerscope.commands.build import build_parser

    assert vars(build_parser().parse_args([])) == {}


def test_parent_parsers_compose_a_new_command():
    """What a new sub-command (``layerscope packages``) builds its parser from."""
    from layerscope.argparsing import ArgumentParser
    from layerscope.cli_args import quiet_parent, read_parent
    from layerscope.settings import ReadArgs

    p = ArgumentParser(prog="layerscope packages", parents=[read_parent(), quiet_parent()])
    p.add_argument("image")
    ns = p.parse_args(["img.tar", "--no-cache", "--max-entries", "5", "--image", "a:1"])
    assert ReadArgs.from_namespace(ns) == ReadArgs(cache=False, max_entries=5, image_select="a:1")
    with pytest.raises(Exception, match=r"layerscope: |packages: argument --max-bytes"):
        p.parse_args(["img.tar", "--max-bytes", "0"])


def test_dispatch_table_names_every_sub_command():
    from layerscope.cli import COMMANDS

    assert set(COMMANDS) >= {"diff", "report", "explain", "build", "packages"}
    assert all(module == f"layerscope.commands.{name}" for name, module in COMMANDS.items())
