"""What the email forms of the constructs share: where an element is, for a message,
and small helpers for walking the tree."""

from __future__ import annotations

import re
from collections.abc import Callable

from .dom import Element

Warn = Callable[[str], None]

HEADINGS = frozenset(["h2", "h3", "h4", "h5", "h6"])


def tree_root(node: Element) -> Element:
    while node.parent is not None:
        node = node.parent
    return node


def real_heading(e: Element) -> bool:
    return e.tag in HEADINGS and not any(c.startswith("mh-e-") for c in e.classes)


def _heading_before(node: Element) -> Element | None:
    last = None
    for e in tree_root(node).iter():
        if e is node:
            break
        if real_heading(e):
            last = e
    return last


def where(node: Element) -> str:
    """Where ``node`` is, for a message: ``under 'Heading'`` (its section's heading)."""
    heading = _heading_before(node)
    if heading is None:
        return "before the first heading"
    title = re.sub(r"\s+", " ", heading.text()).strip()
    return f"under {title!r}" if title else "under an empty heading"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def inside(node: Element, tags: frozenset[str]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.parent
    return False


def ancestors(node: Element) -> list[Element]:
    found = []
    parent = node.parent
    while parent is not None:
        found.append(parent)
        parent = parent.parent
    return found


def element_children(node: Element) -> list[Element]:
    return [c for c in node.children if isinstance(c, Element)]


def css_px(value: str) -> float | None:
    match = re.match(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$", value or "")
    return float(match.group(1)) if match else None
