"""Newsletter issues: the front matter an issue declares, validated.

An issue is a post of a newsletter blog instance whose front matter also says
what kind of issue it is and what the email carries::

    ---
    date: 2022-12-30
    authors: [mira]
    categories: [Monthly]
    kind: monthly          # monthly | annual | special
    period: 2022-12        # YYYY-MM for monthly, YYYY for annual, optional for special
    subject: "Kernel Notes #12: cgroups v2, eBPF and a year of pods"
    preheader: "Three posts, a workshop recording and six things I read."
    newsletter: newsletter # optional: the blog_dir of the newsletter, when a site has several
    ---

:func:`parse_issue` validates those fields (errors name the file and line);
:func:`load_issue` reads a file and also loads it as a :class:`~masthead.content.Post`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..content import BlogLayout, Period, Post, load_post, split_excerpt
from ..errors import FrontMatterError
from ..frontmatter import key_line, read

KINDS: tuple[str, ...] = ("monthly", "annual", "special")
"""The kinds of issue: a monthly roundup, a yearly recap, or a one-off."""

SUBJECT_MAX = 150
"""Longest subject accepted: inboxes cut subjects far shorter, so this only catches mistakes."""

PREHEADER_MAX = 250
"""Longest preheader accepted (clients show roughly 40-140 characters)."""

PREHEADER_DEFAULT = 140
"""Longest preheader made from a page's description or excerpt."""

DEFAULT_KIND = "special"
"""The kind of an issue whose front matter names none."""

ISSUE_KEYS: tuple[str, ...] = ("kind", "period", "subject", "preheader", "newsletter")
"""Front matter keys that belong to the issue model."""


@dataclass(frozen=True)
class Issue:
    """One newsletter issue: its kind, period and the email's subject and preheader."""

    path: Path
    """Source file (as given: absolute, or relative to the docs folder when loaded)."""
    kind: str
    """``monthly``, ``annual`` or ``special``."""
    period: Period | None
    """The month (monthly) or year (annual) it covers; ``None`` for a special without one."""
    subject: str
    """The email subject line."""
    preheader: str
    """The preview text inboxes show after the subject."""
    newsletter: str | None = None
    """The newsletter (blog_dir of its blog instance) this issue belongs to."""
    post: Post | None = None
    """The issue as a post (title, date, URL, body), when loaded with :func:`load_issue`."""

    @property
    def title(self) -> str:
        return self.post.title if self.post is not None else self.subject

    @property
    def date(self) -> datetime | None:
        return self.post.date if self.post is not None else None

    @property
    def url(self) -> str | None:
        """Site-relative URL of the issue's page, e.g. ``newsletter/2022/12/kernel-notes-12/``."""
        return self.post.url if self.post is not None else None


def _line(text: str, key: str) -> int:
    return key_line(text, key) or 1


def _text_field(
    meta: Mapping[str, Any], key: str, path: Path, text: str, *, limit: int, example: str
) -> str:
    value = meta.get(key)
    if value is None:
        raise FrontMatterError(
            f"missing '{key}:' in the front matter of a newsletter issue; expected e.g. "
            f"{key}: {example}",
            path=path,
            line=1,
        )
    if not isinstance(value, str) or not value.strip():
        raise FrontMatterError(
            f"expected '{key}:' to be a non-empty line of text, got {value!r}",
            path=path,
            line=_line(text, key),
        )
    if "\n" in value.strip() or "\r" in value:
        raise FrontMatterError(
            f"expected '{key}:' on one line (an email header cannot hold a line break)",
            path=path,
            line=_line(text, key),
        )
    if len(value.strip()) > limit:
        raise FrontMatterError(
            f"'{key}:' is {len(value.strip())} characters long; expected at most {limit}",
            path=path,
            line=_line(text, key),
        )
    return value.strip()


def _period(meta: Mapping[str, Any], kind: str, path: Path, text: str) -> Period | None:
    raw = meta.get("period")
    if raw is None:
        if kind == "special":
            return None
        example = "2022-12" if kind == "monthly" else "2022"
        raise FrontMatterError(
            f"missing 'period:' in the front matter of a {kind} issue; expected e.g. "
            f"period: {example}",
            path=path,
            line=_line(text, "kind"),
        )
    line = _line(text, "period")
    if isinstance(raw, datetime) or (hasattr(raw, "year") and hasattr(raw, "day")):
        raise FrontMatterError(
            f"expected 'period:' to be a month (2022-12) or a year (2022), not a day ({raw})",
            path=path,
            line=line,
        )
    try:
        period = Period.parse(str(raw))
    except ValueError as exc:
        raise FrontMatterError(f"invalid 'period:': {exc}", path=path, line=line) from exc
    if kind == "monthly" and period.month is None:
        raise FrontMatterError(
            f"a monthly issue covers a month: expected 'period: {period.year}-MM', got {raw!r}",
            path=path,
            line=line,
        )
    if kind == "annual" and period.month is not None:
        raise FrontMatterError(
            f"an annual issue covers a year: expected 'period: {period.year}', got {raw!r}",
            path=path,
            line=line,
        )
    return period


