"""A card's colours from the theme: Material's primary colour and the text colour on it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Material's primary colours (its palette's 500 shades) and the text colour it sets on each.
_PRIMARY: dict[str, tuple[str, str]] = {
    "red": ("#ef5552", "#ffffff"),
    "pink": ("#e92063", "#ffffff"),
    "purple": ("#ab47bd", "#ffffff"),
    "deep-purple": ("#7e56c2", "#ffffff"),
    "indigo": ("#4051b5", "#ffffff"),
    "blue": ("#2094f3", "#ffffff"),
    "light-blue": ("#02a6f2", "#ffffff"),
    "cyan": ("#00bdd6", "#ffffff"),
    "teal": ("#009485", "#ffffff"),
    "green": ("#4cae4f", "#ffffff"),
    "light-green": ("#8bc34b", "#ffffff"),
    "lime": ("#cbdc38", "#000000"),
    "yellow": ("#ffec3d", "#000000"),
    "amber": ("#ffc105", "#000000"),
    "orange": ("#ffa724", "#000000"),
    "deep-orange": ("#ff6e42", "#ffffff"),
    "brown": ("#795649", "#ffffff"),
    "grey": ("#757575", "#ffffff"),
    "blue-grey": ("#546d78", "#ffffff"),
    "black": ("#000000", "#ffffff"),
    "white": ("#ffffff", "#000000"),
}
DEFAULT_PRIMARY = "indigo"


@dataclass(frozen=True)
class Colours:
    background: str
    """``#rrggbb`` of the card."""
    text: str
    """``#rrggbb`` of the text on it."""


def theme_colours(palette: Any) -> Colours:
    """The colours of the theme's primary colour (``theme.palette``: a mapping, or a list
    of them for light and dark schemes, the first with a ``primary`` counting). A custom or
    missing primary gives Material's default, indigo."""
    schemes = palette if isinstance(palette, list) else [palette]
    primary = next(
        (
            str(s["primary"])
            for s in schemes
            if isinstance(s, Mapping) and isinstance(s.get("primary"), str)
        ),
        DEFAULT_PRIMARY,
    )
    background, text = _PRIMARY.get(primary.strip().lower().replace(" ", "-"), _PRIMARY["indigo"])
    return Colours(background, text)
