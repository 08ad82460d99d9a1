"""The ```` ```posts ```` fence: a live list of posts (and issues) in any page.

YAML options, all optional::

    blog: blog            # a blog_dir, a list of them, or "all" (default: the posts blog)
    period: 2022-12       # a month or a year
    category: Kubernetes  # one category or a list (a post matches any of them)
    tag: ebpf             # one tag or a list
    limit: 5              # at most this many, newest first
    excerpt: true         # show each post's excerpt (default true)

Markup::

    <ul class="mh-posts">
      <li class="mh-posts__item"><a class="mh-posts__link" href="...">Title</a>
        <span class="mh-posts__meta"><time datetime="...">December 5, 2022</time> ...</span>
        <p class="mh-posts__excerpt">...</p></li>
    </ul>
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from ..content import Period, Post
from ..i18n import Strings, english
from .cards import CardError

KEYS = ("blog", "period", "category", "tag", "limit", "excerpt")
EXCERPT_CHARS = 220


@dataclass(frozen=True)
class PostsQuery:
    """What a ```posts fence asks for."""

    blogs: tuple[str, ...] | None = None
    """blog_dirs to list from; ``None`` means every blog."""
    period: Period | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    limit: int | None = None
    excerpt: bool = True


def _line_of(source: str, key: str) -> int:
    for number, line in enumerate(source.splitlines(), start=1):
        if re.match(rf"^{re.escape(key)}\s*:", line):
            return number
    return 1


def _names(value: Any, key: str, source: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise CardError(
            f"expected '{key}:' to be a name or a list of names, got {value!r}",
            _line_of(source, key),
        )
    return tuple(str(v).strip() for v in value)


def parse_query(source: str, *, default_blog: str, blogs: Sequence[str]) -> PostsQuery:
    """Validate the YAML of a ```posts fence; raise :class:`CardError` with the line."""
    try:
        data = yaml.safe_load(source) if source.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CardError(
            f"invalid YAML in ```posts: {getattr(exc, 'problem', exc)}",
            (mark.line + 1) if mark is not None else 1,
        ) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CardError(f"expected ```posts to hold 'key: value' lines ({', '.join(KEYS)})")
    for key in data:
        if key not in KEYS:
            raise CardError(
                f"unknown key {key!r} in ```posts; expected: {', '.join(KEYS)}",
                _line_of(source, str(key)),
            )
    raw_blog = data.get("blog", default_blog)
    chosen: tuple[str, ...] | None
    if raw_blog == "all":
        chosen = None
    else:
        chosen = _names(raw_blog, "blog", source)
        for name in chosen:
            if name not in blogs:
                raise CardError(
                    f"no blog {name!r}; expected 'blog:' to be one of {', '.join(blogs)} or all",
                    _line_of(source, "blog"),
                )
    period = None
    if data.get("period") is not None:
        try:
            period = Period.parse(str(data["period"]))
        except ValueError as exc:
            raise CardError(f"invalid 'period:': {exc}", _line_of(source, "period")) from exc
    limit = data.get("limit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise CardError(
            f"expected 'limit:' to be a whole number of 1 or more, got {limit!r}",
            _line_of(source, "limit"),
        )
    excerpt = data.get("excerpt", True)
    if not isinstance(excerpt, bool):
        raise CardError(
            f"expected 'excerpt:' to be true or false, got {excerpt!r}", _line_of(source, "excerpt")
        )
    return PostsQuery(
        blogs=chosen,
        period=period,
        categories=_names(data.get("category"), "category", source),
        tags=_names(data.get("tag"), "tag", source),
        limit=limit,
        excerpt=excerpt,
    )


def select(posts: Mapping[str, Sequence[Post]], query: PostsQuery) -> list[tuple[str, Post]]:
    """The posts matching ``query`` from ``posts`` (blog_dir -> posts), newest first."""
    pool = [
        (blog, post)
        for blog, items in posts.items()
        if query.blogs is None or blog in query.blogs
        for post in items
        if not post.draft
    ]
    lower_cats = {c.lower() for c in query.categories}
    lower_tags = {t.lower() for t in query.tags}
    chosen = [
        (blog, post)
        for blog, post in pool
        if (query.period is None or post.date in query.period)
        and (not lower_cats or lower_cats & {c.lower() for c in post.categories})
        and (not lower_tags or lower_tags & {t.lower() for t in post.tags})
    ]
    chosen.sort(key=lambda item: (item[1].date, item[1].slug), reverse=True)
    return chosen[: query.limit] if query.limit else chosen


def plain_text(markdown: str) -> str:
    """The words of a Markdown excerpt, without markup."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.DOTALL)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\[[^\]]*\]", r"\1", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    return re.sub(r"\s+", " ", text).strip()


def shorten(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters (with an ellipsis)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-")
    return cut + "…"


def render(
    items: Sequence[tuple[str, Post]],
    *,
    url_for: Callable[[Post], str],
    labels: Mapping[str, str] | None = None,
    excerpt: bool = True,
    strings: Strings | None = None,
) -> str:
    """The HTML list; ``url_for(post)`` is the link from the page, ``labels`` names
    the blogs whose items get a badge (e.g. ``{"newsletter": "Newsletter"}``; an empty
    label is "Newsletter" in the language of ``strings``, default English)."""
    esc = html.escape
    t = strings or english()
    if not items:
        return f'<ul class="mh-posts mh-posts--empty"><li>{t.html("posts.empty")}</li></ul>'
    out = ['<ul class="mh-posts">']
    for blog, post in items:
        badge = (labels or {}).get(blog)
        if badge == "":
            badge = t.text("posts.newsletter_label")
        day = esc(t.date(post.date))
        meta = [f'<time datetime="{post.date.date().isoformat()}">{day}</time>']
        if badge:
            meta.append(f'<span class="mh-posts__badge">{esc(badge)}</span>')
        elif post.categories:
            meta.append(f'<span class="mh-posts__category">{esc(post.categories[0])}</span>')
        summary = shorten(plain_text(post.excerpt)) if excerpt else ""
        out.append(
            f'<li class="mh-posts__item mh-posts__item--{esc(blog)}">'
            f'<a class="mh-posts__link" href="{esc(url_for(post))}">{esc(post.title)}</a>'
            f'<span class="mh-posts__meta">{"".join(meta)}</span>'
            + (f'<p class="mh-posts__excerpt">{esc(summary)}</p>' if summary else "")
            + "</li>"
        )
    out.append("</ul>")
    return "".join(out)
