"""Text on a card: the fonts masthead ships, what they can draw, lines that fit a box.

The fonts are DejaVu Sans and DejaVu Sans Bold (``fonts/``, their licence beside them),
subset to Latin, Greek, Cyrillic and common punctuation, and laid out with Pillow's
basic layout (no Raqm), so the same text gives the same pixels on every machine with
the same Pillow and FreeType, and no system font is ever looked up. A character the
fonts lack is drawn as its closest drawable form or left out (:func:`drawable`).
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from ..errors import MastheadError

ELLIPSIS = "\u2026"
_MISSING = "\ue000"
"""A private-use character: no font maps it, so it shows the font's "missing" glyph."""
_PROBE_SIZE = 20
_SUBSTITUTES = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u201a": ",",
    "\u201e": "\u201c",
    "\u2032": "'",
    "\u2033": '"',
    "\u00d7": "x",
    "\u2022": "\u00b7",
    "\u00ae": "(R)",
    "\u00df": "ss",
    "\u00e6": "ae",
    "\u00c6": "AE",
    "\u0153": "oe",
    "\u0152": "OE",
    "\u00f8": "o",
    "\u00d8": "O",
    "\u0142": "l",
    "\u0141": "L",
    "\u0111": "d",
    "\u0110": "D",
}
"""Characters without a glyph and without a decomposition that has one."""
FONTS = Path(__file__).with_name("fonts")
_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
_loaded = threading.local()
"""Each thread's fonts by size: cards are drawn side by side, and a FreeType face is not
to be used by two threads at once."""


class CardFontError(MastheadError):
    """Pillow cannot draw text (it was built without FreeType)."""


def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The bundled font (regular or bold) at ``size`` pixels."""
    fonts: dict[tuple[int, bool], ImageFont.FreeTypeFont]
    fonts = _loaded.__dict__.setdefault("fonts", {})
    if (size, bold) not in fonts:
        fonts[size, bold] = _load(size, bold)
    return fonts[size, bold]


def _load(size: int, bold: bool) -> ImageFont.FreeTypeFont:
    if not features.check("freetype2"):
        raise CardFontError(
            "social cards need Pillow with FreeType (the wheels from PyPI have it); "
            "expected 'from PIL import features; features.check(\"freetype2\")' to be True, "
            "or set 'social_cards: false' under masthead/newsletter"
        )
    return ImageFont.truetype(FONTS / _FILES[bold], size, layout_engine=ImageFont.Layout.BASIC)


def _shape(ch: str) -> tuple[bytes, float]:
    probe = font(_PROBE_SIZE)
    image = Image.new("L", (2 * _PROBE_SIZE, 2 * _PROBE_SIZE))
    ImageDraw.Draw(image).text((_PROBE_SIZE // 2, _PROBE_SIZE // 2), ch, font=probe, fill=255)
    return image.tobytes(), probe.getlength(ch)


@cache
def has_glyph(ch: str) -> bool:
    """Whether the bundled fonts draw ``ch`` as itself (not as its "missing" box)."""
    return _shape(ch) != _shape(_MISSING)


def drawable(text: str) -> str:
    """``text`` with only characters the font has: others become their closest form
    (accents dropped, dashes as ``-``, any space as a space), or are left out."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if ch.isspace():
            out.append(" ")
        elif has_glyph(ch):
            out.append(ch)
        elif ch in _SUBSTITUTES:
            out.append(_SUBSTITUTES[ch])
        else:
            decomposed = unicodedata.normalize("NFKD", ch)
            out.append("".join(c for c in decomposed if not c.isspace() and has_glyph(c)))
    return " ".join("".join(out).split())


def _break_word(word: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """A word wider than ``width`` in pieces that fit (at least one character each)."""
    pieces = []
    while word and face.getlength(word) > width:
        cut = len(word) - 1
        while cut > 1 and face.getlength(word[:cut]) > width:
            cut -= 1
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word] if word else pieces


def wrap(text: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` pixels, broken between words."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if face.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        *whole, line = _break_word(word, face, width)
        lines += whole
    if line:
        lines.append(line)
    return lines


def ellipsize(text: str, face: ImageFont.FreeTypeFont, width: float) -> str:
    """``text`` on one line no wider than ``width``, cut at a word with an ellipsis."""
    if face.getlength(text) <= width:
        return text
    words = text.split()
    while len(words) > 1 and face.getlength(" ".join(words) + ELLIPSIS) > width:
        words.pop()
    cut = " ".join(words)
    while cut and face.getlength(cut + ELLIPSIS) > width:
        cut = cut[:-1]
    return cut.rstrip(" ,;:.-") + ELLIPSIS


def fit(
    text: str,
    *,
    width: float,
    height: float,
    sizes: Sequence[int],
    leading: float,
    bold: bool = False,
) -> tuple[int, list[str]]:
    """The largest of ``sizes`` (largest first) at which ``text``, wrapped to ``width``,
    fits ``height`` with lines ``leading`` times the size apart, and its lines; at the
    smallest size the lines that fit, the last ending in an ellipsis."""
    for size in sizes:
        lines = wrap(text, font(size, bold=bold), width)
        if len(lines) * round(size * leading) <= height:
            return size, lines
    size = sizes[-1]
    face = font(size, bold=bold)
    lines = wrap(text, face, width)
    keep = max(1, int(height // round(size * leading)))
    # Greedy wrapping: the rest spans more than one line, so it is cut.
    rest = " ".join(lines[keep - 1 :])
    return size, [*lines[: keep - 1], ellipsize(rest, face, width)]
