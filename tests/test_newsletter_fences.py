"""The ```posts, ```tweet and ```video fences in a real strict build."""

from __future__ import annotations

import html as html_lib
import html as htmllib
import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from masthead.content import Post
from masthead.newsletter import cards
from masthead.newsletter.cards import CardError, parse_tweet, parse_video
from masthead.newsletter.posts_fence import parse_query, plain_text, select, shorten

from .support import build_site

LISTS = """# Lists

```posts
period: 2022-11
```

```posts
category: Networking
limit: 2
excerpt: false
```

```posts
blog: newsletter
limit: 2
```

```posts
blog: all
period: 2022-12
```

```posts
tag: nothing-has-this-tag
```
"""


def _lists(html: str) -> list[list[tuple[str, str]]]:
    """[(href, title)] of each mh-posts list in the page, in order."""
    out = []
    for block in re.findall(r'<ul class="mh-posts[^"]*">(.*?)</ul>', html, re.DOTALL):
        links = re.findall(r'<a class="mh-posts__link" href="([^"]+)">([^<]+)</a>', block)
        out.append([(href, html_lib.unescape(title)) for href, title in links])
    return out


def test_posts_fence_lists_matching_posts(project: Path) -> None:
    (project / "content" / "lists.md").write_text(LISTS, encoding="utf-8")
    site = build_site(project)
    page = site / "lists" / "index.html"
    html = page.read_text(encoding="utf-8")
    lists = _lists(html)
    assert len(lists) == 5
    # newest first, only November's posts
    assert [t for _, t in lists[0]] == [
        "seccomp profiles without tears",
        "Veth pairs and bridges by hand",
    ]
    assert [t for _, t in lists[1]] == [
        "It's always DNS: debugging name resolution in a cluster",
        "Veth pairs and bridges by hand",
    ]
    assert [t for _, t in lists[2]] == ["2022 in review", "December 2022: CPU limits and DNS"]
    # blog: all mixes posts and issues of every newsletter
    titles = [t for _, t in lists[3]]
    assert (
        "CPU limits and the 100 ms trap" in titles and "Events in the order they happened" in titles
    )
    assert "December 2022: CPU limits and DNS" not in titles  # dated 2023-01-02
    assert lists[4] == []
    assert "Nothing published here yet." in html
    # links resolve to built pages
    for items in lists:
        for href, _ in items:
            assert (page.parent / href / "index.html").resolve().is_file(), href
    # issues carry their newsletter's badge; excerpts only where asked
    second = re.findall(r'<ul class="mh-posts">(.*?)</ul>', html, re.DOTALL)
    assert "mh-posts__excerpt" in second[0] and "mh-posts__excerpt" not in second[1]
    assert '<span class="mh-posts__badge">Newsletter</span>' in second[2]
    assert '<span class="mh-posts__badge">Tip</span>' in second[3]
    assert re.search(r'<time datetime="2022-11-23">November 23, 2022</time>', second[0])


def test_home_page_shows_latest_posts_and_issues(project: Path) -> None:
    site = build_site(project)
    lists = _lists((site / "index.html").read_text(encoding="utf-8"))
    assert len(lists) == 2
    assert len(lists[0]) == 5 and lists[0][0][1].startswith("It's always DNS")
    assert [t for _, t in lists[1]][:2] == ["2022 in review", "December 2022: CPU limits and DNS"]


def test_cards_markup_follows_the_contract(project: Path) -> None:
    site = build_site(project)
    html = (site / "newsletter" / "2023" / "01" / "2022-in-review" / "index.html").read_text(
        encoding="utf-8"
    )
    tweet = re.search(
        r'<figure class="mh-card mh-tweet" data-mh-card="([^"]+)">(.*?)</figure>', html, re.DOTALL
    )
    assert tweet is not None
    # The card carries its model, from which the email step makes the email form.
    model = cards.card_from_data(htmllib.unescape(tweet.group(1)))
    assert isinstance(model, cards.Tweet) and model.handle == "danaops"
    assert model.url.startswith("https://twitter.com/danaops/status/")
    assert model.avatar is not None and (site / model.avatar.path).is_file()
    body = tweet.group(2)
    avatar = re.search(r'<img class="mh-tweet__avatar" src="([^"]+)"', body)
    assert avatar is not None and not avatar.group(1).startswith(("http", "//"))
    assert (site / "newsletter/2023/01/2022-in-review" / avatar.group(1)).resolve().is_file()
    for text in (
        "Dana Okafor",
        "@danaops",
        "December 12, 2022",
        "<strong>214</strong> Retweets",
        "<strong>1,380</strong> Likes",
        "p99 went from 310 ms to 45 ms",
    ):
        assert text in body, text
    video = re.search(
        r'<figure class="mh-card mh-video" data-mh-card="([^"]+)">(.*?)</figure>', html, re.DOTALL
    )
    assert video is not None
    clip = cards.card_from_data(htmllib.unescape(video.group(1)))
    assert isinstance(clip, cards.Video) and clip.url.startswith("https://www.youtube.com/watch?v=")
    assert clip.thumbnail is not None and (site / clip.thumbnail.path).is_file()
    assert "Build a container in 45 minutes" in video.group(2)
    # nothing from another host until a click: no iframe, no remote src, no third-party script
    assert "<iframe" not in html
    assert not re.findall(r'<(?:img|script|source|video)\b[^>]*\ssrc="(?:https?:)?//', html)


