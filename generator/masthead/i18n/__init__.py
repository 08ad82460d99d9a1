"""masthead's own words in the site's language (``theme.language``): en, de, fr, es.

One catalog per language ships with the package (``en.yml``, ``de.yml``,
``fr.yml``, ``es.yml``), read once. :func:`strings` gives a language's
:class:`Strings`: a region form (``de-AT``) falls back to its base language,
and a key the language lacks to English. A user's file (:func:`load_overrides`)
changes words or adds a language on top::

    t = strings("de")
    t.text("email.unsubscribe")            # "Abbestellen"
    t.text("post.readtime", n=5)           # "5 Min. Lesezeit"
    t.date(date(2023, 1, 2))               # "2. Januar 2023"

Templates get the site's words as ``mh_t`` (:mod:`masthead.i18n.site`).
"""

from __future__ import annotations

from .catalog import StringsError
from .strings import LANGUAGES, Overrides, Strings, catalog, english, load_overrides, strings

__all__ = [
    "LANGUAGES",
    "Overrides",
    "Strings",
    "StringsError",
    "catalog",
    "english",
    "load_overrides",
    "strings",
]
