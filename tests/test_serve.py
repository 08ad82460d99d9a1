"""`masthead serve` end to end: start it, read pages, edit a post, see the change."""

from __future__ import annotations

import re
import urllib.error
from html import escape
from pathlib import Path
from urllib.parse import urljoin

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


def test_serve_links_each_issue_to_its_email_and_remakes_it_on_save(project: Path) -> None:
    source = project / "content" / "newsletter" / "posts" / "2022-12.md"
    log = project.parent / "serve.log"
    with masthead_serve(project, log) as (base, _):
        wait_until(lambda: "<html" in fetch_text(base), "the home page", log=log, limit=120)
        issue = base + "newsletter/2023/01/december-2022/"
        page = fetch_text(issue)
        link = re.search(r'<a class="mh-email-preview" href="([^"]+)"', page)
        assert link is not None, "no email preview link under serve"
        preview = urljoin(issue, link.group(1))
        email = fetch_text(preview)
        assert "<table" in email and "View in browser" in email
        assert "Email preview" not in email  # the link is on the page, not in the email
        marker = "A sentence added while the server runs."
        text = source.read_text(encoding="utf-8")
        source.write_text(text.rstrip() + f"\n\n{marker}\n", encoding="utf-8")
        wait_until(lambda: marker in fetch_text(preview), "the remade email", log=log)
        assert marker in fetch_text(urljoin(preview, "email.txt"))
    # Nothing of the preview reaches the emails a send would use.
    assert not (project / "build" / "email").exists()
