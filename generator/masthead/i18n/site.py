"""A site's words: its ``theme.language`` and the ``strings`` file of ``masthead/newsletter``.

Every masthead plugin that puts templates on the theme's path calls
:func:`add_to_templates` in ``on_env``: the templates then have ``mh_t``, the
site's :class:`~masthead.i18n.strings.Strings` (``{{ mh_t("subscribe.button") }}``).
The words are made once per loaded configuration, like the publication model.
"""

from __future__ import annotations

import logging
from pathlib import Path

from jinja2 import Environment
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

from ..errors import MastheadError
from .strings import Strings, load_overrides, strings

log = logging.getLogger("mkdocs.plugins.masthead")

_ATTRIBUTE = "_masthead_strings"
NEWSLETTER_PLUGIN = "masthead/newsletter"
TEMPLATE_GLOBAL = "mh_t"
"""The name of the site's words in templates."""


def strings_file(config: MkDocsConfig) -> Path | None:
    """The user's file of words (``masthead/newsletter: strings``), relative to the
    folder of mkdocs.yml; ``None`` when none is set."""
    plugin = config.plugins.get(NEWSLETTER_PLUGIN)
    value = str(getattr(getattr(plugin, "config", None), "strings", "") or "")
    if not value:
        return None
    root = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
    return root / value


def site_strings(config: MkDocsConfig) -> Strings:
    """The words of the site of ``config``, made on first use and kept with it.

    Raises :class:`~masthead.i18n.catalog.StringsError` when the user's file is wrong.
    """
    known = getattr(config, _ATTRIBUTE, None)
    if isinstance(known, Strings):
        return known
    language = str(config.theme.get("language") or "en")
    path = strings_file(config)
    made = strings(language, load_overrides(path) if path is not None else None)
    if not made.covered:
        log.info(
            "masthead has no words in %r (theme.language): its own words stay in English; "
            "add them under '%s:' in a strings file (masthead/newsletter: strings)",
            language,
            language,
        )
    setattr(config, _ATTRIBUTE, made)
    return made


def add_to_templates(env: Environment, config: MkDocsConfig) -> None:
    """Give the theme's templates the site's words as ``mh_t``."""
    try:
        env.globals[TEMPLATE_GLOBAL] = site_strings(config)
    except MastheadError as exc:
        raise PluginError(str(exc)) from exc
