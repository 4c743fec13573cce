"""Under ignore-errors the explorer says which layers could not be parsed: a
notification at start naming them, and a ``Skipped:`` line with the reason in Layer Details."""

from __future__ import annotations

from conftest import no_ci_args, settle, wait_loaded

from layerscope.config import UISettings
from layerscope.sources.archive import ReadOptions
from layerscope.ui.app import create_app
from layerscope.ui.widgets.layer_details import LayerDetails
from tests.hardening.tarbuild import docker_save, reg, tar


async def test_skipped_layer_is_named_in_the_ui(tmp_path):
    archive = tmp_path / "img.tar"
    archive.write_bytes(
        docker_save([tar(reg("etc/a", b"1")), tar(reg("etc/b", b"x" * 600))[:700], tar(reg("etc/c", b"3"))])
    )
    app = create_app(
        "docker-archive", str(archive), ReadOptions(ignore_errors=True), UISettings(), no_ci_args(str(tmp_path))
    )
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        for _ in range(200):  # Textual delivers a notification as a message: it lands a moment later
            notes = [n.message for n in app._notifications]
            if notes:
                break
            await pilot.pause(0.01)
        assert any("layer 1" in n and "ignore-errors" in n for n in notes), notes
        assert "Skipped" not in screen.query_one(LayerDetails).text
        await pilot.press("down")
        await settle(app, pilot)
        details = screen.query_one(LayerDetails).text
        assert "Skipped: layer l1/layer.tar: truncated data for member 'etc/b'" in details
