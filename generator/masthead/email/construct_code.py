"""Code block titles in an email: a caption above the code."""

from __future__ import annotations

from . import dom
from .construct_common import ancestors
from .dom import Element


def code_titles(spans: list[Element]) -> None:
    """A code block's title (``title="x.py"``) -> a caption paragraph above the code."""
    for span in spans:
        if span.parent is None:
            continue
        title = dom.el("p", {"class": "mh-e-code__title"})
        title.extend(list(span.children))
        table = next(
            (a for a in ancestors(span) if a.tag == "table" and a.has_class("highlighttable")),
            None,
        )
        if table is not None and table.parent is not None:
            row = next(a for a in ancestors(span) if a.tag == "tr")
            dom.remove(row)
            parent = table.parent
            index = next(i for i, c in enumerate(parent.children) if c is table)
            title.parent = parent
            parent.children.insert(index, title)
        elif span.tag == "span":
            dom.replace(span, [title])
