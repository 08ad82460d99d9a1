"""The author's avatar on a card: a local image, cut round, or the author's initials.

An avatar from Material's authors file is a path under the docs folder or a
URL. A URL is never fetched (the build stays offline): the card shows the
initials instead, as it does for a file Pillow cannot read (an SVG, say).
"""

from __future__ import annotations

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


def _round_mask(size: int) -> Image.Image:
    big = Image.new("L", (size * _SUPERSAMPLE, size * _SUPERSAMPLE), 0)
    ImageDraw.Draw(big).ellipse((0, 0, big.width - 1, big.height - 1), fill=255)
    return big.resize((size, size), Image.Resampling.LANCZOS)


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
    colours: tuple[str, str],
) -> None:
    """Put the round avatar on ``card`` at ``at`` (top left): the picture ``data`` when
    Pillow reads it, else ``name``'s initials in ``colours`` (text colour, background)."""
    mask = _round_mask(size)
    picture = _photo(data, size) if data else None
    if picture is None:
        ink, paper = colours
        picture = Image.new("RGBA", (size, size), ink)
        letters = initials(name)
        face = font(int(size * 0.42))
        ImageDraw.Draw(picture).text(
            (size / 2, size / 2), letters, font=face, fill=paper, anchor="mm"
        )
    else:
        background = Image.new("RGBA", (size, size), colours[0])
        picture = Image.alpha_composite(background, picture)
    card.paste(picture.convert("RGB"), at, mask)
