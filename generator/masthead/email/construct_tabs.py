"""Content tabs (``pymdownx.tabbed``) in an email: each label a small heading before
its panel."""

from __future__ import annotations

from ..i18n import Strings
from . import dom
from .construct_common import element_children
from .dom import Element, Text


def is_tabset(e: Element) -> bool:
    return e.tag == "div" and e.has_class("tabbed-set")


def _tabs(tabset: Element) -> list[tuple[Element | None, Element]]:
    """``(label, panel)`` pairs of a tab set, in either of pymdownx.tabbed's styles."""
    labels_box = next((c for c in element_children(tabset) if c.has_class("tabbed-labels")), None)
    content = next((c for c in element_children(tabset) if c.has_class("tabbed-content")), None)
    if labels_box is not None and content is not None:  # alternate_style: true
        labels: list[Element | None] = [c for c in element_children(labels_box) if c.tag == "label"]
        panels = [c for c in element_children(content) if c.has_class("tabbed-block")]
        labels += [None] * (len(panels) - len(labels))
        return list(zip(labels, panels, strict=False))
    pairs: list[tuple[Element | None, Element]] = []
    label: Element | None = None
    for child in element_children(tabset):
        if child.tag == "label":
            label = child
        elif child.has_class("tabbed-content"):
            pairs.append((label, child))
            label = None
    return pairs


def tabs(tabset: Element, level: int, strings: Strings) -> None:
    """A tab set -> each label as a small heading (``h<level>``), then its panel, one
    after the other; a tab without a label is "Tab N" in the language of ``strings``."""
    pairs = _tabs(tabset)
    if not pairs:
        return
    box = dom.el("div", {"class": "mh-e-tabs"})
    dom.replace(tabset, [box])
    for number, (label, panel) in enumerate(pairs, 1):
        heading = dom.el(f"h{level}", {"class": "mh-e-tab__label"})
        if label is not None and label.text().strip():
            heading.extend(list(label.children))
        else:
            heading.append(Text(strings.text("email.tab", n=number)))
        body = dom.el("div", {"class": "mh-e-tab__panel"})
        body.extend(list(panel.children))
        box.extend([heading, body])
