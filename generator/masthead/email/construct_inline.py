"""Inline marks (``==mark==``) and paragraphs left empty by the other constructs."""

from __future__ import annotations

from . import dom
from .dom import Element, Text


def inline_marks(marks: list[Element]) -> None:
    """``==mark==`` keeps its highlight (as a span once the tree is sanitised)."""
    for mark in marks:
        mark.attrs["class"] = (mark.get("class") + " mh-e-mark").strip()


def empty_paragraphs(paragraphs: list[Element]) -> None:
    """Paragraphs left empty (a progress bar's ``<p>`` around block content)."""
    for p in paragraphs:
        blank = all(isinstance(c, Text) and not c.data.strip(" \t\r\n") for c in p.children)
        if blank and p.parent is not None:
            dom.remove(p)
