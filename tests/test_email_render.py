"""The email of an issue from page content HTML: the swaps, the HTML rules, the text part,
the .eml, the size budget (the core, without MkDocs)."""

from __future__ import annotations

import email
import email.policy
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from masthead.email import constructs, dom
from masthead.email.budget import KB
from masthead.email.imagesize import image_size
from masthead.email.inline import STYLE_LIMIT, head_style
from masthead.email.render import Author, EmailIssue, EmailSettings, IssueInfo, render_email
from masthead.email.transform import TransformContext, transform
from masthead.providers import NAMES, merge_tag

from .support import REPO, is_code_block

FIXTURES = Path(__file__).parent / "fixtures" / "email"
MERGE_TAGS = {name: tag for name in NAMES if (tag := merge_tag(name)) is not None}
"""Each provider's unsubscribe merge tag (custom has none)."""
SITE_URL = "https://kernelnotes.example.org/"
WEB_URL = SITE_URL + "newsletter/2023/01/december-2022/"
SENDER = "Mira <mira@kernelnotes.example.org>"


def issue_info(**changes: object) -> IssueInfo:
    values: dict[str, object] = {
        "slug": "december-2022",
        "title": "December 2022: CPU limits and DNS",
        "subject": "Kernel Notes, December 2022",
        "preheader": "The 100 ms CPU trap and a five-second DNS mystery.",
        "web_url": WEB_URL,
        "site_url": SITE_URL,
        "site_name": "Kernel Notes",
        "date": datetime(2023, 1, 2, tzinfo=UTC),
        "kind": "monthly",
        "period": "2022-12",
        "read_time": 6,
        "authors": (
            Author(
                name="Mira Castellanos",
                description="Platform engineer",
                bio="Mira keeps a few hundred nodes of Kubernetes boring on purpose.",
                avatar=SITE_URL + "assets/images/avatar.png",
                url=SITE_URL + "about/",
            ),
        ),
    }
    values.update(changes)
    return IssueInfo(**values)  # type: ignore[arg-type]


def render(
    settings: EmailSettings | None = None, content: str | None = None, **info: object
) -> EmailIssue:
    html = content if content is not None else (FIXTURES / "issue.html").read_text()
    return render_email(
        html,
        issue_info(**info),
        settings or EmailSettings(sender=SENDER),
        template_dir=REPO / "theme",
        site_dir=FIXTURES / "site",
    )


@pytest.fixture(scope="module")
def rendered() -> EmailIssue:
    return render(
        EmailSettings(
            sender=SENDER,
            unsubscribe_url="https://kernelnotes.example.org/unsubscribe?email={email}",
            reply_to="mira@kernelnotes.example.org",
        )
    )


def tree(html: str) -> dom.Element:
    return dom.parse(html)


def elements(html: str, tag: str) -> list[dom.Element]:
    return [e for e in tree(html).iter() if e.tag == tag]


# -- HTML rules ---------------------------------------------------------------------


def test_no_active_content_and_no_data_uris(rendered: EmailIssue) -> None:
    root = tree(rendered.html)
    tags = {e.tag for e in root.iter()}
    for banned in ("svg", "script", "iframe", "video", "form", "input", "button"):
        assert banned not in tags, banned
    assert "data:" not in rendered.html
    assert "javascript:" not in rendered.html
    assert not any(name.startswith("on") for e in root.iter() for name in e.attrs)
    assert "alert(" not in rendered.html


def test_every_image_is_absolute_with_width_and_alt(rendered: EmailIssue) -> None:
    images = elements(rendered.html, "img")
    assert len(images) >= 5
    for img in images:
        assert img.get("src").startswith(SITE_URL), img.attrs
        assert not img.get("src").endswith(".svg")
        assert img.get("width").isdigit() and 0 < int(img.get("width")) <= 552, img.attrs
        assert "alt" in img.attrs, img.attrs
    screenshot = next(i for i in images if "screenshot" in i.get("src"))
    # 800 px wide on disk, fitted into the 552 px column, height in proportion.
    # Wider than a phone's column: no height attribute, so max-width keeps its proportions.
    assert (screenshot.get("width"), screenshot.get("height")) == ("552", "")
    assert screenshot.get("alt") == "A screenshot of the dashboard"


