"""The email forms of what Python-Markdown, pymdown-extensions and Material put in a page.

Each construct of the web page gets a form that mail clients show without
JavaScript, web fonts or inline SVG, and that fits a 375 px phone:

- content tabs (``pymdownx.tabbed``): each label a small heading before its panel;
- admonitions and details (``admonition``, ``pymdownx.details``): a one-cell table
  coloured by type, its title (a details' summary as a heading) and its content shown;
- Material's icons (inline SVG): drawn as PNG by the rasteriser of the
  :class:`~masthead.email.transform.TransformContext`, or left out with a warning;
  emoji images (twemoji, emojione): their Unicode characters;
- math (``pymdownx.arithmatex``, MathML, KaTeX): Unicode text where the TeX is simple,
  else the TeX source in a code span, with a warning;
- progress bars (``pymdownx.progressbar``): a table with a cell of the bar's colour and width;
- code block titles: a caption above the code; footnotes: the numbers and the list at the end;
- tables too wide for a phone: each row as label/value pairs (with a warning).

The functions change the tree in place; the text part (:mod:`masthead.email.text`)
reads the ``mh-e-*`` classes they set. This module finds the constructs of a page in
one walk (:func:`find`); each construct's form is in its own ``construct_*`` module,
and its public names are here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .construct_admonitions import (
    ADMONITION_ALIASES,
    ADMONITION_COLOURS,
    admonition_style,
    box,
    is_box,
)
from .construct_code import code_text, code_titles, wrapping_lines
from .construct_common import Warn, where
from .construct_emoji import EMOJI_CLASSES, emoji_characters
from .construct_footnotes import footnotes
from .construct_icons import ICON_DEFAULT, ICON_DIR, ICON_SIZE, LINK_COLOUR, TEXT_COLOUR, inline_svg
from .construct_inline import empty_paragraphs, inline_marks
from .construct_math import is_math, math
from .construct_media import embeds, mermaid
from .construct_progress import PROGRESS_COLOURS, PROGRESS_REST, progress_bars
from .construct_sections import sections
from .construct_svg import svg_markup
from .construct_tables import CELL_PX, CHAR_PX, NARROW, narrowest, wide_tables
from .construct_tabs import is_tabset, tabs
from .construct_widths import fixed_widths
from .dom import Element

__all__ = [
    "ADMONITION_ALIASES",
    "ADMONITION_COLOURS",
    "CELL_PX",
    "CHAR_PX",
    "EMOJI_CLASSES",
    "ICON_DEFAULT",
    "ICON_DIR",
    "ICON_SIZE",
    "LINK_COLOUR",
    "NARROW",
    "PROGRESS_COLOURS",
    "PROGRESS_REST",
    "TEXT_COLOUR",
    "Found",
    "Warn",
    "admonition_style",
    "box",
    "code_text",
    "code_titles",
    "embeds",
    "emoji_characters",
    "empty_paragraphs",
    "find",
    "fixed_widths",
    "footnotes",
    "inline_marks",
    "inline_svg",
    "math",
    "mermaid",
    "narrowest",
    "progress_bars",
    "sections",
    "svg_markup",
    "tabs",
    "where",
    "wide_tables",
    "wrapping_lines",
]


@dataclass
class Found:
    """The elements of each construct in a page, in document order."""

    emoji: list[Element] = field(default_factory=list)
    math: list[Element] = field(default_factory=list)
    sections: list[Element] = field(default_factory=list)
    """Tab sets, admonitions and details."""
    svg: list[Element] = field(default_factory=list)
    progress: list[Element] = field(default_factory=list)
    embeds: list[Element] = field(default_factory=list)
    mermaid: list[Element] = field(default_factory=list)
    footnote_refs: list[Element] = field(default_factory=list)
    footnotes: list[Element] = field(default_factory=list)
    code_titles: list[Element] = field(default_factory=list)
    marks: list[Element] = field(default_factory=list)
    tables: list[Element] = field(default_factory=list)
    """Data tables (not layout ones)."""
    paragraphs: list[Element] = field(default_factory=list)


def _matchers() -> dict[str, tuple[tuple[str, Callable[[Element], bool]], ...]]:
    def classed(*names: str) -> Callable[[Element], bool]:
        return lambda e: any(e.has_class(n) for n in names)

    def always(e: Element) -> bool:
        return True

    emoji = ("emoji", lambda e: bool(EMOJI_CLASSES & set(e.classes)))
    math = ("math", is_math)
    return {
        "img": (emoji,),
        "script": (math,),
        "math": (math,),
        "span": (math, ("code_titles", classed("filename"))),
        "div": (
            math,
            ("sections", lambda e: is_tabset(e) or is_box(e)),
            ("progress", classed("progress")),
            ("mermaid", classed("mermaid")),
            ("footnotes", classed("footnote")),
        ),
        "details": (("sections", always),),
        "svg": (("svg", always),),
        "iframe": (("embeds", always),),
        "video": (("embeds", always),),
        "audio": (("embeds", always),),
        "pre": (("mermaid", classed("mermaid")),),
        "sup": (("footnote_refs", lambda e: e.get("id").startswith("fnref")),),
        "mark": (("marks", always),),
        "table": (("tables", lambda e: e.get("role") != "presentation"),),
        "p": (("paragraphs", always),),
    }


def find(root: Element) -> Found:
    """Every construct below ``root``, from one walk of the tree."""
    matchers = _matchers()
    found = Found()
    for e in root.iter():
        for name, match in matchers.get(e.tag, ()):
            if e is not root and match(e):
                getattr(found, name).append(e)
    return found
