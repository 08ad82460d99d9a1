"""A small HTML tree, parsed by libxml2 (lxml).

The email step reshapes rendered page HTML (swap a figure for a table, drop
active content, make URLs absolute). This module gives it just enough of a
DOM for that: elements with attributes and children, text, comments, and a
serialiser that writes the tree back out. libxml2's HTML parser feeds the tree
(:func:`parse`): measured end to end in ``make bench`` (docs/performance.md),
it gives the same bytes as the standard library's html.parser and takes two
thirds of its time on a large issue.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lxml import etree

VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
# Elements whose content is raw text (no entity decoding or escaping).
RAW_TEXT = frozenset({"script", "style"})


@dataclass(eq=False)
class Text:
    """A run of text (already decoded: ``&amp;`` is ``&`` here)."""

    data: str
    parent: Element | None = field(default=None, repr=False)


@dataclass(eq=False)
class Comment:
    data: str
    parent: Element | None = field(default=None, repr=False)


@dataclass(eq=False)
class Decl:
    """A declaration such as ``DOCTYPE html``."""

    data: str
    parent: Element | None = field(default=None, repr=False)


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Element | Text | Comment] = field(default_factory=list)
    parent: Element | None = field(default=None, repr=False)

    # -- attributes ---------------------------------------------------------
    def get(self, name: str, default: str = "") -> str:
        value = self.attrs.get(name)
        return default if value is None else value

    @property
    def classes(self) -> list[str]:
        return self.get("class").split()

    def has_class(self, name: str) -> bool:
        return name in self.classes

    # -- tree ---------------------------------------------------------------
    def append(self, node: Element | Text | Comment) -> None:
        node.parent = self
        self.children.append(node)

    def extend(self, nodes: list[Element | Text | Comment]) -> None:
        for node in nodes:
            self.append(node)

    def iter(self) -> Iterator[Element]:
        """This element and every element below it, in document order."""
        stack: list[Element] = [self]
        pop, extend = stack.pop, stack.extend
        while stack:
            node = pop()
            yield node
            if node.children:
                extend([c for c in reversed(node.children) if isinstance(c, Element)])

    def find_all(self, match: Callable[[Element], bool]) -> list[Element]:
        return [el for el in self.iter() if el is not self and match(el)]

    def find(self, match: Callable[[Element], bool]) -> Element | None:
        for el in self.iter():
            if el is not self and match(el):
                return el
        return None

    def text(self) -> str:
        """The concatenated text below this element."""
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, Text):
                parts.append(child.data)
            elif isinstance(child, Element):
                parts.append(child.text())
        return "".join(parts)


def replace(old: Element | Text | Comment, new: list[Element | Text | Comment]) -> None:
    """Put ``new`` where ``old`` is in its parent."""
    parent = old.parent
    if parent is None:
        raise ValueError("cannot replace the root")
    index = parent.children.index(old)  # by identity: nodes compare by identity
    for node in new:
        node.parent = parent
    parent.children[index : index + 1] = new
    old.parent = None


def remove(node: Element | Text | Comment) -> None:
    replace(node, [])


def unwrap(el: Element) -> None:
    """Replace ``el`` with its children."""
    replace(el, list(el.children))


def el(
    tag: str, attrs: dict[str, str | None] | None = None, *children: Element | Text | str
) -> Element:
    """Build an element; string children become text."""
    node = Element(tag, dict(attrs or {}))
    for child in children:
        node.append(Text(child) if isinstance(child, str) else child)
    return node


def presentation_table(cls: str) -> Element:
    """An empty full-width layout table (``role="presentation"``, no spacing or border):
    what Outlook for Windows lays out reliably."""
    return el(
        "table",
        {
            "role": "presentation",
            "class": cls,
            "width": "100%",
            "cellpadding": "0",
            "cellspacing": "0",
            "border": "0",
        },
    )


def clone(node: Element | Text | Comment) -> Element | Text | Comment:
    """A deep copy of ``node``, with no parent."""
    if isinstance(node, Text):
        return Text(node.data)
    if isinstance(node, Comment):
        return Comment(node.data)
    copy = Element(node.tag, dict(node.attrs))
    for child in node.children:
        copy.append(clone(child))
    return copy


_DOCUMENT_TAGS = {
    tag: re.compile(rf"<{tag}[\s>/]", re.IGNORECASE) for tag in ("html", "head", "body")
}


class _Builder:
    """libxml2's parse events (lxml's parser target interface) as the tree."""

    def __init__(self, implied: frozenset[str]) -> None:
        self.root = Element("#root")
        self.stack: list[Element] = [self.root]
        self.implied = implied
        """``html``, ``head`` and ``body``, when libxml2 adds them around a fragment."""

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if tag in self.implied:
            return
        node = Element(tag, dict(attrib))
        self.stack[-1].append(node)
        if tag not in VOID:
            self.stack.append(node)

    def end(self, tag: str) -> None:
        # libxml2 reports an end for every start; void elements (some HTML5 ones libxml2
        # does not know, such as wbr) were never opened.
        if tag not in self.implied and tag not in VOID:
            self.stack.pop()

    def data(self, data: str) -> None:
        parent = self.stack[-1]
        if parent.children and isinstance(parent.children[-1], Text):
            parent.children[-1].data += data
        else:
            parent.append(Text(data))

    def comment(self, text: str) -> None:
        self.stack[-1].append(Comment(text))

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        text = f"DOCTYPE {name}"
        if pubid:
            text += f' PUBLIC "{pubid}"'
        if system:
            text += f' "{system}"' if pubid else f' SYSTEM "{system}"'
        self.stack[-1].append(Decl(text))  # type: ignore[arg-type]

    def close(self) -> Element:
        return self.root


def parse(markup: str) -> Element:
    """Parse an HTML fragment (or document) into a tree under a ``#root`` element."""
    implied = frozenset(tag for tag, there in _DOCUMENT_TAGS.items() if not there.search(markup))
    parser = etree.HTMLParser(
        target=_Builder(implied), no_network=True, default_doctype=False, remove_blank_text=False
    )
    parser.feed(markup)
    root: Element = parser.close()
    return root


