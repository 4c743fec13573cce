"""Content hashes after the first frame (layerscope.sources.hashes, MainScreen._compute_hashes).

The oracle is a read *with* ``hash_content=True`` (the old path) and the core's marked trees
of it, through the independent row oracle of ``ui_oracle``: once the late hashes arrive, every
layer's rows in both compare modes must be exactly those; before, no overlapping file may be
called Unmodified.
"""

from __future__ import annotations

import threading

import pytest
from conftest import d, f, no_ci_args, settle, wait_loaded
from ui_oracle import expected_rows

from fixtures.imagegen import ImageSpec, LayerSpec, M, whiteout, write_docker25_save, write_docker_save
from layerscope.analysis.explanation import build_explanation
from layerscope.config import UISettings
from layerscope.sources import load_image
from layerscope.sources.archive import ReadOptions
from layerscope.sources.hashes import from_cache, plan_hashes
from layerscope.tree.marks import LayerTrees, TreeKey
from layerscope.tree.node import MODIFIED, UNMODIFIED
from layerscope.ui.app import create_app
from layerscope.ui.screens import main as main_screen
from layerscope.ui.screens.insights import InsightsScreen
from layerscope.ui.widgets.layers import LayersPane
from layerscope.ui.widgets.status_bar import StatusBar

SPEC = ImageSpec(
    [
        LayerSpec(
            [
                d("app"),
                f("app/same.txt", 300, seed=1),
                f("app/changed.txt", 300, seed=2),
                f("app/chmod.txt", 100, seed=3),
                f("app/thrice.bin", 4000, seed=4),
                f("app/empty"),
                f("app/unique.bin", 7777, seed=5),
                f("app/solo.bin", 12345, seed=11),
                M("app/dup-a.bin", data=b"dup" * 700),
                M("app/link", "symlink", linkname="same.txt"),
            ],
            created_by="ADD base",
        ),
        LayerSpec(
            [
                d("app"),
                f("app/same.txt", 300, seed=1),  # same content again: Unmodified
                f("app/changed.txt", 300, seed=9),  # same size, other content: Modified
                f("app/chmod.txt", 100, seed=3, mode=0o600),
                f("app/thrice.bin", 4000, seed=4),
                f("app/empty"),
                M("other/dup-b.bin", data=b"dup" * 700),  # a duplicate of app/dup-a.bin (Insights)
                M("app/link", "symlink", linkname="same.txt"),
                whiteout("app/unique.bin"),
            ],
            created_by="RUN touch",
        ),
        LayerSpec([f("app/thrice.bin", 4000, seed=7), f("app/unique.bin", 10, seed=8)], created_by="RUN again"),
    ],
    tags=["layerscope/late:test"],
)


