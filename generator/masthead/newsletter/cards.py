"""Static cards for ```` ```tweet ```` and ```` ```video ```` fences.

A card is plain HTML: no third-party JavaScript, no iframe, and nothing loaded
from another host until the reader clicks. Avatars and thumbnails are local
files (relative to the page, or to the docs folder); without an avatar the
tweet card shows the author's initials.

```` ```tweet ````::

    author: Kelsey Hightower
    handle: kelseyhightower
    date: 2022-11-08
    url: https://twitter.com/kelseyhightower/status/1590000000000000000
    avatar: ../../assets/images/avatars/kelsey.png   # optional, local
    text: |
      The best Kubernetes cluster is the one you don't have to think about.
    replies: 12       # optional counts
    retweets: 1200
    likes: 5400

```` ```video ````::

    url: https://www.youtube.com/watch?v=abc
    title: Containers from scratch, a workshop
    thumbnail: ../../assets/images/workshop.png       # optional, local
    duration: "1:02:13"                                 # optional
    source: YouTube                                     # optional, from the host otherwise

Each card renders its own two forms: the web card (:func:`tweet_html`,
:func:`video_html`) and the email card (:func:`email_html`: a linked table
card, nothing active). The web card carries its model as JSON in
``data-mh-card`` (:func:`card_data`), so that the email step makes the email
form from the model (:func:`card_from_data`), never by reading the web markup::

    <figure class="mh-card mh-tweet" data-mh-card='{"card": "tweet", ...}'> ... </figure>
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from urllib.parse import urlsplit

import yaml

from ..i18n import Strings, english

TWEET_KEYS = ("author", "handle", "date", "text", "url", "avatar", "replies", "retweets", "likes")
VIDEO_KEYS = ("url", "title", "thumbnail", "duration", "source")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".avif", ".svg")


class CardError(ValueError):
    """A card's YAML is invalid; ``line`` is 1-based inside the fence body."""

    def __init__(self, message: str, line: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class LocalImage:
    """An image file of the site: its path in the docs folder (= in the built site)."""

    docs_path: str
    """Path relative to the docs folder, posix, e.g. ``assets/images/workshop.png``."""
    site_path: str = ""
    """Its path in the built site (see :func:`in_site`); ``""`` until known."""

    @property
    def path(self) -> str:
        """The path in the built site, else the path in the docs folder."""
        return self.site_path or self.docs_path


@dataclass(frozen=True)
class Tweet:
    author: str
    handle: str
    date: date
    text: str
    url: str
    avatar: LocalImage | None = None
    replies: int | None = None
    retweets: int | None = None
    likes: int | None = None


@dataclass(frozen=True)
class Video:
    url: str
    title: str
    thumbnail: LocalImage | None = None
    duration: str | None = None
    source: str = ""


def _load(source: str, allowed: tuple[str, ...], kind: str) -> tuple[dict[str, Any], str]:
    try:
        data = yaml.safe_load(source) if source.strip() else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CardError(
            f"invalid YAML in ```{kind}: {getattr(exc, 'problem', exc)}",
            (mark.line + 1) if mark is not None else 1,
        ) from exc
    if not isinstance(data, dict):
        raise CardError(f"expected ```{kind} to hold 'key: value' lines ({', '.join(allowed)})", 1)
    for key in data:
        if key not in allowed:
            raise CardError(
                f"unknown key {key!r} in ```{kind}; expected: {', '.join(allowed)}",
                _line_of(source, str(key)),
            )
    return data, source


def _line_of(source: str, key: str) -> int:
    for number, line in enumerate(source.splitlines(), start=1):
        if re.match(rf"^{re.escape(key)}\s*:", line):
            return number
    return 1


def _text(data: Mapping[str, Any], source: str, key: str, kind: str, *, required: bool) -> str:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise CardError(f"```{kind} needs '{key}:'", _line_of(source, key) if value else 1)
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CardError(f"expected '{key}:' to be text, got {value!r}", _line_of(source, key))
    return str(value).strip()


def _web_url(data: Mapping[str, Any], source: str, kind: str) -> str:
    url = _text(data, source, "url", kind, required=True)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CardError(
            f"expected 'url:' to be an absolute https:// link, got {url!r}",
            _line_of(source, "url"),
        )
    return url


def _count(data: Mapping[str, Any], source: str, key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CardError(
            f"expected '{key}:' to be a whole number (e.g. {key}: 1200), got {value!r}",
            _line_of(source, key),
        )
    return value


def resolve_image(
    value: str, *, page_src: str, docs_dir: Path, key: str, source: str
) -> LocalImage:
    """A local image: relative to the page's source file, else to the docs folder."""
    if re.match(r"^[a-z][a-z0-9+.-]*:|^//", value, re.IGNORECASE):
        raise CardError(
            f"'{key}:' must be a local image file under the docs folder, not {value!r}: "
            "cards load nothing from another host",
            _line_of(source, key),
        )
    if not value.lower().endswith(IMAGE_SUFFIXES):
        raise CardError(
            f"expected '{key}:' to be an image ({', '.join(IMAGE_SUFFIXES)}), got {value!r}",
            _line_of(source, key),
        )
    candidates = []
    if not value.startswith("/"):
        page_dir = posixpath.dirname(page_src)
        candidates.append(posixpath.normpath(posixpath.join(page_dir, value)))
    candidates.append(posixpath.normpath(value.lstrip("/")))
    for candidate in candidates:
        if candidate.startswith("..") or candidate.startswith("/"):
            continue
        if (docs_dir / candidate).is_file():
            return LocalImage(candidate)
    raise CardError(
        f"no image file {value!r}; expected a path relative to the page or to the docs "
        f"folder (looked for {', '.join(repr(c) for c in candidates)})",
        _line_of(source, key),
    )


def parse_tweet(source: str, *, page_src: str, docs_dir: Path) -> Tweet:
    """Validate the YAML of a ```tweet fence; raise :class:`CardError` with the line."""
    data, _ = _load(source, TWEET_KEYS, "tweet")
    author = _text(data, source, "author", "tweet", required=True)
    handle = _text(data, source, "handle", "tweet", required=True).lstrip("@")
    if not re.fullmatch(r"[A-Za-z0-9_]{1,30}", handle):
        raise CardError(
            f"expected 'handle:' like @kelseyhightower, got {handle!r}", _line_of(source, "handle")
        )
    raw_date = data.get("date")
    if isinstance(raw_date, datetime):
        when = raw_date.date()
    elif isinstance(raw_date, date):
        when = raw_date
    else:
        raise CardError(
            f"expected 'date:' like 2022-11-08, got {raw_date!r}",
            _line_of(source, "date"),
        )
    text = _text(data, source, "text", "tweet", required=True)
    url = _web_url(data, source, "tweet")
    avatar_value = _text(data, source, "avatar", "tweet", required=False)
    avatar = (
        resolve_image(
            avatar_value, page_src=page_src, docs_dir=docs_dir, key="avatar", source=source
        )
        if avatar_value
        else None
    )
    return Tweet(
        author=author,
        handle=handle,
        date=when,
        text=text,
        url=url,
        avatar=avatar,
        replies=_count(data, source, "replies"),
        retweets=_count(data, source, "retweets"),
        likes=_count(data, source, "likes"),
    )


_HOSTS = {
    "youtube.com": "YouTube",
    "youtu.be": "YouTube",
    "vimeo.com": "Vimeo",
    "peertube": "PeerTube",
    "twitch.tv": "Twitch",
}


def _source_name(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    for key, name in _HOSTS.items():
        if key in host:
            return name
    return host


def parse_video(source: str, *, page_src: str, docs_dir: Path) -> Video:
    """Validate the YAML of a ```video fence; raise :class:`CardError` with the line."""
    data, _ = _load(source, VIDEO_KEYS, "video")
    url = _web_url(data, source, "video")
    title = _text(data, source, "title", "video", required=True)
    thumb_value = _text(data, source, "thumbnail", "video", required=False)
    thumbnail = (
        resolve_image(
            thumb_value, page_src=page_src, docs_dir=docs_dir, key="thumbnail", source=source
        )
        if thumb_value
        else None
    )
    duration = _text(data, source, "duration", "video", required=False) or None
    if duration is not None and not re.fullmatch(r"(\d+:)?\d{1,2}:\d{2}", duration):
        raise CardError(
            f'expected \'duration:\' like "1:02:13" or "12:30" (quoted), got {duration!r}',
            _line_of(source, "duration"),
        )
    src = _text(data, source, "source", "video", required=False) or _source_name(url)
    return Video(url=url, title=title, thumbnail=thumbnail, duration=duration, source=src)


def _initials(name: str) -> str:
    parts = [p for p in re.split(r"\s+", name) if p]
    letters = "".join(p[0] for p in parts[:2]) or "?"
    return letters.upper()


_COUNTS = ("replies", "retweets", "likes")
"""A tweet's counts, in the order a card shows them."""


def _counts(tweet: Tweet, t: Strings) -> list[tuple[str, str, int]]:
    """``(name, number, label)`` of each count the tweet has, in the language of ``t``."""
    found = []
    for name in _COUNTS:
        value: int | None = getattr(tweet, name)
        if value is not None:
            found.append((name, t.number(value), value))
    return found


def _count_html(name: str, number: str, value: int, t: Strings) -> str:
    return (
        f'<span class="mh-tweet__count mh-tweet__count--{name}">'
        f"<strong>{html.escape(number)}</strong> {t.html(f'card.{name}', n=value)}</span>"
    )


Card = Tweet | Video
CardT = TypeVar("CardT", Tweet, Video)


def in_site(card: CardT, site_path: Callable[[str], str]) -> CardT:
    """``card`` with the built-site path of its image (``site_path(docs_path)``)."""
    key = "avatar" if isinstance(card, Tweet) else "thumbnail"
    image: LocalImage | None = getattr(card, key)
    if image is None:
        return card
    changes: dict[str, Any] = {key: replace(image, site_path=site_path(image.docs_path))}
    return replace(card, **changes)


def card_data(card: Card) -> str:
    """The model of ``card`` as JSON, for the web markup's ``data-mh-card``."""
    data = asdict(card)
    data["card"] = "tweet" if isinstance(card, Tweet) else "video"
    if isinstance(card, Tweet):
        data["date"] = card.date.isoformat()
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def card_from_data(text: str) -> Card:
    """The model :func:`card_data` wrote; ``ValueError`` when ``text`` is not one."""
    try:
        data = json.loads(text)
        kind = data.pop("card")
        if kind == "tweet":
            avatar = data.pop("avatar")
            return Tweet(
                **{**data, "date": date.fromisoformat(data["date"])},
                avatar=LocalImage(**avatar) if avatar else None,
            )
        if kind == "video":
            thumb = data.pop("thumbnail")
            return Video(**data, thumbnail=LocalImage(**thumb) if thumb else None)
    except (TypeError, KeyError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a card's data: {exc}") from exc
    raise ValueError(f"not a card's data: unknown card {kind!r}")


def tweet_html(tweet: Tweet, url_for: Callable[[str], str], strings: Strings | None = None) -> str:
    """The web card; ``url_for(docs_path)`` gives an image's URL relative to the page;
    its words are in the language of ``strings`` (default English)."""
    esc = html.escape
    t = strings or english()
    if tweet.avatar is not None:
        avatar = (
            f'<img class="mh-tweet__avatar" src="{esc(url_for(tweet.avatar.docs_path))}" '
            f'alt="" width="48" height="48" loading="lazy">'
        )
    else:
        avatar = (
            f'<span class="mh-tweet__avatar mh-tweet__initials" aria-hidden="true">'
            f"{esc(_initials(tweet.author))}</span>"
        )
    paragraphs = "".join(
        f"<p>{esc(p.strip()).replace(chr(10), '<br>')}</p>"
        for p in re.split(r"\n\s*\n", tweet.text)
        if p.strip()
    )
    counts = "".join(
        _count_html(name, number, value, t) for name, number, value in _counts(tweet, t)
    )
    day = esc(t.date(tweet.date))
    return (
        f'<figure class="mh-card mh-tweet" data-mh-card="{esc(card_data(tweet))}">'
        f'<div class="mh-tweet__head">{avatar}'
        f'<span class="mh-tweet__who"><span class="mh-tweet__name">{esc(tweet.author)}</span>'
        f'<span class="mh-tweet__handle">@{esc(tweet.handle)}</span></span></div>'
        f'<blockquote class="mh-tweet__text">{paragraphs}</blockquote>'
        f'<figcaption class="mh-tweet__foot">'
        f'<a class="mh-tweet__date" href="{esc(tweet.url)}" rel="noopener">'
        f'<time datetime="{tweet.date.isoformat()}">{day}</time></a>'
        + (f'<span class="mh-tweet__counts">{counts}</span>' if counts else "")
        + "</figcaption></figure>"
    )


def video_html(video: Video, url_for: Callable[[str], str], strings: Strings | None = None) -> str:
    """The web card: a local thumbnail (or a plain panel) linking to the video, and its title.

    ``url_for(docs_path)`` is the thumbnail's URL from the page; the card's words are in
    the language of ``strings`` (default English).
    """
    esc = html.escape
    t = strings or english()
    if video.thumbnail is not None:
        picture = (
            f'<img class="mh-video__thumb" src="{esc(url_for(video.thumbnail.docs_path))}" '
            f'alt="{esc(video.title)}" loading="lazy">'
        )
    else:
        picture = f'<span class="mh-video__thumb mh-video__thumb--none">{esc(video.title)}</span>'
    meta = " · ".join(x for x in (video.source, video.duration) if x)
    return (
        f'<figure class="mh-card mh-video" data-mh-card="{esc(card_data(video))}">'
        f'<a class="mh-video__link" href="{esc(video.url)}" rel="noopener" '
        f'aria-label="{t.html("card.watch", title=video.title)}">{picture}'
        f'<span class="mh-video__play" aria-hidden="true"></span></a>'
        f'<figcaption class="mh-video__caption">'
        f'<a href="{esc(video.url)}" rel="noopener">{esc(video.title)}</a>'
        + (f'<span class="mh-video__meta">{esc(meta)}</span>' if meta else "")
        + "</figcaption></figure>"
    )


def relative_url(docs_path: str, page_url: str) -> str:
    """URL of the site file ``docs_path`` as seen from the page at site URL ``page_url``."""
    base = PurePosixPath("/" + page_url)
    base_dir = str(base) if page_url.endswith("/") or not page_url else str(base.parent)
    return posixpath.relpath("/" + docs_path, base_dir)


# -- the email form -------------------------------------------------------------------

_TABLE = 'role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"'


def _email_table(*cells: str) -> str:
    """A one-column presentation table (what Outlook for Windows lays out reliably)."""
    rows = "".join(f"<tr>{cell}</tr>" for cell in cells)
    return f'<table {_TABLE} class="mh-e-card">{rows}</table>'


def _tweet_email(tweet: Tweet, image_url: Callable[[LocalImage], str], t: Strings) -> str:
    esc = html.escape
    href = esc(tweet.url)
    side = ""
    if tweet.avatar is not None:
        img = (
            f'<img src="{esc(image_url(tweet.avatar))}" alt="{esc(tweet.author)}" width="48" '
            'height="48" class="mh-e-card__avatar">'
        )
        side = (
            f'<td class="mh-e-card__side" width="60" valign="top"><a href="{href}">{img}</a></td>'
        )
    paragraphs = "".join(
        f"<p>{esc(p.strip()).replace(chr(10), '<br>')}</p>"
        for p in re.split(r"\n\s*\n", tweet.text)
        if p.strip()
    )
    counts = [
        f"{number} {t.text(f'card.{name}', n=value)}" for name, number, value in _counts(tweet, t)
    ]
    foot = " · ".join((t.date(tweet.date), *counts))
    body = (
        f'<td class="mh-e-card__body" valign="top"><p class="mh-e-card__who">'
        f"<strong>{esc(tweet.author)}</strong> "
        f'<span class="mh-e-card__handle">@{esc(tweet.handle)}</span></p>{paragraphs}'
        f'<p class="mh-e-card__foot">{esc(foot)}</p></td>'
    )
    inner = f"<table {_TABLE}><tr>{side}{body}</tr></table>"
    return _email_table(
        f'<td class="mh-e-card__cell">{inner}</td>',
        f'<td class="mh-e-card__link"><a href="{href}">{t.html("card.view_post")}</a></td>',
    )


def _video_email(video: Video, image_url: Callable[[LocalImage], str], t: Strings) -> str:
    esc = html.escape
    href = esc(video.url)
    cells = []
    if video.thumbnail is not None:
        alt = t.html("card.video_alt", title=video.title)
        img = (
            f'<img src="{esc(image_url(video.thumbnail))}" alt="{alt}" '
            'class="mh-e-image mh-e-card__thumb">'
        )
        cells.append(f'<td class="mh-e-card__media"><a href="{href}">{img}</a></td>')
    meta = " · ".join(x for x in (video.source, video.duration) if x)
    watch = t.html("card.watch", title=video.title)
    cells.append(
        f'<td class="mh-e-card__link"><a href="{href}">▶ {watch}</a>'
        + (f'<br><span class="mh-e-card__meta">{esc(meta)}</span>' if meta else "")
        + "</td>"
    )
    return _email_table(*cells)


def email_html(
    card: Card, image_url: Callable[[LocalImage], str], strings: Strings | None = None
) -> str:
    """The email form of ``card``: a linked table card with no active content.

    ``image_url(image)`` gives the absolute URL of a card's image in the published site;
    the card's words are in the language of ``strings`` (default English).
    """
    t = strings or english()
    if isinstance(card, Tweet):
        return _tweet_email(card, image_url, t)
    return _video_email(card, image_url, t)
