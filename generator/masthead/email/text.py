"""The plain-text part of the email, written from the email body HTML.

Headings, paragraphs, lists, block quotes, code and tables become readable
text; links become numbered references (``word [3]``) listed at the end;
lines are at most 78 characters (a URL longer than that stays whole on its
own line, since breaking it would break the link).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from . import dom
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


@dataclass
class TextRenderer:
    """Renders HTML fragments to text, numbering links across all of them."""

    width: int = WIDTH
    links: list[str] = field(default_factory=list)

    def link_number(self, url: str) -> int:
        if url in self.links:
            return self.links.index(url) + 1
        self.links.append(url)
        return len(self.links)

    def render(self, fragment: str | Element) -> str:
        """``fragment`` (HTML, or an already parsed tree) as wrapped text."""
        root = dom.parse(fragment) if isinstance(fragment, str) else fragment
        return "\n\n".join(self._blocks(root, self.width))

    def references(self) -> str:
        """The numbered link list (``[1] https://...``), '' when there are no links."""
        if not self.links:
            return ""
        lines = ["Links:"]
        for number, url in enumerate(self.links, 1):
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

    def _list(self, node: Element, width: int) -> str:
        items: list[str] = []
        number = int(node.get("start") or 1) if node.tag == "ol" else 0
        for li in (c for c in node.children if isinstance(c, Element) and c.tag == "li"):
            marker = f"{number}. " if node.tag == "ol" else "- "
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
        if node.tag == "a" and node.get("href"):
            href = node.get("href")
            label = _SPACE.sub(" ", text).strip()
            if not label:
                return ""
            if label == href or label == href.removeprefix("mailto:"):
                return label
            return f"{label} [{self.link_number(href)}]"
        if node.tag == "code" and not (node.parent and node.parent.tag == "pre"):
            return f"`{text}`"
        return text


def _wrap(text: str, width: int) -> str:
    lines = []
    for para in text.split("\n"):
        para = para.strip()
        if not para:
            continue
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
