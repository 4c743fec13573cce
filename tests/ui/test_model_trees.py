"""The explorer's layer trees: the model keeps dive's tree of a layer when it is also the
accurate one, and builds the accurate tree otherwise; either way the trees are the ones
``build_layer_tree(entries, accurate=True)`` gives."""

from __future__ import annotations

from layerscope.image import Entry
from layerscope.tree.build import build_layer_tree
from layerscope.tree.node import Node
from layerscope.ui.model import build_model
from tests.hardening.tarbuild import dir_, docker_save, reg, tar


def _shape(node: Node) -> object:
    info = None if node.info is None else (node.info.path, node.info.size, node.info.typeflag)
    kids = None if node.children is None else {k: _shape(v) for k, v in sorted(node.children.items())}
    return (node.name, info, node.opaque, kids)


def _read(tmp_path, layers: list[bytes]):  # noqa: ANN001, ANN202
    from layerscope.sources.archive import ReadOptions, read_archive

    p = tmp_path / "img.tar"
    p.write_bytes(docker_save(layers))
    return read_archive(str(p), str(p), ReadOptions(hash_content=False))


def test_model_trees_are_the_accurate_trees(tmp_path) -> None:
    image = _read(
        tmp_path,
        [
            tar(dir_("etc/"), reg("etc/a", b"1"), reg("usr/b", b"22")),
            # an opaque marker and a path under a ".wh..wh." directory: dive's tree differs here
            tar(dir_("etc/"), reg("etc/.wh..wh..opq"), reg("var/.wh..wh.x/f", b"3")),
            # a file with paths under it in one tar (tar order decides in the accurate tree)
            tar(reg("opt/f/x", b"4"), reg("opt/f", b"55")),
            tar(reg("usr/b", b"333")),
        ],
    )
    model = build_model(image, ci_config=None)
    got = [_shape(t) for t in model.trees.layer_trees.trees]
    want = [_shape(build_layer_tree(layer.entries, accurate=True)) for layer in image.layers]
    assert got == want
    dive = [_shape(build_layer_tree(layer.dive_entries)) for layer in image.layers]
    assert got[1] != dive[1] and got[2] != dive[2]  # the cases that must not reuse dive's tree
    assert got[0] == dive[0] and got[3] == dive[3]


def test_plain_layers_reuse_the_analysis_trees(tmp_path, monkeypatch) -> None:
    """No layer of a plain image builds its tree twice (the analysis' trees are kept)."""
    import layerscope.analysis.dive_efficiency as de
    import layerscope.ui.model as model

    image = _read(tmp_path, [tar(reg("a", b"1")), tar(reg("b", b"2")), tar(reg("a", b"33"))])
    built: list[list[Entry]] = []
    real = build_layer_tree

    def counting(entries, *, accurate=False):  # noqa: ANN001, ANN202
        built.append(list(entries))
        return real(entries, accurate=accurate)

    monkeypatch.setattr(de, "build_layer_tree", counting)
    monkeypatch.setattr(model, "build_layer_tree", counting)
    build_model(image, ci_config=None)
    assert len(built) == len(image.layers)
