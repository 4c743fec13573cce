"""References that can only be paths, or name an unknown scheme, fail with what is wrong with
them instead of a "cannot connect to the Docker daemon" from a daemon that was never meant."""

from __future__ import annotations

import pytest

from layerscope.cli import main
from layerscope.errors import LayerscopeError
from layerscope.sources import pick_source


@pytest.mark.parametrize("ref", ["./missing.tar", "/nonexistent/missing.tar", "missing/dir/", "~/x.tar", "../y"])
def test_a_missing_path_is_no_such_file(ref):
    with pytest.raises(LayerscopeError, match="no such file"):
        pick_source(ref, None)


def test_an_unknown_scheme_is_named():
    with pytest.raises(LayerscopeError, match=r"unknown image source 'foo'.*registry"):
        pick_source("foo://bar", None)


@pytest.mark.parametrize(
    "ref", ["alpine", "alpine:3.20", "localhost:5000/team/app:1", "ghcr.io/a/b@sha256:" + "0" * 64]
)
def test_image_names_still_go_to_the_engine(ref):
    assert pick_source(ref, None) == ("docker", ref)


def test_an_empty_directory_is_not_an_image_layout(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["--ci", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not an image layout" in err[0], err
