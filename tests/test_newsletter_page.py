"""An issue page has what a newsletter archive reader expects; checked in a real
strict build and in headless Chromium at phone and desktop widths."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from masthead.newsletter.issue import Issue, load_issues

from .support import build_site, copy_project, serve_directory

SITE_URL = "https://kernelnotes.example.org/"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[Issue]]:
    project = copy_project(tmp_path_factory.mktemp("page") / "project")
    site = build_site(project)
    issues = [i for i in load_issues(project / "content") if i.post and not i.post.draft]
    return project, site, issues


def _page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def _section(html: str, css_class: str) -> str:
    """Inner HTML of the first element with class ``css_class`` (balanced tags)."""
    start = re.search(rf'<(\w+) class="{css_class}"[^>]*>', html)
    assert start is not None, f"no .{css_class}"
    tag, depth, pos = start.group(1), 1, start.end()
    pattern = re.compile(rf"<(/?){tag}\b[^>]*>")
    while depth:
        m = pattern.search(html, pos)
        assert m is not None, f"unclosed .{css_class}"
        depth += -1 if m.group(1) else 1
        pos = m.end()
    return html[start.end() : m.start()]


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _resolves(site: Path, page_url: str, href: str) -> bool:
    target = (site / page_url / href).resolve()
    return (target / "index.html").is_file() if href.endswith("/") else target.is_file()


def test_issue_page_has_every_element(built: tuple[Path, Path, list[Issue]]) -> None:
    _, site, issues = built
    december = next(i for i in issues if str(i.period) == "2022-12")
    assert december.url is not None and december.post is not None
    html = _page(site, december.url)
    absolute = SITE_URL + december.url

    # "Published <date> • N min read"
    meta = _text(_section(html, "mh-post-meta__line"))
    assert re.fullmatch(r"Published January 2, 2023 • \d+ min read", meta), meta

    # author card with bio
    card = _text(re.search(r'<aside class="mh-author-card".*?</aside>', html, re.DOTALL).group(0))
    assert "Mira Castellanos" in card and "keeps a few hundred nodes of Kubernetes" in card

    # share links: plain links with the absolute page URL, no third-party script
    share = re.findall(r'<a class="mh-share__link mh-share__link--(\w+)" href="([^"]+)"', html)
    hrefs = {name: html_lib.unescape(href) for name, href in share}
    assert list(hrefs) == ["x", "linkedin", "hackernews", "reddit", "email", "copy"]
    assert parse_qs(urlsplit(hrefs["x"]).query)["url"] == [absolute]
    assert urlsplit(hrefs["x"]).netloc == "x.com"
    assert parse_qs(urlsplit(hrefs["linkedin"]).query)["url"] == [absolute]
    assert parse_qs(urlsplit(hrefs["hackernews"]).query)["u"] == [absolute]
    assert parse_qs(urlsplit(hrefs["reddit"]).query)["url"] == [absolute]
    assert hrefs["email"].startswith("mailto:?subject=")
    assert absolute in unquote(hrefs["email"])
    assert hrefs["copy"] == absolute
    for src in re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", html):
        assert not re.match(r"^(https?:)?//", src), src

    # subscribe form, provider from mkdocs.yml (Buttondown for the main newsletter)
    form = re.search(r'<form class="mh-subscribe__form" action="([^"]+)" method="post"', html)
    assert form is not None
    assert form.group(1) == "https://buttondown.com/api/emails/embed-subscribe/kernelnotes"
    assert 'type="email"' in html and 'name="email"' in html
    assert "Subscribe to Kernel Notes" in html

    # "Read more from <author>": the 3 latest other issues, with excerpt, date, read time
    more = _section(html, "mh-read-more")
    assert "Read more from Mira Castellanos" in more
    items = re.findall(r'<li class="mh-read-more__item">(.*?)</li>', more, re.DOTALL)
    others = [i for i in issues if i.newsletter == "newsletter" and i.url != december.url]
    expected = [i.title for i in sorted(others, key=lambda i: i.date, reverse=True)[:3]]
    assert [_text(re.search(r"<a [^>]*>(.*?)</a>", it).group(1)) for it in items] == expected
    for item in items:
        assert re.search(r'<p class="mh-read-more__excerpt">\S', item)
        assert re.search(r"\w+ \d{1,2}, \d{4}", _text(item))
        assert re.search(r"\d+ min read", _text(item))

    # previous / next issue
    prev = re.search(r'class="mh-pager__link mh-pager__link--prev" rel="prev" href="([^"]+)"', html)
    nxt = re.search(r'class="mh-pager__link mh-pager__link--next" rel="next" href="([^"]+)"', html)
    assert prev is not None and nxt is not None
    newsletter = sorted((i for i in issues if i.newsletter == "newsletter"), key=lambda i: i.date)
    at = [i.url for i in newsletter].index(december.url)
    assert (site / december.url / prev.group(1)).resolve() == (
        site / newsletter[at - 1].url
    ).resolve()
    assert (site / december.url / nxt.group(1)).resolve() == (
        site / newsletter[at + 1].url
    ).resolve()


def test_tips_issue_uses_its_own_newsletter(built: tuple[Path, Path, list[Issue]]) -> None:
    _, site, _ = built
    page = next(p for p in (site / "tips").rglob("index.html") if "mh-post-header" in p.read_text())
    html = page.read_text(encoding="utf-8")
    assert 'action="https://app.kit.com/forms/4827361/subscriptions"' in html
    assert 'name="email_address"' in html and "Get the tips" in html
    assert "Subscribe to Kernel Tips" in html


def test_series_posts_link_to_each_other_in_order(built: tuple[Path, Path, list[Issue]]) -> None:
    _, site, _ = built
    parts = ["namespaces-with-unshare", "overlayfs-image-layers", "runc-and-containerd"]
    urls = {p: next(site.joinpath("blog").rglob(f"{p}/index.html")).parent for p in parts}
    for number, name in enumerate(parts, start=1):
        html = (urls[name] / "index.html").read_text(encoding="utf-8")
        box = re.search(r'<aside class="mh-series".*?</aside>', html, re.DOTALL)
        assert box is not None, name
        assert f"Part {number} of 3 in the series" in _text(box.group(0))
        links = re.findall(r'<a href="([^"]+)">', box.group(0))
        targets = [(urls[name] / href).resolve() for href in links]
        assert targets == [urls[p].resolve() for p in parts if p != name]
        assert re.search(r'<span aria-current="page">', box.group(0))
        # blog posts share and subscribe too, but have no "read more" of issues
        assert "mh-share__link--x" in html and "mh-subscribe__form" in html
        assert "mh-read-more" not in html


def _recorder(seen: list[str], base: str) -> Any:
    def record(request: Any) -> None:
        if not request.url.startswith((base, "data:")):
            seen.append(request.url)

    return record


@pytest.mark.browser
def test_issue_page_in_chromium(
    built: tuple[Path, Path, list[Issue]], browser: Any, artifacts: Path
) -> None:
    _, site, issues = built
    recap = next(i for i in issues if i.kind == "annual")
    december = next(i for i in issues if str(i.period) == "2022-12")
    with serve_directory(site) as base:
        for issue in (recap, december):
            assert issue.url is not None
            for width in (375, 1280):
                page = browser.new_page(viewport={"width": width, "height": 900})
                try:
                    outside: list[str] = []
                    page.on("request", _recorder(outside, base))
                    response = page.goto(base + issue.url)
                    assert response is not None and response.ok
                    page.wait_for_load_state("load")
                    scroll = page.evaluate("document.scrollingElement.scrollWidth")
                    inner = page.evaluate("innerWidth")
                    assert scroll <= inner, f"{issue.url} scrolls sideways at {width}px"
                    # every image loads (lazy ones too) from the site itself
                    page.evaluate(
                        "document.querySelectorAll('img').forEach(i => i.loading = 'eager')"
                    )
                    page.wait_for_function(
                        "[...document.images].every(i => i.complete)", timeout=10_000
                    )
                    broken = page.evaluate(
                        "[...document.images].filter(i => !i.naturalWidth).map(i => i.src)"
                    )
                    assert broken == [], broken
                    name = issue.url.strip("/").replace("/", "_")
                    page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)
                    assert outside == [], outside  # nothing loaded from another host
                    for selector in (
                        ".mh-post-meta",
                        ".mh-author-card",
                        ".mh-share",
                        ".mh-subscribe",
                        ".mh-read-more",
                        ".mh-pager",
                    ):
                        assert page.locator(selector).first.is_visible(), selector
                    # share links carry the absolute page URL
                    page_url = SITE_URL + issue.url
                    shares = page.eval_on_selector_all(
                        ".mh-share__link", "els => els.map(a => a.href)"
                    )
                    assert len(shares) == 6
                    for href in shares:
                        assert page_url in unquote(href), href
                    # read-more and pager links resolve to built pages
                    links = page.eval_on_selector_all(
                        ".mh-read-more__link, .mh-pager__link", "els => els.map(a => a.href)"
                    )
                    assert len(links) >= 4
                    for href in links:
                        assert href.startswith(base), href
                        path = href[len(base) :]
                        assert _resolves(site, "", path), href
                finally:
                    page.close()
        # follow a read-more link like a reader would
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        try:
            page.goto(base + december.url)
            first = page.locator(".mh-read-more__link").first
            title = first.inner_text()
            first.click()
            page.wait_for_load_state("load")
            heading = page.locator("h1").first.inner_text().replace("¶", "").strip()
            assert heading == title.strip()
        finally:
            page.close()
