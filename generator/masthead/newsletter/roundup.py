"""Scaffolds: a draft monthly roundup, yearly recap or post, from what was published.

Pure functions from posts (:class:`~masthead.content.Post`) to Markdown text;
:mod:`masthead.commands.new` reads the site and writes the result with
:func:`masthead._io.write_new` (never over an existing file).

A roundup groups the period's posts by their first category (in the order
the blog's ``categories_allowed`` gives, then alphabetically; posts without
one last, under "Miscellaneous"), oldest first inside a group, each with a
link to the post's source (so MkDocs checks it) and its excerpt. It adds a
```` ```reading ```` block for the period and visible placeholders for the
greeting and the wrap-up. The draft is marked ``draft: true``.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from ..content import Period, Post, in_period, load_posts, slugify
from ..errors import ConfigError
from ..publication import Newsletter, Publication

MISC = "Miscellaneous"

_LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))")


@dataclass(frozen=True)
class Scaffold:
    """A file to create: where, what, and from which posts."""

    path: Path
    """Target file (inside the docs folder)."""
    text: str
    posts: tuple[Post, ...] = ()
    """The posts the scaffold links, in the order it lists them."""


def group_by_category(
    posts: Iterable[Post], order: Sequence[str] = ()
) -> list[tuple[str, list[Post]]]:
    """Posts grouped by first category: ``order`` first, then A-Z, uncategorised last."""
    groups: dict[str, list[Post]] = {}
    for post in posts:
        groups.setdefault(post.categories[0] if post.categories else MISC, []).append(post)
    rank = {name: i for i, name in enumerate(order)}

    def key(name: str) -> tuple[int, int, str]:
        if name == MISC:
            return (2, 0, name)
        if name in rank:
            return (0, rank[name], name)
        return (1, 0, name.lower())

    return [
        (name, sorted(groups[name], key=lambda p: (p.date, p.slug)))
        for name in sorted(groups, key=key)
    ]


def relink(markdown: str, source: PurePosixPath, target: PurePosixPath) -> str:
    """Rewrite relative links and images of ``markdown`` written in file ``source``
    so that they resolve the same from file ``target`` (both docs-relative)."""

    def fix(match: re.Match[str]) -> str:
        url = match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:|^/|^#", url, re.IGNORECASE):
            return match.group(0)
        path, hashpart = [*url.split("#", 1), ""][:2]
        resolved = posixpath.normpath(posixpath.join(str(source.parent), path))
        moved = posixpath.relpath(resolved, str(target.parent))
        return f"{match.group(1)}{moved}{'#' + hashpart if hashpart else ''}{match.group(3)}"

    return _LINK.sub(fix, markdown)


def link_to(post: Post, issue_path: PurePosixPath) -> str:
    """Relative link from the issue's source file to the post's source file."""
    return posixpath.relpath(post.path.as_posix(), str(issue_path.parent))


def _yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _front_matter(fields: Sequence[tuple[str, str | None]]) -> str:
    lines = ["---"]
    lines += [f"{key}: {value}" for key, value in fields if value is not None]
    lines.append("---")
    return "\n".join(lines) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _topics(groups: Sequence[tuple[str, list[Post]]]) -> str:
    names = [name for name, _ in groups if name != MISC]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _sections(
    groups: Sequence[tuple[str, list[Post]]], issue_path: PurePosixPath, *, dated: bool
) -> list[str]:
    out: list[str] = []
    for name, posts in groups:
        out.append(f"## {name}\n")
        for post in posts:
            out.append(f"### [{post.title}]({link_to(post, issue_path)})\n")
            if dated:
                out.append(f"*{post.date.strftime('%B')} {post.date.day}*\n")
            excerpt = relink(post.excerpt, PurePosixPath(post.path.as_posix()), issue_path)
            if excerpt:
                out.append(excerpt + "\n")
    return out


def _reading_block(issue: str, fence: str = "reading") -> str:
    return f"```{fence}\nissue: {issue}\n```\n"


def _common_author(posts: Sequence[Post], fallback: str | None) -> str | None:
    counts = Counter(a for p in posts for a in p.authors)
    return counts.most_common(1)[0][0] if counts else fallback


def _category(newsletter: Newsletter, name: str) -> str | None:
    if not newsletter.categories or name in newsletter.categories:
        return f"[{name}]"
    return None


def monthly_text(
    period: Period,
    posts: Sequence[Post],
    *,
    newsletter: Newsletter,
    issue_path: PurePosixPath,
    published: date,
    author: str | None,
    category_order: Sequence[str] = (),
    reading_fence: str = "reading",
) -> str:
    """The Markdown of a draft monthly roundup of ``posts`` (already those of ``period``)."""
    if period.month is None:
        raise ValueError("a monthly roundup needs a month, e.g. 2022-12")
    groups = group_by_category(posts, category_order)
    month = period.title.split()[0]
    title = f"{newsletter.title}: {period.title}"
    topics = _topics(groups)
    preheader = (
        (
            f"{_plural(len(posts), 'new post')}"
            + (f" on {topics}" if topics else "")
            + f", and what I was reading in {month}."
        )
        if posts
        else f"What I was reading in {month}, and what I worked on."
    )
    head = _front_matter(
        [
            ("date", published.isoformat()),
            ("authors", f"[{author}]" if author else None),
            ("categories", _category(newsletter, "Monthly")),
            ("slug", slugify(period.title)),
            ("kind", "monthly"),
            ("period", str(period)),
            ("subject", _yaml_str(title)),
            ("preheader", _yaml_str(preheader)),
            ("newsletter", newsletter.blog_dir),
            ("draft", "true"),
        ]
    )
    body = [
        f"# {title}\n",
        f"Hi, and welcome to the {month} issue of {newsletter.title}! "
        "*(Write a short greeting: what this month was about.)*\n",
        "<!-- more -->\n",
        (
            f"In {month} I published {_plural(len(posts), 'post')}"
            + (f" on {topics}" if topics else "")
            + "."
            if posts
            else f"No new posts in {month}. *(Say what you worked on instead.)*"
        )
        + "\n",
        *_sections(groups, issue_path, dated=True),
        f"## What I was reading in {month}\n",
        _reading_block(str(period), reading_fence),
        "## Wrapping up\n",
        "*(Plans for next month, and a call to share this issue or to sponsor.)*\n",
    ]
    return head + "\n" + "\n".join(body)


def annual_text(
    year: int,
    posts: Sequence[Post],
    *,
    newsletter: Newsletter,
    issue_path: PurePosixPath,
    published: date,
    author: str | None,
    reading_issues: Sequence[str],
    category_order: Sequence[str] = (),
    reading_fence: str = "reading",
) -> str:
    """The Markdown of a draft yearly recap of ``posts`` (already those of ``year``)."""
    groups = group_by_category(posts, category_order)
    title = f"{newsletter.title}: {year} in review"
    topics = _topics(groups)
    preheader = (
        f"A year of {topics or 'writing'}: {_plural(len(posts), 'post')}, "
        "the best of what I read, and what comes next."
    )
    head = _front_matter(
        [
            ("date", published.isoformat()),
            ("authors", f"[{author}]" if author else None),
            ("categories", _category(newsletter, "Annual")),
            ("slug", f"{year}-in-review"),
            ("kind", "annual"),
            ("period", str(year)),
            ("subject", _yaml_str(title)),
            ("preheader", _yaml_str(preheader)),
            ("newsletter", newsletter.blog_dir),
            ("draft", "true"),
        ]
    )
    reading = [_reading_block(issue, reading_fence) for issue in reading_issues]
    body = [
        f"# {title}\n",
        f"Hi, and welcome to the {year} recap of {newsletter.title}! "
        "*(Write a short greeting: how the year went.)*\n",
        "<!-- more -->\n",
        f"In {year} I published {_plural(len(posts), 'post')}"
        + (f" on {topics}" if topics else "")
        + ". Here they are by topic.\n",
        *_sections(groups, issue_path, dated=True),
        f"## What I was reading in {year}\n",
        *(reading or ["*(No reading list for this year yet.)*\n"]),
        "## Wrapping up\n",
        "*(Plans for next year, and a call to share this issue or to sponsor.)*\n",
    ]
    return head + "\n" + "\n".join(body)


def post_text(title: str, *, published: date, author: str | None) -> str:
    """The Markdown of a new draft post."""
    head = _front_matter(
        [
            ("date", published.isoformat()),
            ("authors", f"[{author}]" if author else None),
            ("categories", "[]"),
            ("draft", "true"),
        ]
    )
    return (
        head
        + f"\n# {title}\n\n*(The opening paragraph: it is the excerpt lists show.)*\n\n"
        + "<!-- more -->\n\n*(The rest of the post.)*\n"
    )


def _day_after(period: Period) -> date:
    """A roundup goes out once its period is over: the first day after it."""
    return period.end.date()


def _authors_fallback(site: Publication, blog_dir: str) -> str | None:
    import yaml

    path = site.blog(blog_dir).authors_path(site.docs_dir)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    authors = data.get("authors") if isinstance(data, dict) else None
    return next(iter(authors), None) if isinstance(authors, dict) and authors else None


def issue_file(site: Publication, newsletter: Newsletter, period: Period) -> Path:
    """Where ``masthead new`` writes the issue for ``period``: ``<posts_dir>/<period>.md``."""
    posts_dir = site.blog(newsletter.blog_dir).layout.posts_dir
    return site.docs_dir / posts_dir / f"{period}.md"


def _docs_relative(site: Publication, path: Path) -> PurePosixPath:
    return PurePosixPath(path.relative_to(site.docs_dir).as_posix())


def scaffold_monthly(
    site: Publication,
    period: Period,
    *,
    newsletter: str | None = None,
    published: date | None = None,
    author: str | None = None,
    path: Path | None = None,
) -> Scaffold:
    """The draft monthly roundup of ``period`` for the site's posts."""
    if period.month is None:
        raise ConfigError(f"expected a month like 2022-12 for a monthly issue, got {period}")
    target = newsletter_of(site, newsletter)
    blog = site.blog(site.posts_blog)
    posts = in_period(load_posts(site.docs_dir, blog.layout), period)
    out = path or issue_file(site, target, period)
    text = monthly_text(
        period,
        posts,
        newsletter=target,
        issue_path=_docs_relative(site, out),
        published=published or _day_after(period),
        author=author or _common_author(posts, _authors_fallback(site, site.posts_blog)),
        category_order=blog.categories_allowed,
        reading_fence=site.reading_fence,
    )
    ordered = tuple(
        p for _, group in group_by_category(posts, blog.categories_allowed) for p in group
    )
    return Scaffold(out, text, ordered)


