"""A new publication from the templates, and the pieces of one ``masthead init`` also
adds to an existing project: the author, the avatar, the newsletter's settings."""

from __future__ import annotations

import email.utils
import re
import struct
import unicodedata
import zlib
from importlib import resources
from pathlib import Path
from typing import Any

from ..content import Period, slugify
from .files import read_text
from .model import (
    DEFAULT_AUTHOR,
    DEFAULT_EMAIL,
    DEFAULT_NAME,
    DEFAULT_SITE_URL,
    Change,
    Options,
)
from .yaml_edit import flow

DEFAULT_AUTHOR_ID = "you"
POST_TITLE = "How this site is made"
GITIGNORE_LINES: tuple[str, ...] = ("build/", ".cache/")


def new_publication(root: Path, options: Options) -> list[Change]:
    """The files of a new publication in ``root``, but those that exist already.

    An existing ``.gitignore`` gets the lines it lacks (``build/``, ``.cache/``).
    """
    name = options.name or DEFAULT_NAME
    author = options.author or DEFAULT_AUTHOR
    address = options.email or DEFAULT_EMAIL
    site_url = options.site_url or DEFAULT_SITE_URL
    today = options.today
    period = Period(today.year, today.month)
    post_slug = slugify(POST_TITLE)
    context: dict[str, Any] = {
        "name": name,
        "title": name,
        "description": f"Posts and a monthly newsletter by {author}.",
        "author": author,
        "author_id": author_id(author),
        "site_url": site_url,
        "today": today.isoformat(),
        "period": str(period),
        "period_title": period.title,
        "post_title": POST_TITLE,
        "post_slug": post_slug,
        "issue_slug": slugify(period.title),
        "subject": f"{name}, {period.title}: the first issue",
        "preheader": (f"How this site is made, and what I was reading in {_month_name(period)}."),
    }
    plugin = newsletter_context(
        posts_blog="blog",
        letters=[letter("newsletter", name)],
        provider=options.provider,
        name=name,
        author=author,
        address=address,
        site_url=site_url,
    )
    content = root / "content"
    files: list[tuple[Path, str | bytes]] = [
        (root / "mkdocs.yml", render("mkdocs.yml.j2", **(context | plugin))),
        (
            content / ".authors.yml",
            authors_text(name=name, author=author, avatar=avatar_path(author)),
        ),
        (content / avatar_path(author), avatar_png(author)),
        (content / "index.md", render("index.md.j2", **context)),
        (content / "blog" / "index.md", render("blog-index.md.j2", **context)),
        (content / "blog" / "posts" / f"{post_slug}.md", render("post.md.j2", **context)),
        (content / "newsletter" / "index.md", render("newsletter-index.md.j2", **context)),
        (content / "newsletter" / "posts" / f"{period}.md", render("issue.md.j2", **context)),
        (content / "reading" / "feeds.yml", render("feeds.yml.j2", **context)),
        (content / "reading" / f"{period}.yml", render("reading-lock.yml.j2", **context)),
    ]
    changes = [Change(path, data, True) for path, data in files if not path.exists()]
    gitignore = _gitignore(root / ".gitignore")
    if gitignore is not None:
        changes.append(gitignore)
    return changes


def render(template: str, **context: Any) -> str:
    """The text of ``template`` (a file of this package) rendered with ``context``."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters["yaml"] = flow
    return env.get_template(template).render(**context)


def _template_source(name: str) -> str:
    return resources.files("masthead.scaffold").joinpath(name).read_text(encoding="utf-8")


def author_id(name: str) -> str:
    """The id of an author in .authors.yml: the first word of the name, "Ada Lovelace" -> ada."""
    if name == DEFAULT_AUTHOR:
        return DEFAULT_AUTHOR_ID
    words = name.split()
    first = words[0] if words else ""
    ascii_ = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", ascii_.lower()) or "author"


def authors_text(*, name: str, author: str, avatar: str) -> str:
    """The text of an authors file (``.authors.yml``) with ``author`` in it."""
    return render(
        "authors.yml.j2", name=name, author=author, author_id=author_id(author), avatar=avatar
    )


def avatar_path(author: str) -> str:
    """Where the avatar of ``author`` goes, relative to docs_dir."""
    return f"assets/images/{author_id(author)}.png"


def avatar_png(seed: str, size: int = 144) -> bytes:
    """A placeholder avatar: a light figure on a coloured square, as a PNG (72 px at 2x)."""
    palette = [(63, 81, 181), (0, 137, 123), (142, 36, 170), (216, 67, 21), (25, 118, 210)]
    background = palette[zlib.crc32(seed.encode("utf-8")) % len(palette)]
    figure = (236, 239, 241)
    half = size / 2
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # no filter
        for x in range(size):
            head = (x - half) ** 2 + (y - size * 0.38) ** 2 <= (size * 0.18) ** 2
            body = ((x - half) / (size * 0.34)) ** 2 + ((y - size * 1.02) / (size * 0.42)) ** 2 <= 1
            rows.extend(figure if head or body else background)

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def letter(blog_dir: str, title: str) -> dict[str, str]:
    """One newsletter of ``newsletter_context``: its blog folder and title."""
    return {
        "blog_dir": blog_dir,
        "title": title,
        "description": "A monthly roundup of what I wrote and what I read.",
    }


def newsletter_context(
    *,
    posts_blog: str,
    letters: list[dict[str, str]],
    provider: str,
    name: str,
    author: str,
    address: str,
    site_url: str,
) -> dict[str, Any]:
    """What ``newsletter-plugin.yml.j2`` (the ``- masthead/newsletter:`` item) is made of."""
    return {
        "posts_blog": posts_blog,
        "letters": letters,
        "provider": provider,
        "account": _account(name),
        "sender": email.utils.formataddr((author, address)),
        "email": address,
        "site_url": site_url,
    }


def _account(name: str) -> str:
    """A Buttondown-like username from the publication's name (a placeholder to replace)."""
    return re.sub(r"[^a-z0-9]+", "", slugify(name)) or "newsletter"


def _month_name(period: Period) -> str:
    """``June`` for 2025-06."""
    return period.title.split()[0]


def _gitignore(path: Path) -> Change | None:
    template = _template_source("gitignore.txt")
    if not path.exists():
        return Change(path, template, True)
    text = read_text(path)
    present = {line.strip().strip("/") for line in text.splitlines()}
    missing = [line for line in GITIGNORE_LINES if line.strip("/") not in present]
    if not missing:
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    lead = "" if not text or text.endswith("\n") else newline
    added = lead + newline.join(missing) + newline
    return Change(path, text + added, False, "added " + ", ".join(missing), original=text)
