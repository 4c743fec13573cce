"""``layerscope report`` baselines, the round trip through them, outputs, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.report import pairs as P

DEMO = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures", "demo.tar"
)


@pytest.fixture
def grown(tmp_path):
    P.write(tmp_path / "b.tar", P.BASE, "oci")
    P.write(tmp_path / "h.tar", P.head_grown(), "oci")
    return tmp_path


def test_baseline_round_trip_equals_direct_diff(grown, run):
    t = grown
    r = run("report", str(t / "b.tar"), "--format", "json", "-o", str(t / "base.json"))
    assert (r.code, r.out, r.err) == (0, "", "")
    direct = run(
        "diff",
        str(t / "b.tar"),
        str(t / "h.tar"),
        "--format",
        "json",
        "--top",
        "0",
        "--max-increase",
        "1MB",
        "--lowestEfficiency",
        "0.5",
    ).json()
    via = run(
        "diff",
        str(t / "base.json"),
        str(t / "h.tar"),
        "--format",
        "json",
        "--top",
        "0",
        "--max-increase",
        "1MB",
        "--lowestEfficiency",
        "0.5",
    ).json()
    assert via["base"].pop("origin") == "baseline" and direct["base"].pop("origin") == "image"
    assert via == direct
    # and both sides as baselines
    run("report", str(t / "h.tar"), "--format", "json", "-o", str(t / "head.json"))
    both = run(
        "diff",
        str(t / "base.json"),
        str(t / "head.json"),
        "--format",
        "json",
        "--top",
        "0",
        "--max-increase",
        "1MB",
        "--lowestEfficiency",
        "0.5",
    ).json()
    both["head"].pop("origin"), both["base"].pop("origin")
    direct["head"].pop("origin")
    assert both == direct


def test_baseline_contents_from_inputs(grown, run):
    doc = json.loads(run("report", str(grown / "b.tar"), "--format", "json").out)
    assert doc["schema"] == "layerscope/baseline" and doc["version"] == 1
    assert doc["files"] == P.final_files(P.BASE)
    assert [lay["size"] for lay in doc["layers"]] == [P.layer_bytes(lay) for lay in P.BASE.layers]
    assert doc["totals"]["size"] == P.image_bytes(P.BASE)
    info = P.write(grown / "b2.tar", P.BASE, "oci")[0]  # same inputs, same bytes
    assert [lay["compressed_size"] for lay in doc["layers"]] == P.blob_sizes(grown / "b2.tar", info)
    assert doc["totals"]["compressed_size"] == sum(P.blob_sizes(grown / "b2.tar", info))
    assert doc["totals"]["efficiency"] == P.dive_numbers(P.BASE).efficiency


def test_report_text_mentions_the_layers(grown, run):
    r = run("report", str(grown / "b.tar"))
    assert r.code == 0 and "pip install app" in r.out and "66 kB" in r.out  # 66,500 B


def test_output_file_and_step_summary(grown, run, monkeypatch):
    summary = grown / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    out = grown / "report.json"
    r = run("diff", str(grown / "b.tar"), str(grown / "h.tar"), "--format", "json", "-o", str(out))
    assert (r.code, r.out) == (0, "")
    assert json.loads(out.read_text())["totals"]["size"]["delta"] == 12_000
    text = summary.read_text()
    assert text.startswith("earlier step\n<!-- layerscope:report -->\n")  # appended, markdown
    run("diff", str(grown / "b.tar"), str(grown / "h.tar"), "--format", "json", "-o", str(out))
    assert summary.read_text().count("<!-- layerscope:report -->") == 2
    run("diff", str(grown / "b.tar"), str(grown / "h.tar"), "--no-step-summary", "-o", str(out))
    assert summary.read_text().count("<!-- layerscope:report -->") == 2
    assert "Image grew" in out.read_text()  # text format to a file: plain, no ANSI
    assert "\x1b[" not in out.read_text()


# ----------------------------------------------------------------------------- bad input
def one_line(r) -> str:
    assert r.code == 2 and r.out == ""
    lines = r.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("layerscope: "), r.err
    assert "Traceback" not in r.err
    return lines[0]


@pytest.fixture
def watched(grown, monkeypatch):
    """Paths that must stay untouched when an input is bad."""
    summary = grown / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    return grown, summary, grown / "out.md"


def check_nothing_written(summary, out):
    assert not summary.exists() and not out.exists()
    assert not [p for p in os.listdir(out.parent) if p.startswith(".layerscope-")]


@pytest.mark.parametrize("side", ["base", "head"])
def test_unreadable_side_names_the_side(watched, run, side):
    t, summary, out = watched
    (t / "junk.tar").write_bytes(b"this is not a tar archive at all" * 40)
    for bad in (str(t / "missing.tar"), str(t / "junk.tar")):
        args = [bad, str(t / "h.tar")] if side == "base" else [str(t / "b.tar"), bad]
        line = one_line(run("diff", *args, "-o", str(out)))
        assert line.startswith(f"layerscope: {side}: "), line
    check_nothing_written(summary, out)


def test_unknown_baseline_version(watched, run):
    t, summary, out = watched
    run("report", str(t / "b.tar"), "--format", "json", "-o", str(t / "base.json"))
    doc = json.loads((t / "base.json").read_text())
    doc["version"] = 7
    (t / "base.json").write_text(json.dumps(doc))
    line = one_line(run("diff", str(t / "base.json"), str(t / "h.tar"), "-o", str(out)))
    assert line.startswith("layerscope: base: baseline ") and "unsupported baseline schema version 7" in line
    check_nothing_written(summary, out)


def _edit(fn):
    """A mutation of the parsed baseline, written back as JSON."""

    def mutate(text: str) -> str:
        doc = json.loads(text)
        fn(doc)
        return json.dumps(doc)

    return mutate


@pytest.mark.parametrize(
    "mutate,needle",
    [
        (lambda text: text[: len(text) // 2], "corrupt baseline JSON"),
        (lambda text: "\xff" + text, "corrupt baseline JSON"),
        (lambda text: "", "corrupt baseline JSON"),
        (lambda text: "[1, 2]", "not a layerscope baseline"),
        (
            _edit(lambda d: d["layers"][0].__setitem__("size", "57300")),
            "'layers[0].size' must be a non-negative integer",
        ),
        (_edit(lambda d: d["layers"][1].pop("diff_id")), "'layers[1].diff_id' is missing"),
        (_edit(lambda d: d["files"].__setitem__("/etc/os-release", -1)), "must be a non-negative integer"),
        (_edit(lambda d: d["files"].pop("/etc/os-release")), "totals.files"),
        (_edit(lambda d: d["totals"].__setitem__("efficiency", 1.5)), "totals.efficiency"),
        (_edit(lambda d: d.pop("inefficient_files")), "'inefficient_files' is missing"),
    ],
)
def test_corrupt_baseline(watched, run, mutate, needle):
    t, summary, out = watched
    run("report", str(t / "b.tar"), "--format", "json", "-o", str(t / "base.json"))
    text = (t / "base.json").read_text()
    bad = mutate(text)
    assert bad != text
    (t / "base.json").write_text(bad, encoding="latin-1" if bad.startswith("\xff") else "utf-8")
    line = one_line(run("diff", str(t / "h.tar"), str(t / "base.json"), "-o", str(out)))
    assert line.startswith("layerscope: head: baseline ") and needle in line, line
    check_nothing_written(summary, out)


def test_edited_baseline_totals_are_caught(watched, run):
    t, summary, out = watched
    run("report", str(t / "b.tar"), "--format", "json", "-o", str(t / "base.json"))
    doc = json.loads((t / "base.json").read_text())
    doc["layers"][0]["size"] += 1
    (t / "base.json").write_text(json.dumps(doc))
    line = one_line(run("diff", str(t / "base.json"), str(t / "h.tar")))
    assert "totals.size" in line


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--max-increase", "10XB"], "--max-increase"),
        (["--max-increase-percent", "-3"], "--max-increase-percent"),
        (["--lowestEfficiency", "abc"], "lowestEfficiency"),
        (["--ci-config", "/nonexistent/.dive-ci"], "--ci-config"),
        (["--top", "-1"], "--top"),
        (["--format", "html"], "--format"),
        (["--bogus"], "--bogus"),
    ],
)
def test_bad_options(watched, run, args, needle):
    t, summary, out = watched
    # the images are never read: a missing archive would otherwise be the error
    line = one_line(run("diff", str(t / "missing.tar"), str(t / "h.tar"), "-o", str(out), *args))
    assert needle in line and "base:" not in line, line
    check_nothing_written(summary, out)


def test_unwritable_output(grown, run):
    line = one_line(run("diff", str(grown / "b.tar"), str(grown / "h.tar"), "-o", str(grown / "no" / "dir.md")))
    assert "cannot write" in line


def test_help_exits_zero(run):
    assert run("diff", "--help").code == 0
    assert run("report", "--help").code == 0


def _cli_dispatches_diff() -> bool:
    """True once layerscope/cli.py hands ``layerscope diff`` to layerscope.commands.diff."""
    r = subprocess.run([sys.executable, "-m", "layerscope", "diff", "--help"], capture_output=True, text=True)
    return r.returncode == 0 and "layerscope diff" in r.stdout


@pytest.mark.skipif(not _cli_dispatches_diff(), reason="the CLI does not dispatch 'diff' yet")
def test_through_the_real_cli(grown):
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "layerscope",
            "diff",
            str(grown / "b.tar"),
            str(grown / "h.tar"),
            "--format",
            "json",
            "--max-increase",
            "1kB",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.returncode == 1 and json.loads(ok.stdout)["verdict"]["failed_gates"] == ["max-increase"]
    bad = subprocess.run(
        [sys.executable, "-m", "layerscope", "diff", str(grown / "nope.tar"), str(grown / "h.tar")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2 and bad.stdout == "" and len(bad.stderr.splitlines()) == 1
    assert bad.stderr.startswith("layerscope: base: ")


def test_output_named_json_is_a_baseline_diff_reads(run, tmp_path):
    """The README's workflow as written: ``report IMAGE -o base.json`` then ``diff base.json IMAGE``."""
    from layerscope.report.model import load_baseline

    base = tmp_path / "base.json"
    assert run("report", str(DEMO), "-o", str(base)).code == 0
    snap = load_baseline(str(base), "base")
    assert snap.layers and snap.size > 0
    assert run("diff", str(base), str(DEMO)).code == 0


def test_explicit_text_format_wins_over_the_suffix(run, tmp_path):
    out = tmp_path / "table.json"
    assert run("report", str(DEMO), "--format", "text", "-o", str(out)).code == 0
    assert not out.read_text().lstrip().startswith("{")


def test_image_picks_one_of_a_multi_image_archive(run):
    """``--image`` as the main command and ``explain`` take it; both tags of the fixture differ."""
    multi = os.path.join(os.path.dirname(DEMO), "multi-image.tar")
    first = run("report", multi, "--format", "json", "--image", "layerscope/demo:latest")
    second = run("report", multi, "--format", "json", "--image", "layerscope/demo:second")
    assert first.code == second.code == 0
    assert first.json()["image"]["tags"] == ["layerscope/demo:latest"]
    assert second.json()["image"]["tags"] == ["layerscope/demo:second"]
    assert first.json()["layers"] != second.json()["layers"]
    missing = run("report", multi, "--image", "nope:x")
    assert missing.code == 2 and "nope:x" in missing.err
