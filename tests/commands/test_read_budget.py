"""Each read of ``diff`` has its own budget: ``--max-bytes`` / ``--max-entries`` cap one image.

The figures come from the generated archives themselves (the uncompressed layer members as
stored, the tar entries of each layer, read with :mod:`tarfile`), never from layerscope.
"""

from __future__ import annotations

import io
import tarfile

from tests.report import pairs as P


def _layer_bytes_and_entries(archive, info: list[dict]) -> tuple[int, int]:
    """Bytes of the (uncompressed) layer tars and their entries, ``.`` excluded as dive does."""
    size = entries = 0
    with tarfile.open(str(archive)) as outer:
        for name in info[0]["layers"]:
            data = outer.extractfile(name).read()
            size += len(data)
            with tarfile.open(fileobj=io.BytesIO(data)) as layer:
                entries += sum(1 for m in layer if m.name.strip("/") not in (".", ""))
    return size, entries


def _pair(tmp_path):
    b, h = tmp_path / "b.tar", tmp_path / "h.tar"
    sizes = [
        _layer_bytes_and_entries(b, P.write(b, P.BASE)),
        _layer_bytes_and_entries(h, P.write(h, P.head_layer_added())),
    ]
    return b, h, sizes


def test_two_images_each_under_the_byte_cap_both_load(tmp_path, run):
    """Before: one Limits object, counters and all, served both reads, so two images that
    each fit under --max-bytes failed together (and diff had no --max-bytes at all)."""
    b, h, sizes = _pair(tmp_path)
    cap = max(s for s, _e in sizes)
    assert sum(s for s, _e in sizes) > cap  # together they would not fit
    r = run("diff", str(b), str(h), "--format", "json", "--max-bytes", str(cap))
    assert (r.code, r.err) == (0, "")
    assert r.json()["totals"] == P.totals_block(P.BASE, P.head_layer_added())


def test_two_images_each_under_the_entry_cap_both_load(tmp_path, run):
    b, h, sizes = _pair(tmp_path)
    cap = max(e for _s, e in sizes)
    assert sum(e for _s, e in sizes) > cap
    r = run("diff", str(b), str(h), "--format", "json", "--max-entries", str(cap))
    assert (r.code, r.err) == (0, "")


def test_the_cap_still_stops_one_image_over_it(tmp_path, run):
    """The budget is per image, not gone: the bigger side alone over the cap is exit 2."""
    b, h, sizes = _pair(tmp_path)
    cap = min(s for s, _e in sizes)
    assert sizes[1][0] > cap  # HEAD has one more layer than BASE
    r = run("diff", str(b), str(h), "--format", "json", "--max-bytes", str(cap))
    assert r.code == 2
    assert r.err.startswith("layerscope: head: ") and "--max-bytes" in r.err
    assert r.out == ""


def test_report_and_explain_take_the_caps_too(tmp_path, run):
    b, _h, sizes = _pair(tmp_path)
    too_small = sizes[0][0] - 1
    r = run("report", str(b), "--format", "json", "--max-bytes", str(too_small))
    assert r.code == 2 and "--max-bytes" in r.err
