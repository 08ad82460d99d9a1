"""An inline ``<svg>`` of the page written out as a standalone SVG file."""

from __future__ import annotations

from . import dom
from .dom import Element, Text

_SVG_ATTRS = {
    name.lower(): name
    for name in [
        "viewBox",
        "preserveAspectRatio",
        "gradientUnits",
        "gradientTransform",
        "patternUnits",
        "patternContentUnits",
        "patternTransform",
        "clipPathUnits",
        "maskUnits",
        "maskContentUnits",
        "markerWidth",
        "markerHeight",
        "markerUnits",
        "refX",
        "refY",
        "stdDeviation",
        "textLength",
        "lengthAdjust",
        "spreadMethod",
        "pathLength",
        "baseFrequency",
        "numOctaves",
        "filterUnits",
        "primitiveUnits",
        "startOffset",
        "tableValues",
        "kernelMatrix",
        "kernelUnitLength",
        "surfaceScale",
        "specularExponent",
        "specularConstant",
        "diffuseConstant",
        "xChannelSelector",
        "yChannelSelector",
        "edgeMode",
        "limitingConeAngle",
        "pointsAtX",
        "pointsAtY",
        "pointsAtZ",
        "targetX",
        "targetY",
    ]
}


_SVG_TAGS = {
    name.lower(): name
    for name in [
        "linearGradient",
        "radialGradient",
        "clipPath",
        "textPath",
        "foreignObject",
        "feGaussianBlur",
        "feOffset",
        "feBlend",
        "feColorMatrix",
        "feComposite",
        "feFlood",
        "feMerge",
        "feMergeNode",
        "feMorphology",
        "feTurbulence",
        "feImage",
        "feTile",
        "feDisplacementMap",
        "feDropShadow",
        "feComponentTransfer",
        "feFuncA",
        "feFuncR",
        "feFuncG",
        "feFuncB",
        "feConvolveMatrix",
        "feDiffuseLighting",
        "feSpecularLighting",
        "feDistantLight",
        "fePointLight",
        "feSpotLight",
    ]
}


def svg_markup(svg: Element) -> str:
    """An inline ``<svg>`` of the page as a standalone SVG file (XML: the parser
    lower-cased names such as ``viewBox``, which SVG spells in camel case)."""
    out: list[str] = []

    def write(node: Element | Text | dom.Comment) -> None:
        if isinstance(node, Text):
            out.append(_xml_escape(node.data))
            return
        if not isinstance(node, Element):
            return
        tag = _SVG_TAGS.get(node.tag, node.tag)
        attrs = "".join(
            f' {_SVG_ATTRS.get(k, k)}="{_xml_escape(v or "", quote=True)}"'
            for k, v in node.attrs.items()
        )
        out.append(f"<{tag}{attrs}>")
        for child in node.children:
            write(child)
        out.append(f"</{tag}>")

    write(svg)
    return "".join(out)


def _xml_escape(text: str, *, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text
