"""dive's ``--json`` export, byte for byte: Go ``MarshalIndent`` layout, struct key order, Go
float and string encoding, no trailing newline.  Unlike dive, a failed export never leaves half
a document behind (see :func:`export`)."""

from __future__ import annotations

from collections.abc import Iterator

from ..analysis.dive_efficiency import DiveEfficiency, dive_efficiency
from ..golang.encjson import go_json_float, go_json_string
from ..image import Image, Layer
from ..tree.node import Node, walk_post

_I2, _I3, _I4, _I5 = " " * 4, " " * 6, " " * 8, " " * 10


def _file_list(tree: Node) -> Iterator[str]:
    """Every node of the layer's own tree, children first (dive's ``fileList`` order)."""
    for _names, node in walk_post(tree):
        e = node.info
        if e is None:
            path, tf, link, size, mode, uid, gid, is_dir = "", 0, "", 0, 0, 0, 0, False
        else:
            path, tf, link, size, mode, uid, gid, is_dir = (
                e.dive_path,
                e.typeflag,
                e.linkname,
                e.size,
                e.mode,
                e.uid,
                e.gid,
                e.is_dir,
            )
        yield (
            f"{_I4}{{\n"
            f'{_I5}"path": {go_json_string(path)},\n'
            f'{_I5}"typeFlag": {tf},\n'
            f'{_I5}"linkName": {go_json_string(link)},\n'
            f'{_I5}"size": {size},\n'
            f'{_I5}"fileMode": {mode},\n'
            f'{_I5}"uid": {uid},\n'
            f'{_I5}"gid": {gid},\n'
            f'{_I5}"isDir": {"true" if is_dir else "false"}\n'
            f"{_I4}}}"
        )


def _array(items: Iterator[str], indent: str) -> Iterator[str]:
    first = True
    for item in items:
        yield ("[\n" if first else ",\n") + item
        first = False
    yield "[]" if first else "\n" + indent + "]"


def _layer(layer: Layer, first: bool, tree: Node) -> Iterator[str]:
    yield (
        ("[\n" if first else ",\n") + f"{_I2}{{\n"
        f'{_I3}"index": {layer.index},\n'
        f'{_I3}"id": {go_json_string(layer.id)},\n'
        f'{_I3}"digestId": {go_json_string(layer.digest)},\n'
        f'{_I3}"sizeBytes": {layer.dive_size},\n'
        f'{_I3}"command": {go_json_string(layer.command)},\n'
        f'{_I3}"fileList": '
    )
    # streamed piece by piece: a million-entry layer never becomes one string
    yield from _array(_file_list(tree), _I3)
    yield f"\n{_I2}}}"


def _image(analysis: DiveEfficiency) -> Iterator[str]:
    refs = (
        f'{_I3}{{\n{_I4}"count": {r.count},\n{_I4}"sizeBytes": {r.size},\n'
        f'{_I4}"file": {go_json_string(r.path)}\n{_I3}}}'
        for r in analysis.inefficient_files
    )
    yield (
        ',\n  "image": {\n'
        f'{_I2}"sizeBytes": {analysis.size_bytes},\n'
        f'{_I2}"inefficientBytes": {analysis.wasted_bytes},\n'
        f'{_I2}"efficiencyScore": {go_json_float(analysis.efficiency)},\n'
        f'{_I2}"fileReference": '
    )
    yield from _array(refs, _I2)
    yield "\n  }\n}"


def export(path: str, image: Image) -> DiveEfficiency:
    """Analyze ``image`` and write dive's JSON to ``path`` in the same pass: each layer's tree
    is written while the analysis holds it, so no tree is built twice and the document is never
    held in memory.  It is streamed through :func:`~layerscope.report.output.open_output`: into
    a temporary file renamed over a regular ``path`` at the end, or into a device or FIFO; on
    any error or Ctrl+C the old file is left as it was.  Returns the analysis."""
    from ..report.output import open_output

    with open_output(path, errors="surrogateescape") as f:
        f.write('{\n  "layer": ')

        def on_tree(layer: Layer, tree: Node) -> None:
            f.writelines(_layer(layer, layer is image.layers[0], tree))

        analysis = dive_efficiency(image, on_layer_tree=on_tree)
        f.write("\n  ]" if image.layers else "[]")
        f.writelines(_image(analysis))
    return analysis