def reading_issues_for_year(site: Publication, year: int) -> list[str]:
    """The reading locks a yearly recap shows: ``<year>.yml`` if it exists, else each month's."""
    if site.lock_file(str(year)).is_file():
        return [str(year)]
    return [
        f"{year}-{month:02d}"
        for month in range(1, 13)
        if site.lock_file(f"{year}-{month:02d}").is_file()
    ]


def scaffold_annual(
    site: Publication,
    year: int,
    *,
    newsletter: str | None = None,
    published: date | None = None,
    author: str | None = None,
    path: Path | None = None,
) -> Scaffold:
    """The draft yearly recap of ``year`` for the site's posts."""
    period = Period(year)
    target = newsletter_of(site, newsletter)
    blog = site.blog(site.posts_blog)
    posts = in_period(load_posts(site.docs_dir, blog.layout), period)
    out = path or issue_file(site, target, period)
    text = annual_text(
        year,
        posts,
        newsletter=target,
        issue_path=_docs_relative(site, out),
        published=published or _day_after(period),
        author=author or _common_author(posts, _authors_fallback(site, site.posts_blog)),
        reading_issues=reading_issues_for_year(site, year),
        category_order=blog.categories_allowed,
        reading_fence=site.reading_fence,
    )
    ordered = tuple(
        p for _, group in group_by_category(posts, blog.categories_allowed) for p in group
    )
    return Scaffold(out, text, ordered)


def scaffold_post(
    site: Publication,
    title: str,
    *,
    published: date,
    author: str | None = None,
    blog: str | None = None,
) -> Scaffold:
    """A new draft post titled ``title`` in the posts blog (or ``blog``)."""
    if not title.strip():
        raise ConfigError("expected a non-empty title for the new post")
    instance = site.blog(blog or site.posts_blog)
    slug = slugify(title.strip())
    if not slug:
        raise ConfigError(f"cannot make a file name from the title {title!r}")
    out = site.docs_dir / instance.layout.posts_dir / f"{slug}.md"
    text = post_text(
        title.strip(),
        published=published,
        author=author or _authors_fallback(site, instance.blog_dir),
    )
    return Scaffold(out, text)


def _flatten(groups: Sequence[tuple[str, list[Post]]]) -> tuple[Post, ...]:
    return tuple(post for _, group in groups for post in group)


def newsletter_of(site: Publication, name: str | None) -> Newsletter:
    return site.newsletter(name)
