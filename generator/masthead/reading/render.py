"""The ```reading fence: an issue's picked entries as HTML (no MkDocs needed).

Markup (the contract the email step relies on)::

    <section class="mh-reading" data-issue="2022-12">
      <article class="mh-reading__item">
        <h3 class="mh-reading__title"><a href="URL">Title</a></h3>
        <p class="mh-reading__source">Source name</p>
        <div class="mh-reading__comment">comment as HTML</div>
      </article>
    </section>

Titles, sources and URLs come from feeds: they are escaped here (and were
reduced to plain text by the pull). The comment is the author's Markdown.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from ..content import Period
from ..errors import MastheadError
from . import _yaml
from .lock import ReadingLock
from .urls import is_safe_link

FENCE_KEYS = ("issue",)


class FenceError(MastheadError):
    """A ```reading fence is invalid; ``line`` counts from the fence's first content line."""


@dataclass(frozen=True)
class ReadingFence:
    issue: str


def parse_fence(source: str) -> ReadingFence:
    """Read the fence's YAML (``issue: 2022-12``)."""
    try:
        data = _yaml.load(source, "fence")
    except MastheadError as exc:
        raise FenceError(exc.message, line=exc.line) from None
    if not isinstance(data, _yaml.LineDict) or "issue" not in data:
        raise FenceError("expected 'issue: 2022-12' (the reading list to show)", line=1)
    for key in data:
        if key not in FENCE_KEYS:
            raise FenceError(f"unknown key {key!r}; expected 'issue'", line=data.line_of(key))
    try:
        period = Period.parse(str(data["issue"]))
    except ValueError as exc:
        raise FenceError(f"'issue': {exc}", line=data.line_of("issue")) from None
    return ReadingFence(str(period))


def render(lock: ReadingLock, comment_html: Callable[[str], str]) -> str:
    """The picked entries of ``lock`` in the author's order, as the component's HTML."""
    items = []
    for item in lock.picks():
        if not is_safe_link(item.url):  # load_lock refuses these; never emit one regardless
            continue
        parts = [
            '<article class="mh-reading__item">',
            f'<h3 class="mh-reading__title"><a href="{html.escape(item.url, quote=True)}">'
            f"{html.escape(item.display_title)}</a></h3>",
        ]
        if item.source:
            parts.append(f'<p class="mh-reading__source">{html.escape(item.source)}</p>')
        if item.comment.strip():
            parts.append(f'<div class="mh-reading__comment">{comment_html(item.comment)}</div>')
        parts.append("</article>")
        items.append("\n".join(parts))
    body = "\n".join(items)
    return (
        f'<section class="mh-reading" data-issue="{html.escape(lock.issue, quote=True)}">\n'
        f"{body}\n</section>"
    )
