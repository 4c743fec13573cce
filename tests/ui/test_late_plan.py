"""The late hashes' plan waits for the first frame, yet no tree that compares layers is built
before it (``LateHashes.planned`` through ``TreeCache.before_marks``).

The first screen shows layer 0 alone, whose marks compare nothing, so the read hands over the
model without planning which files to hash; the first tree of another layer (a key press
before the hashing worker got to it) must plan first, or files still to hash would compare
equal and look Unmodified.
"""

from __future__ import annotations

from conftest import no_ci_args
from test_late_hashes import SPEC

from fixtures.imagegen import write_docker_save
from layerscope.sources.archive import ReadOptions, ReadState
from layerscope.tree.node import MODIFIED
from layerscope.ui.app import explorer_read_options, make_loader
from layerscope.ui.progress import LoadProgress


def load(tmp_path, late: bool = True):  # noqa: ANN001, ANN201
    archive = tmp_path / "late.tar"
    if not archive.exists():
        write_docker_save(archive, SPEC)
    opts = explorer_read_options(ReadOptions(cache=False))
    loader = make_loader("docker-archive", str(archive), opts, no_ci_args(str(tmp_path)), late_hashes=late)
    return loader(LoadProgress(ReadState.start(opts)))


def marks(flat) -> dict[str, int]:  # noqa: ANN001
    return dict(zip(flat.path, flat.mark, strict=True))


def test_the_first_tree_is_ready_before_the_plan(tmp_path):
    model = load(tmp_path)
    assert model.late is not None and model.late.plan is None and model.late.pending
    assert model.trees.cached(0, False)
    flat, _ = model.trees.get(0, False)
    # the same marks as a read that hashed every file (the old path): layer 0 compares nothing
    hashed = load(tmp_path, late=False)
    assert hashed.late is None
    assert marks(flat) == marks(hashed.trees.get(0, False)[0])
    assert model.late.plan is None  # and showing it planned nothing


def test_a_tree_that_compares_layers_plans_first(tmp_path):
    model = load(tmp_path)
    for key in ((1, False), (2, True)):
        flat, _ = model.trees.get(*key)
        assert model.late.plan is not None and not model.late.plan.empty
        m = marks(flat)
        # their hashes are still to come: never a false Unmodified
        assert m["/app/same.txt"] == MODIFIED and m["/app/changed.txt"] == MODIFIED, key
    assert model.late.planned() is model.late.plan  # planned once
