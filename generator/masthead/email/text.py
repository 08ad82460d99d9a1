"""The plain-text part of the email, written from the email body HTML.

Headings, paragraphs, lists, block quotes, code and tables become readable
text; links become numbered references (``word [3]``) listed at the end;
lines are at most 78 characters (a URL longer than that stays whole on its
own line, since breaking it would break the link).

The constructs follow their HTML forms (:mod:`masthead.email.constructs`): a
tab's label is a heading over its panel; an admonition or details is a block
behind ``| `` bars that starts ``Warning: its title``; a progress bar is
``[#########-----------] 45%``; a table too wide for a phone is ``Label:
value`` lines; footnotes are ``[1]`` in the text and ``[1] ...`` at the end,
with the links numbered after them.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from ..i18n import Strings, english
from . import constructs, dom
from .dom import Element, Text

WIDTH = 78
BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "td",
        "th",
        "ul",
    ]
)
_SPACE = re.compile(r"\s+")
CARD_IMAGES = frozenset({"mh-e-card__avatar", "mh-e-card__thumb"})
"""Images of tweet and video cards, left out of the text (the card's words carry them)."""
ICON = "\ue000"
"""Stands for an icon without a name while a line is put together: it is left out, and
so are brackets right around it (``[:icon:][x]`` that Markdown did not make a link)."""
BAR = 20
"""Characters of a progress bar: ``[#########-----------] 45%``."""


@dataclass
class TextRenderer:
    """Renders HTML fragments to text, numbering links across all of them; its own words
    (``Links:``, an admonition's type) are in the language of ``strings``."""

    width: int = WIDTH
    strings: Strings = field(default_factory=english)
    links: list[str] = field(default_factory=list)
    footnotes: int = 0
    """Numbers ``[1]`` to ``[footnotes]`` are the footnotes'; links are numbered after them."""

    def label(self, key: str) -> str:
        """The words of ``key`` as a label before what it names (``Links:``)."""
        return self.strings.text("text.label", label=self.strings.text(key))

    def link_number(self, url: str) -> int:
        if url in self.links:
            return self.links.index(url) + 1 + self.footnotes
        self.links.append(url)
        return len(self.links) + self.footnotes

    def render(self, fragment: str | Element) -> str:
        """``fragment`` (HTML, or an already parsed tree) as wrapped text."""
        root = dom.parse(fragment) if isinstance(fragment, str) else fragment
        if not self.links and not self.footnotes:
            notes = root.find_all(
                lambda e: (
                    e.tag == "li"
                    and e.parent is not None
                    and e.parent.parent is not None
                    and e.parent.parent.has_class("mh-e-footnotes")
                )
            )
            self.footnotes = len(notes)
        return "\n\n".join(self._blocks(root, self.width))

    def references(self) -> str:
        """The numbered link list (``[1] https://...``), '' when there are no links."""
        if not self.links:
            return ""
        lines = [self.label("email.links")]
        for number, url in enumerate(self.links, 1 + self.footnotes):
            label = f"[{number}] "
            if len(label) + len(url) <= self.width:
                lines.append(label + url)
            else:
                lines.extend([label.rstrip(), url])
        return "\n".join(lines)

    # -- blocks -------------------------------------------------------------
    def _blocks(self, node: Element, width: int) -> list[str]:
        """The blocks below ``node`` for a column ``width`` characters wide."""
        blocks: list[str] = []
        run: list[str] = []

        def flush() -> None:
            text = _SPACE.sub(" ", "".join(run)).strip()
            run.clear()
            if text:
                blocks.append(_wrap(text, width))

        for child in node.children:
            if isinstance(child, Text):
                run.append(child.data)
            elif isinstance(child, Element):
                if child.tag in BLOCK:
                    flush()
                    blocks.extend(b for b in self._block(child, width) if b.strip())
                elif child.tag == "br":
                    run.append("\n")
                    flush()
                else:
                    run.append(self._inline(child))
        flush()
        return blocks

    def _block(self, node: Element, width: int) -> list[str]:
        tag = node.tag
        if node.has_class("mh-e-tab__label"):
            text = _wrap(_SPACE.sub(" ", self._inline(node)).strip(), width)
            longest = max((len(line) for line in text.splitlines()), default=0)
            rule = "." if _nested(node, "mh-e-tab__panel") else "~"
            return [f"{text}\n{rule * longest}"] if text else []
        if tag == "table" and node.has_class("mh-e-admonition"):
            return [self._admonition(node, width)]
        if tag == "table" and node.has_class("mh-e-progress"):
            return [self._progress(node, width)]
        if tag == "table" and node.has_class("mh-e-stack"):
            return [self._stack(node, width)]
        if tag == "ol" and node.parent is not None and node.parent.has_class("mh-e-footnotes"):
            return [self._list(node, width, footnotes=True)]
        if tag in ("h1", "h2", "h3"):
            text = _SPACE.sub(" ", self._inline(node)).strip()
            wrapped = _wrap(text, width)
            rule = {"h1": "=", "h2": "-", "h3": "~"}[tag]
            longest = max(len(line) for line in wrapped.splitlines()) if wrapped else 0
            return [f"{wrapped}\n{rule * longest}"]
        if tag in ("h4", "h5", "h6"):
            return [_wrap(_SPACE.sub(" ", self._inline(node)).strip(), width)]
        if tag == "hr":
            return ["-" * min(width, 20)]
        if tag == "pre":
            return [_code(node.text(), width)]
        if tag == "div" and node.has_class("mh-e-code"):
            return [_code(constructs.code_text(node), width)]
        if tag in ("ul", "ol"):
            return [self._list(node, width)]
        if tag == "blockquote":
            inner = self._blocks(node, width - 2)
            return ["\n".join(f"> {line}".rstrip() for line in "\n\n".join(inner).splitlines())]
        if tag == "table" and node.get("role") != "presentation":
            return [self._table(node, width)]
        if tag in ("tr",) and node.parent is not None and node.parent.get("role") != "presentation":
            return [self._row(node, width)]
        return self._blocks(node, width)

    def _admonition(self, table: Element, width: int) -> str:
        """An admonition or details: ``| Warning: its title``, then its content, each line
        behind a bar."""
        cell = table.find(lambda e: e.has_class("mh-e-admonition__cell")) or table
        title = next(
            (
                c
                for c in cell.children
                if isinstance(c, Element) and c.has_class("mh-e-admonition__title")
            ),
            None,
        )
        kind = next(
            (
                c.removeprefix("mh-e-admonition--")
                for c in table.classes
                if c.startswith("mh-e-admonition--")
            ),
            "",
        )
        label = self.strings.admonition(kind) if kind else ""
        heading = _SPACE.sub(" ", self._inline(title)).strip() if title is not None else ""
        if not label:
            head = heading
        elif not heading or heading.lower() in (label.lower(), kind.replace("-", " ")):
            head = self.strings.text("text.label", label=label)
        else:
            head = self.strings.text("text.admonition", kind=label, title=heading)
        rest = Element("div", children=[c for c in cell.children if c is not title])
        inner = "\n\n".join(self._blocks(rest, width - 2))
        lines = (_wrap(head, width - 2).splitlines() if head else []) + inner.splitlines()
        return "\n".join(f"| {line}".rstrip() for line in lines)

    def _progress(self, table: Element, width: int) -> str:
        """A progress bar: ``[#########-----------] 45%``."""
        bar = table.find(lambda e: e.has_class("mh-e-progress__bar"))
        try:
            percent = float(bar.get("width").rstrip("%")) if bar is not None else 0.0
        except ValueError:
            percent = 0.0
        filled = round(percent / 100 * BAR)
        label = table.find(lambda e: e.has_class("mh-e-progress__label"))
        text = _SPACE.sub(" ", self._inline(label)).strip() if label is not None else ""
        return _wrap(f"[{'#' * filled}{'-' * (BAR - filled)}] {text}", width)

    def _stack(self, table: Element, width: int) -> str:
        """A wide table shown as stacked rows: ``Label: value`` lines, a blank line
        between rows."""
        records: list[list[str]] = []
        for tr in table.find_all(lambda e: e.tag == "tr"):
            cells = [c for c in tr.children if isinstance(c, Element) and c.tag in ("td", "th")]
            value = next((c for c in cells if c.has_class("mh-e-stack__value")), None)
            if value is None:
                continue
            label = next((c for c in cells if c.has_class("mh-e-stack__label")), None)
            if value.has_class("mh-e-stack__first") or not records:
                records.append([])
            name = _SPACE.sub(" ", self._inline(label)).strip() if label is not None else ""
            text = _SPACE.sub(" ", self._inline(value)).strip()
            line = f"{name}: {text}" if name else text
            wrapped = textwrap.wrap(
                _cut_long_words(line, width - 2),
                width=width,
                subsequent_indent="  ",
                break_long_words=False,
                break_on_hyphens=False,
            )
            records[-1].append("\n".join(wrapped))
        return "\n\n".join("\n".join(r) for r in records if r)

    def _list(self, node: Element, width: int, *, footnotes: bool = False) -> str:
        items: list[str] = []
        number = int(node.get("start") or 1) if node.tag == "ol" else 0
        for li in (c for c in node.children if isinstance(c, Element) and c.tag == "li"):
            marker = f"{number}. " if node.tag == "ol" else "- "
            if footnotes:
                marker = f"[{number}] "
            number += 1
            inner = "\n\n".join(self._blocks(li, width - len(marker))) or ""
            pad = " " * len(marker)
            lines = inner.splitlines() or [""]
            items.append(
                "\n".join([marker + lines[0]] + [(pad + line).rstrip() for line in lines[1:]])
            )
        return "\n".join(items)

    def _row(self, tr: Element, width: int) -> str:
        cells = [c for c in tr.children if isinstance(c, Element) and c.tag in ("td", "th")]
        text = " | ".join(_SPACE.sub(" ", self._inline(c)).strip() for c in cells)
        return _wrap(text, width)

    def _table(self, table: Element, width: int) -> str:
        rows = table.find_all(lambda e: e.tag == "tr")
        return "\n".join(self._row(tr, width) for tr in rows)

    # -- inline -------------------------------------------------------------
    def _inline(self, node: Element) -> str:
        if node.tag == "img":
            if CARD_IMAGES & set(node.classes):
                return ""  # the card's text and link say it already
            alt = node.get("alt").strip()
            if node.has_class("mh-e-icon"):
                return alt or ICON
            return f"[{alt}]" if alt else ""
        if node.tag == "br":
            return "\n"
        parts: list[str] = []
        for child in node.children:
            if isinstance(child, Text):
                parts.append(child.data)
            elif isinstance(child, Element):
                parts.append(self._inline(child))
        text = "".join(parts)
        if node.tag == "sup" and node.has_class("mh-e-fnref"):
            return f"[{text.strip()}]"
        if node.tag == "a" and node.get("href"):
            href = node.get("href")
            label = _SPACE.sub(" ", text.replace(ICON, "")).strip()
            if not label:
                return ""
            if label == href or label == href.removeprefix("mailto:"):
                return label
            return f"{label} [{self.link_number(href)}]"
        if node.tag == "code" and not (node.parent and node.parent.tag == "pre"):
            return f"`{text}`"
        return text


def _nested(node: Element, cls: str) -> bool:
    """Whether ``node`` is inside an element of class ``cls``."""
    parent = node.parent
    while parent is not None:
        if parent.has_class(cls):
            return True
        parent = parent.parent
    return False


def _cut_long_words(text: str, width: int) -> str:
    """A word longer than a line (base64, a compound) cut into pieces; a URL stays whole."""
    if not any(len(word) > width and "://" not in word for word in text.split()):
        return text
    return " ".join(
        " ".join(word[i : i + width] for i in range(0, len(word), width))
        if len(word) > width and "://" not in word
        else word
        for word in text.split()
    )


def _wrap(text: str, width: int) -> str:
    if ICON in text:
        text = re.sub(r" {2,}", " ", text.replace(f"[{ICON}]", "").replace(ICON, ""))
    lines = []
    for para in text.split("\n"):
        para = para.strip()
        if not para:
            continue
        para = _cut_long_words(para, width)
        lines.extend(
            textwrap.wrap(para, width=width, break_long_words=False, break_on_hyphens=False)
        )
    return "\n".join(lines)


def _code(code: str, width: int) -> str:
    """A code block indented four spaces; longer lines are cut (with a ``\\`` mark)."""
    out: list[str] = []
    room = width - 4
    for line in code.rstrip("\n").expandtabs(4).splitlines():
        line = line.rstrip()
        while len(line) > room:
            out.append("    " + line[: room - 1] + "\\")
            line = line[room - 1 :]
        out.append(("    " + line).rstrip())
    return "\n".join(out)
