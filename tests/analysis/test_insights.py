"""``explain``'s attribution: kind, bytes, layers and fix for each waste kind.

Every expected value comes from the generator inputs in ``fixtures/waste_cases.py`` (the sizes
passed to the generator), never from layerscope's own output.
"""

from __future__ import annotations

import pytest

from fixtures import waste_cases
from fixtures.imagegen import write_docker_save, write_oci_archive
from layerscope.analysis.explanation import build_explanation, to_json
from layerscope.analysis.insights import DEAD_KINDS, KINDS, UNNEEDED
from layerscope.sources import load_image, pick_source
from layerscope.sources.archive import ReadOptions


def explain(tmp_path, case, layout="save"):
    path = tmp_path / "img.tar"
    if layout == "save":
        write_docker_save(path, case.spec)
    else:
        write_oci_archive(path, case.spec, compression="gzip")
    return build_explanation(load_image(*pick_source(str(path), None), ReadOptions()))


def _group(ex, e):
    matches = [
        g for g in ex.insights.groups if (g.kind, g.rule, g.layer, g.killer) == (e.kind, e.rule, e.layer, e.killer)
    ]
    assert len(matches) == 1, (
        f"no single group for {e}: {[(g.kind, g.rule, g.layer, g.killer) for g in ex.insights.groups]}"
    )
    return matches[0]


@pytest.mark.parametrize("name", [n for n in waste_cases.CASES if n != "realistic"])
@pytest.mark.parametrize("layout", ["save", "oci"])
def test_each_kind(tmp_path, name, layout):
    case = waste_cases.CASES[name]()
    ex = explain(tmp_path, case, layout)
    for e in case.expect:
        g = _group(ex, e)
        assert g.bytes == e.bytes
        assert e.path in [a for a, _b, _n in g.top_anchors(10)]
        assert e.fix in g.fix
    per_kind: dict[str, int] = {}
    for e in case.expect:
        per_kind[e.kind] = per_kind.get(e.kind, 0) + e.bytes
    for k in KINDS:
        if case.other_kinds_zero or k in per_kind:
            assert ex.insights.totals[k][0] == per_kind.get(k, 0), k
    assert ex.accurate.wasted_bytes == case.accurate
    assert sum(ex.insights.totals[k][0] for k in DEAD_KINDS) == case.accurate
    if case.dive_wasted is not None:
        assert ex.dive.wasted_bytes == case.dive_wasted
    if "detail" in case.extra:
        assert any(case.extra["detail"] in d for g in ex.insights.groups for d in g.details)
    if "dev_packages" in case.extra:
        assert ex.insights.dev_packages == case.extra["dev_packages"]


def test_fix_names_the_commands_of_both_layers(tmp_path):
    ex = explain(tmp_path, waste_cases.deleted_file())
    (g,) = ex.insights.groups
    assert "RUN curl -fsSL" in g.fix and "RUN rm /tmp/src.tar.gz" in g.fix
    assert "layer 1" in g.fix and "layer 3" in g.fix
    assert "unpack and remove the archive in one RUN" in g.fix


def test_copy_deleted_later_suggests_dockerignore(tmp_path):
    (g,) = explain(tmp_path, waste_cases.opaque_dir()).insights.groups
    assert g.fix.startswith("Written by layer 1 (`COPY data /srv/data`)")


def test_python_present_keeps_bytecode(tmp_path):
    ex = explain(tmp_path, waste_cases.pycache_with_python())
    assert ex.insights.python_present and ex.insights.groups == []


def test_hardlink_is_not_a_duplicate(tmp_path):
    ex = explain(tmp_path, waste_cases.duplicates())
    dups = [f for f in ex.insights.findings if f.kind == "duplicate"]
    assert sorted(f.path for f in dups) == ["/opt/b/libx.so", "/opt/c/libx.so"]
    assert all(f.anchor == "/opt/a/libx.so" for f in dups)


def test_realistic_ranks_real_causes_first(tmp_path):
    case = waste_cases.realistic()
    ex = explain(tmp_path, case)
    groups = ex.insights.groups
    expected_order = [(e.kind, e.rule, e.layer, e.killer) for e in case.expect]  # listed biggest first
    got = [(g.kind, g.rule, g.layer, g.killer) for g in groups[: len(expected_order)]]
    assert got == expected_order
    for e, g in zip(case.expect, groups, strict=False):
        assert g.bytes == e.bytes and e.fix in g.fix and e.path in [a for a, _b, _n in g.top_anchors()]
    assert all(g.kind == UNNEEDED for g in groups[len(expected_order) :])
    assert ex.insights.totals[UNNEEDED][0] == case.extra["hint_bytes"]
    assert ex.insights.dev_packages == case.extra["dev_packages"]
    assert "libpq-dev" in groups[0].fix
    assert ex.accurate.wasted_bytes == case.accurate
    # the bytecode of a Python app in an image that runs Python is not flagged
    assert not any("__pycache__" in f.path for f in ex.insights.findings)


def test_every_removable_byte_has_one_kind(tmp_path):
    ex = explain(tmp_path, waste_cases.realistic())
    paths = [(f.path, f.layer) for f in ex.insights.findings]
    assert len(paths) == len(set(paths))
    assert sum(f.size for f in ex.insights.findings) == sum(b for b, _n in ex.insights.totals.values())


def test_json_document(tmp_path):
    case = waste_cases.chmod_copy_up()
    doc = to_json(explain(tmp_path, case))
    assert doc["schema"] == "layerscope/explain" and doc["version"] == 1
    assert doc["accurate"]["wasted_bytes"] == 70_000 and doc["dive"]["wasted_bytes"] == 140_000
    (g,) = doc["groups"]
    assert (g["kind"], g["bytes"], g["layer"], g["dead_in_layer"]) == ("copy-up", 70_000, 1, 2)
    assert g["layer_command"] == "COPY tool /usr/local/bin/tool"
    assert g["dead_in_command"] == "RUN chmod +x /usr/local/bin/tool"
    assert g["details"] == ["mode 0644→0755"]
    kinds = {k["kind"]: k["bytes"] for k in doc["kinds"]}
    assert kinds["copy-up"] == 70_000 and sum(kinds.values()) == 70_000
