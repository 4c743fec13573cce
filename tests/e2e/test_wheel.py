"""The wheel ships what the package reads at run time, not only its modules.

An editable install reads the checkout, so a file left out of the package data (the explorer's
stylesheet was) only shows when a user runs ``pip install .``: the explorer then crashed.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from .conftest import REPO

PACKAGE = REPO / "layerscope"
STYLESHEET = "layerscope/ui/layerscope.tcss"


def source_files(*, python: bool) -> set[str]:
    """Files under ``layerscope/`` in the checkout, as wheel member names; bytecode left out."""
    found: set[str] = set()
    for root, dirs, files in os.walk(PACKAGE):
        dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
        for name in files:
            if name.endswith((".pyc", ".pyo")) or name.startswith("."):
                continue
            if name.endswith(".py") == python:
                found.add(Path(root, name).relative_to(REPO).as_posix())
    return found


def wheel_members(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as z:
        return set(z.namelist())


def test_wheel_holds_every_non_python_file(wheel: Path) -> None:
    data = source_files(python=False)
    assert STYLESHEET in data, "the walk of the source package found no stylesheet"
    missing = sorted(data - wheel_members(wheel))
    assert not missing, f"{wheel.name} lacks package data (add it to [tool.setuptools.package-data]): {missing}"


def test_wheel_holds_every_module(wheel: Path) -> None:
    missing = sorted(source_files(python=True) - wheel_members(wheel))
    assert not missing, f"{wheel.name} lacks modules (a directory without __init__.py?): {missing}"


def test_wheel_ships_no_bytecode_or_tests(wheel: Path) -> None:
    """Package data globs are easy to make too wide; caches and tests are not the product."""
    stray = sorted(
        n
        for n in wheel_members(wheel)
        if "__pycache__" in n or n.endswith((".pyc", ".pyo")) or n.startswith(("tests/", "fixtures/"))
    )
    assert not stray, stray