_TEMPLATE_MARKS = (("{", "&#123;"), ("}", "&#125;"), ("*|", "*&#124;"))


def _protect(escaped: str) -> str:
    """Braces and ``*|`` as character references, so that no provider's template
    language (Liquid, Django, Go templates, Mailchimp merge tags) reads text as a tag."""
    for mark, reference in _TEMPLATE_MARKS:
        escaped = escaped.replace(mark, reference)
    return escaped


@dataclass(frozen=True)
class _Style:
    protect: bool = False
    exempt: frozenset[str] = frozenset()


def _attr(name: str, value: str | None, style: _Style) -> str:
    if value is None:
        return f" {name}"
    escaped = html.escape(value, quote=True)
    if style.protect and value not in style.exempt:
        escaped = _protect(escaped)
    return f' {name}="{escaped}"'


def serialize(
    node: Element | Text | Comment,
    *,
    protect_templates: bool = False,
    exempt: frozenset[str] = frozenset(),
) -> str:
    """Write ``node`` (and what is below it) back out as HTML.

    With ``protect_templates``, ``{``, ``}`` and ``*|`` in text and attribute values
    are written as character references (browsers show them unchanged), except
    attribute values listed in ``exempt`` (the provider's own merge tags).
    """
    out: list[str] = []
    _write(node, out, raw=False, style=_Style(protect_templates, exempt))
    return "".join(out)


def inner_html(node: Element) -> str:
    out: list[str] = []
    for child in node.children:
        _write(child, out, raw=node.tag in RAW_TEXT, style=_Style())
    return "".join(out)


def _write(node: Element | Text | Comment, out: list[str], *, raw: bool, style: _Style) -> None:
    if isinstance(node, Text):
        if raw:
            out.append(node.data)
        else:
            text = html.escape(node.data, quote=False)
            out.append(_protect(text) if style.protect else text)
        return
    if isinstance(node, Comment):
        out.append(f"<!--{node.data}-->")
        return
    if isinstance(node, Decl):
        out.append(f"<!{node.data}>")
        return
    if node.tag == "#root":
        for child in node.children:
            _write(child, out, raw=False, style=style)
        return
    attrs = "".join(_attr(k, v, style) for k, v in node.attrs.items())
    out.append(f"<{node.tag}{attrs}>")
    if node.tag in VOID:
        return
    for child in node.children:
        _write(child, out, raw=node.tag in RAW_TEXT, style=style)
    out.append(f"</{node.tag}>")