def test_diagram_becomes_its_png(rendered: EmailIssue) -> None:
    img = next(i for i in elements(rendered.html, "img") if "diagrams" in i.get("src"))
    assert img.get("src") == SITE_URL + "assets/masthead/diagrams/abc123.png"
    assert (img.get("width"), img.get("height")) == ("552", "")
    assert img.get("alt") == "Request path from kubectl to runc"
    assert "The request path" in rendered.html


def test_svg_image_without_png_links_to_the_web_page(rendered: EmailIssue) -> None:
    assert "diagram.svg" not in rendered.html
    assert "An SVG illustration" in rendered.html
    assert any("is an SVG" in w for w in rendered.warnings)


HAND_MADE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120" viewBox="0 0 300 120">'
    '<rect x="10" y="10" width="120" height="60" fill="#326ce5"/>'
    '<text x="20" y="45" font-size="16" fill="#fff">kubelet</text>'
    '<path d="M130 40 L 280 40" stroke="#333" stroke-width="3"/></svg>'
)


def _site_with(tmp_path: Path, svg: str) -> Path:
    import shutil

    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "site", site)
    (site / "assets" / "images" / "diagram.svg").write_text(svg, encoding="utf-8")
    return site


def _rasteriser():  # type: ignore[no-untyped-def]
    import os

    from masthead.email.raster import rasteriser

    found = rasteriser()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("rsvg-convert is missing: 'make build' installs it")
        pytest.skip("rsvg-convert is missing ('make build' installs it)")
    return found


def _render_drawing(site: Path) -> EmailIssue:
    return render_email(
        (FIXTURES / "issue.html").read_text(),
        issue_info(),
        EmailSettings(sender=SENDER),
        template_dir=REPO / "theme",
        site_dir=site,
        rasterise=_rasteriser(),
    )


def test_hand_made_svg_is_drawn_as_a_2x_png_beside_it(tmp_path: Path) -> None:
    site = _site_with(tmp_path, HAND_MADE_SVG)
    email = _render_drawing(site)
    images = [e for e in tree(email.html).iter() if e.tag == "img"]
    (img,) = [e for e in images if "diagram.svg" in e.get("src")]
    assert img.get("src") == SITE_URL + "assets/images/diagram.svg.png"
    assert (img.get("width"), img.get("height")) == ("300", "120")
    assert img.get("alt") == "An SVG illustration"
    drawn = site / "assets" / "images" / "diagram.svg.png"
    assert image_size(drawn) == (600, 240)
    assert not any("is an SVG" in w for w in email.warnings)
    assert "See the image on the web" not in email.html
    assert [p.name for p in drawn.parent.iterdir() if p.name.startswith(".")] == []


def test_an_svg_that_cannot_be_drawn_links_to_the_web_page(tmp_path: Path) -> None:
    site = _site_with(tmp_path, "<svg this is not")
    email = _render_drawing(site)
    assert "diagram.svg" not in email.html and "See the image on the web" in email.html
    assert any("is an SVG" in w for w in email.warnings)
    assert not (site / "assets" / "images" / "diagram.svg.png").exists()
    assert [p.name for p in (site / "assets" / "images").iterdir() if p.name.startswith(".")] == []


