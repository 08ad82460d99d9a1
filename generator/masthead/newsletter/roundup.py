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

Every word of a draft is in the site's language: the ``roundup`` entries of
masthead's catalog (:mod:`masthead.i18n`), with month names and days written
by babel for that language.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath

from babel.dates import format_date, format_skeleton

from ..content import Period, Post, in_period, load_posts, slugify
from ..errors import ConfigError
from ..i18n import Strings, english, strings
from ..publication import Newsletter, Publication

_LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))")


@dataclass(frozen=True)
class Scaffold:
    """A file to create: where, what, and from which posts."""

    path: Path
    """Target file (inside the docs folder)."""
    text: str
    posts: tuple[Post, ...] = ()
    """The posts the scaffold links, in the order it lists them."""


Groups = Sequence[tuple[str | None, list[Post]]]
"""Posts by first category; ``None`` is the group of the posts without one."""


def group_by_category(
    posts: Iterable[Post], order: Sequence[str] = ()
) -> list[tuple[str | None, list[Post]]]:
    """Posts grouped by first category: ``order`` first, then A-Z, uncategorised
    (``None``) last."""
    groups: dict[str | None, list[Post]] = {}
    for post in posts:
        groups.setdefault(post.categories[0] if post.categories else None, []).append(post)
    rank = {name: i for i, name in enumerate(order)}

    def key(name: str | None) -> tuple[int, int, str]:
        if name is None:
            return (2, 0, "")
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


def _hint(text: str) -> str:
    """A placeholder the writer replaces, set apart in italics."""
    return f"*({text})*"


def _month(period: Period, words: Strings) -> str:
    """The month's name on its own ("December", "Dezember")."""
    return str(format_date(period.start.date(), "LLLL", locale=words.locale))


def _month_year(period: Period, words: Strings) -> str:
    """The month and its year ("December 2022", "diciembre de 2022")."""
    return str(format_skeleton("yMMMM", period.start.date(), locale=words.locale))


def _day(moment: datetime, words: Strings) -> str:
    """A post's day without its year ("December 5", "5. Dezember"), as its date is written."""
    return str(format_skeleton("MMMMd", moment.date(), locale=words.locale))


def _topics(groups: Groups, words: Strings) -> str:
    names = [name for name, _ in groups if name is not None]
    if len(names) < 2:
        return "".join(names)
    return words.text("roundup.and", rest=", ".join(names[:-1]), last=names[-1])


def _sections(groups: Groups, issue_path: PurePosixPath, words: Strings) -> list[str]:
    out: list[str] = []
    for name, posts in groups:
        out.append(f"## {name or words.text('roundup.miscellaneous')}\n")
        for post in posts:
            out.append(f"### [{post.title}]({link_to(post, issue_path)})\n")
            out.append(f"*{_day(post.date, words)}*\n")
            excerpt = relink(post.excerpt, PurePosixPath(post.path.as_posix()), issue_path)
            if excerpt:
                out.append(excerpt + "\n")
    return out


def _reading_block(issue: str, fence: str = "reading") -> str:
    return f"```{fence}\nissue: {issue}\n```\n"


def _with_topics(key: str, topics: str, words: Strings, n: int, **values: object) -> str:
    """The words of ``key``, or of ``<key>_topics`` when there are topics to name."""
    if topics:
        return words.text(f"{key}_topics", n=n, topics=topics, **values)
    return words.text(key, n=n, **values)


def _common_author(posts: Sequence[Post], fallback: str | None) -> str | None:
    counts = Counter(a for p in posts for a in p.authors)
    return counts.most_common(1)[0][0] if counts else fallback


def _category(newsletter: Newsletter, key: str, words: Strings) -> str | None:
    """The issue's category: its name in the site's language, else the English one, if
    the newsletter allows it (or allows any)."""
    names = dict.fromkeys((words.text(key), english().text(key)))
    if not newsletter.categories:
        return f"[{next(iter(names))}]"
    return next((f"[{name}]" for name in names if name in newsletter.categories), None)


