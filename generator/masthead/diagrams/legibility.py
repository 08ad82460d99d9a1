"""How large a diagram's labels are where it is read: a phone, the email column.

The site shows a diagram at its own width when it fits the content column,
and narrower when it does not, but never narrower than its readable width (at
which its smallest label is ``min_label_px``): past that it scrolls sideways.
An email cannot scroll, so a diagram wider than the email's column is
shrunk to fit it. The sizes come from the SVG itself: the smallest
``font-size`` of its text, times the scale Graphviz applied to the graph,
times the displayed width over the width of the ``viewBox``.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

from ..email.transform import CONTENT_WIDTH, NARROWEST_COLUMN

PHONE_WIDTH = 375
"""The narrow screen the site is checked at; its content column is :data:`NARROWEST_COLUMN`."""

_TEXT = re.compile(rb"<text\b([^>]*)>(.*?)</text>", re.DOTALL)
_FONT_SIZE = re.compile(rb'\bfont-size="([\d.]+)(?:px|pt)?"')
_VIEWBOX = re.compile(rb'<svg\b[^>]*?\sviewBox="[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)', re.DOTALL)
_SCALE = re.compile(rb'<g id="graph0"[^>]*?\stransform="[^"]*?scale\(([\d.]+)')


@dataclass(frozen=True)
class Legibility:
    """The smallest label of one diagram, in CSS px, where it is shown."""

    site: float
    """On a :data:`PHONE_WIDTH` px screen (content column :data:`NARROWEST_COLUMN` px)."""
    email: float
    """In the email's :data:`CONTENT_WIDTH` px column."""
    min_width: int
    """The narrowest the site shows the diagram: its readable width, at most its own width."""

    def legible(self, min_px: float) -> bool:
        """Both sizes at least ``min_px`` (always, for 0)."""
        return self.site >= min_px and self.email >= min_px


def smallest_font(svg: bytes) -> float | None:
    """The smallest font size of the SVG's text, in ``viewBox`` units (after the
    graph's scale); None when it has no text."""
    sizes = []
    for attrs, body in _TEXT.findall(svg):
        size = _FONT_SIZE.search(attrs)
        if size is not None and html.unescape(body.decode("utf-8", "replace")).strip():
            sizes.append(float(size.group(1)))
    if not sizes:
        return None
    scale = _SCALE.search(svg)
    return min(sizes) * (float(scale.group(1)) if scale else 1.0)


def legibility(svg: bytes, width: int, min_px: float) -> Legibility | None:
    """The label sizes of the diagram ``svg`` shown ``width`` CSS px wide at most;
    None when it has no text (nothing to read). ``min_px`` (0: off) sets how
    narrow the site may show it."""
    font = smallest_font(svg)
    viewbox = _VIEWBOX.search(svg)
    box_width = float(viewbox.group(1)) if viewbox else float(width)
    if font is None or font <= 0 or box_width <= 0 or width <= 0:
        return None

    def label_at(shown: float) -> float:
        return font * shown / box_width

    readable = math.ceil(box_width * min_px / font)
    min_width = min(width, readable)
    return Legibility(
        site=label_at(max(min(width, NARROWEST_COLUMN), min_width)),
        email=label_at(min(width, CONTENT_WIDTH)),
        min_width=min_width,
    )
