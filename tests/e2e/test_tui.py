"""The explorer in a real terminal: the installed script under tmux, keys in, screen out.

tmux gives a real pseudo-terminal of a fixed size; ``capture-pane`` reads what a user sees, and
``remain-on-exit`` keeps the pane after the process ends so its exit status can be read.  What
each key must change is derived from the archive itself (read with :mod:`tarfile`), not from
layerscope's code.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import FIXTURES, clean_env

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (Debian package tmux)")

WIDTH, HEIGHT = 120, 40
PANES = ("Layers", "Layer Details", "Image Details", "Current Layer Contents")
WAIT = 30.0  # seconds for the screen to show what a key should produce (2 shared cores)


class Terminal:
    """One tmux server on a private socket, one pane running ``argv``."""

    def __init__(self, tmp: Path) -> None:
        self.socket = tmp / "tmux.sock"
        self.conf = tmp / "tmux.conf"
        self.conf.write_text(
            "set -g remain-on-exit on\nset -g status off\n"
            'set -g default-terminal "screen-256color"\nset -g history-limit 2000\n'
        )

    def tmux(self, *args: str) -> str:
        p = subprocess.run(
            [TMUX, "-S", str(self.socket), "-f", str(self.conf), *args],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
        assert p.returncode == 0, (args, p.stderr)
        return p.stdout

    def start(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        env = {**env, "TERM": "screen-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        # The exit status goes to a file as well: tmux reports it only once it has both seen the
        # pty close and reaped the child, which on a loaded machine can lag behind "pane dead".
        self.rc = self.socket.with_name("exit-status")
        script = '"$@"; echo $? > "$LS_RC"'
        command = [
            "env",
            "-i",
            *(f"{k}={v}" for k, v in env.items()),
            f"LS_RC={self.rc}",
            "/bin/sh",
            "-c",
            script,
            "sh",
            *argv,
        ]
        self.tmux("new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT), "-c", str(cwd), "--", *command)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "0")

    def history(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "0")  # -J: wrapped lines joined

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "0", *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "0", "-l", text)

    def wait(self, ok: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + WAIT
        while True:
            text = self.screen()
            if ok(text):
                return text
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}; the screen:\n{text}")
            time.sleep(0.1)

    def wait_exit(self) -> int:
        deadline = time.monotonic() + WAIT
        while not (self.rc.exists() and self.rc.read_text().strip()):
            if time.monotonic() > deadline:
                pytest.fail(f"the explorer did not exit; the screen:\n{self.history()}")
            time.sleep(0.1)
        return int(self.rc.read_text())

    def close(self) -> None:
        subprocess.run([TMUX, "-S", str(self.socket), "kill-server"], capture_output=True, timeout=30)


@pytest.fixture
def terminal(tmp_path: Path):  # noqa: ANN201
    term = Terminal(tmp_path)
    yield term
    term.close()


def tree_pane(screen: str) -> str:
    """The right-hand column (the file tree): everything right of the tree's top-left corner."""
    first = screen.splitlines()[0]
    col = max(first.find("Current Layer Contents"), first.find("Aggregated Layer Contents"))
    left = max(first.rfind("╭", 0, col), first.rfind("┏", 0, col))  # the tree pane's corner
    assert col > 0 and left > 0, first
    return "\n".join(line[left:] for line in screen.splitlines())


def layer_members(archive: Path) -> list[set[str]]:
    """Member names of each layer of a legacy ``docker save`` archive, in manifest order."""
    with tarfile.open(archive) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))  # type: ignore[arg-type]
        layers = []
        for name in manifest[0]["Layers"]:
            with tarfile.open(fileobj=outer.extractfile(name)) as layer:  # type: ignore[arg-type]
                layers.append({m.name.lstrip("./") for m in layer.getmembers()})
    return layers


def focused(screen: str, title: str) -> bool:
    return f"● {title}" in screen