@pytest.fixture(scope="module")
def late_archives(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("late-hashes")
    save, oci = out / "save.tar", out / "oci-gzip.tar"
    write_docker_save(save, SPEC)
    write_docker25_save(oci, SPEC, compression="gzip")
    return {"save": str(save), "oci-gzip": str(oci)}


def shown(screen) -> list[tuple[str, int, int]]:  # noqa: ANN001
    v = screen.view
    return [(v.flat.path[i], v.flat.mark[i], v.size[i]) for i in v.rows]


def oracle_rows(image, index: int, aggregated: bool) -> list[tuple[str, int, int]]:  # noqa: ANN001
    root, _ = LayerTrees(image).compare(TreeKey.for_layer(index, aggregated))
    return expected_rows(root)


def late_app(archive: str, tmp: str):  # noqa: ANN201
    # cache off: the layer cache may hold this generated image's hashes from an earlier run,
    # and this test is about the second pass over the layers
    return create_app(
        "docker-archive", archive, ReadOptions(cache=False), UISettings(), no_ci_args(tmp), late_hashes=True
    )


async def wait_hashed(app, pilot):  # noqa: ANN001, ANN201
    for _ in range(500):
        screen = await settle(app, pilot)
        late = screen.model.late
        if late is None or not late.pending:
            return await settle(app, pilot)
        await pilot.pause(0.01)
    raise AssertionError("the hashes never arrived")


@pytest.mark.parametrize("kind", ["save", "oci-gzip"])
async def test_rows_after_late_hashes_equal_a_hashing_read(late_archives, kind, tmp_path):
    archive = late_archives[kind]
    oracle = load_image("docker-archive", archive, ReadOptions(hash_content=True, cache=False))
    app = late_app(archive, str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_loaded(app, pilot)
        screen = await wait_hashed(app, pilot)
        assert screen.model.late is not None and screen.model.late.error is None
        assert "hashing" not in app.screen.query_one(StatusBar).text
        for aggregated in (False, True):
            if screen.aggregated != aggregated:
                await pilot.press("ctrl+a")
            for index in range(len(oracle.layers)):
                screen.query_one(LayersPane).select(index)
                screen = await settle(app, pilot)
                assert shown(screen) == oracle_rows(oracle, index, aggregated), (kind, index, aggregated)
        # the entries compared by marks hold exactly the hashing read's values
        late_image = screen.model.image
        for mine, theirs in zip(late_image.layers, oracle.layers, strict=True):
            for a, b in zip(mine.entries, theirs.entries, strict=True):
                if a.hash:
                    assert a.hash == b.hash, a.path
        # Insights (duplicates, copy-ups) as the hashing read gives it
        await pilot.press("I")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        ins = app.screen
        assert isinstance(ins, InsightsScreen) and ins.explanation is not None
        expected = build_explanation(oracle)
        assert ins.explanation.insights == expected.insights
        assert any(f.detail.startswith("same content as") for f in expected.insights.findings)  # the case is exercised


async def test_before_the_hashes_nothing_overlapping_is_unmodified(late_archives, monkeypatch, tmp_path):
    gate = threading.Event()
    real = main_screen.hash_layer

    def held(*a, **kw):  # noqa: ANN002, ANN003, ANN202
        gate.wait(10)
        return real(*a, **kw)

    monkeypatch.setattr(main_screen, "hash_layer", held)
    archive = late_archives["save"]
    oracle = load_image("docker-archive", archive, ReadOptions(hash_content=True, cache=False))
    app = late_app(archive, str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        screen.query_one(LayersPane).select(1)
        for _ in range(100):
            await pilot.pause(0.01)
            if screen.layer_index == 1 and not screen.computing:
                break
        marks = {p: m for p, m, _s in shown(screen)}
        assert marks["/app/same.txt"] == MODIFIED  # its hash is still to come: never a false Unmodified
        assert marks["/app/changed.txt"] == MODIFIED
        assert "hashing…" in str(screen.query_one("#tree").border_title)
        assert "hashing 0/" in screen.query_one(StatusBar).text
        await pilot.press("I")
        await pilot.pause(0.2)
        ins = app.screen
        assert isinstance(ins, InsightsScreen) and ins.explanation is None  # it waits for the hashes
        gate.set()
        await pilot.press("escape")
        screen = await wait_hashed(app, pilot)
        marks = {p: m for p, m, _s in shown(screen)}
        assert marks["/app/same.txt"] == UNMODIFIED
        assert marks["/app/changed.txt"] == MODIFIED
        assert shown(screen) == oracle_rows(oracle, 1, screen.aggregated)


def test_nothing_to_hash_after_a_hashing_read_or_from_cache_records(late_archives):
    archive = late_archives["oci-gzip"]
    hashed = load_image("docker-archive", archive, ReadOptions(hash_content=True, cache=False))
    assert plan_hashes(hashed).empty
    plain = load_image("docker-archive", archive, ReadOptions(hash_content=False, cache=False))
    plan = plan_hashes(plain)
    assert not plan.empty
    wanted = {(layer, path) for layer, per in plan.layers.items() for path in per}
    # overlaps and the possible duplicates; a file of a unique size in one layer only is not hashed
    assert (1, "app/same.txt") in wanted and (1, "other/dup-b.bin") in wanted and (0, "app/dup-a.bin") in wanted
    assert (0, "app/solo.bin") not in wanted and (2, "app/unique.bin") in wanted
    records = {layer.diff_id: layer.entries for layer in hashed.layers}
    served = from_cache(plain, plan, records.get)
    assert plan.empty and served  # every layer came from the records: no second pass
