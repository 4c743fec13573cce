"""A backtracking pattern typed into the filter or the search must not freeze the explorer.

With Python's ``re``, ``(.*.*)*(.*.*)*Q`` takes exponential time on every path without a ``Q``
and holds the GIL meanwhile, so the UI stopped answering (``q`` and ctrl+c included).  The
Pilot session runs in a child process: a hang there cannot be interrupted from a thread, but a
child can be killed, so a regression fails at the timeout instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PATHOLOGICAL = "(.*.*)*(.*.*)*Q"
TIMEOUT = 120.0  # seconds for the whole child (load, type, quit): ~5 s on 2 shared cores

_CHILD = r"""
import asyncio, re, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from conftest import DEMO, make_app, wait_loaded
from layerscope.sources import load_image
from layerscope.sources.archive import ReadOptions
from layerscope.ui.widgets.file_tree import FileTree
from layerscope.ui.widgets.filter_bar import FilterBar
from test_app_keys import core_rows, shown

PATTERN = sys.argv[3]

async def main():
    image = load_image("docker-archive", DEMO, ReadOptions())
    app = make_app(DEMO, tmp=sys.argv[4])
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        await pilot.press("tab", "ctrl+f", *PATTERN)
        await pilot.pause()
        assert screen.query_one(FilterBar).value == PATTERN
        # the pattern matches exactly the paths holding a Q (oracle: a plain "Q" with re)
        assert shown(screen) == core_rows(image, 0, rx=re.compile("Q")), shown(screen)
        await pilot.press("escape", "slash", *PATTERN, "enter")
        await pilot.pause()
        assert isinstance(app.focused, FileTree)
        assert screen.query_one(FileTree).search_pattern.pattern == PATTERN
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    print("answered")

asyncio.run(main())
"""


def test_pathological_pattern_in_filter_and_search_keeps_the_ui_answering(tmp_path):
    try:
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, HERE, ROOT, PATHOLOGICAL, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            cwd=tmp_path,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the explorer stopped answering after {PATHOLOGICAL!r} was typed") from None
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("answered"), out.stdout
