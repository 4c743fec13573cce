"""Small synthetic images for the package tests, written by our own generator (fixtures/imagegen)."""

from __future__ import annotations

from pathlib import Path

from fixtures.imagegen import ImageSpec, LayerSpec, M, write_docker_save
from layerscope.image import Image
from layerscope.packages import CAPTURE, Package, PackageReport, analyze_packages
from layerscope.packages.capture import CaptureSpec
from layerscope.sources.archive import ReadOptions, read_archive


def stanza(name: str, version: str = "1.0", arch: str = "amd64", status: str = "install ok installed") -> str:
    return f"Package: {name}\nStatus: {status}\nVersion: {version}\nArchitecture: {arch}\n\n"


def image(tmp: Path, *layers: list[M], name: str = "img.tar") -> str:
    path = str(tmp / name)
    write_docker_save(path, ImageSpec([LayerSpec(list(m), f"layer {i}") for i, m in enumerate(layers)]))
    return path


def read(path: str, capture: CaptureSpec | None = CAPTURE) -> Image:
    return read_archive(path, path, ReadOptions(capture=capture, hash_content=False))


def analyze(tmp: Path, *layers: list[M], capture: CaptureSpec | None = CAPTURE) -> PackageReport:
    return analyze_packages(read(image(tmp, *layers), capture))


def by_name(report: PackageReport) -> dict[str, Package]:
    return {p.name: p for p in report.packages}
