"""Every MkDocs and Material internal the quick rebuild relies on, named once.

- MkDocs' live-reload server (:class:`~mkdocs.livereload.LiveReloadServer`): its
  ``builder`` (called by its build loop, ``_build_loop``, for each batch of file
  changes), ``root`` (the folder ``_serve_request`` serves files from),
  ``_visible_epoch`` and ``_wanted_epoch`` under ``_epoch_cond`` (a request waits
  while they differ; a browser reloads when the visible epoch passes the one its
  page was served with) and the ``_timestamp`` the epochs are made of;
- MkDocs' ``build``, which empties ``site_dir`` first, and the two steps of its page
  loop, ``_populate_page`` (the Markdown) and ``_build_page`` (the template, written
  to ``site_dir``);
- Material's blog: ``Post.__init__`` (which reads a post's file), the plugin's
  ``_format_path_for_post`` and ``_path_to_file`` (the post's URL) and
  ``_is_excluded`` (drafts), and its ``on_page_markdown``, which adds the post's
  authors to ``page.authors`` each time it runs.

:data:`EXPECTED` holds a digest of the source of each: while any differs in the
installed versions, the quick rebuild stays off and every save rebuilds the whole
site, as MkDocs does (tests/test_live.py fails on it, so a new version is looked at).
"""

from __future__ import annotations

import hashlib
import inspect
from copy import copy
from typing import Any

import mkdocs.livereload as livereload
from material.plugins.blog.plugin import BlogPlugin
from material.plugins.blog.structure import Post
from mkdocs.commands import build as mkdocs_build
from mkdocs.livereload import LiveReloadServer

populate_page = mkdocs_build._populate_page
build_page = mkdocs_build._build_page


def _watched() -> dict[str, Any]:
    return {
        "mkdocs LiveReloadServer.__init__": LiveReloadServer.__init__,
        "mkdocs LiveReloadServer._build_loop": LiveReloadServer._build_loop,
        "mkdocs LiveReloadServer._serve_request": LiveReloadServer._serve_request,
        "mkdocs livereload._timestamp": livereload._timestamp,
        "mkdocs build": mkdocs_build.build,
        "mkdocs _populate_page": mkdocs_build._populate_page,
        "mkdocs _build_page": mkdocs_build._build_page,
        "material Post.__init__": Post.__init__,
        "material BlogPlugin._format_path_for_post": BlogPlugin._format_path_for_post,
        "material BlogPlugin._path_to_file": BlogPlugin._path_to_file,
        "material BlogPlugin._is_excluded": BlogPlugin._is_excluded,
        "material BlogPlugin.on_page_markdown": BlogPlugin.on_page_markdown,
    }


EXPECTED = {
    "mkdocs LiveReloadServer.__init__": "e79efeb939bfe4b4",
    "mkdocs LiveReloadServer._build_loop": "0bea1402bb4a41bf",
    "mkdocs LiveReloadServer._serve_request": "3b1515c96f563d17",
    "mkdocs livereload._timestamp": "4d949b23adc97ea8",
    "mkdocs build": "c476b64474acfaa2",
    "mkdocs _populate_page": "31a70ea4caef1e12",
    "mkdocs _build_page": "adcdbd14b2361126",
    "material Post.__init__": "8686c4256b6490b7",
    "material BlogPlugin._format_path_for_post": "f7406e8f235886b9",
    "material BlogPlugin._path_to_file": "f059fa60ea2c36da",
    "material BlogPlugin._is_excluded": "719d20c6a3da5f1e",
    "material BlogPlugin.on_page_markdown": "45d570b444f189b7",
}
"""Digest of the source of each internal, as the quick rebuild was written for (MkDocs
1.6.1, Material 9.8.2)."""


def digests() -> dict[str, str]:
    """The digest of each watched internal in the installed MkDocs and Material."""
    return {
        name: hashlib.sha256(inspect.getsource(obj).encode("utf-8")).hexdigest()[:16]
        for name, obj in _watched().items()
    }


def changed() -> list[str]:
    """The watched internals whose source is not what the quick rebuild was written for."""
    found = digests()
    return [name for name, digest in EXPECTED.items() if found.get(name) != digest]


# -- the server -----------------------------------------------------------------------


def is_live_server(server: Any) -> bool:
    return isinstance(server, LiveReloadServer)


def show_now(server: LiveReloadServer) -> None:
    """Serve requests again and reload the browsers, in the middle of a rebuild."""
    with server._epoch_cond:
        epoch = max(livereload._timestamp(), server._visible_epoch + 1)
        server._wanted_epoch = server._visible_epoch = epoch
        server._epoch_cond.notify_all()


def reload_after_build(server: LiveReloadServer) -> None:
    """Make the build loop's reload, once this rebuild ends, newer than :func:`show_now`'s
    (the loop publishes the epoch it took when the rebuild started)."""
    with server._epoch_cond:
        server._wanted_epoch = max(livereload._timestamp(), server._visible_epoch + 1)


# -- Material's blog ------------------------------------------------------------------


def read_post(post: Post, config: Any) -> Post:
    """A new reading of ``post``'s file, as Material's ``on_files`` makes it (raises what
    Material raises on bad front matter)."""
    return type(post)(copy(post.file), config)


def post_url(blog: BlogPlugin, post: Post, config: Any) -> str:
    """The URL Material's blog gives ``post``."""
    path = blog._format_path_for_post(post, config)
    return str(blog._path_to_file(path, config, temp=False).url)


def post_excluded(blog: BlogPlugin, post: Post) -> bool:
    return bool(blog._is_excluded(post))
