"""The ```reading fence in real MkDocs builds: the example site, errors, and ``mkdocs serve``."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from mkdocs.exceptions import Abort

from .support import build_site, copy_project, masthead_serve, wait_until
from .support import fetch_text as fetch

HOSTILE_TITLE = '<img src=x onerror="alert(1)">Pods & <script>alert(2)</script>'


def _section(page: str, issue: str) -> str:
    match = re.search(
        rf'<section class="mh-reading" data-issue="{issue}">(.*?)</section>', page, re.DOTALL
    )
    assert match, f"no reading section for {issue}"
    return match.group(1)


def _page_with(site: Path, marker: str) -> str:
    for page in site.rglob("index.html"):
        text = page.read_text(encoding="utf-8")
        if marker in text:
            return text
    raise AssertionError(f"no page contains {marker!r}")


def test_example_site_shows_the_picks_escaped(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    lock_file = project / "content" / "reading" / "2022-12.yml"
    data = yaml.safe_load(lock_file.read_text(encoding="utf-8"))
    # An edited lock with hostile text from a feed, picked first: the page must escape it.
    data["entries"].append(
        {
            "url": "https://hostile.example/p?a=1&b='2'",
            "title": HOSTILE_TITLE,
            "source": "<b onclick=x()>Evil</b>",
            "pick": True,
            "order": 0,
            "comment": "Escaped, and this comment is **Markdown**.",
        }
    )
    lock_file.write_text(
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    site = build_site(project)

    december = _section(_page_with(site, 'data-issue="2022-12"'), "2022-12")
    titles = re.findall(r'<h3 class="mh-reading__title"><a href="([^"]*)">(.*?)</a></h3>', december)
    assert [html.unescape(t) for _u, t in titles] == [
        HOSTILE_TITLE,
        "Kubernetes v1.26: Electrifying",
        "Using NodeLocal DNSCache in Kubernetes clusters",  # the title_override
        "automaxprocs",
    ]
    assert titles[0][0] == "https://hostile.example/p?a=1&amp;b=&#x27;2&#x27;"
    assert "<script>" not in december and "<img" not in december and "<b onclick" not in december
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Pods &amp; &lt;script&gt;" in december
    assert '<p class="mh-reading__source">&lt;b onclick=x()&gt;Evil&lt;/b&gt;</p>' in december
    assert "this comment is <strong>Markdown</strong>." in december
    assert 'class="mh-reading__comment"><p>The release announcement.' in december
    assert "container throttling problem" not in december  # not picked
    assert december.count('<article class="mh-reading__item">') == 4

    # The recap shows its own list, in order; the lock files are not published.
    recap = _section(_page_with(site, 'data-issue="2022"'), "2022")
    assert recap.count("<article") == 6
    assert recap.index("Overlay filesystem") < recap.index("Linux eBPF tracing tools")
    assert not list(site.rglob("*.yml"))


def _small_site(root: Path, page: str, lock: str | None) -> Path:
    (root / "docs" / "reading").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(
        "site_name: Reading test\ntheme:\n  name: material\n  font: false\n"
        "markdown_extensions:\n  - pymdownx.superfences\n"
        "plugins:\n  - masthead/reading\n",
        encoding="utf-8",
    )
    (root / "docs" / "index.md").write_text(page, encoding="utf-8")
    if lock is not None:
        (root / "docs" / "reading" / "2022-12.yml").write_text(lock, encoding="utf-8")
    return root


LOCK = """issue: 2022-12
entries:
  - url: https://example.org/one/
    title: One
    source: Example
    pick: true
    comment: First version of the comment.
"""
PAGE = "# Issue\n\nIntro.\n\n## What I was reading\n\n```reading\nissue: 2022-12\n```\n"


@pytest.mark.parametrize(
    ("page", "lock", "expected"),
    [
        (
            PAGE.replace("2022-12\n```", "2022-11\n```"),
            LOCK,
            r"docs/index.md:7: the ```reading fence: .*2022-11.yml: no such reading list",
        ),
        (
            PAGE.replace("issue: 2022-12", "issue: 2022-12\nlimit: 3"),
            LOCK,
            r"docs/index.md:9: the ```reading fence: unknown key 'limit'",
        ),
        (
            PAGE.replace("issue: 2022-12", "issue: December"),
            LOCK,
            r"docs/index.md:8: the ```reading fence: 'issue': expected a period like 2022-12",
        ),
        (
            PAGE,
            LOCK.replace("pick: true", "pick: true\n    order: soon"),
            r"docs/reading/2022-12.yml:7: expected 'order' to be a whole number",
        ),
        (
            PAGE,
            LOCK.replace("pick: true", "pick: false"),
            r"2022-12.yml has no picked entry; expected at least one with 'pick: true'",
        ),
    ],
)
def test_errors_fail_the_build_naming_file_and_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, page: str, lock: str, expected: str
) -> None:
    project = _small_site(tmp_path / "site", page, lock)
    with caplog.at_level(logging.ERROR, logger="mkdocs"), pytest.raises(Abort):
        build_site(project)
    assert re.search(expected, caplog.text), caplog.text


def wait_for(check: Callable[[], bool], what: str, log: Path) -> None:
    wait_until(check, what, log=log)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str, Path]]:
    project = _small_site(tmp_path / "site", PAGE, LOCK)
    log = tmp_path / "serve.log"
    with masthead_serve(project, log) as (base, _):
        yield project, base, log


@pytest.mark.slow
def test_serve_updates_the_page_when_the_lock_changes(served: tuple[Path, str, Path]) -> None:
    project, base, log = served
    lock = project / "docs" / "reading" / "2022-12.yml"
    wait_for(lambda: "First version of the comment." in fetch(base), "the first build", log)
    lock.write_text(LOCK.replace("First version", "Second version"), encoding="utf-8")
    wait_for(lambda: "Second version of the comment." in fetch(base), "the rebuild", log)
    # A broken lock: the page shows the error, the server keeps running.
    lock.write_text(LOCK.replace("pick: true", "pick: perhaps"), encoding="utf-8")
    wait_for(lambda: "mh-error" in fetch(base), "the error box", log)
    assert "expected &#x27;pick&#x27; to be true or false" in fetch(base)
    lock.write_text(LOCK.replace("First version", "Fixed version"), encoding="utf-8")
    wait_for(lambda: "Fixed version of the comment." in fetch(base), "the fixed page", log)