def test_tweet_and_video_become_linked_table_cards(rendered: EmailIssue) -> None:
    root = tree(rendered.html)
    tweet_links = [a for a in root.iter() if a.tag == "a" and "kelsey/status/1" in a.get("href")]
    assert len(tweet_links) >= 2  # avatar and "View the post"
    card = [
        t
        for t in root.iter()
        if t.tag == "table" and "Kelsey Example" in t.text() and "View the post" in t.text()
    ][-1]
    text = re.sub(r"\s+", " ", card.text())
    assert "@kelsey" in text and "The best cluster" in text
    assert "November 8, 2022 · 1,200 Retweets · 5,400 Likes" in text
    avatar = next(i for i in card.iter() if i.tag == "img")
    assert avatar.get("alt") == "Kelsey Example" and avatar.get("width") == "48"
    video = next(
        a
        for a in root.iter()
        if a.tag == "a"
        and a.get("href").endswith("watch?v=abc")
        and a.find(lambda e: e.tag == "img") is not None
    )
    thumb = video.find(lambda e: e.tag == "img")
    assert thumb is not None and thumb.get("src") == SITE_URL + "assets/images/thumb.png"
    assert thumb.get("width") == "552"
    assert "Watch: Containers from scratch" in rendered.html


def test_reading_list_keeps_titles_sources_and_comments(rendered: EmailIssue) -> None:
    text = re.sub(r"\s+", " ", tree(rendered.html).text())
    for piece in (
        "The cgroup v2 story",
        "LWN.net",
        "A clear history of why cgroup v2 exists.",
        "Second paragraph of my comment.",
        "DNS at scale",
        "ndots:5 explained.",
    ):
        assert piece in text
    link = next(a for a in elements(rendered.html, "a") if a.text() == "The cgroup v2 story")
    assert link.get("href") == "https://lwn.net/Articles/1/"


def test_code_blocks_have_inline_highlight_colours(rendered: EmailIssue) -> None:
    pre = next(e for e in elements(rendered.html, "div") if is_code_block(e))
    spans = [s for s in pre.iter() if s.tag == "span"]
    assert spans and all(re.search(r"color:#[0-9a-f]{6}", s.get("style")) for s in spans)
    keyword = next(s for s in spans if s.text() == "def")
    assert "font-weight:bold" in keyword.get("style")
    # Long lines wrap with no CSS: no white-space rule, which Outlook for Windows never
    # reads inline and a client that drops <style> never sees.
    assert "white-space" not in rendered.html
    assert "background-color:#f6f8fa" in pre.get("style")
    assert "codelineno" not in rendered.html and "__span" not in rendered.html
    assert "def limit(cpu):" in constructs.code_text(pre)


def test_links_are_absolute(rendered: EmailIssue) -> None:
    hrefs = [a.get("href") for a in elements(rendered.html, "a") if a.get("href")]
    assert all(h.startswith(("https://", "http://", "mailto:", "{{", "*|")) for h in hrefs), hrefs
    assert SITE_URL + "blog/2022/12/cpu-limits/" in hrefs
    assert WEB_URL + "#reading" in hrefs
    assert "headerlink" not in rendered.html and "¶" not in rendered.html


def test_layout_is_a_600px_table_column_for_outlook(rendered: EmailIssue) -> None:
    html = rendered.html
    # The doctype and the head <style> are behind a comment Outlook for Windows skips.
    assert html.startswith("<!--[if !mso]><!--><!DOCTYPE html><!--<![endif]--><html")
    assert "<head><!--[if !mso]><!--><style>" in html
    assert '<!--[if mso]><table role="presentation" width="600"' in html
    container = next(t for t in elements(html, "table") if "max-width:600px" in t.get("style"))
    assert container.get("role") == "presentation"
    assert container.get("width") == "100%"
    # One column: every row of the container has a single cell.
    rows = [
        c
        for c in container.iter()
        if c.tag == "tr" and c.parent is not None and c.parent.parent is container
    ]
    assert len(rows) == 4
    assert all(len([td for td in r.children if isinstance(td, dom.Element)]) == 1 for r in rows)


