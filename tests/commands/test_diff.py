"""``layerscope diff`` on generated image pairs: every number in the JSON checked against the
fixture inputs (tests/report/pairs.py), never against layerscope's own output."""

from __future__ import annotations

import pytest

from tests.report import pairs as P


def diff_json(run, base, head, *extra):
    r = run("diff", str(base), str(head), "--format", "json", "--top", "0", *extra)
    assert r.err == ""
    return r, r.json()


def layer_block(base_layer, head_layer, status):
    b = P.layer_bytes(base_layer) if base_layer is not None else 0
    h = P.layer_bytes(head_layer) if head_layer is not None else 0
    return status, b, h, h - b


def assert_layers(doc, expected):
    got = [(lay["status"], lay["size"]["base"], lay["size"]["head"], lay["size"]["delta"]) for lay in doc["layers"]]
    assert got == expected


def test_file_grown(tmp_path, run):
    head = P.head_grown()
    P.write(tmp_path / "b.tar", P.BASE)
    P.write(tmp_path / "h.tar", head)
    r, doc = diff_json(run, tmp_path / "b.tar", tmp_path / "h.tar")
    assert r.code == 0
    assert doc["schema"] == "layerscope/diff" and doc["version"] == 1
    assert doc["totals"] == P.totals_block(P.BASE, head)
    assert doc["totals"]["size"]["delta"] == 12_000  # the one input that changed: 8,000 → 20,000
    assert_layers(
        doc,
        [
            layer_block(P.BASE.layers[0], head.layers[0], "shared"),
            layer_block(P.BASE.layers[1], head.layers[1], "changed"),
        ],
    )
    assert [(lay["base_index"], lay["head_index"]) for lay in doc["layers"]] == [(0, 0), (1, 1)]
    assert doc["files"]["top"] == [
        {"path": "/app/data.bin", "change": "grown", "base_size": 8_000, "head_size": 20_000, "delta": 12_000}
    ]
    assert doc["files"]["summary"] == {
        "added": {"count": 0, "delta": 0},
        "removed": {"count": 0, "delta": 0},
        "grown": {"count": 1, "delta": 12_000},
        "shrunk": {"count": 0, "delta": 0},
    }
    assert doc["verdict"]["change"] == "grew" and doc["verdict"]["passed"] is True
    ins = doc["insight"]
    assert [(i["head_index"], i["status"], i["delta"]) for i in ins["layers"]] == [(1, "changed", 12_000)]
    assert ins["directories"] == [{"path": "/app", "delta": 12_000}]
    assert ins["new_waste"] == []


def test_layer_added_with_compressed_sizes(tmp_path, run):
    head = P.head_layer_added()
    bi = P.write(tmp_path / "b.tar", P.BASE, "oci")[0]
    hi = P.write(tmp_path / "h.tar", head, "oci")[0]
    bsz, hsz = P.blob_sizes(tmp_path / "b.tar", bi), P.blob_sizes(tmp_path / "h.tar", hi)
    r, doc = diff_json(run, tmp_path / "b.tar", tmp_path / "h.tar")
    assert r.code == 0
    assert doc["totals"] == P.totals_block(P.BASE, head, sum(bsz), sum(hsz))
    assert doc["totals"]["compressed_size"]["delta"] == hsz[2]  # only the new layer's blob
    assert_layers(
        doc,
        [
            layer_block(P.BASE.layers[0], head.layers[0], "shared"),
            layer_block(P.BASE.layers[1], head.layers[1], "shared"),
            layer_block(None, head.layers[2], "new"),
        ],
    )
    assert [lay["compressed_size"]["head"] for lay in doc["layers"]] == hsz
    assert [lay["compressed_size"]["base"] for lay in doc["layers"]] == bsz[:2] + [0]
    assert doc["layers"][2]["command"] == "COPY extra /opt/extra"
    assert doc["files"]["top"] == [
        {"path": "/opt/extra/big.dat", "change": "added", "base_size": None, "head_size": 30_000, "delta": 30_000},
        {"path": "/opt/extra/small.txt", "change": "added", "base_size": None, "head_size": 500, "delta": 500},
    ]
    assert doc["files"]["summary"]["added"] == {"count": 2, "delta": 30_500}
    ins = doc["insight"]
    assert [(i["head_index"], i["status"], i["delta"]) for i in ins["layers"]] == [(2, "new", 30_500)]
    # /opt grew only through /opt/extra, so the more specific directory is the one named.
    assert ins["directories"] == [{"path": "/opt/extra", "delta": 30_500}]


