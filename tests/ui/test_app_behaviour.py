"""Viewer, extract, layouts, edge images, load errors and the CLI entry point."""

from __future__ import annotations

import os

import pytest
from conftest import make_app, settle, wait_loaded

from layerscope.analysis.dive_efficiency import dive_efficiency
from layerscope.ci.settings import RuleOptions
from layerscope.config import load_config
from layerscope.errors import LayerscopeError
from layerscope.golang.humanize import humanize_bytes
from layerscope.settings import AnalyzeArgs, ExploreSettings, explore_settings, start_run
from layerscope.sources.archive import ReadOptions
from layerscope.ui import app as app_module
from layerscope.ui.content import extract_target, hexdump, safe_name
from layerscope.ui.screens.extract import ExtractScreen
from layerscope.ui.screens.file_view import FileViewScreen
from layerscope.ui.widgets.file_tree import FileTree
from layerscope.ui.widgets.file_viewer import FileViewer
from layerscope.ui.widgets.image_details import ImageDetails
from layerscope.ui.widgets.layers import LayersPane


async def goto(app, pilot, screen, path: str) -> None:  # noqa: ANN001
    """Put the tree cursor on ``path`` (through search, as a user would)."""
    await pilot.press("tab", "slash", *("^" + path.replace(".", "\\.") + "$"), "enter")
    assert screen.view.current_path == path


async def wait_for(pilot, cond, what: str) -> None:  # noqa: ANN001
    for _ in range(300):
        if cond():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def test_view_text_file(archives, tmp_path):
    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        await goto(app, pilot, screen, "/etc/passwd")
        await pilot.press("v")
        viewer_screen = app.screen
        assert isinstance(viewer_screen, FileViewScreen)
        await wait_for(pilot, lambda: viewer_screen.content or viewer_screen.error, "content")
        body = viewer_screen.query_one(FileViewer).body
        assert body.startswith("root:x:0:0:root:/root:/bin/bash")
        assert viewer_screen.content.layer == 0
        await pilot.press("escape")
        assert app.screen is screen


async def test_view_file_from_its_own_layer_and_binary_as_hex(archives, tmp_path):
    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("down", "down")  # layer 2 rewrote /etc/passwd
        screen = await settle(app, pilot)
        await goto(app, pilot, screen, "/etc/passwd")
        await pilot.press("v")
        vs = app.screen
        await wait_for(pilot, lambda: vs.content or vs.error, "content")
        assert vs.content.layer == 2 and "app:x:1000:1000" in vs.query_one(FileViewer).body
        await pilot.press("q")
        await goto(app, pilot, screen, "/bin/dash")
        await pilot.press("v")
        vs = app.screen
        await wait_for(pilot, lambda: vs.content or vs.error, "content")
        body = vs.query_one(FileViewer).body
        assert body.startswith("00000000  ") and vs.content.size == 12000
        assert body == hexdump(vs.content.data)


async def test_extract_never_overwrites_without_consent(archives, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        await goto(app, pilot, screen, "/etc/os-release")
        await pilot.press("x")
        dialog = app.screen
        assert isinstance(dialog, ExtractScreen)
        dialog.query_one("#extract-dir").value = str(out)
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, "extract")
        written = out / "os-release"
        assert written.read_bytes().startswith(b'PRETTY_NAME="Layerscope Demo Linux 12"')
        written.write_bytes(b"mine")
        await pilot.press("ctrl+e")
        dialog = app.screen
        dialog.query_one("#extract-dir").value = str(out)
        await pilot.pause()
        await pilot.press("enter")  # Enter does not overwrite
        await pilot.pause()
        assert app.screen is dialog and written.read_bytes() == b"mine"
        await pilot.press("escape")
        assert app.screen is screen and written.read_bytes() == b"mine"
    assert os.listdir(out) == ["os-release"]


def test_safe_names_stay_inside(tmp_path):
    assert safe_name("/etc/../../x") == "x"
    assert safe_name("a/..") == "extracted-file"
    assert safe_name("dir/evil\nname") == "evil_name"
    assert safe_name("a\\b") == "a_b"
    target = extract_target(str(tmp_path), "../../../etc/passwd")
    assert os.path.dirname(target) == os.path.realpath(tmp_path)
    with pytest.raises(LayerscopeError):
        extract_target(str(tmp_path / "missing"), "x")


