"""Code block titles in an email: a caption above the code."""

from __future__ import annotations

from . import dom
from .construct_common import ancestors
from .dom import Comment, Element, Text


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


NBSP = "\u00a0"


def wrapping_lines(pre: Element) -> None:
    """A code block as lines that wrap with no CSS at all.

    ``<pre>`` wraps only under ``white-space: pre-wrap``, which a client that drops
    ``<style>`` (Gmail's mobile webmail, Gmail with other accounts) never sees, and which
    Outlook for Windows does not read inline. The block becomes a ``div.mh-e-code``: each
    line ends in ``<br>``, its indentation and inner runs of spaces are no-break spaces
    (the last space of an inner run stays breakable). A token longer than the line
    still needs the ``word-wrap`` rule of the ``<style>`` sheet: caniemail marks both
    ``<wbr>`` and ``word-break`` unsupported in Gmail for iOS and Outlook for Windows,
    and a zero-width space would end up in what a reader copies. The plain-text part
    reads it back as the code it was (:func:`code_text`).
    """
    state = _LineState()
    _rewrite(pre, state)
    last = pre
    while last.children and isinstance(last.children[-1], Element):
        if last.children[-1].tag == "br":
            last.children.pop()  # the code's final newline
            break
        last = last.children[-1]
    pre.tag = "div"


def code_text(block: Element) -> str:
    """The code of a block made by :func:`wrapping_lines`: ``<br>`` as newlines, no-break
    spaces as spaces."""
    parts: list[str] = []
    for child in block.children:
        if isinstance(child, Text):
            parts.append(child.data.replace(NBSP, " "))
        elif isinstance(child, Element):
            parts.append("\n" if child.tag == "br" else code_text(child))
    return "".join(parts)


class _LineState:
    def __init__(self) -> None:
        self.line_start = True


def _rewrite(node: Element, state: _LineState) -> None:
    children = list(node.children)
    node.children = []
    for child in children:
        if isinstance(child, Text):
            node.extend(_pieces(child.data.expandtabs(4), state))
        else:
            if isinstance(child, Element):
                _rewrite(child, state)
            node.append(child)


def _pieces(data: str, state: _LineState) -> list[Element | Text | Comment]:
    out: list[Element | Text | Comment] = []
    chars: list[str] = []

    def flush() -> None:
        if chars:
            out.append(Text("".join(chars)))
            chars.clear()

    i = 0
    while i < len(data):
        ch = data[i]
        if ch == "\n":
            flush()
            out.append(dom.el("br", {}))
            state.line_start = True
            i += 1
            continue
        if ch == " ":
            end = i
            while end < len(data) and data[end] == " ":
                end += 1
            count = end - i
            if state.line_start:
                chars.append(NBSP * count)  # indentation
            else:
                chars.append(NBSP * (count - 1) + " ")
            i = end
            continue
        state.line_start = False
        chars.append(ch)
        i += 1
    flush()
    return out