def test_package_directory_removed(tmp_path, run):
    head = P.head_pkg_removed()
    P.write(tmp_path / "b.tar", P.BASE)
    P.write(tmp_path / "h.tar", head)
    r, doc = diff_json(run, tmp_path / "b.tar", tmp_path / "h.tar")
    assert r.code == 0
    assert doc["totals"] == P.totals_block(P.BASE, head)
    assert doc["totals"]["size"]["delta"] == -15_000
    assert doc["totals"]["files"]["delta"] == -2
    # layer 1 is byte-identical (same diff_id) even though layer 0 changed under it
    assert_layers(
        doc,
        [
            layer_block(P.BASE.layers[0], head.layers[0], "changed"),
            layer_block(P.BASE.layers[1], head.layers[1], "shared"),
        ],
    )
    assert doc["files"]["top"] == [
        {"path": "/usr/lib/pkg/a.py", "change": "removed", "base_size": 10_000, "head_size": None, "delta": -10_000},
        {"path": "/usr/lib/pkg/b.so", "change": "removed", "base_size": 5_000, "head_size": None, "delta": -5_000},
    ]
    assert doc["verdict"]["change"] == "shrank"
    assert doc["insight"] == {"layers": [], "directories": [], "new_waste": []}


def test_package_directory_deleted_by_a_whiteout_layer(tmp_path, run):
    head = P.head_pkg_whiteout()
    P.write(tmp_path / "b.tar", P.BASE)
    P.write(tmp_path / "h.tar", head)
    r, doc = diff_json(run, tmp_path / "b.tar", tmp_path / "h.tar")
    assert doc["totals"] == P.totals_block(P.BASE, head)
    # the bytes still ship in layer 0: the size does not drop, the files are gone
    assert doc["totals"]["size"]["delta"] == 0
    assert doc["totals"]["files"]["delta"] == -2
    assert doc["verdict"]["change"] == "same-size"
    assert_layers(
        doc,
        [
            layer_block(P.BASE.layers[0], head.layers[0], "shared"),
            layer_block(P.BASE.layers[1], head.layers[1], "shared"),
            layer_block(None, head.layers[2], "new"),
        ],
    )
    assert [c["path"] for c in doc["files"]["top"]] == ["/usr/lib/pkg/a.py", "/usr/lib/pkg/b.so"]


def test_new_waste(tmp_path, run):
    head = P.head_waste()
    P.write(tmp_path / "b.tar", P.BASE)
    P.write(tmp_path / "h.tar", head)
    r, doc = diff_json(run, tmp_path / "b.tar", tmp_path / "h.tar")
    expected = P.totals_block(P.BASE, head)
    assert doc["totals"] == expected
    s = P.image_bytes(head)
    assert expected["wasted_bytes"]["head"] == 2_400 and expected["efficiency"]["head"] == (s - 1_200) / s
    assert doc["files"]["top"] == []  # same size, only the mode changed
    assert doc["insight"]["new_waste"] == [
        {"path": "/app/main.py", "count": 2, "base_size": 0, "head_size": 2_400, "delta": 2_400}
    ]
    assert [(i["head_index"], i["delta"]) for i in doc["insight"]["layers"]] == [(2, 1_200)]


def test_identical_images_report_no_change(tmp_path, run):
    P.write(tmp_path / "b.tar", P.BASE)
    P.write(tmp_path / "h.tar", P.BASE, "oci")  # same content, another layout
    r, doc = diff_json(run, tmp_path / "b.tar", tmp_path / "h.tar")
    assert r.code == 0
    assert doc["verdict"]["change"] == "none"
    assert "No change" in doc["verdict"]["summary"]
    assert {lay["status"] for lay in doc["layers"]} == {"shared"}
    for key, t in doc["totals"].items():
        if key != "compressed_size":  # the docker save side has no compressed size
            assert t["delta"] == 0 and t["delta_percent"] == 0.0, key
    assert doc["files"]["total_changes"] == 0 and doc["files"]["top"] == []
    md = run("diff", str(tmp_path / "b.tar"), str(tmp_path / "h.tar"), "--format", "markdown").out
    assert "## ✅ No change" in md and "All 2 layers are shared with the base." in md


