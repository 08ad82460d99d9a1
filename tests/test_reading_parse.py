"""Feed parsing on the same fixtures from a file, a gzip file, HTTP and gzip over HTTP."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from masthead.reading.fetch import fetch, make_client
from masthead.reading.parse import FeedError, ParsedFeed, check_body, parse_feed, to_text

from .test_reading_helpers import Route, feed_server

FIXTURES = Path(__file__).parent / "fixtures" / "reading"
CAP = 8 * 1024 * 1024
TYPES = {".html": "text/html; charset=utf-8", ".rdf": "application/rdf+xml"}
SOURCES = ["file", "file.gz", "http", "http+gzip"]


async def _get(url: str, max_bytes: int) -> ParsedFeed:
    async with make_client() as client:
        got = await fetch(client, url, max_bytes=max_bytes, timeout=10)
    assert got.body is not None
    return parse_feed(
        got.body, url=got.final_url, content_type=got.content_type, max_bytes=max_bytes
    )


def load(name: str, via: str, tmp_path: Path, *, max_bytes: int = CAP) -> ParsedFeed:
    """Fetch fixture ``name`` through ``via`` and parse it as a pull does."""
    path = FIXTURES / name
    if via == "file":
        return asyncio.run(_get(path.as_uri(), max_bytes))
    if via == "file.gz":
        packed = tmp_path / f"{name}.gz"
        packed.write_bytes(gzip.compress(path.read_bytes()))
        return asyncio.run(_get(packed.as_uri(), max_bytes))
    route = Route(
        body=path.read_bytes(),
        content_type=TYPES.get(path.suffix, "application/rss+xml; charset=utf-8"),
        gzip=via == "http+gzip",
    )
    with feed_server({"/feed": route}) as (base, server):
        parsed = asyncio.run(_get(f"{base}/feed", max_bytes))
        if via == "http+gzip":
            assert "gzip" in server.log[0].headers.get("Accept-Encoding", "")
        return parsed


@pytest.fixture(params=SOURCES)
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., ParsedFeed]:
    via = request.param
    return lambda name, **kw: load(name, via, tmp_path, **kw)


def test_rss2(source: Callable[..., ParsedFeed]) -> None:
    feed = source("rss2.xml")
    assert feed.version == "rss20"
    assert feed.title == "Cluster Notes & Friends"
    first = feed.entries[0]
    assert first.title == "Why the kubelet evicts your pods"
    assert first.url == "https://cluster.example.org/2022/12/eviction/"  # utm_* dropped
    assert first.published == datetime(2022, 12, 5, 8, 30, tzinfo=UTC)  # +0100 -> UTC
    assert first.guid == "cluster-eviction-2022"
    assert first.categories == ("kubernetes",)
    assert (
        first.summary == "Node-pressure eviction, explained with the kubelet's own ranking rules."
    )
    undated = next(e for e in feed.entries if e.title == "A link without a date")
    assert undated.published is None
    assert len(feed.entries) == 6


def test_rss1_rdf(source: Callable[..., ParsedFeed]) -> None:
    feed = source("rss1.rdf")
    assert feed.version == "rss10"
    assert [e.url for e in feed.entries] == [
        "https://rdf.example.net/namespaces/",
        "https://rdf.example.net/seccomp/",
    ]
    assert feed.entries[1].published == datetime(2022, 12, 20, 10, tzinfo=UTC)
    assert feed.entries[0].categories == ("linux",)


def test_atom(source: Callable[..., ParsedFeed]) -> None:
    feed = source("atom.xml")
    assert feed.version == "atom10"
    assert feed.title == "Atom — container runtimes"
    overlay, runc = feed.entries
    assert overlay.title == "Overlay filesystems under containers"  # markup dropped
    assert overlay.url == "https://atom.example.com/posts/overlayfs/"  # relative, resolved
    assert overlay.published == datetime(2022, 12, 21, 12, 15, tzinfo=UTC)
    assert overlay.summary == "Whiteouts, opaque directories and redirect_dir."
    assert runc.published == datetime(2022, 12, 3, tzinfo=UTC)  # only <updated>
    assert runc.summary == "config.json is mostly mounts and namespaces."


def test_windows_1252_labelled_utf8(source: Callable[..., ParsedFeed]) -> None:
    feed = source("cp1252.xml")
    assert feed.title == "Café “Kubernetes”"
    (entry,) = feed.entries
    assert entry.title == "It’s café time – naïve pods"
    assert entry.summary == "Crème brûlée …"
    assert any("encoding" in w for w in feed.warnings)


def test_entity_bomb_refused(source: Callable[..., ParsedFeed]) -> None:
    with pytest.raises(FeedError, match=r"declares XML entities"):
        source("bomb.xml")


def test_oversize_body_refused(source: Callable[..., ParsedFeed]) -> None:
    size = (FIXTURES / "rss2.xml").stat().st_size
    with pytest.raises(FeedError, match=r"size cap"):
        source("rss2.xml", max_bytes=size // 2)


def test_html_page_is_not_a_feed(source: Callable[..., ParsedFeed]) -> None:
    with pytest.raises(FeedError, match=r"not a feed: got an HTML page") as info:
        source("page.html")
    if "http" in str(info.value.url):
        assert "the page links a feed at http://127.0.0.1:" in info.value.reason


def test_malformed_without_entries(source: Callable[..., ParsedFeed]) -> None:
    with pytest.raises(FeedError, match=r"malformed feed.*line \d+"):
        source("malformed.xml")


def test_xss_title_and_summary_reduced_to_text(source: Callable[..., ParsedFeed]) -> None:
    feed = source("xss.xml")
    assert feed.title == "Hostile feed"
    (entry,) = feed.entries  # the javascript: and data: links are dropped
    assert entry.title == "Pods & nodes"
    assert entry.summary == "Read the post."
    for text in (entry.title, entry.summary, feed.title):
        for bad in ("<", ">", "script", "onerror", "onclick", "javascript:", "svg", "alert"):
            assert bad not in text
    assert any("2 entries without an http(s) link" in w for w in feed.warnings)


def test_gzip_bomb_over_http_is_cut_at_the_cap() -> None:
    body = b"<rss version='2.0'><channel><title>" + b"A" * 4_000_000 + b"</title></channel></rss>"
    with (
        feed_server({"/bomb": Route(body=body, gzip=True)}) as (base, _server),
        pytest.raises(FeedError, match="size cap"),
    ):
        asyncio.run(_get(f"{base}/bomb", 1_000_000))


def test_check_body_lets_entities_in_content_pass() -> None:
    # A post *about* XXE may quote <!ENTITY in its content; only the prolog matters.
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
        b"<title>XXE</title><link>https://x.example/</link><description><![CDATA[<!ENTITY x "
        b'SYSTEM "file:///etc/passwd">]]></description></item></channel></rss>'
    )
    check_body(body)
    assert parse_feed(body).entries[0].summary == ""  # markup-only text is dropped
    utf16 = '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'
    with pytest.raises(FeedError, match="entities"):
        check_body(utf16.encode("utf-16"))


def test_json_and_empty_documents() -> None:
    with pytest.raises(FeedError, match="got JSON"):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1.1", "items": []}')
    with pytest.raises(FeedError, match="empty"):
        parse_feed(b"  \n")


def test_to_text() -> None:
    assert to_text("<p>a <b>b</b></p><script>x()</script><p>c</p>") == "a b c"
    assert to_text("AT&amp;T &lt;3 &#x2014; ok") == "AT&T <3 — ok"
    assert to_text("x\u202eevil\u0007") == "xevil"
    long = " ".join(["word"] * 200)
    cut = to_text(long, 30)
    assert cut.endswith("…") and len(cut) <= 31 and not cut[:-1].endswith(" ")


def _reference(body: bytes, url: str, monkeypatch: pytest.MonkeyPatch) -> ParsedFeed:
    """``body`` parsed the long way: whole, and with its location given to feedparser."""
    from masthead.reading import parse

    with monkeypatch.context() as patch:
        patch.setattr(parse, "presummarise", lambda body, content_type=None: body)
        patch.setattr(parse, "_location", lambda body, url: ({"content-location": url}, set()))
        return parse_feed(body, url=url)


def _big_feed(content: str, description: str = "after the long one") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Big</title>'
        "<item><title>Long read</title><link>https://big.example/long/</link>"
        f"<content:encoded>{content}</content:encoded></item>"
        "<item><title>Next</title><link>https://big.example/next/</link>"
        f"<description>{description}</description></item></channel></rss>"
    ).encode()


LONG_TEXT = " ".join(f"Ünïcödé word{i} &amp; more;" for i in range(1_500))


@pytest.mark.parametrize(
    ("content", "shorter"),
    [
        (f"<![CDATA[<p>{LONG_TEXT}</p>]]>", True),
        # escaped HTML, with numeric references, becomes one CDATA section
        ("&lt;p&gt;&#8220;" + LONG_TEXT.replace("&amp;", "&amp;amp;") + "&#x201D;&lt;/p&gt;", True),
        # markup first that to_text() skips, then the text (the cut must reach it)
        (
            "<![CDATA[<script>"
            + "var x = 1;" * 1_000
            + "</script><svg><text>no</text></svg><!-- c -->"
            + f"<p>{LONG_TEXT}</p>]]>",
            True,
        ),
        # to_text() reads no further than some 20,000 characters: neither does the cut
        ("<![CDATA[<p>unclosed <script>" + "x" * 250_000 + "]]>", True),
        ("<![CDATA[a]]><![CDATA[" + " b" * 10_000 + "]]>", False),  # two sections: left whole
        ("&lt;p&gt;" + "&amp;nbsp;x " * 3_000, True),  # an escaped HTML entity is fine
    ],
)
def test_long_content_is_cut_without_changing_entries(
    content: str, shorter: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from masthead.reading.parse import presummarise

    body = _big_feed(content)
    small = presummarise(body)
    assert (len(small) < len(body) - 20_000) is shorter
    small.decode("utf-8")  # still valid UTF-8
    feed = parse_feed(body, url="https://big.example/feed")
    assert not feed.warnings
    assert [e.title for e in feed.entries] == ["Long read", "Next"]
    if "unclosed" not in content:
        assert len(feed.entries[0].summary) > 200
    assert feed == _reference(body, "https://big.example/feed", monkeypatch)


def test_a_document_that_crashes_feedparser_is_a_feed_error() -> None:
    crash = b"<rss version='2.0'><channel><image><title><width>3</title></width></image>"
    with pytest.raises(FeedError) as info:
        parse_feed(crash + b"</channel></rss>", url="https://x.example/feed")
    assert info.value.reason.startswith("malformed feed: feedparser failed on it (TypeError")


def test_what_cannot_be_cut_safely_is_left_whole() -> None:
    from masthead.reading.parse import presummarise

    for body in (
        _big_feed("&lt;p&gt;" + "x&nbsp;y " * 1_000),  # not XML: feedparser's recovery decides
        _big_feed("<div><p>" + "inline markup " * 1_000 + "</p></div>"),
        _big_feed("&lt;p&gt;" + "&#1;" * 1_000),  # not an XML character
        _big_feed("<![CDATA[" + "x " * 5_000 + "]]>").replace(b"utf-8", b"iso-8859-1"),
    ):
        assert presummarise(body) == body
    latin = _big_feed("<![CDATA[" + "x " * 5_000 + "]]>")
    assert presummarise(latin, "application/rss+xml; charset=ISO-8859-1") == latin


@pytest.mark.parametrize(
    "item",
    [
        "<guid>/posts/1/</guid><link>/posts/1/</link>",  # a relative permalink GUID
        "<guid isPermaLink='true'>posts/1</guid>",
        "<guid isPermaLink='false'>/posts/1/</guid><link>https://rel.example/posts/1/</link>",
        "<guid isPermaLink='false'>6956d8b9a87b5404</guid><link>posts/1/</link>",
        "<guid>https://rel.example/posts/1/</guid>",
        "<guid><![CDATA[ /posts/1/?a=1&b=2 ]]></guid>",
        "<guid isPermaLink='true'>/posts/1/?a=1&amp;b=2</guid>",
        "<guid isPermaLink='false'><![CDATA[/posts/1/]]></guid><link>/posts/1/</link>",
    ],
)
def test_relative_links_and_guids_resolve_as_feedparser_would(
    item: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><link>/</link>"
        f"<item><title>One</title>{item}</item></channel></rss>"
    ).encode()
    url = "https://rel.example/blog/feed.xml"
    feed = parse_feed(body, url=url)
    assert feed == _reference(body, url, monkeypatch)
    assert feed.link == "https://rel.example/"
    (entry,) = feed.entries
    assert entry.url.startswith("https://rel.example/")


def test_a_relative_xml_base_resolves_as_feedparser_would(monkeypatch: pytest.MonkeyPatch) -> None:
    body = (
        b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom' xml:base='/blog/'>"
        b"<title>T</title><entry><title>One</title><id>urn:x:1</id>"
        b"<link href='posts/1/'/><updated>2022-12-01T00:00:00Z</updated></entry></feed>"
    )
    url = "https://base.example/feeds/atom.xml"
    feed = parse_feed(body, url=url)
    assert feed == _reference(body, url, monkeypatch)
    assert feed.entries[0].url == "https://base.example/blog/posts/1/"


def test_to_text_drops_a_tag_cut_in_half() -> None:
    assert to_text('Text before <span style="color: red; and the tag never en') == "Text before"
    assert to_text("<p>Kept</p><!--[if gte mso 9]> <w:Ls") == "Kept"


def test_urls() -> None:
    from masthead.reading.urls import is_safe_link, normalise_url, strip_tracking

    same = [
        "https://Example.org:443/a/b/?utm_source=x&q=1#frag",
        "http://example.org/a/b?q=1&fbclid=abc",
        "HTTPS://EXAMPLE.ORG/a/b?q=1",
    ]
    assert {normalise_url(u) for u in same} == {"https://example.org/a/b?q=1"}
    assert normalise_url("https://example.org") == "https://example.org/"
    assert normalise_url("https://example.org/A") != normalise_url("https://example.org/a")
    assert (
        strip_tracking("https://x.example/p?utm_medium=feed&id=3#c") == "https://x.example/p?id=3#c"
    )
    assert strip_tracking("https://x.example/p?id=3&b=") == "https://x.example/p?id=3&b="
    for bad in (
        "javascript:alert(1)",
        "data:text/html,x",
        "https:///nohost",
        "ftp://x.example/",
        "https://x.example/a b",
        'https://x.example/"onmouseover=x',
    ):
        assert not is_safe_link(bad), bad
    assert is_safe_link("https://x.example/it's?a=1&b=2")
