"""Pygments token classes (``<span class="k">``) as inline colours.

Email clients drop or ignore most ``<style>`` rules for code, so each token
span gets its colour, weight and slant in a ``style`` attribute, taken from a
Pygments style (a light one: the email has a light code background).
"""

from __future__ import annotations

import functools

from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES

DEFAULT_STYLE = "friendly"
CODE_BACKGROUND = "#f6f8fa"
CODE_FOREGROUND = "#24292f"


@functools.cache
def token_styles(style_name: str = DEFAULT_STYLE) -> dict[str, str]:
    """Map each Pygments short class (``k``, ``s2``, ...) to inline CSS declarations."""
    style = get_style_by_name(style_name)
    styles: dict[str, str] = {}
    for ttype, short in STANDARD_TYPES.items():
        if not short or short == "w":
            continue
        spec = style.style_for_token(ttype)
        decls: list[str] = []
        if spec["color"]:
            decls.append(f"color:#{spec['color']}")
        if spec["bold"]:
            decls.append("font-weight:bold")
        if spec["italic"]:
            decls.append("font-style:italic")
        if decls:
            styles[short] = ";".join(decls)
    return styles


LINE_NUMBER = "color:#8c959f"
"""Inline line numbers (``linenos`` spans), as GitHub greys them."""


@functools.cache
def _marks(style_name: str) -> dict[str, str]:
    """Spans that are not tokens: highlighted lines (``hl_lines``) and line numbers."""
    highlight = get_style_by_name(style_name).highlight_color or "#ffffcc"
    return {"hll": f"background-color:{highlight}", "linenos": LINE_NUMBER}


def inline_style_for(classes: list[str], style_name: str = DEFAULT_STYLE) -> str:
    """The declarations for a span's classes ('' when the token is not styled)."""
    table = token_styles(style_name)
    marks = _marks(style_name)
    return ";".join(table.get(c) or marks[c] for c in classes if c in table or c in marks)