async def test_image_details_match_analysis(archives, demo_image, tmp_path):
    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        text = screen.query_one(ImageDetails).text
        a = dive_efficiency(demo_image)
        assert f"Total Image size: {humanize_bytes(a.size_bytes)}" in text
        assert f"Potential wasted space: {humanize_bytes(a.wasted_bytes)}" in text
        assert f"Image efficiency score: {int(100 * a.efficiency)} %" in text
        rows = [line for line in text.splitlines() if line[:5].strip().isdigit()]
        assert rows == ["%5s  %12s  %-s" % (r.count, humanize_bytes(r.size), r.path) for r in a.inefficient_files]
        # dive's default rules: efficiency 0.9 fails on the demo image
        assert "FAIL lowestEfficiency" in text and "SKIP highestWastedBytes" in text
        assert "Result: FAIL" in text


async def test_ci_rules_file_in_image_details(archives, tmp_path):
    ci = tmp_path / "rules.yaml"
    ci.write_text("rules:\n  lowestEfficiency: 0.5\n  highestWastedBytes: 1MB\n")
    args = RuleOptions(ci_config=str(ci), flags={"highestUserWastedPercent": "0.9"})
    app = app_module.create_app("docker-archive", archives["demo"], ReadOptions(), app_module.UISettings(), args)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        text = screen.query_one(ImageDetails).text
        assert f"CI rules ({ci})" in text and "PASS lowestEfficiency" in text
        assert "threshold ≤ 1MB" in text and "threshold ≤ 0.9" in text and "Result: PASS" in text


async def test_narrow_and_too_small_terminals(archives, tmp_path):
    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_loaded(app, pilot)
        assert screen.has_class("-narrow") and screen.query_one(LayersPane).narrow
        tree = screen.query_one(FileTree)
        assert tree.size.width >= 60 and tree.attributes_shown
        await pilot.resize_terminal(70, 20)
        await pilot.pause()
        assert not tree.attributes_shown  # pane under 60 columns: attributes hidden, as dive
        assert tree.row_text(0) == "├── bin"
        await pilot.resize_terminal(30, 8)
        await pilot.pause()
        assert screen.has_class("-too-small")
        assert "Terminal too small" in str(screen.query_one("#too-small").content)
        await pilot.press("down", "tab", "space")  # keys do not crash while hidden
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert not screen.has_class("-too-small") and not screen.has_class("-narrow")


async def test_image_with_no_files(archives, tmp_path):
    app = make_app(archives["empty"], tmp=str(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_loaded(app, pilot)
        assert screen.view.rows == []
        await pilot.press("tab", "down", "space", "ctrl+space", "ctrl+o", "v", "x", "slash", "a", "enter", "n")
        await pilot.press("tab", "down")
        screen = await settle(app, pilot)
        assert screen.layer_index == 1 and screen.view.rows == []
        assert app.screen is screen


async def test_load_error_ends_app_and_is_reraised(tmp_path):
    bad = tmp_path / "bad.tar"
    bad.write_bytes(b"this is not a tar archive" * 40)
    app = make_app(str(bad), tmp=str(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(300):
            await pilot.pause(0.01)
            if app.load_error is not None:
                break
    assert isinstance(app.load_error, LayerscopeError)
    assert app.return_code == 2


async def test_image_without_layers_is_one_clear_error(tmp_path):
    """A manifest with no layers: every pane shows a layer, so the explorer says why it cannot
    start (it used to end in an IndexError, reported as an internal error)."""
    from tests.hardening.tarbuild import docker_save

    archive = tmp_path / "zero.tar"
    archive.write_bytes(docker_save([]))
    app = make_app(str(archive), tmp=str(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(300):
            await pilot.pause(0.01)
            if app.load_error is not None:
                break
    assert isinstance(app.load_error, LayerscopeError)
    assert "has no layers" in str(app.load_error)
    assert app.crash is None and app.return_code == 2


def test_run_needs_a_terminal(archives, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    settings = ExploreSettings("docker-archive", archives["demo"], ReadOptions(), app_module.UISettings())
    with pytest.raises(LayerscopeError, match="needs a terminal"):
        app_module.explore(settings)


def test_cli_prints_one_line_without_terminal(archives, capsys, monkeypatch):
    from layerscope.cli import main

    monkeypatch.delenv("CI", raising=False)  # CI=true would select CI mode, not the UI

    assert main([archives["demo"]]) == 2  # pytest's stdin is not a terminal
    err = capsys.readouterr().err
    assert err.strip() == (
        "layerscope: the interactive UI needs a terminal; use --ci or --json for non-interactive use"
    )


def test_bad_config_fails_before_the_ui(archives, tmp_path, monkeypatch):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("diff: {hide: [sideways]}\n")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    started = []
    monkeypatch.setattr(app_module.LayerscopeApp, "run", lambda self: started.append(1))
    args = AnalyzeArgs(image=archives["demo"], config=str(cfg))
    with pytest.raises(LayerscopeError, match="diff.hide"):
        config = load_config(args.config)
        app_module.explore(explore_settings(args, "docker-archive", archives["demo"], config, start_run(config)))
    assert started == []
