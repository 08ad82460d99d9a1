"""Posts and issues as plain data, read from the Markdown sources.

These models are what the CLI (scaffolding, email) and the MkDocs plugins
share; they never need MkDocs to be loaded.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from .errors import FrontMatterError
from .frontmatter import Document, key_line, read

EXCERPT_SEPARATOR = "<!-- more -->"
_H1 = re.compile(r"^ {0,3}#\s+(.+?)(?:\s+#+)?\s*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


_SETEXT_H1 = re.compile(r"^ {0,3}=+\s*$")


def _h1_index(markdown: str) -> tuple[int, str] | None:
    """(line index, text) of the first level-1 heading outside fenced code blocks: a
    ``# Title`` line, or a line underlined with ``===``."""
    fence: str | None = None
    lines = markdown.splitlines()
    for index, line in enumerate(lines):
        opener = _FENCE.match(line)
        if fence is not None:
            closer = opener.group(1) if opener else ""
            if closer[:1] == fence[0] and len(closer) >= len(fence) and not line.strip(" `~"):
                fence = None
            continue
        if opener:
            fence = opener.group(1)
            continue
        m = _H1.match(line)
        if m:
            return index, m.group(1).strip()
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if (
            line.strip()
            and not line.startswith("    ")
            and _SETEXT_H1.match(following)
            and (index == 0 or not lines[index - 1].strip())
        ):
            return index, line.strip()
    return None


def title_from_file_name(name: str) -> str:
    """The title MkDocs gives a page without one: its file name, ``cpu-throttling`` ->
    ``Cpu throttling`` (capitalised only when the name is all lower case)."""
    title = name.replace("-", " ").replace("_", " ")
    return title.capitalize() if title.lower() == title else title


def first_heading(markdown: str) -> str | None:
    """The text of the first ``# Title`` line of ``markdown``; a ``#`` line inside a fenced
    code block (a shell comment) is never a title."""
    found = _h1_index(markdown)
    return found[1] if found else None


def without_first_heading(markdown: str) -> str:
    """``markdown`` without its first ``# Title`` line (see :func:`first_heading`)."""
    found = _h1_index(markdown)
    if found is None:
        return markdown
    lines = markdown.splitlines(keepends=True)
    underlined = found[0] + 1 < len(lines) and _SETEXT_H1.match(lines[found[0] + 1])
    del lines[found[0] : found[0] + (2 if underlined else 1)]
    return "".join(lines)


@dataclass(frozen=True)
class Period:
    """A month (``2022-12``) or a year (``2022``), as a half-open UTC window."""

    year: int
    month: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``YYYY`` or ``YYYY-MM``; raise :class:`ValueError` otherwise."""
        m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", str(text).strip())
        if not m:
            raise ValueError(f"expected a period like 2022-12 or 2022, got {text!r}")
        year = int(m.group(1))
        month = int(m.group(2)) if m.group(2) else None
        if month is not None and not 1 <= month <= 12:
            raise ValueError(f"expected a month between 01 and 12, got {text!r}")
        return cls(year, month)

    @classmethod
    def containing(cls, moment: datetime) -> Period:
        """The month that contains ``moment``."""
        return cls(moment.year, moment.month)

    @property
    def kind(self) -> str:
        return "year" if self.month is None else "month"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month or 1, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """First instant after the period."""
        if self.month is None:
            return datetime(self.year + 1, 1, 1, tzinfo=UTC)
        if self.month == 12:
            return datetime(self.year + 1, 1, 1, tzinfo=UTC)
        return datetime(self.year, self.month + 1, 1, tzinfo=UTC)

    def __contains__(self, moment: object) -> bool:
        if isinstance(moment, datetime):
            return self.start <= as_utc(moment) < self.end
        if isinstance(moment, date):
            return self.start.date() <= moment < self.end.date()
        return False

    @property
    def title(self) -> str:
        """``December 2022`` or ``2022``."""
        if self.month is None:
            return str(self.year)
        return f"{calendar.month_name[self.month]} {self.year}"

    def __str__(self) -> str:
        return f"{self.year}" if self.month is None else f"{self.year}-{self.month:02d}"


def as_utc(moment: datetime | date) -> datetime:
    """A timezone-aware UTC datetime; naive values are taken as UTC."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time.min)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Post:
    """A blog post or a newsletter issue, as its source file describes it."""

    path: Path
    """Source file, relative to the docs folder (e.g. ``blog/posts/foo.md``)."""
    title: str
    date: datetime
    slug: str
    url: str
    """Site-relative URL of the built page, e.g. ``blog/2022/12/foo/``."""
    excerpt: str
    """Markdown before ``<!-- more -->`` (without the title), or the first paragraph."""
    body: str
    """Markdown body after the front matter."""
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    draft: bool = False
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def words(self) -> int:
        return len(re.findall(r"\w+", _strip_markup(self.body)))


