"""The quick rebuild's MkDocs hooks, added to a served build by :func:`install`.

``masthead/newsletter`` calls :func:`install` from its ``on_config`` when MkDocs
serves the site; the hooks below then run in each build of the session:

- ``on_pre_build``: the watched files are noted, before the build reads any;
- ``on_nav`` and ``on_env``: the build's navigation and Jinja environment are kept;
- ``on_post_build``: the build, complete, is what the next save renders against;
- ``on_serve`` (once, after the first build): the session's builder stands in for
  MkDocs' (see :mod:`.session`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation

from ..plugins.model import publication_of
from . import internals
from .pages import Built
from .session import LiveSession

log = logging.getLogger("mkdocs.plugins.masthead.live")

NAME = "masthead/live"
"""The quick rebuild's name among the build's plugins."""

_session = LiveSession()
"""This process's serve session (MkDocs serves one site per process)."""


def install(config: MkDocsConfig) -> None:
    """Add the quick rebuild to this build (once); for builds MkDocs serves. A full
    rebuild of the session writes the site into the folder the session picked."""
    if NAME in config.plugins:
        return
    if _session.target is not None:
        config.site_dir = str(_session.target)
    changed = internals.changed()
    if changed:
        log.info(
            "masthead: every save rebuilds the whole site: this MkDocs or Material changed %s",
            ", ".join(changed),
        )
        return
    plugin = LivePlugin()
    plugin.load_config({}, config.config_file_path)
    config.plugins[NAME] = plugin


def watched_roots(config: MkDocsConfig) -> list[Path]:
    """The files and folders whose changes the session looks at."""
    roots = [Path(config.docs_dir), publication_of(config).lock_dir]
    if config.config_file_path:
        roots.append(Path(config.config_file_path))
    return [r for r in roots if r.exists()]


class LivePlugin(BasePlugin):
    """Keeps each served build for the next save (see :mod:`.session`)."""

    def __init__(self) -> None:
        self.nav: Navigation | None = None
        self.env: Any = None
        self.files: Files | None = None

    # First of every on_pre_build: no plugin has read a source yet.
    @event_priority(100)
    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        _session.build_started(watched_roots(config))

    # Last: the navigation as every plugin left it.
    @event_priority(-1000)
    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        self.nav = nav
        return nav

    # Last: the environment as every plugin left it.
    @event_priority(-1000)
    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        self.env, self.files = env, files
        return env

    # Last: every plugin finished its build.
    @event_priority(-1000)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.nav is not None and self.files is not None:
            _session.build_done(Built(config, self.files, self.nav, self.env))

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        if internals.is_live_server(server):
            _session.attach(server, builder)
        return server
