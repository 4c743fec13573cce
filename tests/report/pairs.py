"""Image pairs with known differences, and an independent model of what they contain.

The expected numbers in the report tests come from here: a few lines that apply the fixture
*inputs* (members, sizes, whiteouts) the way the OCI spec and dive's documented rules
(``dive/filetree/efficiency.go``) say, without any layerscope code.  If layerscope and this model
disagree, one of them is wrong, and the test says so.
"""

from __future__ import annotations

import posixpath
import tarfile
from dataclasses import dataclass, replace

from fixtures.imagegen import ImageSpec, LayerSpec, M, whiteout, write_docker_save, write_oci_archive

# ----------------------------------------------------------------------------- the images
L0_CMD = "/bin/sh -c #(nop) ADD file:0123 in / "
L1_CMD = "RUN /bin/sh -c pip install app # buildkit"


def base_layer0(with_pkg: bool = True) -> LayerSpec:
    members = [
        M("etc/", kind="dir"),
        M("etc/os-release", data=b"o" * 300),
        M("usr/", kind="dir"),
        M("usr/lib/", kind="dir"),
        M("usr/lib/libc.so", size=40_000),
        M("bin/sh", size=2_000),
        M("bin/ls", kind="symlink", linkname="sh"),
    ]
    if with_pkg:
        members += [
            M("usr/lib/pkg/", kind="dir"),
            M("usr/lib/pkg/a.py", size=10_000),
            M("usr/lib/pkg/b.so", size=5_000),
        ]
    return LayerSpec(members, L0_CMD)


def app_layer(data_size: int = 8_000) -> LayerSpec:
    return LayerSpec(
        [M("app/", kind="dir"), M("app/main.py", data=b"p" * 1_200), M("app/data.bin", size=data_size)], L1_CMD
    )


BASE = ImageSpec([base_layer0(), app_layer()], tags=["app:main"])
EXTRA = LayerSpec(
    [
        M("opt/", kind="dir"),
        M("opt/extra/", kind="dir"),
        M("opt/extra/big.dat", size=30_000),
        M("opt/extra/small.txt", data=b"s" * 500),
    ],
    "COPY extra /opt/extra",
)
RM_PKG = LayerSpec([whiteout("usr/lib/pkg")], "RUN /bin/sh -c rm -rf /usr/lib/pkg")
CHMOD = LayerSpec([M("app/main.py", data=b"p" * 1_200, mode=0o755)], "RUN /bin/sh -c chmod +x /app/main.py")


def head_grown() -> ImageSpec:
    return replace(BASE, layers=[base_layer0(), app_layer(20_000)], tags=["app:pr"])


def head_layer_added() -> ImageSpec:
    return replace(BASE, layers=[base_layer0(), app_layer(), EXTRA], tags=["app:pr"])


def head_pkg_removed() -> ImageSpec:
    return replace(BASE, layers=[base_layer0(with_pkg=False), app_layer()], tags=["app:pr"])


def head_pkg_whiteout() -> ImageSpec:
    return replace(BASE, layers=[base_layer0(), app_layer(), RM_PKG], tags=["app:pr"])


def head_waste() -> ImageSpec:
    return replace(BASE, layers=[base_layer0(), app_layer(), CHMOD], tags=["app:pr"])


def write(path, spec: ImageSpec, layout: str = "docker") -> list[dict]:
    if layout == "docker":
        return write_docker_save(str(path), spec)
    return write_oci_archive(str(path), spec, compression="gzip")


# ----------------------------------------------------------------------------- the model
def _clean(name: str) -> str:
    return posixpath.normpath("/" + name).lstrip("/")


def msize(m: M) -> int:
    """Content bytes of a member (the tar header size)."""
    if m.kind not in ("file", "rega"):
        return 0
    return len(m.data) if m.data else (m.size or 0)


def layer_bytes(layer: LayerSpec) -> int:
    return sum(msize(m) for m in layer.members)


def image_bytes(spec: ImageSpec) -> int:
    return sum(layer_bytes(lay) for lay in spec.layers)


def _under(path: str, top: str) -> bool:
    return path == top or path.startswith(top + "/")


def final_files(spec: ImageSpec) -> dict[str, int]:
    """What a container sees: ``/path → size`` of every non-directory, whiteouts applied."""
    entries: dict[str, tuple[str, int]] = {}  # path -> (kind, size)
    for layer in spec.layers:
        for m in layer.members:
            p = _clean(m.name)
            d, b = posixpath.split(p)
            if b.startswith(".wh."):
                target = posixpath.join(d, b[4:])
                for k in [k for k in entries if _under(k, target)]:
                    del entries[k]
        for m in layer.members:
            p = _clean(m.name)
            if posixpath.basename(p).startswith(".wh."):
                continue
            entries[p] = (m.kind, msize(m))
    return {"/" + p: s for p, (k, s) in entries.items() if k != "dir"}


