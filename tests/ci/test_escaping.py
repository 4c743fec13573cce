"""Text from the image escaped per output: a forbidden file whose name holds a newline, ESC or
other control characters can neither forge a workflow command, break the JUnit XML, drive the
terminal, nor break out of the Markdown summary."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from fixtures.imagegen import ImageSpec, LayerSpec, M, write_docker_save

NEWLINE = "evil\n::error file=x.py,line=1::pwned.pem"
CONTROL = "ctl\x01\x1b]0;title\x07\x1b[31m.pem"
TICKS = "tick`` | `x`.pem"
RULES = "rules:\n  lowestEfficiency: 0\nlayerscope:\n  forbid: ['*.pem']\n"


@pytest.fixture
def evil(ci, tmp_path):
    write_docker_save(
        tmp_path / "evil.tar",
        ImageSpec([LayerSpec([M(NEWLINE, data=b"k"), M(CONTROL, data=b"k"), M(TICKS, data=b"k")])]),
    )
    return ci


def test_default_output_forges_no_workflow_command(evil):
    r = evil("--ci", "evil.tar", dive_ci=RULES)
    assert r.code == 1
    lines = r.out.splitlines()
    assert not [ln for ln in lines if ln.startswith("::")]
    assert "\x1b]0;" not in r.out and "\x07" not in r.out and "\x01" not in r.out
    assert "evil\\n::error file=x.py,line=1::pwned.pem" in r.out  # visible, on its line


def test_github_annotations_one_command_per_rule(evil):
    r = evil("--ci", "evil.tar", "--format", "github", dive_ci=RULES)
    commands = [ln for ln in r.out.splitlines() if ln.startswith("::")]
    assert len(commands) == 2  # the forbid error and the notice
    forbid = commands[0]
    assert forbid.startswith("::error title=layerscope forbid::")
    assert "evil%0A::error file=x.py,line=1::pwned.pem" in forbid


def test_github_annotations_on_stderr_in_actions(evil):
    r = evil("--ci", "evil.tar", dive_ci=RULES, env={"GITHUB_ACTIONS": "true"})
    commands = [ln for ln in r.err.splitlines() if ln.startswith("::")]
    assert len(commands) == 2 and "\x1b" not in commands[0] and "ctl\\x01\\x1b]0;title\\x07" in commands[0]
    assert not [ln for ln in r.out.splitlines() if ln.startswith("::")]


def test_junit_is_well_formed(evil):
    r = evil("--ci", "evil.tar", "--format", "junit", dive_ci=RULES)
    root = ET.fromstring(r.out.encode("utf-8"))
    failure = next(root.iter("failure"))
    assert "evil\n::error" in failure.text and "ctl\\x01\\x1b]0;title\\x07" in failure.text


def test_markdown_summary_cannot_be_broken(evil):
    r = evil("--ci", "evil.tar", "--format", "markdown", dive_ci=RULES)
    row = next(ln for ln in r.out.splitlines() if ln.startswith("| `forbid`") or "forbid" in ln and ln.startswith("|"))
    cells = [c for c in __import__("re").split(r"(?<!\\)\|", row)][1:-1]
    assert len(cells) == 4, row  # Rule | Set | Status | Message: the name's pipe did not add a cell
    assert "\x1b" not in r.out and "\x01" not in r.out
    assert "::error file" in cells[3] and "\n" not in row
