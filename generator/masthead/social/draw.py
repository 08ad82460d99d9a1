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

from .avatar import paste_avatar, round_mask
from .text import drawable, ellipsize, fit, font

LAYOUT_VERSION = 3
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


_PALETTE = 256
_PHOTO_COLOURS = 64
"""Palette entries a photo avatar is given; the other 192 are shades."""


def _shades(background: str, text: str, count: int = 256) -> list[int]:
    """``count`` colours from ``background`` to ``text``, as a flat list of RGB values."""
    a, b = ImageColor.getrgb(background)[:3], ImageColor.getrgb(text)[:3]
    step = count - 1
    return [round(x + (y - x) * i / step) for i in range(count) for x, y in zip(a, b, strict=True)]


def _shade(share: float) -> int:
    """The shade ``share`` of the way from the background to the text colour."""
    return round(255 * share)


def _with_photo(
    card: Image.Image, photo: Image.Image, at: tuple[int, int], spec: CardSpec
) -> Image.Image:
    """The one-channel ``card`` as a palette image of 192 shades, with ``photo`` (RGBA)
    cut round at ``at`` in 64 colours of its own."""
    shades = _PALETTE - _PHOTO_COLOURS
    indexed = card.point([round(v * (shades - 1) / 255) for v in range(256)])
    ramp = _shades(spec.background, spec.text, shades)
    box = (*at, at[0] + photo.width, at[1] + photo.height)
    under = Image.frombytes("P", photo.size, indexed.crop(box).tobytes())
    under.putpalette(ramp)
    backed = Image.alpha_composite(Image.new("RGBA", photo.size, spec.text), photo).convert("RGB")
    area = Image.composite(backed, under.convert("RGB"), round_mask(photo.width))
    colours = area.quantize(colors=_PHOTO_COLOURS, method=Image.Quantize.MEDIANCUT)
    shifted = bytes((i + shades) % _PALETTE for i in range(_PALETTE))
    indexed.paste(Image.frombytes("L", photo.size, colours.tobytes().translate(shifted)), box)
    picture = Image.frombytes("P", card.size, indexed.tobytes())
    palette = (colours.getpalette() or [])[: 3 * _PHOTO_COLOURS]
    picture.putpalette(ramp + palette + [0] * (3 * _PHOTO_COLOURS - len(palette)))
    return picture


def draw(spec: CardSpec) -> bytes:
    """The card as PNG bytes.

    Everything but a photo avatar is a shade between the background and the text
    colour, so the card is drawn in one channel of shades and written as a palette PNG
    (a fraction of the encoding time of a colour one); a photo avatar gets 64 colours of
    that palette.
    """
    card = Image.new("L", (WIDTH, HEIGHT), _shade(0))
    pen = ImageDraw.Draw(card)
    text_width = WIDTH - 2 * _MARGIN
    muted = _shade(0.75)

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
        pen.text((_MARGIN, _TITLE_TOP + number * step), line, font=title_face, fill=_shade(1))

    bottom = HEIGHT - _BAND - 40 - _AVATAR
    left = _MARGIN
    photo = None
    if spec.author:
        photo = paste_avatar(
            card, (_MARGIN, bottom), _AVATAR, data=spec.avatar, name=spec.author, shades=(255, 0)
        )
        left += _AVATAR + 28
        author_face = font(34)
        pen.text(
            (left, bottom + 8),
            ellipsize(drawable(spec.author), author_face, WIDTH - _MARGIN - left),
            font=author_face,
            fill=_shade(1),
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
    pen.rectangle((0, HEIGHT - _BAND, WIDTH, HEIGHT), fill=_shade(0.35))

    if photo is None:
        picture = Image.frombytes("P", card.size, card.tobytes())
        picture.putpalette(_shades(spec.background, spec.text))
    else:
        picture = _with_photo(card, photo, (_MARGIN, bottom), spec)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=False, compress_level=3)
    return out.getvalue()
