"""Size budget: Gmail clips a message whose HTML is over about 102 KB.

Gmail shows the first 102 KB of a clipped message and a "[Message clipped] View
entire message" link in place of the rest, footer and unsubscribe link
included. The budget (``budget_kb``, 90 KB by default) leaves room below that.
With ``cut: true`` an email over its budget ends at a section boundary (before
an ``h2`` or ``h3`` heading of the body's top level, so never inside a table, a
list or any other block) with a "Read the rest on the web" link: see
:func:`cut_to_fit`.
"""

from __future__ import annotations

import html as html_mod
from collections.abc import Callable
from dataclasses import dataclass

from ..i18n import Strings, english
from . import dom
from .dom import Comment, Element, Text

KB = 1024
GMAIL_CLIP = 102 * KB
DEFAULT_BUDGET = 90 * KB
STYLE_LIMIT = 16 * KB

SECTION_TAGS = frozenset({"h2", "h3"})
"""Headings an email may be cut before."""
READ_THE_REST = "Read the rest on the web"
"""The closing link of a cut email, as the build's advice names it (the email itself
says it in the site's language)."""

_TOO_BIG_ADVICE = (
    "shorten the issue, or set 'cut: true' under masthead/email in mkdocs.yml to end the "
    f"email at a section boundary with a “{READ_THE_REST}” link"
)


@dataclass(frozen=True)
class BudgetReport:
    html_bytes: int
    style_bytes: int
    limit: int = DEFAULT_BUDGET
    style_limit: int = STYLE_LIMIT
    uncut: str = ""
    """Why ``cut: true`` could not make the email fit ('' when it was not asked to)."""

    @property
    def clipped(self) -> bool:
        """Whether Gmail clips the email (its HTML is over 102 KB)."""
        return self.html_bytes > GMAIL_CLIP

    @property
    def clip_problems(self) -> tuple[str, ...]:
        """The problems that are errors under strict: the email is over Gmail's clip."""
        return self.problems[:1] if self.clipped else ()

    @property
    def problems(self) -> tuple[str, ...]:
        found = []
        size = f"email HTML is {self.html_bytes / KB:.1f} KB"
        advice = self.uncut or _TOO_BIG_ADVICE
        if self.clipped:
            found.append(
                f"{size}, over Gmail's clip of {GMAIL_CLIP / KB:.0f} KB: Gmail shows only its "
                "first 102 KB and hides the rest, unsubscribe link included, behind "
                f"“[Message clipped] View entire message”; {advice}"
            )
        elif self.html_bytes > self.limit:
            found.append(
                f"{size}, over the budget of {self.limit / KB:.0f} KB (budget_kb; Gmail clips "
                f"at {GMAIL_CLIP / KB:.0f} KB); {advice}, or raise budget_kb"
            )
        if self.style_bytes > self.style_limit:
            found.append(
                f"<style> in <head> is {self.style_bytes / KB:.1f} KB; Gmail drops it over "
                f"{self.style_limit / KB:.0f} KB"
            )
        return tuple(found)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_budget(
    html: str, style: str, limit: int = DEFAULT_BUDGET, *, uncut: str = ""
) -> BudgetReport:
    return BudgetReport(len(html.encode("utf-8")), len(style.encode("utf-8")), limit, uncut=uncut)


# -- cutting at a section boundary ------------------------------------------------


@dataclass(frozen=True)
class Cut:
    """Where an email over its budget was cut."""

    heading: str
    """The text of the first heading left out (the rest is on the web); '' when it has none."""
    left_out: int
    """How many section headings (h2, h3) are on the web only."""
    full_bytes: int
    """The size of the whole email's HTML."""
    cut_bytes: int
    """The size of the cut email's HTML."""

    def note(self, strings: Strings) -> str:
        """The sentence that ends the cut email, before the link to the web page."""
        heading = self.heading or strings.text("email.next_section")
        return strings.text("email.cut_note", heading=heading)

    def describe(self) -> str:
        before = self.heading or "the next section"
        return (
            f"the email is cut before “{before}” to fit its budget: "
            f"{self.cut_bytes / KB:.1f} KB instead of {self.full_bytes / KB:.1f} KB, with "
            f"{self.left_out} section(s) on the web only"
        )

    @property
    def manifest(self) -> dict[str, object]:
        return {
            "before": self.heading,
            "sections_left_out": self.left_out,
            "full_html": self.full_bytes,
            "note": self.describe(),
        }


@dataclass(frozen=True)
class CutResult:
    tree: Element
    """The body up to the cut, with the footnotes its part refers to (no closing link)."""
    html: str
    """The email's HTML, ending with the note and the link to the web page."""
    cut: Cut


def boundaries(root: Element) -> list[int]:
    """Where ``root`` (the email body) may be cut: the indices of its top-level ``h2`` and
    ``h3`` headings that have content before them."""
    found: list[int] = []
    content = False
    for index, child in enumerate(root.children):
        if isinstance(child, Element):
            if child.tag in SECTION_TAGS and content:
                found.append(index)
            if not _is_footnotes(child):
                content = True
        elif isinstance(child, Text) and child.data.strip():
            content = True
    return found