def test_hidden_preheader_and_view_in_browser(rendered: EmailIssue) -> None:
    body = next(e for e in tree(rendered.html).iter() if e.tag == "body")
    first = next(c for c in body.children if isinstance(c, dom.Element))
    assert first.text().startswith("The 100 ms CPU trap")
    assert "display:none" in first.get("style") and "max-height:0" in first.get("style")
    view = next(a for a in elements(rendered.html, "a") if a.text() == "View in browser")
    assert view.get("href") == WEB_URL


def test_footer_has_author_bio_and_unsubscribe(rendered: EmailIssue) -> None:
    text = tree(rendered.html).text()
    assert "Mira Castellanos" in text and "boring on purpose" in text
    unsubscribe = next(a for a in elements(rendered.html, "a") if a.text() == "Unsubscribe")
    assert unsubscribe.get("href") == "{{ unsubscribe_url }}"


@pytest.mark.parametrize("provider", sorted(MERGE_TAGS))
def test_unsubscribe_merge_tag_survives_inlining(provider: str) -> None:
    out = render(EmailSettings(sender=SENDER, provider=provider))
    tag = MERGE_TAGS[provider]
    assert f'href="{tag}"' in out.html
    assert tag in out.text


@pytest.mark.parametrize("provider", sorted(MERGE_TAGS))
def test_template_marks_in_the_content_are_not_read_as_tags(provider: str) -> None:
    content = (
        "<p>Helm: <code>{{ .Values.image }}</code>, Liquid <code>{% raw %}</code>, "
        "Mailchimp <code>*|FNAME|*</code>.</p>"
    )
    out = render(EmailSettings(sender=SENDER, provider=provider), content=content)
    body = out.html.split('class="mh-e-content"', 1)[1].split('class="mh-e-footer"', 1)[0]
    assert "{{" not in body and "{%" not in body and "*|" not in body
    assert "&#123;&#123; .Values.image &#125;&#125;" in body
    assert "*&#124;FNAME|*" in body
    # Browsers (and the check) read the characters back unchanged.
    assert "{{ .Values.image }}" in tree(out.html).text()
    # Only the provider's own merge tag is left as a tag.
    assert out.html.count("{{") + out.html.count("*|") == 1
    assert f'href="{MERGE_TAGS[provider]}"' in out.html
    # The text part has no templating to fear when sent over SMTP: braces stay.
    assert "`{{ .Values.image }}`" in out.text


def test_custom_provider_uses_the_configured_url() -> None:
    out = render(
        EmailSettings(sender=SENDER, provider="custom", unsubscribe_url="https://x.example/u")
    )
    assert 'href="https://x.example/u"' in out.html


def test_only_media_rules_stay_in_one_head_style(rendered: EmailIssue) -> None:
    root = tree(rendered.html)
    styles = [e for e in root.iter() if e.tag == "style"]
    assert len(styles) == 1
    assert styles[0].parent is not None and styles[0].parent.tag == "head"
    css = dom.inner_html(styles[0])
    assert css.startswith("@media")
    # Outside the @media blocks nothing is left: strip them and nothing remains.
    depth, outside = 0, []
    for ch in css:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            outside.append(ch)
    assert re.sub(r"@media[^{]*", "", "".join(outside)).strip() == ""
    assert len(css.encode()) <= STYLE_LIMIT
    assert "prefers-color-scheme" not in css  # dark mode is opt-in (Gmail marks it n)
    # Plain rules were inlined: paragraphs carry their margins.
    assert all("margin" in p.get("style") for p in root.iter() if p.tag == "p")


def test_dark_mode_rules_when_enabled() -> None:
    out = render(EmailSettings(sender=SENDER, dark_mode=True))
    css = head_style(out.html)
    assert "@media (prefers-color-scheme: dark)" in css
    assert '<meta name="color-scheme" content="light dark">' in out.html
    # The classes the dark rules select were kept on their elements.
    assert 'class="mh-e-container"' in out.html


