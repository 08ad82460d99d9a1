"""Emoji images (twemoji, emojione, gemoji) in an email: their Unicode characters."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from . import dom
from .dom import Element, Text

EMOJI_CLASSES = frozenset(["twemoji", "emojione", "joypixels", "gemoji", "emoji"])


_HEX = re.compile(r"^[0-9a-fA-F]{2,6}$")


def _codepoints(name: str) -> str:
    """``1f1e9-1f1ea`` (an emoji image's file name) -> its characters ('' when not one)."""
    parts = name.split("-")
    if not parts or not all(_HEX.match(p) for p in parts):
        return ""
    try:
        return "".join(chr(int(p, 16)) for p in parts)
    except (ValueError, OverflowError):
        return ""


def shortname(name: str) -> str:
    """``:smile:`` -> its characters, from pymdownx's twemoji index ('' when unknown)."""
    try:
        from pymdownx import twemoji_db
    except ImportError:  # pragma: no cover - a dependency of Material
        return ""
    name = twemoji_db.aliases.get(name, name)
    entry = twemoji_db.emoji.get(name)
    return _codepoints(entry["unicode"]) if entry else ""


def _is_emoji_text(text: str) -> bool:
    return bool(text) and not text.startswith(":") and any(ord(c) > 0x2000 for c in text)


def emoji_characters(images: list[Element]) -> None:
    """Emoji images (twemoji, emojione, gemoji) -> their Unicode characters."""
    for img in images:
        alt = img.get("alt").strip()
        text = alt if _is_emoji_text(alt) else ""
        if not text:
            stem = Path(urlsplit(img.get("src")).path).stem
            text = _codepoints(stem) or shortname(alt) or shortname(img.get("title"))
        if text:
            dom.replace(img, [Text(text)])
