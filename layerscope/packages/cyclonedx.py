"""CycloneDX 1.5 JSON of the packages, through ``cyclonedx-python-lib``.

Each package is a ``library`` component with its purl; its size and layer travel as the
properties ``layerscope:bytes``, ``layerscope:layer`` (plus ``layerscope:files`` and
``layerscope:wastedBytes``), and the image itself is the BOM's ``metadata.component``.
"""

from __future__ import annotations

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.output.json import JsonV1Dot5
from packageurl import PackageURL

from .model import Package, PackageReport
from .render import Selection, _raw, select


def _component(i: int, p: Package) -> Component:
    props = [
        Property(name="layerscope:bytes", value=str(p.bytes)),
        Property(name="layerscope:files", value=str(p.files)),
        Property(name="layerscope:ecosystem", value=p.ecosystem),
        Property(name="layerscope:wastedBytes", value=str(p.wasted_bytes)),
    ]
    if p.layer is not None:
        props.append(Property(name="layerscope:layer", value=str(p.layer)))
    purl = PackageURL.from_string(p.purl) if p.purl else None
    return Component(
        name=_raw(p.name) or "(unnamed)",
        version=_raw(p.version) or None,
        type=ComponentType.LIBRARY,
        purl=purl,
        bom_ref=f"pkg-{i}-{p.ecosystem}",
        properties=props,
    )


def render_cyclonedx(report: PackageReport, image: str, sel: Selection) -> str:
    bom = Bom()
    root = Component(name=_raw(image), type=ComponentType.CONTAINER, bom_ref="image")
    bom.metadata.component = root
    parts = [_component(i, p) for i, p in enumerate(select(report, sel))]
    for c in parts:
        bom.components.add(c)
    bom.register_dependency(root, parts)  # the image contains every package listed
    return JsonV1Dot5(bom).output_as_string(indent=2) + "\n"
