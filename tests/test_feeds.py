"""RSS and Atom feeds of the blog and of each newsletter, from a real strict build."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from masthead.content import BlogLayout, load_posts
from masthead.newsletter.feeds import Feed, FeedEntry, absolute_links, atom, rss

from .support import build_site, copy_project

SITE_URL = "https://kernelnotes.example.org/"
BLOGS = ("blog", "newsletter", "tips")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    project = copy_project(tmp_path_factory.mktemp("feeds") / "project")
    return project, build_site(project)


def _site_file(site: Path, url: str) -> Path:
    path = urlsplit(url).path.lstrip("/")
    return site / path / "index.html" if path.endswith("/") or not path else site / path


@pytest.mark.parametrize("blog", BLOGS)
@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feed_parses_and_mirrors_the_posts(built: tuple[Path, Path], blog: str, kind: str) -> None:
    project, site = built
    raw = (site / blog / f"{kind}.xml").read_bytes()
    feed = feedparser.parse(raw)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == ("rss20" if kind == "rss" else "atom10")
    posts = [
        p
        for p in load_posts(project / "content", BlogLayout(blog, post_url_date_format="yyyy/MM"))
        if not p.draft
    ]
    assert posts, f"the example has no {blog} posts"
    assert [e.link for e in feed.entries] == [SITE_URL + p.url for p in posts]
    for entry, post in zip(feed.entries, posts, strict=True):
        # dated from the front matter
        published = datetime(*entry.published_parsed[:6], tzinfo=UTC)
        assert published == post.date
        assert entry.title == post.title
        # the link is a built page
        assert _site_file(site, entry.link).is_file(), entry.link
        # full content: the last paragraph of the post, not just the excerpt
        html = entry.content[0].value
        last = [ln for ln in post.body.strip().splitlines() if ln.strip()][-1]
        words = re.sub(r"[`*_\[\]]|\(.*?\)", "", last).split()[:3]
        assert " ".join(words) in re.sub(r"<[^>]+>", "", html), (post.path, words)
        # every link and image absolute
        for url in re.findall(r'(?:href|src)="([^"]*)"', html):
            assert re.match(r"^(https?:|mailto:)", url), (post.path, url)
        assert "headerlink" not in html
    # the feed's own links
    links = {link.get("rel"): link.get("href") for link in feed.feed.links}
    assert links["self"] == f"{SITE_URL}{blog}/{kind}.xml"
    assert links["alternate"] == f"{SITE_URL}{blog}/"


def test_every_page_links_the_feeds_in_head(built: tuple[Path, Path]) -> None:
    _, site = built
    pages = [p for p in site.rglob("index.html")] + [site / "404.html"]
    assert len(pages) > 20
    for page in pages:
        text = page.read_text(encoding="utf-8")
        head = text.split("</head>", 1)[0]
        found = re.findall(
            r'<link rel="alternate feed" type="application/(rss|atom)\+xml" '
            r'title="[^"]+" href="([^"]+)">',
            head,
        )
        assert len(found) == 2 * len(BLOGS), page
        for _, href in found:
            if page.name == "404.html" and href.startswith("/"):
                target = site / href.lstrip("/")
            else:
                target = (page.parent / href).resolve()
            assert target.is_file(), (page, href)


def test_feed_of_cards_has_absolute_images(built: tuple[Path, Path]) -> None:
    _, site = built
    feed = feedparser.parse((site / "newsletter" / "atom.xml").read_bytes())
    recap = next(e for e in feed.entries if "2022-in-review" in e.link)
    html = recap.content[0].value
    assert 'class="mh-card mh-video"' in html
    assert f'src="{SITE_URL}assets/images/workshop-containers-from-scratch.jpg"' in html


def test_feed_module_escapes_and_drops_bad_characters() -> None:
    entry = FeedEntry(
        title="<b>Tags</b> & ampersands \x01",
        url="https://x.example/a/",
        published=datetime(2022, 12, 5, 9, 30, tzinfo=UTC),
        content_html=absolute_links(
            '<p><a href="../b/#x">b</a> <img src="i.png" srcset="i.png 1x, i@2x.png 2x">'
            "<script>alert(1)</script></p>",
            "https://x.example/a/",
        ),
    )
    feed = Feed(
        "T",
        "https://x.example/",
        "https://x.example/rss.xml",
        "https://x.example/atom.xml",
        entries=(entry,),
    )
    for text in (rss(feed), atom(feed)):
        parsed = feedparser.parse(text)
        assert not parsed.bozo
        assert parsed.entries[0].title.strip() == "<b>Tags</b> & ampersands"
        content = parsed.entries[0].content[0].value
        assert 'href="https://x.example/b/#x"' in content
        assert "https://x.example/a/i@2x.png 2x" in text  # (feedparser drops srcset)
        assert "alert" not in content
