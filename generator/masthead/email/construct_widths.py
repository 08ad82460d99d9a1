"""What could make the email wider than its column: widths set in the page (raw HTML),
and words too long for a phone's line."""

from __future__ import annotations

import re

from . import dom
from .construct_common import Warn, css_px, where
from .dom import Element, Text

_STYLE_WIDTH = re.compile(r"^(min-width|width|max-width)$")

LONG_WORD = 24
"""A word (a run with no space) longer than this, about the width of a phone's line in
code type, gets break opportunities."""
BREAK_EVERY = 12
_LONG = re.compile(rf"\S{{{LONG_WORD + 1},}}")
_SKIP = frozenset({"style", "script", "title"})


def long_words(root: Element) -> None:
    """A long word, URL or token in the text -> ``<wbr>`` after every ``BREAK_EVERY``
    characters of it, so that it wraps in a client that drops ``<style>`` (where no
    ``word-wrap`` rule reaches it) instead of widening the email. Code blocks
    (``div.mh-e-code``) have their own (:func:`masthead.email.constructs.wrapping_lines`)."""
    for node in list(root.iter()):
        if node.tag in _SKIP or node.has_class("mh-e-code") or _in_code_block(node):
            continue
        if not any(isinstance(c, Text) and _LONG.search(c.data) for c in node.children):
            continue
        children: list[Element | Text | dom.Comment] = []
        for child in node.children:
            if isinstance(child, Text) and _LONG.search(child.data):
                children.extend(_broken(child.data))
            else:
                children.append(child)
        node.children = []
        node.extend(children)


def _in_code_block(node: Element) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.has_class("mh-e-code"):
            return True
        parent = parent.parent
    return False


def _broken(data: str) -> list[Element | Text | dom.Comment]:
    out: list[Element | Text | dom.Comment] = []
    at = 0
    for match in _LONG.finditer(data):
        word = match.group()
        pieces = [word[i : i + BREAK_EVERY] for i in range(0, len(word), BREAK_EVERY)]
        out.append(Text(data[at : match.start()] + pieces[0]))
        for piece in pieces[1:]:
            out.append(dom.el("wbr", {}))
            out.append(Text(piece))
        at = match.end()
    if at < len(data):
        out.append(Text(data[at:]))
    return out


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
