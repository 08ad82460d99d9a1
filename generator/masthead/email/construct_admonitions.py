"""Admonitions and details (``admonition``, ``pymdownx.details``) in an email: a
one-cell table coloured by type, its title (a details' summary as a heading) and its
content shown."""

from __future__ import annotations

from ..i18n import Strings
from . import dom
from .construct_common import element_children
from .dom import Element, Text

ADMONITION_COLOURS = {
    "note": "#448aff",
    "abstract": "#00b0ff",
    "info": "#00b8d4",
    "tip": "#00bfa5",
    "success": "#00c853",
    "question": "#64dd17",
    "warning": "#ff9100",
    "failure": "#ff5252",
    "danger": "#ff1744",
    "bug": "#f50057",
    "example": "#7c4dff",
    "quote": "#9e9e9e",
}
"""Material's colour of each admonition type."""


ADMONITION_ALIASES = {
    "summary": "abstract",
    "tldr": "abstract",
    "todo": "info",
    "hint": "tip",
    "important": "tip",
    "check": "success",
    "done": "success",
    "help": "question",
    "faq": "question",
    "caution": "warning",
    "attention": "warning",
    "fail": "failure",
    "missing": "failure",
    "error": "danger",
    "cite": "quote",
}


_MODIFIERS = frozenset(["admonition", "inline", "end", "annotate", "open"])


def _mix(colour: str, other: tuple[int, int, int], amount: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mixed = (round(c * amount + o * (1 - amount)) for c, o in zip((r, g, b), other, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def admonition_style(kind: str) -> tuple[str, str, str]:
    """``(border, background, title)`` colours of an admonition type (note's for others)."""
    colour = ADMONITION_COLOURS.get(ADMONITION_ALIASES.get(kind, kind), ADMONITION_COLOURS["note"])
    return colour, _mix(colour, (255, 255, 255), 0.1), _mix(colour, (0, 0, 0), 0.6)


def _kind(node: Element) -> str:
    """The admonition type of a box ('' for a details with none)."""
    classes = [c for c in node.classes if c not in _MODIFIERS]
    for c in classes:
        if c in ADMONITION_COLOURS or c in ADMONITION_ALIASES:
            return c
    return classes[0] if classes else ("note" if node.tag != "details" else "")


def is_box(e: Element) -> bool:
    return e.tag == "details" or (e.tag == "div" and e.has_class("admonition"))


def box(node: Element, level: int, strings: Strings) -> None:
    """An admonition or a details -> a one-cell table coloured by its type, with its
    title (a details' summary as a heading, ``h<level>``) and all of its content shown;
    a details without a summary is named in the language of ``strings``."""
    kind = _kind(node)
    border, background, title_colour = admonition_style(kind or "note")
    details = node.tag == "details"
    if details:
        title = next((c for c in element_children(node) if c.tag == "summary"), None)
    else:
        title = next((c for c in element_children(node) if c.has_class("admonition-title")), None)
    cls = "mh-e-admonition" + (f" mh-e-admonition--{kind}" if kind else "")
    table = dom.presentation_table(cls)
    cell = dom.el(
        "td",
        {
            "class": "mh-e-admonition__cell",
            "bgcolor": background,
            "style": f"border-left:4px solid {border};background-color:{background}",
        },
    )
    table.append(dom.el("tr", {}, cell))
    dom.replace(node, [table])
    rest = [c for c in node.children if c is not title]
    if title is not None or details:
        tag = f"h{level}" if details else "p"
        heading = dom.el(
            tag,
            {
                "class": "mh-e-admonition__title" + (" mh-e-details__summary" if details else ""),
                "style": f"color:{title_colour}",
            },
        )
        if title is not None and title.text().strip():
            heading.extend(list(title.children))
        elif details:
            heading.append(
                Text(strings.admonition(kind) if kind else strings.text("email.details"))
            )
        if heading.children:
            cell.append(heading)
    cell.extend(rest)
