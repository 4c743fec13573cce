"""A closed stdout (``| head -c 10``, the default in GitHub Actions) never turns a FAIL into a
pass: the run goes on with its output dropped and exits with the verdict, quietly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from fixtures.imagegen import ImageSpec, LayerSpec, M, write_docker_save

WASTE = 200_000


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    d = tmp_path_factory.mktemp("imgs")
    clean = ImageSpec([LayerSpec([M("app/bin", size=WASTE)])])
    # the same 200 kB file written in two layers: dive counts 400 kB wasted
    wasteful = ImageSpec(
        [LayerSpec([M("app/big.bin", size=WASTE, seed=1)]), LayerSpec([M("app/big.bin", size=WASTE, seed=2)])]
    )
    write_docker_save(d / "clean.tar", clean)
    write_docker_save(d / "wasteful.tar", wasteful)
    return d


def _run_closed(cwd, *argv: str) -> subprocess.CompletedProcess:
    """Run with stdout a pipe whose reader has already gone: every write fails with EPIPE."""
    r, w = os.pipe()
    os.close(r)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")}
    try:
        return subprocess.run(
            [sys.executable, "-m", "layerscope", *argv], cwd=cwd, env=env, stdout=w, stderr=subprocess.PIPE, timeout=120
        )
    finally:
        os.close(w)


def _quiet(err: bytes) -> bool:
    return b"Traceback" not in err and b"Exception ignored" not in err and b"Broken pipe" not in err


@pytest.mark.parametrize("fmt", ["dive", "github", "junit", "markdown"])
def test_fail_stays_fail(images, fmt):
    r = _run_closed(images, "--ci", "wasteful.tar", "--highestWastedBytes", "1000", "--format", fmt)
    assert r.returncode == 1 and _quiet(r.stderr), r.stderr


def test_pass_stays_pass(images):
    r = _run_closed(images, "--ci", "clean.tar")
    assert r.returncode == 0 and _quiet(r.stderr), r.stderr


def test_pipefail_head(images):
    """The report's own reproduction, through a real shell pipeline."""
    r = subprocess.run(
        [
            "bash",
            "-c",
            f"set -o pipefail; {sys.executable} -m layerscope --ci wasteful.tar "
            "--highestWastedBytes 1000 | head -c 10 >/dev/null",
        ],
        cwd=images,
        stderr=subprocess.PIPE,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "CI"},
    )
    assert r.returncode == 1 and _quiet(r.stderr), r.stderr


def test_diff_gate_fail_stays_fail(images):
    r = _run_closed(images, "diff", "clean.tar", "wasteful.tar", "--max-increase", "1", "--no-step-summary")
    assert r.returncode == 1 and _quiet(r.stderr), r.stderr


@pytest.mark.parametrize(
    "argv", [("report", "clean.tar"), ("report", "clean.tar", "--format", "json"), ("explain", "wasteful.tar")]
)
def test_report_and_explain_quiet(images, argv):
    r = _run_closed(images, *argv)
    assert r.returncode == 0 and _quiet(r.stderr), r.stderr


def test_stdout_full_is_an_error(images):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        r = subprocess.run(
            [sys.executable, "-m", "layerscope", "--ci", "clean.tar"],
            cwd=images,
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    assert r.returncode == 2 and b"layerscope: cannot write to standard output" in r.stderr, r.stderr
    assert _quiet(r.stderr)


@pytest.mark.parametrize(
    "argv",
    [("clean.tar", "--json", "-"), ("report", "clean.tar", "-o", "/dev/stdout"), ("explain", "clean.tar", "-o", "-")],
)
def test_output_named_as_stdout_and_lost_is_an_error(images, argv):
    """When the user names stdout as *the* output (``--json -``, ``-o /dev/stdout``), losing it
    is not a pass: exit 2 with one line."""
    r = _run_closed(images, *argv)
    lines = r.stderr.decode().strip().splitlines()
    assert r.returncode == 2, r.stderr
    assert lines[-1].startswith("layerscope: cannot write ") and b"Traceback" not in r.stderr


def test_json_to_stdout_is_the_document_alone(images):
    """dive's status lines go to stderr when the JSON goes to stdout, so the output parses."""
    import json

    r = subprocess.run(
        [sys.executable, "-m", "layerscope", "clean.tar", "--json", "-"], cwd=images, capture_output=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert set(json.loads(r.stdout)) == {"layer", "image"}
    assert b"Exporting image to '-'" in r.stderr


def test_version_to_a_closed_pipe_is_quiet(images):
    r = _run_closed(images, "version")
    assert r.returncode == 0 and _quiet(r.stderr) and not r.stderr, r.stderr
