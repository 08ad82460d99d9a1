"""The quick rebuild under serve: the saved page first, the rest of the site right after.

A real ``masthead serve`` on a loopback port, edited as an author edits: the saved
page is served before the full rebuild ends (the server's log says so), it is the
page the full rebuild writes, an edited title reaches every list that showed it, and
the browsers are told to reload after each step. Changes the last build cannot stand
in for (a moved post, bad front matter) are left to MkDocs' full rebuild.
"""

from __future__ import annotations

import re
import urllib.request
from html import escape
from pathlib import Path

import pytest

from masthead.cli import main
from masthead.live import internals
from masthead.live.session import changes, snapshot

from .support import build_site, fetch_text, masthead_serve, wait_until

SCRIPT = re.compile(r"<script>\s*var livereload = .*?livereload\((\d+), \d+\);\s*</script>", re.S)


def test_the_internals_it_relies_on_are_unchanged() -> None:
    assert internals.changed() == [], "MkDocs or Material changed: see masthead.live.internals"


def test_changes_names_edited_added_and_removed_files(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("a", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("b", encoding="utf-8")
    before = snapshot([tmp_path])
    assert changes(before, snapshot([tmp_path])) == set()
    (tmp_path / "sub" / "b.md").write_text("bb", encoding="utf-8")
    (tmp_path / "c.md").write_text("c", encoding="utf-8")
    (tmp_path / "a.md").unlink()
    assert changes(before, snapshot([tmp_path])) == {
        (tmp_path / name).resolve() for name in ("a.md", "c.md", "sub/b.md")
    }


class Served:
    """A running ``masthead serve`` and its log."""

    def __init__(self, base: str, log: Path) -> None:
        self.base, self.log = base, log

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def builds(self) -> int:
        return self.text().count("Documentation built in")

    def quick(self) -> list[str]:
        """The pages each quick rebuild so far showed first."""
        return re.findall(r"masthead: (.+) rebuilt first", self.text())

    def page(self, url: str) -> str:
        return fetch_text(self.base + url)

    def wait_built(self, count: int) -> None:
        wait_until(lambda: self.builds() >= count, f"full build {count}", log=self.log, limit=180)

    def wait_for(self, url: str, needle: str) -> str:
        wait_until(lambda: needle in self.page(url), f"{needle!r} on {url}", log=self.log)
        return self.page(url)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, path
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").rstrip() + f"\n\n{line}\n", encoding="utf-8")


def _without_script(page: str) -> str:
    return SCRIPT.sub("", page)


def _epoch(page: str) -> int:
    found = SCRIPT.search(page)
    assert found is not None, "no live-reload script in the served page"
    return int(found[1])


def _reloads_after(base: str, epoch: int) -> int:
    """The epoch the server's reload poll answers for a page served at ``epoch``; the
    poll stalls (here: fails) while there is nothing newer."""
    with urllib.request.urlopen(f"{base}livereload/{epoch}/1", timeout=20) as response:
        return int(response.read())


def _pages_showing(site: Path, text: str) -> list[str]:
    """URLs of the built pages whose HTML shows ``text``."""
    return sorted(
        p.parent.relative_to(site).as_posix() + "/"
        for p in site.rglob("index.html")
        if escape(text, quote=False) in p.read_text(encoding="utf-8")
    )


pytestmark = pytest.mark.slow


def test_a_saved_page_is_shown_first_and_the_site_follows(project: Path) -> None:
    content = project / "content"
    body_post = content / "blog" / "posts" / "cpu-throttling.md"
    title_post = content / "blog" / "posts" / "api-server-request-path.md"
    old_title = "Following a kubectl apply through the API server"
    new_title = "What a kubectl apply meets on its way to etcd"
    site = build_site(project)
    lists = [u for u in _pages_showing(site, old_title) if "api-server-request-path" not in u]
    assert len(lists) >= 3, lists  # the blog index, its archive, its category, ...
    body_url = next(u for u in _pages_showing(site, "") if u.endswith("/cpu-throttling/"))
    title_url = next(u for u in _pages_showing(site, "") if u.endswith("/api-server-request-path/"))
    issue_url = "newsletter/2023/01/december-2022/"
    log = project.parent / "serve.log"
    with masthead_serve(project, log) as (base, proc):
        served = Served(base, log)
        served.wait_built(1)

        # A post's body: shown first, and it is the page the full build writes. The
        # editor's swap file beside it is no page of the site: it does not get in the way.
        marker = "A sentence saved while the server runs."
        (body_post.parent / f".{body_post.name}.swp").write_bytes(b"b0VIM 9.0")
        _append(body_post, marker)
        first = served.wait_for(body_url, marker)
        served.wait_built(2)
        assert served.quick() == ["blog/posts/cpu-throttling.md"]
        after = served.page(body_url)
        assert _without_script(first) == _without_script(after)
        # The browser that reloaded for the quick page reloads again for the full build.
        assert _reloads_after(base, _epoch(first)) > _epoch(first)

        # A post's title: the post first, then every list that showed the old title.
        _edit(title_post, f"# {old_title}", f"# {new_title}")
        served.wait_for(title_url, escape(new_title, quote=False))
        served.wait_built(3)
        assert served.quick()[-1] == "blog/posts/api-server-request-path.md"
        for url in lists:
            page = served.page(url)
            assert escape(new_title, quote=False) in page, url
            assert escape(old_title, quote=False) not in page, url

        # A reading lock: the issue that shows it is rebuilt first.
        comment = "A comment saved while the server runs."
        lock = content / "reading" / "2022-12.yml"
        text = lock.read_text(encoding="utf-8")
        new, count = re.subn(r"(?m)^(  comment: \|\n)(    )", rf"\1\2{comment}\n\2", text, count=1)
        assert count == 1
        lock.write_text(new, encoding="utf-8")
        served.wait_for(issue_url, comment)
        served.wait_built(4)
        assert "newsletter/posts/2022-12.md" in served.quick()[-1]

        # Bad front matter: no quick page; MkDocs' full build reports it.
        quick_so_far = len(served.quick())
        _edit(body_post, "date: ", "date: not a date, ")
        wait_until(
            lambda: "error happened during the rebuild" in served.text(), "the error", log=log
        )
        assert len(served.quick()) == quick_so_far
        _edit(body_post, "date: not a date, ", "date: ")
        served.wait_built(5)
        assert len(served.quick()) == quick_so_far  # the last build failed: no build to reuse

        # A moved post (its date is in its URL): left to the full build.
        _edit(body_post, "date: 2022-", "date: 2021-")
        moved = body_url.replace("2022/", "2021/", 1)
        served.wait_built(6)
        assert len(served.quick()) == quick_so_far
        assert marker in served.page(moved)
        assert proc.poll() is None
        # No request found the site missing, while a full build ran or as it ended.
        assert "code 404" not in served.text()


def test_a_new_publication_shows_a_saved_post_first(tmp_path: Path) -> None:
    pub = tmp_path / "pub"
    assert main(["init", str(pub), "--date", "2025-06-14", "--author", "Ada Lovelace"]) == 0
    post = next((pub / "content" / "blog" / "posts").glob("*.md"))
    url = next(u for u in _pages_showing(build_site(pub), "") if u.endswith(f"/{post.stem}/"))
    log = tmp_path / "serve.log"
    with masthead_serve(pub, log) as (base, _):
        served = Served(base, log)
        served.wait_built(1)
        marker = "A first sentence saved while the server runs."
        _append(post, marker)
        served.wait_for(url, marker)
        served.wait_built(2)
        assert served.quick() == [post.relative_to(pub / "content").as_posix()]


def test_a_dirty_serve_rebuilds_as_mkdocs_does(tmp_path: Path) -> None:
    """``mkdocs serve --dirty`` writes each rebuild into the served folder: masthead
    leaves it alone."""
    pub = tmp_path / "pub"
    assert main(["init", str(pub), "--date", "2025-06-14", "--author", "Ada Lovelace"]) == 0
    post = next((pub / "content" / "blog" / "posts").glob("*.md"))
    url = next(u for u in _pages_showing(build_site(pub), "") if u.endswith(f"/{post.stem}/"))
    log = tmp_path / "serve.log"
    with masthead_serve(pub, log, ("mkdocs", "serve", "--dirty")) as (base, _):
        served = Served(base, log)
        served.wait_built(1)
        marker = "A sentence saved in a dirty serve."
        _append(post, marker)
        served.wait_for(url, marker)
        served.wait_built(2)
        assert served.quick() == []
