"""The explorer's views share the index of the layer trees that dive's analysis built, when
every layer's dive tree is also its accurate tree, and index their own trees otherwise; the
views are the same either way."""

from __future__ import annotations

from layerscope.ui.model import build_model
from tests.hardening.tarbuild import docker_save, reg, tar


def _read(tmp_path, layers: list[bytes]):  # noqa: ANN001, ANN202
    from layerscope.sources.archive import ReadOptions, read_archive

    p = tmp_path / "img.tar"
    p.write_bytes(docker_save(layers))
    return read_archive(str(p), str(p), ReadOptions())


def _arrays(u) -> tuple:  # noqa: ANN001
    return u.names, u.parent, u.depth, u.end, list(u.path)


def _view(model, index: int):  # noqa: ANN001, ANN202
    state = model.trees.views.view(index, False)
    return bytes(state.code), list(state.info), list(state.own)


PLAIN = [
    tar(reg("etc/a", b"1"), reg("usr/b", b"22")),
    tar(reg("etc/a", b"333"), reg("etc/.wh.gone"), reg("var/log", b"4")),
    tar(reg("usr/b", b"55555"), reg("usr/c", b"6")),
]


def test_views_share_the_analysis_index(tmp_path) -> None:
    image = _read(tmp_path, PLAIN)
    model = build_model(image, ci_config=None)
    index = model.index
    assert index is not None, "every layer's dive tree serves as its accurate tree here"
    model.first_tree()
    assert model.index is None  # handed over to the views, not kept beside them
    assert model.trees.views.universe.names is index.names
    own = build_model(image, ci_config=None)
    own.index = None  # the views index the trees themselves, as before
    own.first_tree()
    assert own.trees.views.universe.names is not index.names
    assert _arrays(own.trees.views.universe) == _arrays(model.trees.views.universe)
    for i in range(len(image.layers)):
        assert _view(model, i) == _view(own, i)


def test_no_sharing_when_a_layer_needs_its_own_accurate_tree(tmp_path) -> None:
    # an opaque marker: the accurate tree of layer 1 is not dive's, so the index is not offered
    layers = [*PLAIN[:1], tar(reg("etc/.wh..wh..opq"), reg("etc/z", b"7")), PLAIN[2]]
    model = build_model(_read(tmp_path, layers), ci_config=None)
    assert model.index is None
    model.first_tree()
    assert "/etc/z" in list(model.trees.views.universe.path)