def test_top_limits_listed_files_not_the_summary(tmp_path, run):
    head = P.head_layer_added()
    P.write(tmp_path / "b.tar", P.BASE)
    P.write(tmp_path / "h.tar", head)
    r = run("diff", str(tmp_path / "b.tar"), str(tmp_path / "h.tar"), "--format", "json", "--top", "1")
    doc = r.json()
    assert [c["path"] for c in doc["files"]["top"]] == ["/opt/extra/big.dat"]
    assert doc["files"]["total_changes"] == 2 and doc["files"]["summary"]["added"]["count"] == 2


# ----------------------------------------------------------------------------- gates
@pytest.fixture
def grown_pair(tmp_path):
    P.write(tmp_path / "b.tar", P.BASE)
    P.write(tmp_path / "h.tar", P.head_grown())
    return str(tmp_path / "b.tar"), str(tmp_path / "h.tar")


@pytest.mark.parametrize(
    "flag,value,fails",
    [
        ("--max-increase", "12kB", False),  # +12,000 B: equal to the limit passes, like dive's rules
        ("--max-increase", "11999", True),
        ("--max-increase", "0.011MB", True),  # decimal units: 11,000 B
        ("--max-increase-percent", "18", True),  # +12,000 / 66,500 = 18.05 %
        ("--max-increase-percent", "18.05%", False),
        ("--max-size", "78.5kB", False),  # head: 66,500 + 12,000 = 78,500 B
        ("--max-size", "78499", True),
    ],
)
def test_size_gates(run, grown_pair, flag, value, fails):
    assert P.image_bytes(P.BASE) == 66_500 and P.image_bytes(P.head_grown()) == 78_500
    r = run("diff", *grown_pair, "--format", "json", flag, value)
    doc = r.json()
    assert r.code == (1 if fails else 0)
    name = flag[2:]
    assert [g["name"] for g in doc["gates"]] == [name]
    assert doc["gates"][0]["status"] == ("fail" if fails else "pass")
    assert doc["verdict"]["failed_gates"] == ([name] if fails else [])
    if fails:
        assert doc["verdict"]["summary"].startswith(f"❌ Gate failed: {name}")


def test_verdict_line_names_every_failed_gate(run, grown_pair):
    r = run(
        "diff",
        *grown_pair,
        "--format",
        "markdown",
        "--max-increase",
        "1kB",
        "--max-size",
        "1MB",
        "--lowestEfficiency",
        "1",
    )
    assert r.code == 1
    # the fixtures have no repeated path, so dive's efficiency is exactly 1 and that rule passes
    line = r.out.splitlines()[1]
    assert line.startswith("## ❌ Gate failed: max-increase")
    assert "max-size" not in line and "lowestEfficiency" not in line


def test_dive_rules_on_head(tmp_path, run):
    head = P.head_waste()
    P.write(tmp_path / "b.tar", P.BASE)
    P.write(tmp_path / "h.tar", head)
    cfg = tmp_path / "dive-ci.yaml"
    cfg.write_text(
        "rules:\n  lowestEfficiency: 0.9\n  highestWastedBytes: 2399\n  highestUserWastedPercent: disabled\n"
    )
    r = run("diff", str(tmp_path / "b.tar"), str(tmp_path / "h.tar"), "--format", "json", "--ci-config", str(cfg))
    doc = r.json()
    assert r.code == 1  # wasted 2,400 > 2,399
    status = {g["name"]: g["status"] for g in doc["gates"]}
    assert status == {"highestUserWastedPercent": "skip", "highestWastedBytes": "fail", "lowestEfficiency": "pass"}
    # a flag overrides the file, as in dive
    r = run(
        "diff",
        str(tmp_path / "b.tar"),
        str(tmp_path / "h.tar"),
        "--format",
        "json",
        "--ci-config",
        str(cfg),
        "--highestWastedBytes",
        "2400",
    )
    assert r.code == 0


def test_gates_apply_to_head_not_base(tmp_path, run):
    # the waste is in BASE this time; HEAD is clean, so dive's rules pass
    P.write(tmp_path / "b.tar", P.head_waste())
    P.write(tmp_path / "h.tar", P.BASE)
    r = run("diff", str(tmp_path / "b.tar"), str(tmp_path / "h.tar"), "--format", "json", "--highestWastedBytes", "0")
    assert r.code == 0 and r.json()["totals"]["wasted_bytes"]["delta"] == -2_400
