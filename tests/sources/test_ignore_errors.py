"""``ignore-errors`` (``-i``, the ``.dive.yaml`` key, ``DIVE_IGNORE_ERRORS``).

What it covers: a layer blob that cannot be parsed — a malformed tar member header, a layer
truncated inside a complete outer member, a member name that escapes the layer root, a blob that
is no tar at all — is skipped (shown empty) with a warning naming it, in CI mode and ``--json``
alike.  What stays fatal with it: an archive that cannot be opened or is itself truncated, a
missing manifest, a layer the manifest names that is not there, a resource bound.  Without it,
every case is one line and exit 2, as before.  Archives are built byte by byte at test time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from layerscope.cli import main
from tests.hardening.tarbuild import docker_save, header, member, reg, tar

GOOD = tar(reg("etc/a", b"hello"))
LAST = tar(reg("srv/c", b"ccc"))

SKIPPABLE = {
    "bad-checksum": tar(reg("ok", b"1"))[:1024] + member(header("x", 1, checksum=b"0000000\0"), b"z") + bytes(1024),
    "truncated-layer": tar(reg("etc/b", b"x" * 600))[:700],
    "escaping-name": tar(reg("../../escape", b"e")),
    "not-a-tar": b"\x00\x01garbage" * 100,
}


def write(tmp_path: Path, middle: bytes) -> str:
    p = tmp_path / "img.tar"
    p.write_bytes(docker_save([GOOD, middle, LAST], layer_names=["l0/layer.tar", "l1/layer.tar", "l2/layer.tar"]))
    return str(p)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for var in ("DIVE_IGNORE_ERRORS", "LAYERSCOPE_IGNORE_ERRORS", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "CI"):
        monkeypatch.delenv(var, raising=False)


@pytest.mark.parametrize("case", sorted(SKIPPABLE))
def test_without_it_a_bad_layer_is_one_line_exit_2(case, tmp_path, capsys):
    archive = write(tmp_path, SKIPPABLE[case])
    assert main(["--ci", archive]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("layerscope: ") and "l1/layer.tar" in err[0]


@pytest.mark.parametrize("how", ["flag", "long-flag", "env", "config"])
@pytest.mark.parametrize("case", sorted(SKIPPABLE))
def test_with_it_the_layer_is_skipped_with_a_warning(case, how, tmp_path, capsys, monkeypatch):
    archive = write(tmp_path, SKIPPABLE[case])
    argv = ["--json", str(tmp_path / "out.json"), archive]
    if how == "flag":
        argv.insert(0, "-i")
    elif how == "long-flag":
        argv.insert(0, "--ignore-errors")
    elif how == "env":
        monkeypatch.setenv("DIVE_IGNORE_ERRORS", "true")
    else:
        cfg = tmp_path / "dive.yaml"
        cfg.write_text("ignore-errors: true\n")
        argv[:0] = ["--config", str(cfg)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "layer 1 skipped (ignore-errors): layer l1/layer.tar" in err
    doc = json.loads((tmp_path / "out.json").read_text())
    assert len(doc["layer"]) == 3
    # the good layers are intact, the bad one is empty
    assert [lay["sizeBytes"] for lay in doc["layer"]] == [5, 0, 3]


def test_ci_verdict_still_computed(tmp_path, capsys):
    archive = write(tmp_path, SKIPPABLE["truncated-layer"])
    assert main(["-i", "--ci", archive]) == 0
    out = capsys.readouterr()
    assert "Result:PASS" in out.out and "skipped (ignore-errors)" in out.err


def _truncated_outer(tmp_path: Path) -> str:
    data = docker_save([GOOD, LAST])
    p = tmp_path / "cut.tar"
    p.write_bytes(data[: 1536 + 100])  # inside the second member's data
    return str(p)


def _no_manifest(tmp_path: Path) -> str:
    p = tmp_path / "nomanifest.tar"
    p.write_bytes(tar(reg("l0/layer.tar", GOOD)))
    return str(p)


def _missing_layer(tmp_path: Path) -> str:
    man = json.dumps([{"Config": "c.json", "RepoTags": [], "Layers": ["l0/layer.tar", "gone/layer.tar"]}]).encode()
    cfg = json.dumps({"rootfs": {"diff_ids": ["sha256:" + "0" * 64] * 2}, "history": []}).encode()
    p = tmp_path / "missing.tar"
    p.write_bytes(tar(reg("l0/layer.tar", GOOD), reg("c.json", cfg), reg("manifest.json", man)))
    return str(p)


@pytest.mark.parametrize(
    "make,extra,match",
    [
        (lambda t: "docker-archive://" + str(t / "does-not-exist.tar"), [], "does-not-exist.tar"),
        (_truncated_outer, [], "truncated"),
        (_no_manifest, [], "manifest"),
        (_missing_layer, [], "gone/layer.tar"),
        (lambda t: write(t, SKIPPABLE["escaping-name"]), ["--max-entries", "1"], "--max-entries"),
    ],
)
def test_what_stays_fatal_with_it(make, extra, match, tmp_path, capsys):
    archive = make(tmp_path)
    assert main(["-i", "--ci", *extra, archive]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("layerscope: ") and match in err[0]


@pytest.mark.parametrize("command", ["report", "explain", "diff"])
def test_sub_commands_take_it_too(command, tmp_path, capsys):
    """``diff`` / ``report`` / ``explain`` stop on a bad layer, or with ``-i`` show it empty and say so."""
    img = write(tmp_path, SKIPPABLE["not-a-tar"])
    argv = [command, img] + ([img] if command == "diff" else [])
    assert main(argv) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert main([*argv, "-i"]) == 0
    err = capsys.readouterr().err
    assert "layer 1 skipped (ignore-errors)" in err
