"""The author's ``# comments`` in a lock file, found and tied to what they annotate.

A pull writes the lock anew (see :mod:`._emit`); the comments go along with
the parts of the file they stand beside, so that they come back in the same
place whatever the merge changed:

* a comment on its own line belongs to what follows it: the next entry, the
  next field of an entry, or the next top-level key; before the first of
  those it is part of the head of the file, after the last one, of its end;
* a comment at the end of a line belongs to the field (or top-level key)
  whose value is on that line (a block scalar's header line included); one
  after a bare ``-`` belongs to the entry that follows.

Comments are found between the tokens of PyYAML's scanner, so a ``#`` inside
a value (a URL's fragment, a quoted title, a block of Markdown) is never
taken for one.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

Anchor = tuple[Any, ...]
"""``("top", key)``, ``("entry", index)`` or ``("field", index, key)``."""

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_MAYBE = re.compile(r"(?:^|[ \t])#", re.MULTILINE)


@dataclass(frozen=True)
class Comment:
    """One comment of the file."""

    line: int
    """1-based line of the comment."""
    text: str
    """From the ``#`` to the end of the line, trailing blanks left out."""
    own_line: bool
    """Nothing but blanks before it on its line."""
    gap: str = "  "
    """The blanks between the value and an end-of-line comment."""
    position: int = field(default=0, compare=False)
    """Index of the ``#`` in the text."""


@dataclass
class Notes:
    """Where each comment goes when the file is written again."""

    head: list[str] = field(default_factory=list)
    """Whole-line comments at the top, before the first key."""
    before: dict[Anchor, list[str]] = field(default_factory=dict)
    """Whole-line comments to write above an anchor."""
    eol: dict[Anchor, str] = field(default_factory=dict)
    """End-of-line comments (with the blanks before each) for an anchor's line."""
    end: list[str] = field(default_factory=list)
    """Whole-line comments after everything else."""

    def __bool__(self) -> bool:
        return bool(self.head or self.before or self.eol or self.end)

    def fit(self, top: dict[str, Any], list_key: str) -> Notes:
        """These notes for the data ``top`` will hold: comments of a field an entry no
        longer has go with the entry; of an entry or key that is gone, to the end."""
        items = top.get(list_key) or []
        fitted = Notes(list(self.head), {}, {}, list(self.end))

        def home(anchor: Anchor) -> Anchor | None:
            if anchor[0] == "top":
                return anchor if anchor[1] in top else None
            index = anchor[1]
            if not isinstance(items, list) or index >= len(items):
                return None
            if anchor[0] == "field" and anchor[2] not in items[index]:
                return ("entry", index)
            return anchor

        for anchor, lines in self.before.items():
            target = home(anchor)
            if target is None:
                fitted.end.extend(lines)
            else:
                fitted.before.setdefault(target, []).extend(lines)
        for anchor, suffix in self.eol.items():
            target = home(anchor)
            if target is None:
                fitted.end.append(suffix.lstrip())
            else:
                fitted.eol[target] = fitted.eol.get(target, "") + suffix
        return fitted


def might_have_comments(text: str) -> bool:
    """A quick test: False means the text has no comment at all."""
    return _MAYBE.search(text) is not None


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in _BREAK.finditer(text))]


def scan(text: str) -> list[Comment]:
    """Every comment of the YAML ``text``, in order (the text must be valid YAML)."""
    starts = _line_starts(text)

    def comment_at(position: int) -> Comment:
        line = bisect.bisect_right(starts, position) - 1
        end = _BREAK.search(text, position)
        body = text[position : end.start() if end else len(text)].rstrip(" \t")
        before = text[starts[line] : position]
        blank = before.strip(" \t\ufeff") == ""
        gap = before[len(before.rstrip(" \t")) :] or "  "
        return Comment(line + 1, body, blank, gap, position)

    found: list[Comment] = []

    def in_gap(start: int, stop: int) -> None:
        position = text.find("#", start, stop)
        while position >= 0:
            found.append(comment_at(position))
            end = _BREAK.search(text, position, stop)
            if end is None:
                return
            position = text.find("#", end.end(), stop)

    loader = _LOADER(text)
    try:
        done = 0
        while loader.check_token():
            token = loader.get_token()
            start, stop = token.start_mark.index, token.end_mark.index
            if start > done:
                in_gap(done, start)
            if isinstance(token, yaml.ScalarToken) and token.style in ("|", ">"):
                # the header line of a block scalar may end with a comment
                end = _BREAK.search(text, start, stop)
                header_end = end.start() if end else stop
                position = text.find("#", start, header_end)
                if position >= 0:
                    found.append(comment_at(position))
            done = max(done, stop)
        if done < len(text):
            in_gap(done, len(text))
    finally:
        loader.dispose()
    return found


