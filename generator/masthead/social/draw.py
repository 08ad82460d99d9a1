"""One card layout, drawn with Pillow: 1200×630 PNG, the same bytes for the same input.

::

    +------------------------------------------------------------+
    | Publication name                                           |
    |                                                            |
    | The title of the page, wrapped                             |
    | and shrunk to fit                                          |
    |                                                            |
    | (avatar)  Author's name                                    |
    |           Date                                             |
    +============================================================+

A card without an author (a list page) shows a line or two of ``subtitle``
(its description) where the author would be.

The PNG is written with fixed options and no metadata chunk (no time, no
software name). :attr:`CardSpec.key` hashes everything the picture depends
on, including this layout's version and Pillow's and FreeType's, so a cached
card is the card this code would draw.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass

import PIL
from PIL import Image, ImageColor, ImageDraw, features

from .avatar import paste_avatar
from .text import drawable, ellipsize, fit, font

LAYOUT_VERSION = 2
"""Raise it whenever the drawing below changes: cached cards are then drawn again."""
WIDTH, HEIGHT = 1200, 630
_MARGIN = 80
_TITLE_SIZES = tuple(range(76, 39, -4))
_TITLE_LEADING = 1.22
_TITLE_TOP, _TITLE_BOTTOM = 160, 450
_SUBTITLE_LEADING = 1.3
_AVATAR = 96
_BAND = 12


@dataclass(frozen=True)
class CardSpec:
    """Everything a card shows."""

    title: str
    publication: str
    """The newsletter's name on an issue, the site's name elsewhere."""
    date: str = ""
    """Already formatted (the page's own date format and language)."""
    author: str = ""
    avatar: bytes | None = None
    """The avatar file's bytes; ``None`` draws the author's initials."""
    subtitle: str = ""
    """Shown when there is no author."""
    background: str = "#4051b5"
    text: str = "#ffffff"

    @property
    def key(self) -> str:
        """Hash of the picture: the input, the layout's version, Pillow and FreeType."""
        fields = {
            "layout": LAYOUT_VERSION,
            "pillow": PIL.__version__,
            "freetype": features.version("freetype2"),
            "size": [WIDTH, HEIGHT],
            "title": self.title,
            "publication": self.publication,
            "date": self.date,
            "author": self.author,
            "avatar": hashlib.sha256(self.avatar).hexdigest() if self.avatar else None,
            "subtitle": self.subtitle,
            "colours": [self.background, self.text],
        }
        encoded = json.dumps(fields, sort_keys=True, ensure_ascii=True).encode()
        return hashlib.sha256(encoded).hexdigest()[:24]


def _mix(one: str, other: str, share: float) -> tuple[int, int, int]:
    """``one`` with ``share`` of ``other`` blended in."""
    a, b = ImageColor.getrgb(one), ImageColor.getrgb(other)
    r, g, bl = (round(x + (y - x) * share) for x, y in zip(a[:3], b[:3], strict=True))
    return r, g, bl


def draw(spec: CardSpec) -> bytes:
    """The card as PNG bytes."""
    card = Image.new("RGB", (WIDTH, HEIGHT), spec.background)
    pen = ImageDraw.Draw(card)
    text_width = WIDTH - 2 * _MARGIN
    muted = _mix(spec.text, spec.background, 0.25)

    name_face = font(34)
    name = ellipsize(drawable(spec.publication), name_face, text_width)
    pen.text((_MARGIN, 72), name, font=name_face, fill=muted)

    title = drawable(spec.title) or name
    size, lines = fit(
        title,
        width=text_width,
        height=_TITLE_BOTTOM - _TITLE_TOP,
        sizes=_TITLE_SIZES,
        leading=_TITLE_LEADING,
        bold=True,
    )
    title_face, step = font(size, bold=True), round(size * _TITLE_LEADING)
    for number, line in enumerate(lines):
        pen.text((_MARGIN, _TITLE_TOP + number * step), line, font=title_face, fill=spec.text)

    bottom = HEIGHT - _BAND - 40 - _AVATAR
    left = _MARGIN
    if spec.author:
        paste_avatar(
            card,
            (_MARGIN, bottom),
            _AVATAR,
            data=spec.avatar,
            name=spec.author,
            colours=(spec.text, spec.background),
        )
        left += _AVATAR + 28
        author_face = font(34)
        pen.text(
            (left, bottom + 8),
            ellipsize(drawable(spec.author), author_face, WIDTH - _MARGIN - left),
            font=author_face,
            fill=spec.text,
        )
    elif spec.subtitle:
        size, lines = fit(
            drawable(spec.subtitle),
            width=text_width,
            height=2 * round(30 * _SUBTITLE_LEADING),
            sizes=(30,),
            leading=_SUBTITLE_LEADING,
        )
        step = round(size * _SUBTITLE_LEADING)
        top = HEIGHT - _BAND - 40 - len(lines) * step
        for number, line in enumerate(lines):
            pen.text((_MARGIN, top + number * step), line, font=font(size), fill=muted)
    if spec.date:
        date_face = font(28)
        pen.text(
            (left, bottom + (54 if spec.author else 34)),
            ellipsize(drawable(spec.date), date_face, WIDTH - _MARGIN - left),
            font=date_face,
            fill=muted,
        )
    pen.rectangle((0, HEIGHT - _BAND, WIDTH, HEIGHT), fill=_mix(spec.background, spec.text, 0.35))

    out = io.BytesIO()
    card.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()
