"""``explain`` names the packages behind the toolchain, ``-dev`` and docs findings, with their
bytes from the generator's inputs, and the fix names the command that removes them."""

from __future__ import annotations

import json

import pytest

from fixtures.imagegen import ImageSpec, LayerSpec, M, write_docker_save
from layerscope.analysis.explanation import build_explanation
from layerscope.commands.explain import main
from layerscope.golang.humanize import humanize_bytes
from layerscope.packages import CAPTURE
from layerscope.report.insights import markdown_section
from layerscope.sources.archive import ReadOptions, read_archive
from tests.report.pkgpairs import Deb, _dpkg_layer

GCC = Deb(
    "gcc-12",
    "12.2.0-14",
    {"usr/bin/x86_64-linux-gnu-gcc-12": 900_000, "usr/lib/gcc/x86_64-linux-gnu/12/cc1": 3_000_000},
)
DEV = Deb(
    "libc6-dev",
    "2.36-9+deb12u4",
    {"usr/include/stdio.h": 30_000, "usr/share/doc/libc6-dev/changelog": 80_000},
)
INSTALL = "RUN /bin/sh -c apt-get install -y gcc-12 libc6-dev"


@pytest.fixture
def toolchain_image(tmp_path):
    path = str(tmp_path / "tc.tar")
    write_docker_save(path, ImageSpec([_dpkg_layer([GCC, DEV]), LayerSpec([M("app/main", size=1000)], "COPY app /")]))
    return path


def _explain(capsys, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    return code, capsys.readouterr().out


def _groups(doc: dict) -> dict[str, dict]:
    return {g["rule"]: g for g in doc["groups"]}


def test_json_groups_name_their_packages(toolchain_image, capsys):
    code, out = _explain(capsys, toolchain_image, "--json", "-q")
    assert code == 0
    groups = _groups(json.loads(out))
    compilers = groups["C/C++ compilers"]
    assert [(p["name"], p["version"], p["bytes"], p["package_bytes"], p["layer"]) for p in compilers["packages"]] == [
        ("gcc-12", "12.2.0-14", GCC.bytes, GCC.bytes, 0)
    ]
    assert "`apt-get purge -y --auto-remove gcc-12`" in compilers["fix"]
    headers = groups["headers"]
    assert [(p["name"], p["bytes"], p["package_bytes"]) for p in headers["packages"]] == [
        ("libc6-dev", 30_000, DEV.bytes)
    ]
    assert "`apt-get purge -y --auto-remove libc6-dev`" in headers["fix"]
    docs = groups["documentation"]
    assert [(p["name"], p["bytes"]) for p in docs["packages"]] == [("libc6-dev", 80_000)]
    assert "apt-get purge" not in docs["fix"]  # the package is needed, its docs are not
    assert f"libc6-dev ({humanize_bytes(80_000)})" in docs["fix"]


def test_text_lists_packages_under_each_group(toolchain_image, capsys):
    code, out = _explain(capsys, toolchain_image, "-q")
    assert code == 0
    assert f"packages: gcc-12 {humanize_bytes(GCC.bytes)}" in out
    assert f"packages: libc6-dev {humanize_bytes(30_000)}" in out


def test_pr_report_section_has_the_packages(toolchain_image):
    image = read_archive(toolchain_image, toolchain_image, ReadOptions(capture=CAPTURE))
    md = markdown_section(build_explanation(image))
    assert f"`gcc-12` {humanize_bytes(GCC.bytes)}" in md
    assert "apt-get purge -y --auto-remove gcc-12" in md


def test_without_capture_nothing_changes(toolchain_image):
    ex = build_explanation(read_archive(toolchain_image, toolchain_image, ReadOptions()))
    assert ex.packages is None and all(not g.packages for g in ex.insights.groups)
    assert ex.insights.dev_packages == ["libc6-dev"]  # still found from the dpkg .list names


def test_apk_toolchain_and_hostile_names(tmp_path, capsys):
    db = (
        "P:gcc\nV:13.2.1_git20231014-r0\nA:x86_64\nF:usr/bin\nR:gcc\n"
        "\nP:evil`$(id)`\nV:1-r0\nA:x86_64\nF:usr/include\nR:evil.h\n"
    )
    layer = [
        M("lib/apk/db/installed", data=db.encode()),
        M("usr/bin/gcc", size=700_000),
        M("usr/include/evil.h", size=40_000),
    ]
    path = str(tmp_path / "a.tar")
    write_docker_save(path, ImageSpec([LayerSpec(layer, "RUN /bin/sh -c apk add gcc")]))
    code, out = _explain(capsys, path, "--json", "-q")
    groups = _groups(json.loads(out))
    assert "`apk del gcc`" in groups["C/C++ compilers"]["fix"]
    hdr = groups["headers"]
    assert [p["name"] for p in hdr["packages"]] == ["evil`$(id)`"]  # listed (escaped by each renderer) ...
    assert "$(id)" not in hdr["fix"]  # ... but never put into a suggested command
