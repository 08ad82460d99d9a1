"""Widths set in the page (raw HTML) wider than the email's column."""

from __future__ import annotations

import re

from .construct_common import Warn, css_px, where
from .dom import Element

_STYLE_WIDTH = re.compile(r"^(min-width|width|max-width)$")


def fixed_widths(root: Element, content_width: int, warn: Warn) -> None:
    """Widths set in the page (raw HTML) wider than the column -> the column's width,
    with a warning; an image's size is its attributes', never a style's."""
    for node in root.iter():
        if node is root or node.tag == "#root":
            continue
        if node.tag != "img":
            width = css_px(node.get("width"))
            if width is not None and width > content_width:
                node.attrs["width"] = "100%"
                warn(
                    f"a {node.tag} {where(node)} is set {width:g} px wide (width), wider than "
                    f"the email's {content_width} px column; the email lets it take the "
                    "column's width"
                )
        style = node.get("style")
        if not style:
            continue
        kept = []
        for decl in style.split(";"):
            name, _, value = decl.partition(":")
            name = name.strip().lower()
            if node.tag == "img" and name in ("width", "height", "min-width", "min-height"):
                continue
            if _STYLE_WIDTH.match(name):
                px = css_px(value)
                if px is not None and px > content_width:
                    if name != "max-width":
                        warn(
                            f"a {node.tag} {where(node)} is set {px:g} px wide ({name}), wider "
                            f"than the email's {content_width} px column; the email lets it "
                            "take the column's width"
                        )
                    continue
                if name == "min-width" and value.strip().endswith("%"):
                    continue
            kept.append(decl)
        if len(kept) != len(style.split(";")):
            if "".join(kept).strip():
                node.attrs["style"] = ";".join(kept)
            else:
                node.attrs.pop("style", None)