def test_elements_some_clients_do_not_know_become_plain_ones() -> None:
    result = transform(
        '<article><p><time datetime="2022">Dec</time> <mark>hot</mark> <abbr title="x">CNI</abbr>'
        "</p><details><summary>More</summary><p>hidden</p></details></article>",
        TransformContext(site_url=SITE_URL, page_url=WEB_URL),
    )
    tags = {e.tag for e in dom.parse(result.html).iter()}
    assert not tags & {"article", "time", "mark", "abbr", "details", "summary"}
    assert "Dec" in result.html and "hot" in result.html and "CNI" in result.html
    assert "More" in result.html and "hidden" in result.html


def test_code_with_line_numbers_keeps_only_the_code() -> None:
    html = (
        '<table class="highlighttable"><tr><td class="linenos"><div class="linenodiv"><pre>'
        '<span class="normal">1</span>\n<span class="normal">2</span></pre></div></td>'
        '<td class="code"><div><pre><span></span><code><span class="k">if</span> x:\n'
        '    <span class="k">pass</span>\n</code></pre></div></td></tr></table>'
    )
    result = transform(html, TransformContext(site_url=SITE_URL, page_url=WEB_URL))
    root = dom.parse(result.html)
    assert [e.tag for e in root.iter() if e.tag == "table"] == []
    (pre,) = [e for e in root.iter() if is_code_block(e)]
    assert constructs.code_text(pre) == "if x:\n    pass"
    assert pre.tag == "div" and "\u00a0\u00a0\u00a0\u00a0pass" in pre.text()
    assert all("color:#" in s.get("style") for s in pre.iter() if s.tag == "span")


def test_transform_drops_what_it_cannot_show() -> None:
    result = transform(
        '<p>a<img src="data:image/gif;base64,R0lGOD" alt="x"></p><img src="" alt="">'
        '<p style="background:url(javascript:x)">b</p>',
        TransformContext(site_url=SITE_URL, page_url=WEB_URL),
    )
    assert "<img" not in result.html and "url(" not in result.html
    assert any("data: URI" in w for w in result.warnings)


# -- text part ------------------------------------------------------------------------


def test_text_part(rendered: EmailIssue) -> None:
    text = rendered.text
    lines = text.splitlines()
    for line in lines:
        assert len(line) <= 78 or re.fullmatch(r"https?://\S+", line), line
    assert lines[0] == "December 2022: CPU limits and DNS"
    assert lines[1] == "=" * len(lines[0])
    assert "Kubernetes\n----------" in text
    assert WEB_URL in text
    # Links are numbered references listed at the end.
    number = re.search(r"CPU limits \[(\d+)\]", text)
    assert number is not None
    assert f"[{number.group(1)}] {SITE_URL}blog/2022/12/cpu-limits/" in text
    assert "\nLinks:\n" in text
    # Lists, code and the reading list comments.
    assert "1. First, `kubectl top`." in text and "2. Then the throttling counters." in text
    assert "    def limit(cpu):" in text
    assert "A clear history of why cgroup v2 exists." in text
    assert "Limit | Throttled" in text
    assert "<" not in text.replace("<=", "")
    # The long code line was cut at 78 characters with a continuation mark.
    assert any(line.endswith("\\") and line.startswith("    ") for line in lines)
    assert "Unsubscribe:\n{{ unsubscribe_url }}" in text
    # Card images are left out of the text; the card's words and link remain.
    assert "[Video:" not in text and "[Kelsey Example]" not in text
    assert "Watch: Containers from scratch [" in text and "@kelsey" in text


# -- .eml -------------------------------------------------------------------------------


