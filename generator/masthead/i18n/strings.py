"""One language's words, dates and numbers: :class:`Strings`, made by :func:`strings`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from .catalog import Catalog, Text, normalise, read_catalog, read_overrides

CATALOG_DIR = Path(__file__).resolve().parent
"""masthead's own catalogs, ``<language>.yml``."""

LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es")
"""The languages masthead has words for; English is the fallback of every key."""

Overrides = Mapping[str, Catalog]
"""A user's words: language (normalised, e.g. ``pt-br``) -> its entries."""


@cache
def catalog(language: str) -> Catalog:
    """masthead's own catalog of ``language`` (one of :data:`LANGUAGES`), read once."""
    return read_catalog(CATALOG_DIR / f"{language}.yml")


def load_overrides(path: Path) -> Overrides:
    """A user's file of words, checked against the English catalog; raises
    :class:`~masthead.i18n.catalog.StringsError` naming the file and line."""
    return read_overrides(path, catalog("en"))


def _locale(code: str) -> Locale:
    """babel's locale of ``code`` (``de-at``), else of its base language, else English."""
    base = code.split("-")[0]
    for candidate in (code, base):
        try:
            return Locale.parse(candidate.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            continue
    return Locale("en")


class Strings:
    """masthead's words in one language, with English for any key it lacks.

    ``text`` gives plain text, ``html`` (also the object called, as templates do:
    ``{{ mh_t("email.unsubscribe") }}``) the same escaped for HTML, values included.
    ``n`` chooses the plural form and fills ``{n}``.
    """

    def __init__(self, language: str, entries: Mapping[str, Text], *, covered: bool) -> None:
        self.language = language
        """The language asked for, as given (``de-AT``)."""
        self.covered = covered
        """Whether masthead (or the user's file) has words for it; else they are English."""
        self.locale = _locale(normalise(language))
        self._entries = dict(entries)

    def __repr__(self) -> str:
        return f"Strings({self.language!r})"

    def _template(self, key: str, n: int | None) -> str:
        try:
            entry = self._entries[key]
        except KeyError:
            raise KeyError(f"masthead has no words {key!r}") from None
        if isinstance(entry, str):
            return entry
        form = self.locale.plural_form(n) if n is not None else "other"
        return entry.get(form) or entry["other"]

    def text(self, key: str, /, n: int | None = None, **values: object) -> str:
        """The words of ``key`` with ``values`` filled in."""
        if n is not None:
            values = {"n": self.number(n), **values}
        return self._template(key, n).format(**values)

    def html(self, key: str, /, n: int | None = None, **values: object) -> Markup:
        """The words of ``key`` as HTML: the text and ``values`` escaped (a ``Markup``
        value is kept as it is)."""
        if n is not None:
            values = {"n": self.number(n), **values}
        return Markup(escape(self._template(key, n))).format(**values)

    __call__ = html

    def number(self, n: int) -> str:
        """``n`` written as the language writes numbers (1,380; 1.380; 1 380)."""
        return str(format_decimal(n, locale=self.locale))

    def date(self, value: date) -> str:
        """A day in the language's long form, as Material writes a post's date."""
        return str(format_date(value, format="long", locale=self.locale))

    def admonition(self, kind: str) -> str:
        """The name of an admonition type (``warning``); an unknown one capitalised."""
        key = f"admonition.{kind}"
        if key in self._entries:
            return self.text(key)
        return kind.replace("-", " ").capitalize()


@cache
def _without_overrides(code: str, language: str) -> Strings:
    return _made(code, language, {})


def _made(code: str, language: str, overrides: Overrides) -> Strings:
    base = code.split("-")[0]
    entries: dict[str, Text] = {k: e.value for k, e in catalog("en").items()}
    if base in LANGUAGES:
        entries.update({k: e.value for k, e in catalog(base).items()})
    for name in dict.fromkeys((base, code)):
        entries.update({k: e.value for k, e in overrides.get(name, {}).items()})
    covered = base in LANGUAGES or base in overrides or code in overrides
    return Strings(language, entries, covered=covered)


def strings(language: str | None = "en", overrides: Overrides | None = None) -> Strings:
    """masthead's words in ``language`` (Material's ``theme.language``: ``de``, ``de-AT``).

    A region form falls back to its base language, and any key still missing (or
    a language masthead has no catalog for) to English. ``overrides`` (see
    :func:`load_overrides`) change words, or add a language, on top: first those
    of the base language, then those of the exact one.
    """
    asked = (language or "").strip() or "en"
    code = normalise(asked)
    if not overrides:
        return _without_overrides(code, asked)
    return _made(code, asked, overrides)


def english() -> Strings:
    """masthead's English words (the default wherever no language is given)."""
    return strings("en")