def _default_preheader(meta: Mapping[str, Any], body: str) -> str:
    """The description of the page, else the words of its excerpt, cut to fit."""
    from .posts_fence import plain_text, shorten

    description = meta.get("description")
    if isinstance(description, str) and description.strip():
        text = " ".join(description.split())
    else:
        text = plain_text(split_excerpt(body))
    return shorten(text, PREHEADER_DEFAULT)


def parse_issue(
    meta: Mapping[str, Any],
    path: str | Path,
    text: str,
    *,
    newsletters: Collection[str] | None = None,
    default_newsletter: str | None = None,
    title: str | None = None,
    body: str = "",
) -> Issue:
    """Validate the issue fields of ``meta`` (the front matter of ``path``, whose text is ``text``).

    Every field has the default a Material blog post moved into the newsletter
    expects: ``kind`` is ``special``, ``subject`` the page's ``title``, and
    ``preheader`` its ``description`` or, without one, the words of its excerpt
    (from ``body``, the Markdown after the front matter).
    ``newsletters``, when given, lists the newsletters of the site (their
    blog_dir); a ``newsletter:`` naming another one is an error.
    ``default_newsletter`` is used when the front matter has none.
    Raises :class:`~masthead.errors.FrontMatterError` naming the file and line.
    """
    p = Path(path)
    kind = meta.get("kind", DEFAULT_KIND)
    if not isinstance(kind, str) or kind.strip().lower() not in KINDS:
        raise FrontMatterError(
            f"expected 'kind:' to be one of {', '.join(KINDS)}; got {kind!r}",
            path=p,
            line=_line(text, "kind"),
        )
    kind = kind.strip().lower()
    period = _period(meta, kind, p, text)
    defaults = dict(meta)
    if defaults.get("subject") is None and title:
        defaults["subject"] = " ".join(title.split())[:SUBJECT_MAX]
    if defaults.get("preheader") is None:
        defaults["preheader"] = _default_preheader(meta, body)
    subject = _text_field(
        defaults, "subject", p, text, limit=SUBJECT_MAX, example='"Kernel Notes: December 2022"'
    )
    preheader = (
        _text_field(
            defaults,
            "preheader",
            p,
            text,
            limit=PREHEADER_MAX,
            example='"Three posts, one video and what I was reading"',
        )
        if defaults["preheader"] or "preheader" in meta
        else ""
    )
    newsletter = meta.get("newsletter", default_newsletter)
    if newsletter is not None:
        if not isinstance(newsletter, str) or not newsletter.strip():
            raise FrontMatterError(
                f"expected 'newsletter:' to name a newsletter, got {newsletter!r}",
                path=p,
                line=_line(text, "newsletter"),
            )
        newsletter = newsletter.strip().strip("/")
        if newsletters is not None and newsletter not in newsletters:
            known = ", ".join(sorted(newsletters)) or "none configured"
            raise FrontMatterError(
                f"unknown newsletter {newsletter!r}; expected one of: {known}",
                path=p,
                line=_line(text, "newsletter"),
            )
    return Issue(
        path=p,
        kind=kind,
        period=period,
        subject=subject,
        preheader=preheader,
        newsletter=newsletter,
    )


def load_issue(
    path: str | Path,
    docs_dir: str | Path,
    layout: BlogLayout | None = None,
    *,
    newsletters: Collection[str] | None = None,
) -> Issue:
    """Read and validate the issue at ``path`` (a file inside ``docs_dir``).

    ``layout`` is the newsletter's blog instance (default: ``blog_dir: newsletter``);
    its ``blog_dir`` is the issue's newsletter unless the front matter names one.
    """
    p = Path(path)
    docs = Path(docs_dir)
    lay = layout or BlogLayout(blog_dir="newsletter")
    doc = read(p)
    text = p.read_text(encoding="utf-8")
    post = load_post(p, docs, lay)
    issue = parse_issue(
        doc.meta,
        p,
        text,
        newsletters=newsletters,
        default_newsletter=lay.blog_dir,
        title=post.title,
        body=doc.body,
    )
    return Issue(
        path=post.path,
        kind=issue.kind,
        period=issue.period,
        subject=issue.subject,
        preheader=issue.preheader,
        newsletter=issue.newsletter,
        post=post,
    )


def load_issues(
    docs_dir: str | Path,
    layout: BlogLayout | None = None,
    *,
    newsletters: Collection[str] | None = None,
    drafts: bool = True,
) -> list[Issue]:
    """Every issue of a newsletter instance (every post in its posts folder), newest first."""
    docs = Path(docs_dir)
    lay = layout or BlogLayout(blog_dir="newsletter")
    folder = docs / lay.posts_dir
    issues: list[Issue] = []
    if folder.is_dir():
        for file in sorted(folder.rglob("*.md")):
            issue = load_issue(file, docs, lay, newsletters=newsletters)
            if drafts or (issue.post is not None and not issue.post.draft):
                issues.append(issue)
    return sorted(issues, key=_newest_first, reverse=True)


def _newest_first(issue: Issue) -> tuple[str, str]:
    moment = issue.date
    return (moment.isoformat() if moment is not None else "", str(issue.path))
