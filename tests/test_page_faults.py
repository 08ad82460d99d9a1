"""Pages that used to build wrong in silence: no '#' title, two posts at one URL, unknown
options on a fence line."""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from .support import build_site

POSTS = Path("content") / "blog" / "posts"


def _drop_title(project: Path) -> None:
    """The CPU post without its '# ' line, a shell comment in a code block first."""
    post = project / POSTS / "cpu-throttling.md"
    text = post.read_text(encoding="utf-8")
    text = text.replace(
        "# CPU limits and the 100 ms trap\n", "```sh\n# 100m -> cpu.weight 4\n```\n"
    )
    post.write_text(text, encoding="utf-8")


def test_a_post_without_a_title_has_the_page_s_title_everywhere(project: Path) -> None:
    _drop_title(project)
    # The monthly issue lists the December posts: its ```posts fence and its email.
    site = build_site(project)
    page = (site / "blog" / "2022" / "12" / "cpu-throttling" / "index.html").read_text("utf-8")
    title = html.unescape(re.search(r"<h1[^>]*>(.*?)</h1>", page, re.DOTALL).group(1)).strip()
    assert title == "Cpu throttling"  # MkDocs' title from the file name
    assert "100m -&gt; cpu.weight 4" not in re.sub(r"<pre.*?</pre>", "", page, flags=re.DOTALL)
    feed = (site / "blog" / "rss.xml").read_text(encoding="utf-8")
    assert "<title>Cpu throttling</title>" in feed
    assert "cpu.weight 4</title>" not in feed
    # masthead's ```posts list on the home page and Material's blog index.
    home = (site / "index.html").read_text(encoding="utf-8")
    assert (
        '<a class="mh-posts__link" href="blog/2022/12/cpu-throttling/">Cpu throttling</a>' in home
    )
    index = (site / "blog" / "index.html").read_text(encoding="utf-8")
    assert "cpu.weight 4</a>" not in index and "Cpu throttling" in index


def test_two_posts_with_one_url_name_both_files(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    original = project / POSTS / "cpu-throttling.md"
    (project / POSTS / "cpu-throttling-again.md").write_text(
        original.read_text(encoding="utf-8"), encoding="utf-8"
    )
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build_site(project)
    assert "content/blog/posts/cpu-throttling-again.md" in caplog.text
    assert "content/blog/posts/cpu-throttling.md" in caplog.text
    assert "have the URL blog/2022/12/cpu-throttling/" in caplog.text


def test_two_issues_with_one_url_in_the_newsletter_too(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = project / "content" / "newsletter" / "posts"
    source = folder / "2022-12.md"
    (folder / "2022-12-copy.md").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build_site(project)
    assert "both posts of the blog 'newsletter'" in caplog.text
    assert "content/newsletter/posts/2022-12-copy.md" in caplog.text


@pytest.mark.parametrize(
    ("fence", "body"),
    [
        ('```posts wibble="1"', "limit: 2"),
        (
            '```tweet wibble="1"',
            "author: A\nhandle: a\ndate: 2022-01-01\ntext: t\nurl: https://x.org/1",
        ),
        ('```video wibble="1"', "url: https://www.youtube.com/watch?v=x\ntitle: T"),
        ('```reading wibble="1"', "issue: 2022-12"),
    ],
)
def test_an_unknown_option_on_a_fence_line_is_an_error_with_its_line(
    project: Path, caplog: pytest.LogCaptureFixture, fence: str, body: str
) -> None:
    about = project / "content" / "about.md"
    text = about.read_text(encoding="utf-8")
    line = text.count("\n") + 3
    # The fence, then an ordinary one after it: neither swallowed.
    about.write_text(
        text + f"\n\n{fence}\n{body}\n```\n\n```sh\necho after\n```\n", encoding="utf-8"
    )
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build_site(project)
    name = fence.split()[0].strip("`")
    assert f"content/about.md:{line}: " in caplog.text, caplog.text
    assert f"unknown option 'wibble' on the ```{name} fence line" in caplog.text
