"""Layer matching, file diffs and "where it grew" on hand-built snapshots."""

from __future__ import annotations

from layerscope.report.compare import (
    FileChange,
    compare,
    diff_files,
    grown_directories,
    match_layers,
    normalize_command,
)
from layerscope.report.model import LayerSummary, Snapshot


def L(i: int, digest: str, cmd: str, size: int = 100) -> LayerSummary:
    return LayerSummary(i, digest, cmd, size)


def stack(*specs) -> list[LayerSummary]:
    return [L(i, d, c, s) for i, (d, c, s) in enumerate(specs)]


def rows(base, head):
    return [
        (r.status, r.base.index if r.base else None, r.head.index if r.head else None) for r in match_layers(base, head)
    ]


def test_diff_id_first_then_command_then_position():
    base = stack(("d0", "FROM", 10), ("d1", "RUN apt", 20), ("d2", "COPY a", 30))
    head = stack(("d0", "FROM", 10), ("x1", "RUN apt", 25), ("x2", "COPY b", 30))
    assert rows(base, head) == [("shared", 0, 0), ("changed", 1, 1), ("changed", 2, 2)]


def test_inserted_layer_does_not_shift_the_matching():
    base = stack(("d0", "FROM", 1), ("d1", "RUN a", 1), ("d2", "RUN b", 1))
    head = stack(("d0", "FROM", 1), ("n1", "RUN new", 1), ("x1", "RUN a", 1), ("d2", "RUN b", 1))
    assert rows(base, head) == [("shared", 0, 0), ("new", None, 1), ("changed", 1, 2), ("shared", 2, 3)]


def test_removed_layer_is_gone_in_place():
    base = stack(("d0", "FROM", 1), ("d1", "RUN a", 1), ("d2", "RUN b", 1))
    head = stack(("d0", "FROM", 1), ("d2", "RUN b", 1))
    assert rows(base, head) == [("shared", 0, 0), ("gone", 1, None), ("shared", 2, 1)]
    assert rows(base, []) == [("gone", 0, None), ("gone", 1, None), ("gone", 2, None)]
    assert rows([], base) == [("new", None, 0), ("new", None, 1), ("new", None, 2)]


def test_repeated_empty_layers_match_in_order():
    e = "sha256:empty"
    base = stack(("d0", "FROM", 5), (e, "ENV", 0), (e, "WORKDIR", 0))
    head = stack(("d0", "FROM", 5), (e, "ENV", 0), ("d9", "RUN x", 7), (e, "WORKDIR", 0))
    assert rows(base, head) == [("shared", 0, 0), ("shared", 1, 1), ("new", None, 2), ("shared", 2, 3)]


def test_missing_digests_never_match_by_digest():
    base = stack(("", "(missing)", 5), ("", "(missing)", 6))
    head = stack(("", "(missing)", 5), ("", "(missing)", 6))
    assert [s for s, _b, _h in rows(base, head)] == ["changed", "changed"]


def test_command_normalisation():
    h1 = "COPY file:" + "a" * 64 + " in /app # buildkit"
    h2 = "COPY  file:" + "b" * 64 + " in /app"
    assert normalize_command(h1) == normalize_command(h2) == "COPY file:… in /app"


def test_file_changes_sorted_by_size_of_change():
    base = {"/a": 10, "/b": 500, "/c": 70, "/gone": 40}
    head = {"/a": 10, "/b": 100, "/c": 80, "/new": 400}
    got = [(c.path, c.change, c.delta) for c in diff_files(base, head)]
    assert got == [("/b", "shrunk", -400), ("/new", "added", 400), ("/gone", "removed", -40), ("/c", "grown", 10)]


def test_grown_directories_prefers_the_specific_directory():
    ch = [
        FileChange("/usr/lib/py/a", "added", None, 900),
        FileChange("/usr/lib/py/b", "added", None, 50),
        FileChange("/usr/share/x", "added", None, 40),
        FileChange("/opt/z", "grown", 1, 301),
        FileChange("/tmp/gone", "removed", 1000, None),
    ]
    # /usr grew 990 but 950 of it (96 %) is /usr/lib/py, which is named instead; /tmp shrank.
    assert grown_directories(ch) == [("/usr/lib/py", 950), ("/opt", 300), ("/usr/share", 40)]


def _snap(files, layers, wasted=0, ineff=()):
    return Snapshot("x", "docker-archive", layers, files, 1.0, wasted, 0, 0, list(ineff))


def test_unchanged_only_when_nothing_differs():
    layers = stack(("d0", "FROM", 5))
    assert compare(_snap({"/a": 5}, layers), _snap({"/a": 5}, layers)).unchanged
    assert not compare(_snap({"/a": 5}, layers), _snap({"/b": 5}, layers)).unchanged