@dataclass(frozen=True, order=True)
class _Span:
    start: int
    end: int
    anchor: Anchor = field(compare=False)
    opens_entry: bool = field(default=False, compare=False)
    container: bool = field(default=False, compare=False)
    """Its value holds other anchors (the list of entries)."""


def _spans(text: str, list_key: str) -> list[_Span]:
    root = yaml.compose(text, Loader=_LOADER)
    spans: list[_Span] = []
    if not isinstance(root, yaml.MappingNode):
        return spans
    for key_node, value_node in root.value:
        key = str(key_node.value)
        listed = key == list_key and isinstance(value_node, yaml.SequenceNode)
        start, end = key_node.start_mark.index, value_node.end_mark.index
        spans.append(_Span(start, end, ("top", key), container=listed))
        if not listed:
            continue
        for index, item in enumerate(value_node.value):
            if not isinstance(item, yaml.MappingNode):
                continue
            for position, (k, v) in enumerate(item.value):
                spans.append(
                    _Span(
                        k.start_mark.index,
                        v.end_mark.index,
                        ("field", index, str(k.value)),
                        opens_entry=position == 0,
                    )
                )
    spans.sort()
    return spans


def place(text: str, list_key: str, comments: list[Comment] | None = None) -> Notes:
    """Where each comment of ``text`` belongs (see the module's docstring)."""
    if comments is None:
        comments = scan(text)
    notes = Notes()
    if not comments:
        return notes
    spans = _spans(text, list_key)
    starts = [s.start for s in spans]
    line_starts = _line_starts(text)

    def before_anchor(span: _Span, position: int) -> Anchor:
        """What a comment at ``position`` annotates when ``span`` comes next: the first
        field of an entry stands for the entry, unless the entry's ``-`` comes first."""
        if span.opens_entry and _dash_between(text, position, span.start):
            return ("entry", span.anchor[1])
        return span.anchor

    def line_of(position: int) -> int:
        return bisect.bisect_right(line_starts, position)

    for comment in comments:
        after = bisect.bisect_right(starts, comment.position)
        following = spans[after] if after < len(spans) else None
        preceding = spans[after - 1] if after > 0 else None
        if not comment.own_line and preceding is not None:
            on_its_line = preceding.end > line_starts[comment.line - 1] and (
                not preceding.container or line_of(preceding.start) == comment.line
            )
            if on_its_line:
                anchor = preceding.anchor
                notes.eol[anchor] = notes.eol.get(anchor, "") + comment.gap + comment.text
                continue
            if following is not None:  # after a bare "-" (or "?", "---"): what follows
                anchor = (
                    ("entry", following.anchor[1]) if following.opens_entry else following.anchor
                )
                if anchor[0] == "field":
                    notes.before.setdefault(anchor, []).append(comment.text)
                else:
                    notes.eol[anchor] = notes.eol.get(anchor, "") + comment.gap + comment.text
                continue
        if preceding is None:
            notes.head.append(comment.text)
        elif following is None:
            notes.end.append(comment.text)
        else:
            notes.before.setdefault(before_anchor(following, comment.position), []).append(
                comment.text
            )
    return notes


def _dash_between(text: str, start: int, stop: int) -> bool:
    """Whether a ``-`` (an entry's indicator) stands between the comment at ``start``
    and the key at ``stop``: only blanks, comments and indicators lie there."""
    lines = _BREAK.split(text[start:stop])
    return any(line.lstrip(" \t").startswith("-") for line in lines[1:])
