"""Screens as pictures (pytest-textual-snapshot): dive's layout at the sizes users run it in.

Update after an intended change with ``pytest tests/ui/test_snapshots.py --snapshot-update``
and review the SVG diff.
"""

from __future__ import annotations

import pytest
from conftest import ROOT, make_app, settle, wait_loaded


@pytest.fixture
def demo_app(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)  # the image name shown is the argument, keep it stable
    return make_app("fixtures/demo.tar", tmp=str(tmp_path))


def loaded(*keys: str):  # noqa: ANN201
    async def run_before(pilot) -> None:  # noqa: ANN001
        await wait_loaded(pilot.app, pilot)
        if keys:
            await pilot.press(*keys)
        await settle(pilot.app, pilot)

    return run_before


def test_main_80x24(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=loaded())


def test_main_160x50(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=(160, 50), run_before=loaded())


def test_tree_focused_last_layer_160x50(snap_compare, demo_app):
    keys = ("down",) * 6 + ("tab", "ctrl+u", "j", "j")
    assert snap_compare(demo_app, terminal_size=(160, 50), run_before=loaded(*keys))


def test_narrow_70x30(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=(70, 30), run_before=loaded("down", "down"))


def test_too_small_30x8(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=(30, 8), run_before=loaded())
