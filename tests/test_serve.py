"""`masthead serve` end to end: start it, read pages, edit a post, see the change."""

from __future__ import annotations

import urllib.error
from html import escape
from pathlib import Path

import pytest

from masthead.content import BlogLayout, load_posts

from .support import fetch_text, masthead_serve, wait_until

pytestmark = pytest.mark.slow


def test_serve_rebuilds_an_edited_post(project: Path) -> None:
    post = load_posts(project / "content", BlogLayout(blog_dir="blog"))[0]
    source = project / "content" / post.path
    log = project.parent / "serve.log"
    with masthead_serve(project, log) as (base, proc):
        wait_until(lambda: "<html" in fetch_text(base), "the home page", log=log, limit=120)
        page = fetch_text(base + post.url)
        assert escape(post.title, quote=False) in page

        marker = "Freshly edited sentence about seccomp profiles."
        text = source.read_text(encoding="utf-8")
        source.write_text(text.rstrip() + f"\n\n{marker}\n", encoding="utf-8")
        wait_until(lambda: marker in fetch_text(base + post.url), "the edited text", log=log)
        assert proc.poll() is None
        # a page that does not exist is a 404, not a crash of the server
        with pytest.raises(urllib.error.HTTPError) as missing:
            fetch_text(base + "no/such/page/")
        assert missing.value.code == 404
        missing.value.close()
    assert proc.poll() is not None