@pytest.mark.parametrize(
    ("fence", "expected"),
    [
        ("```posts\nlimit: none\n```", ":10: expected 'limit:' to be a whole number"),
        ("```posts\ncolour: red\n```", ":10: unknown key 'colour' in ```posts"),
        (
            "```tweet\nauthor: A\nhandle: a\ndate: 2022-01-01\ntext: hi\nurl: ftp://x\n```",
            ":14: expected 'url:' to be an absolute https:// link",
        ),
        (
            "```tweet\nauthor: A\nhandle: a\ndate: 2022-01-01\ntext: hi\n"
            "url: https://x.example/1\navatar: https://cdn.example/a.png\n```",
            ":15: 'avatar:' must be a local image file",
        ),
        (
            "```video\nurl: https://v.example/1\ntitle: T\nthumbnail: missing.png\n```",
            ":12: no image file 'missing.png'",
        ),
    ],
)
def test_fence_errors_fail_the_build_naming_file_and_line(
    project: Path, caplog: pytest.LogCaptureFixture, fence: str, expected: str
) -> None:
    page = project / "content" / "broken.md"
    page.write_text(f"---\ntitle: Broken\n---\n\n# Broken\n\nText.\n\n{fence}\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build_site(project)
    assert f"content/broken.md{expected}" in caplog.text


def _post(
    slug: str, day: str, cats: tuple[str, ...] = (), tags: tuple[str, ...] = (), draft: bool = False
) -> Post:
    return Post(
        Path(f"blog/posts/{slug}.md"),
        slug.title(),
        datetime.fromisoformat(day).replace(tzinfo=UTC),
        slug,
        f"blog/{slug}/",
        "",
        "",
        cats,
        tags,
        ("mira",),
        draft,
    )


def test_select_filters_and_orders() -> None:
    pool = {
        "blog": [
            _post("a", "2022-11-02", ("Linux",), ("ebpf",)),
            _post("b", "2022-11-20", ("Kubernetes",)),
            _post("c", "2022-12-01", ("linux",), ("EBPF",)),
            _post("d", "2022-11-25", ("Linux",), draft=True),
        ],
        "newsletter": [_post("n", "2022-12-02")],
    }
    query = parse_query("period: 2022-11\n", default_blog="blog", blogs=list(pool))
    assert [p.slug for _, p in select(pool, query)] == ["b", "a"]
    query = parse_query("category: Linux\n", default_blog="blog", blogs=list(pool))
    assert [p.slug for _, p in select(pool, query)] == ["c", "a"]
    query = parse_query("tag: [ebpf]\nlimit: 1\n", default_blog="blog", blogs=list(pool))
    assert [p.slug for _, p in select(pool, query)] == ["c"]
    query = parse_query("blog: all\n", default_blog="blog", blogs=list(pool))
    assert [b for b, _ in select(pool, query)] == ["newsletter", "blog", "blog", "blog"]
    with pytest.raises(CardError) as exc:
        parse_query("\nblog: weekly\n", default_blog="blog", blogs=list(pool))
    assert exc.value.line == 2 and "no blog 'weekly'" in exc.value.message


def test_plain_text_and_shorten() -> None:
    md = "Read **this** [post](x.md) and `run` it.\n\n![img](a.png) <b>Bold</b>"
    assert plain_text(md) == "Read this post and run it. Bold"
    assert shorten("word " * 100, 30).endswith("…") and len(shorten("word " * 100, 30)) <= 30


def test_card_parsers_without_mkdocs(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "t.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    video = parse_video(
        "url: https://youtu.be/x\ntitle: T\nthumbnail: ../img/t.png\n",
        page_src="posts/p.md",
        docs_dir=tmp_path,
    )
    assert video.thumbnail is not None and video.thumbnail.docs_path == "img/t.png"
    assert video.source == "YouTube"
    tweet = parse_tweet(
        "author: Ada Lovelace\nhandle: '@ada'\ndate: 2022-01-02\ntext: hi\n"
        "url: https://x.com/ada/status/1\n",
        page_src="p.md",
        docs_dir=tmp_path,
    )
    assert tweet.handle == "ada" and tweet.avatar is None
    with pytest.raises(CardError) as exc:
        parse_tweet(
            "author: A\nhandle: a\ndate: 2022-01-02\ntext: hi\nurl: https://x.com/1\nlikes: many\n",
            page_src="p.md",
            docs_dir=tmp_path,
        )
    assert exc.value.line == 6


def test_under_serve_a_broken_card_shows_an_error_box(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Under ``mkdocs serve`` errors go into the page, and the build carries on."""
    import os

    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    page = project / "content" / "broken.md"
    page.write_text(
        "# Broken\n\n```video\nurl: https://v.example/1\ntitle: T\nthumbnail: gone.png\n```\n\n"
        "```posts\nlimit: 1\n```\n",
        encoding="utf-8",
    )
    cwd = os.getcwd()
    os.chdir(project)
    try:
        config = load_config(str(project / "mkdocs.yml"), site_dir=str(project / "served"))
        config.plugins.on_startup(command="serve", dirty=False)
        try:
            with caplog.at_level(logging.INFO):
                build(config, serve_url="http://127.0.0.1:8000/")
        finally:
            config.plugins.on_shutdown()
    finally:
        os.chdir(cwd)
    html = (project / "served" / "broken" / "index.html").read_text(encoding="utf-8")
    assert 'class="admonition failure mh-error"' in html
    assert "content/broken.md:6: no image file &#x27;gone.png&#x27;" in html
    assert 'class="mh-posts"' in html  # the rest of the page still renders
    assert "content/broken.md:6: no image file" in caplog.text


def test_cards_and_lists_in_excerpts_link_from_the_blog_index(project: Path) -> None:
    post = project / "content" / "blog" / "posts" / "cluster-dns-debugging.md"
    text = post.read_text(encoding="utf-8")
    head, _, rest = text.partition("<!-- more -->")
    card = (
        "\n```video\nurl: https://v.example/dns\ntitle: DNS talk\n"
        "thumbnail: ../../assets/images/workshop-containers-from-scratch.jpg\n```\n\n"
        "```posts\nperiod: 2022-11\n```\n\n"
    )
    post.write_text(head + card + "<!-- more -->" + rest, encoding="utf-8")
    site = build_site(project)
    pages = [site / "blog" / "index.html", next(site.rglob("cluster-dns-debugging/index.html"))]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        thumb = re.search(r'<img class="mh-video__thumb" src="([^"]+)"', html)
        assert thumb is not None, page
        assert (page.parent / thumb.group(1)).resolve().is_file(), (page, thumb.group(1))
        hrefs = re.findall(r'<a class="mh-posts__link" href="([^"]+)"', html)
        assert len(hrefs) == 2, page
        for href in hrefs:
            assert (page.parent / href / "index.html").resolve().is_file(), (page, href)


def test_under_serve_a_bad_issue_front_matter_shows_in_the_page(project: Path) -> None:
    import os

    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    issue = project / "content" / "newsletter" / "posts" / "2022-12.md"
    issue.write_text(
        issue.read_text(encoding="utf-8").replace("kind: monthly", "kind: weekly"), "utf-8"
    )
    cwd = os.getcwd()
    os.chdir(project)
    try:
        config = load_config(str(project / "mkdocs.yml"), site_dir=str(project / "served"))
        config.plugins.on_startup(command="serve", dirty=False)
        try:
            build(config, serve_url="http://127.0.0.1:8000/")
        finally:
            config.plugins.on_shutdown()
    finally:
        os.chdir(cwd)
    page = next((project / "served" / "newsletter").rglob("december-2022/index.html"))
    html = page.read_text(encoding="utf-8")
    assert "Newsletter issue front matter" in html
    assert "content/newsletter/posts/2022-12.md:6: expected &#x27;kind:&#x27;" in html
    assert "mh-share__link--x" in html  # the rest of the page is still there