@dataclass(frozen=True)
class BlogLayout:
    """Where a blog instance keeps its posts and how it builds their URLs.

    Mirrors the Material blog plugin settings masthead relies on.
    """

    blog_dir: str = "blog"
    post_dir: str = "{blog}/posts"
    post_url_format: str = "{date}/{slug}"
    post_url_date_format: str = "yyyy/MM"

    @property
    def posts_dir(self) -> str:
        return self.post_dir.format(blog=self.blog_dir)


def slugify(text: str) -> str:
    """The slug Material's blog plugin derives from a title (pymdownx, lower case)."""
    from pymdownx.slugs import slugify as make

    return str(make(case="lower")(text, "-"))


def _format_date(moment: datetime, pattern: str) -> str:
    out = pattern
    for token, value in (
        ("yyyy", f"{moment.year:04d}"),
        ("MM", f"{moment.month:02d}"),
        ("dd", f"{moment.day:02d}"),
    ):
        out = out.replace(token, value)
    return out


def _parse_date(doc: Document, text: str) -> datetime:
    raw = doc.meta.get("date")
    line = key_line(text, "date")
    if isinstance(raw, dict):
        raw = raw.get("created")
    if isinstance(raw, datetime | date):
        return as_utc(raw)
    if isinstance(raw, str):
        try:
            return as_utc(datetime.fromisoformat(raw))
        except ValueError:
            pass
    raise FrontMatterError(
        "expected 'date:' with a date like 2022-12-01 (or date: {created: 2022-12-01})"
        + ("" if raw is None else f", got {raw!r}"),
        path=doc.path,
        line=line or 1,
    )


def _string_list(doc: Document, text: str, key: str) -> tuple[str, ...]:
    value = doc.meta.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise FrontMatterError(
            f"expected '{key}:' to be a list of names like [Linux, Containers], got {value!r}",
            path=doc.path,
            line=key_line(text, key) or 1,
        )
    return tuple(str(v) for v in value)


def _strip_markup(markdown: str) -> str:
    text = re.sub(r"```.*?```", " ", markdown, flags=re.DOTALL)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"<[^>]+>", " ", text)


def split_excerpt(body: str) -> str:
    """The Markdown a list shows for a post: before ``<!-- more -->``, title removed."""
    head = body.split(EXCERPT_SEPARATOR, 1)[0] if EXCERPT_SEPARATOR in body else ""
    if not head:
        paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.strip()]
        head = "\n\n".join(p for p in paragraphs[:2] if not p.lstrip().startswith("```"))
    return without_first_heading(head).strip()


def load_post(path: Path, docs_dir: Path, layout: BlogLayout) -> Post:
    """Read one post (``path`` absolute or relative to the cwd)."""
    doc = read(path)
    text = path.read_text(encoding="utf-8")
    title = doc.meta.get("title")
    if title is not None and (not isinstance(title, str) or not title.strip()):
        raise FrontMatterError(
            f"expected 'title:' to be a line of text, got {title!r}",
            path=path,
            line=key_line(text, "title") or 1,
        )
    # The title the page gets: as MkDocs finds it, so every list shows the page's own.
    title = title or first_heading(doc.body) or title_from_file_name(path.stem)
    created = _parse_date(doc, text)
    slug = doc.meta.get("slug") or slugify(title)
    url_path = layout.post_url_format.format(
        date=_format_date(created, layout.post_url_date_format),
        slug=slug,
        categories="",
        file=path.stem,
    ).strip("/")
    return Post(
        path=path.relative_to(docs_dir),
        title=title.strip(),
        date=created,
        slug=str(slug),
        url=f"{layout.blog_dir}/{url_path}/".replace("//", "/"),
        excerpt=split_excerpt(doc.body),
        body=doc.body,
        categories=_string_list(doc, text, "categories"),
        tags=_string_list(doc, text, "tags"),
        authors=_string_list(doc, text, "authors"),
        draft=bool(doc.meta.get("draft", False)),
        meta=dict(doc.meta),
    )


def load_posts(docs_dir: str | Path, layout: BlogLayout | None = None) -> list[Post]:
    """Every post of a blog instance, newest first."""
    docs = Path(docs_dir)
    lay = layout or BlogLayout()
    folder = docs / lay.posts_dir
    posts = (
        [load_post(p, docs, lay) for p in sorted(folder.rglob("*.md"))] if folder.is_dir() else []
    )
    return sorted(posts, key=lambda p: (p.date, p.slug), reverse=True)


def in_period(posts: Iterable[Post], period: Period, *, drafts: bool = False) -> list[Post]:
    """Posts dated inside ``period``, oldest first."""
    chosen = [p for p in posts if p.date in period and (drafts or not p.draft)]
    return sorted(chosen, key=lambda p: (p.date, p.slug))
