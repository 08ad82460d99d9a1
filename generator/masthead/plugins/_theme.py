"""masthead's templates and CSS on the theme's path, below the user's custom_dir.

The partials (post header, share links, subscribe form, author card, "Read
more", feed links, Material's search dialog given a name), ``main.html`` and
the stylesheets ship inside the package
(``masthead/theme/``). Every masthead plugin calls :func:`use_theme` in
``on_config``: the folder goes right after the user's ``custom_dir`` (so a
file of the same name there still wins) and before Material's own templates
(so masthead's ``main.html`` and ``partials/content.html`` refine Material's).
MkDocs copies the folder's static files (the CSS) into the site.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

THEME_DIR = Path(__file__).resolve().parent.parent / "theme"
"""masthead's own templates and stylesheets."""


def _is_material(config: MkDocsConfig) -> bool:
    if config.theme.name == "material":
        return True
    # A theme that extends Material has Material's templates on its path.
    return any(
        Path(d, "partials", "content.html").is_file() and "material" in d for d in config.theme.dirs
    )


def use_theme(config: MkDocsConfig, plugin: str) -> None:
    """Put masthead's templates on the theme path (once); a non-Material theme is an error."""
    if not _is_material(config):
        raise PluginError(
            f"{plugin}: masthead needs the Material theme; expected 'theme: {{name: material}}' "
            f"in {config.config_file_path or 'mkdocs.yml'}, got theme {config.theme.name!r}"
        )
    folder = str(THEME_DIR)
    dirs = config.theme.dirs
    if folder in dirs:
        return
    custom = config.theme.custom_dir
    at = 1 if custom and dirs and Path(dirs[0]) == Path(custom) else 0
    dirs.insert(at, folder)