def monthly_text(
    period: Period,
    posts: Sequence[Post],
    *,
    newsletter: Newsletter,
    issue_path: PurePosixPath,
    published: date,
    author: str | None,
    words: Strings,
    category_order: Sequence[str] = (),
    reading_fence: str = "reading",
) -> str:
    """The Markdown of a draft monthly roundup of ``posts`` (already those of ``period``),
    in the language of ``words``."""
    if period.month is None:
        raise ValueError("a monthly roundup needs a month, e.g. 2022-12")
    groups = group_by_category(posts, category_order)
    month = _month(period, words)
    name = _month_year(period, words)
    title = words.text("roundup.title", newsletter=newsletter.title, name=name)
    topics = _topics(groups, words)
    n = len(posts)
    preheader = (
        _with_topics("roundup.monthly.preheader", topics, words, n, month=month)
        if posts
        else words.text("roundup.monthly.preheader_empty", month=month)
    )
    opening = (
        _with_topics("roundup.monthly.published", topics, words, n, month=month)
        if posts
        else words.text("roundup.monthly.empty", month=month)
        + " "
        + _hint(words.text("roundup.monthly.empty_hint"))
    )
    head = _front_matter(
        [
            ("date", published.isoformat()),
            ("authors", f"[{author}]" if author else None),
            ("categories", _category(newsletter, "roundup.monthly.category", words)),
            ("slug", slugify(name)),
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
        words.text("roundup.monthly.greeting", month=month, newsletter=newsletter.title)
        + " "
        + _hint(words.text("roundup.monthly.greeting_hint"))
        + "\n",
        "<!-- more -->\n",
        opening + "\n",
        *_sections(groups, issue_path, words),
        f"## {words.text('roundup.monthly.reading', month=month)}\n",
        _reading_block(str(period), reading_fence),
        f"## {words.text('roundup.wrap_up')}\n",
        _hint(words.text("roundup.monthly.wrap_up_hint")) + "\n",
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
    words: Strings,
    category_order: Sequence[str] = (),
    reading_fence: str = "reading",
) -> str:
    """The Markdown of a draft yearly recap of ``posts`` (already those of ``year``), in
    the language of ``words``."""
    groups = group_by_category(posts, category_order)
    name = words.text("roundup.annual.name", year=year)
    title = words.text("roundup.title", newsletter=newsletter.title, name=name)
    topics = _topics(groups, words)
    n = len(posts)
    head = _front_matter(
        [
            ("date", published.isoformat()),
            ("authors", f"[{author}]" if author else None),
            ("categories", _category(newsletter, "roundup.annual.category", words)),
            ("slug", slugify(name)),
            ("kind", "annual"),
            ("period", str(year)),
            ("subject", _yaml_str(title)),
            ("preheader", _yaml_str(_with_topics("roundup.annual.preheader", topics, words, n))),
            ("newsletter", newsletter.blog_dir),
            ("draft", "true"),
        ]
    )
    reading = [_reading_block(issue, reading_fence) for issue in reading_issues]
    body = [
        f"# {title}\n",
        words.text("roundup.annual.greeting", year=year, newsletter=newsletter.title)
        + " "
        + _hint(words.text("roundup.annual.greeting_hint"))
        + "\n",
        "<!-- more -->\n",
        _with_topics("roundup.annual.published", topics, words, n, year=year) + "\n",
        *_sections(groups, issue_path, words),
        f"## {words.text('roundup.annual.reading', year=year)}\n",
        *(reading or [_hint(words.text("roundup.annual.no_reading")) + "\n"]),
        f"## {words.text('roundup.wrap_up')}\n",
        _hint(words.text("roundup.annual.wrap_up_hint")) + "\n",
    ]
    return head + "\n" + "\n".join(body)


def post_text(title: str, *, published: date, author: str | None, words: Strings) -> str:
    """The Markdown of a new draft post, its placeholders in the language of ``words``."""
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
        + f"\n# {title}\n\n{_hint(words.text('roundup.post.opening_hint'))}\n\n"
        + f"<!-- more -->\n\n{_hint(words.text('roundup.post.rest_hint'))}\n"
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


def _words(site: Publication, words: Strings | None) -> Strings:
    return words if words is not None else strings(site.language)


def _in_order(groups: Groups) -> tuple[Post, ...]:
    return tuple(post for _, group in groups for post in group)


def scaffold_monthly(
    site: Publication,
    period: Period,
    *,
    newsletter: str | None = None,
    published: date | None = None,
    author: str | None = None,
    path: Path | None = None,
    words: Strings | None = None,
) -> Scaffold:
    """The draft monthly roundup of ``period`` for the site's posts, in the language of
    ``words`` (default: masthead's catalog of the site's ``theme.language``)."""
    if period.month is None:
        raise ConfigError(f"expected a month like 2022-12 for a monthly issue, got {period}")
    target = site.newsletter(newsletter)
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
        words=_words(site, words),
        category_order=blog.categories_allowed,
        reading_fence=site.reading_fence,
    )
    return Scaffold(out, text, _in_order(group_by_category(posts, blog.categories_allowed)))


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
    words: Strings | None = None,
) -> Scaffold:
    """The draft yearly recap of ``year`` for the site's posts, in the language of
    ``words`` (default: masthead's catalog of the site's ``theme.language``)."""
    period = Period(year)
    target = site.newsletter(newsletter)
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
        words=_words(site, words),
        category_order=blog.categories_allowed,
        reading_fence=site.reading_fence,
    )
    return Scaffold(out, text, _in_order(group_by_category(posts, blog.categories_allowed)))


def scaffold_post(
    site: Publication,
    title: str,
    *,
    published: date,
    author: str | None = None,
    blog: str | None = None,
    words: Strings | None = None,
) -> Scaffold:
    """A new draft post titled ``title`` in the posts blog (or ``blog``), its placeholders
    in the language of ``words`` (default: that of the site's ``theme.language``)."""
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
        words=_words(site, words),
    )
    return Scaffold(out, text)
