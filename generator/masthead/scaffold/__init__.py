"""What ``masthead init`` writes: a new publication, or masthead added to a Material project.

:func:`plan` looks at a folder and returns the :class:`Change` of every file to create
or edit, without writing anything; :func:`apply` writes them. In a folder without
``mkdocs.yml`` the plan is a small, complete publication (:mod:`.publication`); in a
folder with an MkDocs project that uses Material it is only what masthead needs and is
missing (:mod:`.existing`), with ``mkdocs.yml`` edited as text so that every other byte
stays as it was (:mod:`.yaml_edit`). No existing file is ever overwritten, every write
is atomic, and a second plan finds nothing to do.

The files of a new publication are the Jinja templates in this package (``mkdocs.yml.j2``
the site's configuration, ``post.md.j2`` the first post, ...). Values that go into YAML
pass through the ``yaml`` filter, which quotes them when YAML needs it.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from .existing import complete
from .files import apply
from .model import (
    CONFIG_NAMES,
    DEFAULT_AUTHOR,
    DEFAULT_EMAIL,
    DEFAULT_NAME,
    DEFAULT_SITE_URL,
    Change,
    Options,
    Plan,
)
from .publication import author_id, avatar_png, new_publication

__all__ = [
    "CONFIG_NAMES",
    "DEFAULT_AUTHOR",
    "DEFAULT_EMAIL",
    "DEFAULT_NAME",
    "DEFAULT_SITE_URL",
    "Change",
    "Options",
    "Plan",
    "apply",
    "author_id",
    "avatar_png",
    "plan",
]


def plan(folder: str | Path, options: Options) -> Plan:
    """The files ``masthead init`` would create or change in ``folder``.

    A folder with ``mkdocs.yml`` (or ``mkdocs.yaml``) gets what its project lacks; any
    other folder, missing or not, a new publication. Nothing is written.
    """
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise ConfigError("expected a folder for the project, found a file", path=root)
    for name in CONFIG_NAMES:
        config = root / name
        if config.is_file():
            return complete(config, options)
    return Plan(new_publication(root, options))
