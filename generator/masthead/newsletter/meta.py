"""What a shared link previews: a page's description, Open Graph and Twitter card data.

The data for ``partials/mh-meta.html`` (every post, issue and list page):
:func:`link_preview` puts it together from plain values, :func:`description`
gives a page its own meta description, :func:`page_image` checks the page's
``image:`` front matter. Nothing here knows MkDocs; the plugin gathers the
values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..content import as_utc, split_excerpt
from ..email.imagesize import image_size
from ..errors import FrontMatterError
from ..frontmatter import key_line
from .cards import CardError, resolve_image
from .posts_fence import plain_text, shorten

DESCRIPTION_CHARS = 160
"""Longest meta description made from an excerpt (search results show about this much)."""
PREVIEW_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
"""What link previews show (not SVG)."""
_URL = re.compile(r"^[a-z][a-z0-9+.-]*:|^//", re.IGNORECASE)


@dataclass(frozen=True)
class PreviewImage:
    """The picture of a link preview."""

    url: str
    """Absolute URL."""
    alt: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class LinkPreview:
    """The ``og:*``, ``article:*`` and ``twitter:*`` values of one page."""

    type: str
    """``article`` for posts and issues, ``website`` for list pages."""
    title: str
    description: str
    site_name: str
    locale: str
    url: str = ""
    """The canonical URL; ``""`` without ``site_url``."""
    image: PreviewImage | None = None
    published: str = ""
    """ISO 8601, posts and issues only."""
    modified: str = ""
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def twitter_card(self) -> str:
        return "summary_large_image" if self.image else "summary"


@dataclass(frozen=True)
class PageImage:
    """A page's own ``image:``: a file of the site or an absolute URL."""

    docs_path: str = ""
    """Path relative to the docs folder (a local file)."""
    url: str = ""
    """The URL as written (an image on another host)."""


def description(meta: Mapping[str, Any], markdown: str, fallback: str) -> str:
    """A page's meta description: its ``description:``, else the words of its excerpt (cut
    at a word to about 160 characters), else ``fallback`` (the site's description)."""
    own = meta.get("description")
    if isinstance(own, str) and own.strip():
        return " ".join(own.split())
    words = plain_text(split_excerpt(markdown)) if markdown else ""
    return shorten(words, DESCRIPTION_CHARS) if words else " ".join(fallback.split())


def og_locale(language: str) -> str:
    """``og:locale`` (``language_TERRITORY``) of a theme language: ``en`` → ``en_US``
    (the territory Unicode's likely-subtags data gives), ``pt-BR`` → ``pt_BR``."""
    from babel.core import get_global

    tag = language.strip().replace("-", "_") or "en"
    if "_" in tag:
        return tag
    likely = str(get_global("likely_subtags").get(tag.lower(), ""))
    parts = likely.split("_")
    return f"{tag}_{parts[-1]}" if len(parts) > 1 and parts[-1].isupper() else tag


def formatted_date(moment: datetime, date_format: str, language: str) -> str:
    """``moment`` as Material's blog shows a post's date (its ``post_date_format``)."""
    from babel.dates import format_date, format_datetime

    locale = language.replace("-", "_") or "en"
    if date_format in ("full", "long", "medium", "short"):
        return str(format_date(moment, format=date_format, locale=locale))
    return str(format_datetime(moment, format=date_format, locale=locale))


def iso_time(moment: datetime) -> str:
    """ISO 8601 in UTC, to the second: ``2022-01-12T00:00:00+00:00``."""
    return as_utc(moment).replace(microsecond=0).isoformat()


def page_image(value: Any, *, page_src: str, docs_dir: Path, path: Path, text: str) -> PageImage:
    """Check a page's ``image:`` front matter: an http(s) URL, or an image file relative
    to the page or to the docs folder. ``text`` is the page's source (for the line)."""
    line = key_line(text, "image") if text else None
    if not isinstance(value, str) or not value.strip():
        raise FrontMatterError(
            f"expected 'image:' to be an image file or an https:// URL, got {value!r}",
            path=path,
            line=line,
        )
    value = value.strip()
    if _URL.match(value):
        if not re.match(r"^https?://[^/]", value, re.IGNORECASE):
            raise FrontMatterError(
                f"expected 'image:' to be an http:// or https:// URL, got {value!r}",
                path=path,
                line=line,
            )
        return PageImage(url=value)
    if not value.lower().endswith(PREVIEW_IMAGE_SUFFIXES):
        raise FrontMatterError(
            f"expected 'image:' to be a {', '.join(PREVIEW_IMAGE_SUFFIXES)} file (what link "
            f"previews show), got {value!r}",
            path=path,
            line=line,
        )
    try:
        found = resolve_image(value, page_src=page_src, docs_dir=docs_dir, key="image", source="")
    except CardError as err:
        raise FrontMatterError(err.message, path=path, line=line) from err
    return PageImage(docs_path=found.docs_path)


def own_image(
    image: PageImage, *, site_url: str, site_path: str, docs_dir: Path, alt: str
) -> PreviewImage:
    """The preview picture of a page's ``image:`` (``site_path``: where the site has it)."""
    if image.url:
        return PreviewImage(url=image.url, alt=alt)
    size = image_size(docs_dir / image.docs_path)
    return PreviewImage(
        url=absolute(site_url, site_path),
        alt=alt,
        width=size[0] if size else None,
        height=size[1] if size else None,
    )


def absolute(site_url: str, path: str) -> str:
    """``path`` (site-relative) under ``site_url``."""
    return site_url.rstrip("/") + "/" + path.lstrip("/")


def link_preview(
    *,
    kind: str,
    title: str,
    description: str,
    site_name: str,
    language: str,
    url: str,
    image: PreviewImage | None,
    published: datetime | None = None,
    modified: datetime | None = None,
    authors: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> LinkPreview:
    """The preview of a page: ``kind`` is ``article`` (a post or an issue) or ``website``."""
    return LinkPreview(
        type=kind,
        title=" ".join(title.split()),
        description=description,
        site_name=site_name,
        locale=og_locale(language),
        url=url,
        image=image,
        published=iso_time(published) if published else "",
        modified=iso_time(modified) if modified and modified != published else "",
        authors=tuple(a for a in authors if a),
        tags=tuple(str(t) for t in tags if str(t).strip()),
    )