def test_eml_parses_back_with_the_standard_library(rendered: EmailIssue) -> None:
    msg = email.message_from_bytes(rendered.eml, policy=email.policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert msg["Subject"] == "Kernel Notes, December 2022"
    assert msg["From"] == SENDER
    assert msg["Reply-To"] == "mira@kernelnotes.example.org"
    assert msg["Date"].datetime == datetime(2023, 1, 2, tzinfo=UTC)
    assert re.fullmatch(r"<[0-9a-f]+@kernelnotes\.example\.org>", msg["Message-ID"])
    assert (
        msg["List-Unsubscribe"].strip()
        == "<https://kernelnotes.example.org/unsubscribe?email={email}>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parts[0].get_content().replace("\r\n", "\n") == rendered.text
    assert parts[1].get_content().replace("\r\n", "\n").rstrip("\n") == rendered.html
    for line in rendered.eml.split(b"\r\n"):
        assert len(line) <= 998


def test_eml_without_unsubscribe_url_has_no_list_unsubscribe() -> None:
    out = render(EmailSettings(sender=SENDER))
    msg = email.message_from_bytes(out.eml, policy=email.policy.default)
    assert msg["List-Unsubscribe"] is None and msg["List-Unsubscribe-Post"] is None


# -- size budget ----------------------------------------------------------------------


def test_over_budget_is_a_warning_with_the_size(rendered: EmailIssue) -> None:
    assert rendered.budget.ok
    big = render(EmailSettings(sender=SENDER, budget=4 * KB))
    assert not big.budget.ok
    assert any("over the budget of 4 KB" in w for w in big.warnings)
    assert big.manifest["sizes"]["html"] == len(big.html.encode())


# -- caniemail data: option, environment, or a cached download -----------------------------


def test_caniemail_data_is_downloaded_once_and_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import time

    from masthead.email.check import ENV_VAR, load_data, locate_data
    from masthead.errors import MastheadError

    from .support import SHARED_DATA, serve_directory

    source = SHARED_DATA / "caniemail.json"
    if not source.is_file():
        pytest.skip("shared caniemail data not present")
    monkeypatch.delenv(ENV_VAR, raising=False)
    cached = tmp_path / ".cache" / "masthead" / "caniemail.json"
    with serve_directory(SHARED_DATA) as base:
        url = base + "caniemail.json"
        assert locate_data(None, tmp_path, url=url) == cached
    assert cached.read_bytes() == source.read_bytes()
    assert "html-svg" in load_data(cached)
    # The server is gone: the cached copy is used, with no download.
    assert locate_data(None, tmp_path, url=url) == cached
    # A stale copy is kept when the refresh fails.
    old = time.time() - 60 * 24 * 3600
    os.utime(cached, (old, old))
    assert locate_data(None, tmp_path, url=url) == cached
    # No copy and no server: a clear error saying what to do.
    cached.unlink()
    with pytest.raises(MastheadError, match="pass --caniemail FILE or set MASTHEAD_CANIEMAIL"):
        locate_data(None, tmp_path, url=url)
    # The option and the environment variable win over the cache.
    monkeypatch.setenv(ENV_VAR, str(source))
    assert locate_data(None, tmp_path, url=url) == source
    assert locate_data("/x/data.json", tmp_path, url=url) == Path("/x/data.json")


def test_the_svg_drawer_gets_no_secret_and_no_endless_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from masthead.email import raster

    seen = tmp_path / "environment.txt"
    tool = tmp_path / "rsvg-convert"
    tool.write_text(f"#!/bin/sh\nenv > {seen}\n(sleep 120 &)\nexit 1\n", encoding="utf-8")
    tool.chmod(0o755)
    svg = tmp_path / "a.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    monkeypatch.setenv("MASTHEAD_SMTP_PASSWORD", "s3cret")
    monkeypatch.setenv("BUTTONDOWN_API_KEY", "k3y")
    started = time.monotonic()
    assert raster.rasterise(svg, tool=str(tool)) is None  # the tool failed: no PNG
    assert time.monotonic() - started < 30  # a detached child holding the pipes is not waited on
    environment = seen.read_text(encoding="utf-8")
    assert "s3cret" not in environment and "k3y" not in environment
    assert "PATH=" in environment
    assert not list(tmp_path.glob("*.png")) and not list(tmp_path.glob(".*.tmp"))
