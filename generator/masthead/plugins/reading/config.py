"""Options of the ``masthead/reading`` plugin (``plugins: - masthead/reading:`` in mkdocs.yml)."""

from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config


class ReadingConfig(Config):
    lock_dir = c.Type(str, default="reading")
    """Folder of the lock files (``<issue>.yml``) and feeds.yml, relative to docs_dir.

    Its ``.yml`` files are read by the fence and never copied into the site."""

    require_picks = c.Type(bool, default=True)
    """A fence whose reading list has no picked entry is an error (false: an empty section)."""

    reading_fence = c.Type(str, default="reading")
    """Name of the fence that shows an issue's reading list."""
