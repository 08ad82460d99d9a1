"""Footnotes in an email: the reference numbers, and the list at the end without its
back links."""

from __future__ import annotations

from . import dom
from .dom import Element, Text


def footnotes(references: list[Element], lists: list[Element]) -> None:
    """Footnote references -> plain superscript numbers; the list stays at the end,
    without its back links (they point into the web page)."""
    for sup in references:
        link = sup.find(lambda e: e.tag == "a")
        number = (link or sup).text().strip()
        sup.attrs = {"class": "mh-e-fnref"}
        sup.children = []
        sup.append(Text(number))
    for div in lists:
        div.attrs = {"class": "mh-e-footnotes"}
        for back in div.find_all(lambda e: e.tag == "a" and e.has_class("footnote-backref")):
            parent = back.parent
            dom.remove(back)
            if parent is not None and parent.children and isinstance(parent.children[-1], Text):
                parent.children[-1].data = parent.children[-1].data.rstrip("\u00a0 ")
