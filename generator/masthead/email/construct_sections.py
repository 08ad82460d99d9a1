"""Tab sets, admonitions and details, each given the heading level of where it is."""

from __future__ import annotations

from ..i18n import Strings
from .construct_admonitions import box
from .construct_common import real_heading, tree_root
from .construct_tabs import is_tabset, tabs
from .dom import Element

_SECTIONS = ("mh-e-tab__panel", "mh-e-admonition__cell")


def _headings_before(root: Element) -> dict[int, Element]:
    """Each element (by id) -> the section heading before it, from one walk of the tree."""
    found: dict[int, Element] = {}
    last: Element | None = None
    for e in root.iter():
        if last is not None:
            found[id(e)] = last
        if real_heading(e):
            last = e
    return found


def _level(node: Element, headings: dict[int, Element]) -> int:
    """The heading level for a label or summary at ``node``: one below its section's
    heading, one more per tab panel or box it is in (at most 6)."""
    heading = headings.get(id(node))
    level = int(heading.tag[1]) if heading is not None else 2
    parent = node.parent
    while parent is not None:
        if any(parent.has_class(c) for c in _SECTIONS):
            level += 1
        parent = parent.parent
    return min(6, level + 1)


def sections(nodes: list[Element], strings: Strings) -> None:
    """Tab sets, admonitions and details, outermost first (a nested one's label is a
    level deeper); a label they lack is made in the language of ``strings``."""
    headings = _headings_before(tree_root(nodes[0])) if nodes else {}
    for node in nodes:
        if node.parent is None:
            continue
        if is_tabset(node):
            tabs(node, _level(node, headings), strings)
        else:
            box(node, _level(node, headings), strings)
