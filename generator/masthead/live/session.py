"""One ``mkdocs serve`` (or ``masthead serve``) session: the saved page first, the site
right after.

MkDocs' server calls its builder for each batch of saves, and the builder rebuilds
the whole site; browsers wait for it. :class:`LiveSession` stands in for that
builder:

1. It compares the files under the watched folders with what they were when the last
   full build started (size and modification time), to learn what was saved.
2. When every changed file the last build knew is a page of it, or a reading lock one
   of its pages shows, and none of them moves (:mod:`.pages`), it renders those pages with
   the last build's navigation, plugins and templates, writes them into the served
   site and lets the browsers reload: the saved page is there in a fraction of a
   second.
3. It then runs MkDocs' own full build into a second folder, while the server goes on
   serving the site as it was after step 2; when the build ends the server serves
   the new folder and the browsers reload again. Lists, feeds, navigation, search and
   emails are then what a clean build writes. The two folders take turns: the next
   full build empties and fills the one served before (a request that started before
   the switch still finds its file).

Any other change, and any error in step 2, leaves only step 3: MkDocs' rebuild as it
is, which reports the error.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mkdocs.structure.files import InclusionLevel

from . import internals
from .pages import Built, refresh, touched

log = logging.getLogger("mkdocs.plugins.masthead.live")

Snapshot = dict[Path, tuple[int, int]]

SECOND = ".next"
"""Suffix of the second site folder, beside the one MkDocs made for the session."""


def snapshot(roots: list[Path]) -> Snapshot:
    """Size and modification time of every file under ``roots`` (files or folders)."""
    out: Snapshot = {}
    for root in roots:
        if root.is_file():
            stat = root.stat()
            out[root.resolve()] = (stat.st_size, stat.st_mtime_ns)
            continue
        for folder, _dirs, names in os.walk(root):
            for name in names:
                path = Path(folder, name)
                try:
                    stat = path.stat()
                except OSError:
                    continue
                out[path.resolve()] = (stat.st_size, stat.st_mtime_ns)
    return out


def changes(before: Snapshot, after: Snapshot) -> set[Path]:
    """The files that came, went, or whose size or time changed."""
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


class LiveSession:
    """The builder of one serve session (see the module's docstring)."""

    def __init__(self) -> None:
        self.server: Any = None
        self.full_build: Callable[[], None] = lambda: None
        self.roots: list[Path] = []
        self.built: Built | None = None
        self.before: Snapshot | None = None
        self.folders: tuple[Path, Path] | None = None
        self.target: Path | None = None
        """The folder the full build running writes the site into (``None``: none runs)."""

    def attach(self, server: Any, builder: Callable[[], None]) -> None:
        """Stand in for ``builder`` as ``server``'s builder."""
        self.server, self.full_build = server, builder
        first = Path(server.root)
        second = first.with_name(first.name + SECOND)
        self.folders = (first, second)
        atexit.register(shutil.rmtree, second, ignore_errors=True)  # MkDocs removes the first
        server.builder = self

    # -- what the full builds leave (from the hooks in .plugin) ------------------------

    def build_started(self, roots: list[Path]) -> None:
        self.built = None
        self.roots = roots
        self.before = snapshot(roots)

    def build_done(self, built: Built) -> None:
        self.built = built

    # -- the builder --------------------------------------------------------------------

    def __call__(self) -> None:
        shown = self._show_saved()
        assert self.folders is not None
        first, second = self.folders
        self.target = second if Path(self.server.root) == first else first
        try:
            self.full_build()
        finally:
            target, self.target = self.target, None
        self.server.root = str(target)
        if shown:
            internals.reload_after_build(self.server)

    def _show_saved(self) -> bool:
        """Step 2 of the module's docstring; true when the saved pages are served."""
        built, before = self.built, self.before
        if built is None or before is None or self.server is None:
            return False
        changed = changes(before, snapshot(self.roots))
        if not changed:
            return False
        started = time.perf_counter()
        try:
            pages = touched(built, sorted(changed))
            if not pages or not all(refresh(built, page) for page in pages):
                return False
            with _quiet():
                for page in pages:
                    _render(built, page)
        except Exception as exc:  # the full build reports it, with MkDocs' own message
            log.debug("masthead: quick rebuild left to the full build: %r", exc)
            return False
        internals.show_now(self.server)
        names = ", ".join(p.file.src_uri for p in pages)
        log.info(
            "masthead: %s rebuilt first (%.2f s); rebuilding the rest of the site",
            names,
            time.perf_counter() - started,
        )
        return True


def _render(built: Built, page: Any) -> None:
    """MkDocs' page loop for one page of the last build."""
    config, files = built.config, built.files
    doc_files = files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
    internals.populate_page(page, config, files)
    excluded = page.file.inclusion.is_excluded()
    internals.build_page(page, config, doc_files, built.nav, built.env, excluded=excluded)


@contextmanager
def _quiet() -> Iterator[None]:
    """Keep the pages' warnings for the full build, which logs (and counts) them."""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