def test_explorer_keys_change_the_screen(layerscope_bin: Path, terminal: Terminal, tmp_path: Path) -> None:
    archive = FIXTURES / "demo.tar"
    layers = layer_members(archive)
    assert "usr/bin/curl" in layers[1] and "usr/bin/curl" not in layers[0]  # what the keys must reveal
    assert "var/lib/dpkg/status" in layers[1]
    terminal.start([str(layerscope_bin), str(archive)], clean_env(tmp_path), tmp_path)

    start = terminal.wait(lambda s: all(t in s for t in PANES) and "Filetree" in s, "the four panes")
    assert focused(start, "Layers"), start
    assert "curl" not in tree_pane(start)  # layer 0: no curl yet

    terminal.keys("Down")  # the layer pane: select layer 1, its tree follows
    shown = terminal.wait(lambda s: "curl" in tree_pane(s), "layer 1's tree (curl added)")
    assert "apt-get" in shown  # Layer Details shows layer 1's command

    terminal.keys("Tab")  # to the file tree
    terminal.wait(lambda s: focused(s, "Current Layer Contents") and not focused(s, "Layers"), "the tree focused")

    terminal.keys("C-a")  # hide added files: curl (added in layer 1) goes
    terminal.wait(lambda s: "curl" not in tree_pane(s), "added files hidden")
    terminal.keys("C-a")  # and comes back
    terminal.wait(lambda s: "curl" in tree_pane(s), "added files shown again")

    terminal.keys("C-f")  # filter by regex on the full path
    # the status bar's hint shows once the line has focus: keys sent before that go to the tree
    # (Textual forwards queued keys before the screen's ctrl+f binding has run)
    filtering = "Type to filter the file tree"
    terminal.wait(lambda s: filtering in s, "the filter line focused")
    terminal.type("dpkg")
    filtered = terminal.wait(lambda s: "filter /dpkg/" in s and "curl" not in tree_pane(s), "the filtered tree")
    assert "status" in tree_pane(filtered)  # /var/lib/dpkg/status matches
    terminal.keys("Escape")  # closes and clears the filter
    terminal.wait(lambda s: "filter /" not in s and "curl" in tree_pane(s), "the unfiltered tree")
    terminal.keys("C-f")  # a pattern Python's re backtracks on for minutes: RE2 answers at once
    terminal.wait(lambda s: filtering in s, "the filter line focused again")
    terminal.type("(.*.*)*(.*.*)*Q")
    terminal.wait(lambda s: "filter /(.*.*)*(.*.*)*Q/" in s and "curl" not in tree_pane(s), "the RE2 filter")
    terminal.keys("Escape")
    terminal.wait(lambda s: "filter /" not in s and "curl" in tree_pane(s), "the unfiltered tree again")

    terminal.keys("/")  # search opens its own line, Enter closes it
    searching = "Type a path regex"  # the status bar's hint while the search line has focus
    terminal.wait(lambda s: searching in s, "the search line")
    terminal.type("curl")
    terminal.keys("Enter")
    terminal.wait(lambda s: searching not in s and focused(s, "Current Layer Contents"), "the search closed")

    terminal.keys("q")
    assert terminal.wait_exit() == 0
    assert "Traceback" not in terminal.history()


def _package_without_stylesheet(python: Path, dest: Path, env: dict[str, str]) -> Path:
    """A copy of the installed package, stylesheet removed: a wheel that forgot its data."""
    p = subprocess.run(
        [str(python), "-c", "import layerscope, os; print(os.path.dirname(layerscope.__file__))"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert p.returncode == 0, p.stderr
    shutil.copytree(p.stdout.strip(), dest / "layerscope", ignore=shutil.ignore_patterns("__pycache__"))
    css = dest / "layerscope" / "ui" / "layerscope.tcss"
    assert css.is_file(), "the installed package has no stylesheet to remove"
    css.unlink()
    return dest


def test_explorer_crash_is_one_line_and_exit_2(
    layerscope_bin: Path, installed_python: Path, terminal: Terminal, tmp_path: Path
) -> None:
    env = clean_env(tmp_path)
    overlay = _package_without_stylesheet(installed_python, tmp_path / "overlay", env)
    terminal.start([str(layerscope_bin), str(FIXTURES / "demo.tar")], {**env, "PYTHONPATH": str(overlay)}, tmp_path)
    code = terminal.wait_exit()
    shown = terminal.history()
    lines = [line for line in shown.splitlines() if line.strip() and not line.startswith("Pane is dead")]
    assert code == 2, shown
    assert "Traceback" not in shown and "locals" not in shown, shown
    assert lines == [lines[0]] and lines[0].startswith("layerscope: the explorer crashed: StylesheetError"), shown
