"""The explorer's shortcut for an image without any package database file: the same answer as
the full analysis (no package, no database), without walking the final image."""

from __future__ import annotations

from fixtures.imagegen import M
from layerscope.packages import analyze_packages
from layerscope.packages.attribute import nothing_captured
from layerscope.ui.model import compute_packages

from .synth import image, read, stanza


def test_no_database_file_gives_what_the_full_analysis_gives(tmp_path):
    img = read(image(tmp_path, [M("usr/bin/app", data=b"x" * 300)], [M("etc/conf", data=b"y")]))
    assert nothing_captured(img)
    full, quick = analyze_packages(img), compute_packages(img)
    assert (full.packages, full.databases) == ([], [])
    assert (quick.packages, quick.databases, quick.layers) == ([], [], full.layers)


def test_a_database_file_takes_the_full_analysis(tmp_path):
    status = stanza("app", "1.0").encode()
    layers = [M("var/lib/dpkg/status", data=status), M("var/lib/dpkg/info/app.list", data=b"/usr/bin/app\n")]
    img = read(image(tmp_path, [*layers, M("usr/bin/app", data=b"x" * 300)]))
    assert not nothing_captured(img)
    report = compute_packages(img)
    assert [(p.name, p.bytes) for p in report.packages] == [("app", 300)]
