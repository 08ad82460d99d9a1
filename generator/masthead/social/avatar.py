"""The author's avatar on a card: a local image, cut round, or the author's initials.

An avatar from Material's authors file is a path under the docs folder or a
URL. A URL is never fetched (the build stays offline): the card shows the
initials instead, as it does for a file Pillow cannot read (an SVG, say).
"""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from .text import drawable, font

_SUPERSAMPLE = 4
"""The round mask is drawn this many times larger, then scaled down (smooth edges)."""


def avatar_file(avatar: str, docs_dir: Path) -> Path | None:
    """The file an authors-file ``avatar`` names (relative to the docs folder), or ``None``
    for a URL or no avatar. The file may not exist: the caller says so."""
    value = avatar.strip()
    if not value or re.match(r"^[a-z][a-z0-9+.-]*:|^//", value, re.IGNORECASE):
        return None
    return docs_dir / value.lstrip("/")


def initials(name: str) -> str:
    """Up to two capitals: the first letters of the first and last words of ``name``."""
    words = [w for w in drawable(name).split() if w[0].isalnum()]
    if not words:
        return "?"
    picked = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return picked.upper()


@functools.cache
def round_mask(size: int) -> Image.Image:
    """The round cut of an avatar ``size`` pixels wide (255 inside)."""
    big = Image.new("L", (size * _SUPERSAMPLE, size * _SUPERSAMPLE), 0)
    ImageDraw.Draw(big).ellipse((0, 0, big.width - 1, big.height - 1), fill=255)
    return big.resize((size, size), Image.Resampling.LANCZOS)


@functools.lru_cache(maxsize=16)  # the same few authors on every card; never modified
def _photo(data: bytes, size: int) -> Image.Image | None:
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            picture = ImageOps.exif_transpose(opened).convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    return ImageOps.fit(picture, (size, size), method=Image.Resampling.LANCZOS)


def paste_avatar(
    card: Image.Image,
    at: tuple[int, int],
    size: int,
    *,
    data: bytes | None,
    name: str,
    shades: tuple[int, int],
) -> Image.Image | None:
    """Put the round avatar on the one-channel ``card`` at ``at`` (top left): ``name``'s
    initials in ``shades`` (ink, paper). When Pillow reads the picture ``data``, the
    initials are left out and the picture (RGBA) is returned instead, for the caller to
    paste once the card has its colours."""
    picture = _photo(data, size) if data else None
    ink, paper = shades
    mask = round_mask(size)
    if picture is None:
        disc = Image.new("L", (size, size), ink)
        face = font(int(size * 0.42))
        ImageDraw.Draw(disc).text(
            (size / 2, size / 2), initials(name), font=face, fill=paper, anchor="mm"
        )
        card.paste(disc, at, mask)
        return None
    return picture