def ending_html(cut: Cut, web_url: str, strings: Strings) -> str:
    """The note and the link that end a cut email's body, in the language of ``strings``."""
    url = html_mod.escape(web_url, quote=True)
    return (
        f'\n<p class="mh-e-cut">{html_mod.escape(cut.note(strings), quote=False)}</p>\n'
        f'<p class="mh-e-cut"><a class="mh-e-cut__link" href="{url}"><strong>'
        f"{strings.html('email.read_the_rest')}</strong></a></p>\n"
    )


def cut_to_fit(
    root: Element,
    render: Callable[[str], str],
    *,
    limit: int,
    web_url: str,
    full_bytes: int,
    strings: Strings | None = None,
) -> CutResult | str:
    """The email cut at the last section boundary that keeps it within ``limit`` bytes.

    ``render`` makes the email's HTML from body HTML. Boundaries are tried by bisection
    (the size grows with each section kept). The closing note and link are in the
    language of ``strings`` (default English). Returns why it cannot be done when no
    boundary fits.
    """
    words = strings or english()
    points = boundaries(root)
    if not points:
        return (
            "'cut: true' found no place to cut it: the body has no h2 or h3 heading at its "
            "top level after some content; shorten the issue or divide it into sections"
        )
    parts = [dom.serialize(child) for child in root.children]
    tried: dict[int, tuple[str, Cut]] = {}

    def attempt(point: int) -> tuple[str, Cut]:
        if point not in tried:
            notes = _footnotes_after(root, point)
            body = "".join(parts[:point]) + ("\n" + dom.serialize(notes) if notes else "")
            heading = _heading(root.children[point])
            left_out = sum(1 for p in points if p >= point)
            ending = ending_html(Cut(heading, left_out, full_bytes, 0), web_url, words)
            email = render(body + ending)
            tried[point] = (email, Cut(heading, left_out, full_bytes, len(email.encode())))
        return tried[point]

    lo, hi, best = 0, len(points) - 1, -1
    while lo <= hi:
        mid = (lo + hi) // 2
        if attempt(points[mid])[1].cut_bytes <= limit:
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    if best < 0:
        first = attempt(points[0])[1]
        return (
            f"'cut: true' cannot make it fit: cut at the first section boundary (before "
            f"“{first.heading}”) it is still {first.cut_bytes / KB:.1f} KB; shorten the "
            "beginning of the issue, or put a heading earlier"
        )
    point = points[best]
    email, cut = attempt(point)
    kept = Element("#root")
    for child in root.children[:point]:
        kept.append(_clone(child))
    notes = _footnotes_after(root, point)
    if notes is not None:
        kept.append(Text("\n"))
        kept.append(notes)
    return CutResult(kept, email, cut)


def _footnotes_after(root: Element, point: int) -> Element | None:
    """When the footnote list comes at or after ``point``: a copy of it holding the
    footnotes up to the highest number the part before ``point`` refers to (a prefix of
    the list, so that the numbers stay right); ``None`` when that part refers to none."""
    notes = next(
        (c for c in root.children[point:] if isinstance(c, Element) and _is_footnotes(c)), None
    )
    items = notes.find(lambda e: e.tag == "ol") if notes is not None else None
    if notes is None or items is None:
        return None
    highest = max(
        (
            _number(e)
            for child in root.children[:point]
            if isinstance(child, Element)
            for e in child.iter()
            if _is_reference(e)
        ),
        default=0,
    ) - max(_int(items.get("start"), 1) - 1, 0)
    entries = [c for c in items.children if isinstance(c, Element) and c.tag == "li"]
    if highest <= 0 or not entries:
        return None
    end = items.children.index(entries[min(highest, len(entries)) - 1]) + 1

    def copy(node: Element | Text | Comment) -> Element | Text | Comment:
        if not isinstance(node, Element):
            return _clone(node)
        new = Element(node.tag, dict(node.attrs))
        children = [*node.children[:end], Text("\n")] if node is items else node.children
        for child in children:
            new.append(copy(child))
        return new

    result = copy(notes)
    assert isinstance(result, Element)
    return result


def _is_footnotes(node: Element) -> bool:
    """The footnote list: Python-Markdown's ``div.footnote`` (``mh-e-footnotes`` once the
    email's transform restyled it)."""
    return any(c in ("footnote", "footnotes") or c.endswith("-footnotes") for c in node.classes)


def _is_reference(node: Element) -> bool:
    """A footnote reference: Python-Markdown's ``<sup id="fnref:x"><a class="footnote-ref"
    href="#fn:x">1</a></sup>``, or the plain ``<sup class="mh-e-fnref">1</sup>`` of the email."""
    if node.tag == "sup":
        return node.get("id").startswith("fnref") or any(c.endswith("fnref") for c in node.classes)
    return node.tag == "a" and (node.has_class("footnote-ref") or "#fn:" in node.get("href"))


def _number(node: Element) -> int:
    return _int(node.text().strip(), 0)


def _int(text: str, default: int) -> int:
    return int(text) if text.isdigit() else default


def _clone(node: Element | Text | Comment) -> Element | Text | Comment:
    if isinstance(node, Element):
        new = Element(node.tag, dict(node.attrs))
        for child in node.children:
            new.append(_clone(child))
        return new
    if isinstance(node, Comment):
        return Comment(node.data)
    return Text(node.data)


def _heading(node: Element | Text | Comment) -> str:
    text = node.text() if isinstance(node, Element) else ""
    return " ".join(text.split())