@dataclass
class DiveNumbers:
    efficiency: float
    wasted: int
    rows: dict[str, tuple[int, int]]  # path -> (count, cumulative bytes)


def dive_numbers(spec: ImageSpec) -> DiveNumbers:
    """dive's efficiency and waste from the inputs (dive's ``efficiency.go``), for these fixtures' shapes:
    leaves are non-dir members, empty dirs and whiteouts; a whiteout counts the stacked subtree of
    an explicit directory, 0 for a file or an implicit dir."""
    occ: dict[str, list[int]] = {}
    stacked: dict[str, tuple[str, int]] = {}
    for layer in spec.layers:
        paths = [_clean(m.name) for m in layer.members]
        for m, p in zip(layer.members, paths, strict=False):
            d, b = posixpath.split(p)
            if b.startswith(".wh."):
                target = posixpath.join(d, b[4:])
                if target in stacked and stacked[target][0] == "dir":
                    s = sum(sz for k, (_kind, sz) in stacked.items() if _under(k, target))
                elif target in stacked or any(_under(k, target) for k in stacked):
                    s = 0
                else:  # pragma: no cover - the fixtures never delete a missing path
                    raise AssertionError("missing whiteout target: dive would abort the layer")
                occ.setdefault("/" + target, []).append(s)
            elif m.kind != "dir" or not any(q.startswith(p + "/") for q in paths):
                occ.setdefault("/" + p, []).append(msize(m))
        for p in paths:
            d, b = posixpath.split(p)
            if b.startswith(".wh."):
                target = posixpath.join(d, b[4:])
                for k in [k for k in stacked if _under(k, target)]:
                    del stacked[k]
        for m, p in zip(layer.members, paths, strict=False):
            if not posixpath.basename(p).startswith(".wh."):
                stacked[p] = (m.kind, msize(m))
    cum = sum(sum(v) for v in occ.values())
    low = sum(min(v) for v in occ.values())
    rows = {p: (len(v), sum(v)) for p, v in occ.items() if len(v) >= 2}
    return DiveNumbers(1.0 if cum == 0 else low / cum, sum(c for _n, c in rows.values()), rows)


def blob_sizes(archive, info: dict) -> list[int]:
    """Sizes of the layer blobs as stored in the outer archive (the download sizes)."""
    with tarfile.open(str(archive)) as tf:
        return [tf.getmember(name).size for name in info["layers"]]


def pct(base: int | float, head: int | float) -> float | None:
    if base == 0:
        return 0.0 if head == 0 else None
    return (head - base) * 100.0 / base


# The download-size estimate of a legacy save, as docs/explain-and-ci-extras.md and
# layerscope/analysis/compressed.py document it: 20 bytes of gzip framing per layer, 40 per tar
# header, content × 0.30 for text files and × 0.45 for anything else (no fixture here holds an
# already-compressed format).
_TEXT_SUFFIXES = (".py", ".txt", ".json", ".md", ".sh")


def estimated_download(spec: ImageSpec) -> int:
    total = 0
    for layer in spec.layers:
        total += 20
        for m in layer.members:
            ratio = 0.30 if _clean(m.name).endswith(_TEXT_SUFFIXES) else 0.45
            total += 40 + int(msize(m) * ratio) if m.kind == "file" else 40
    return total


def totals_block(base: ImageSpec, head: ImageSpec, base_comp: int | None = None, head_comp: int | None = None) -> dict:
    """The expected ``totals`` of the diff JSON, from the inputs only.  Without blob sizes (a
    legacy ``docker save``), the download size is the labelled estimate of the inputs."""
    estimated = base_comp is None or head_comp is None
    if base_comp is None:
        base_comp = estimated_download(base)
    if head_comp is None:
        head_comp = estimated_download(head)
    bd, hd = dive_numbers(base), dive_numbers(head)
    pairs = {
        "size": (image_bytes(base), image_bytes(head)),
        "compressed_size": (base_comp, head_comp),
        "layers": (len(base.layers), len(head.layers)),
        "files": (len(final_files(base)), len(final_files(head))),
        "efficiency": (bd.efficiency, hd.efficiency),
        "wasted_bytes": (bd.wasted, hd.wasted),
    }
    out = {}
    for k, (b, h) in pairs.items():
        if b is None or h is None:
            out[k] = {"base": b, "head": h, "delta": None, "delta_percent": None}
        else:
            out[k] = {"base": b, "head": h, "delta": h - b, "delta_percent": pct(b, h)}
    out["compressed_size"]["estimated"] = estimated
    return out
