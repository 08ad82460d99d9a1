"""The standard library's html.parser under masthead's email tree: the parser the
email step used before libxml2 (lxml), kept for the comparison bench.

Its events build the same tree; elements HTML closes implicitly (a ``p`` when a
block opens, an ``li`` when the next one does) are closed as browsers close them.
"""

from __future__ import annotations

from html.parser import HTMLParser

from masthead.email import dom

_AUTO_CLOSE = {
    "p": frozenset(
        [
            "address",
            "article",
            "aside",
            "blockquote",
            "details",
            "div",
            "dl",
            "fieldset",
            "figcaption",
            "figure",
            "footer",
            "form",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "header",
            "hr",
            "main",
            "nav",
            "ol",
            "p",
            "pre",
            "section",
            "table",
            "ul",
        ]
    ),
    "li": frozenset({"li"}),
    "dt": frozenset({"dt", "dd"}),
    "dd": frozenset({"dt", "dd"}),
    "tr": frozenset({"tr"}),
    "td": frozenset({"td", "th", "tr"}),
    "th": frozenset({"td", "th", "tr"}),
    "option": frozenset({"option"}),
}


_CLOSED_BY: dict[str, frozenset[str]] = {
    tag: frozenset(o for o, closers in _AUTO_CLOSE.items() if tag in closers)
    for tag in set().union(*_AUTO_CLOSE.values())
}
"""Start tag -> the open elements it closes implicitly."""


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = dom.Element("#root")
        self.stack: list[dom.Element] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stack[-1].tag in _CLOSED_BY.get(tag, ()):
            self.stack.pop()
        node = dom.Element(tag, dict(attrs))
        self.stack[-1].append(node)
        if tag not in dom.VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = dom.Element(tag, dict(attrs))
        self.stack[-1].append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag in dom.VOID:
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return
        # A stray end tag: ignore it, as browsers do.

    def handle_data(self, data: str) -> None:
        parent = self.stack[-1]
        if parent.children and isinstance(parent.children[-1], dom.Text):
            parent.children[-1].data += data
        else:
            parent.append(dom.Text(data))

    def handle_comment(self, data: str) -> None:
        self.stack[-1].append(dom.Comment(data))

    def handle_decl(self, decl: str) -> None:
        self.stack[-1].append(dom.Decl(decl))  # type: ignore[arg-type]


def parse(markup: str) -> dom.Element:
    """What :func:`masthead.email.dom.parse` returns, parsed by html.parser."""
    builder = _Builder()
    builder.feed(markup)
    builder.close()
    return builder.root


def install() -> None:
    """Make every parse of the email step go through html.parser."""
    dom.parse = parse
