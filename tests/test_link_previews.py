"""Link previews: each page's meta description, Open Graph and Twitter tags, social cards.

Real MkDocs builds of the example publication and of projects made by
``masthead init``; the cards are read back from the built site (their PNG
header, their pixels) and from the cache folder.
"""

from __future__ import annotations

import http.server
import logging
import re
import struct
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest
import yaml
from mkdocs.exceptions import Abort
from PIL import Image

from masthead.cli import main
from masthead.errors import FrontMatterError
from masthead.frontmatter import split
from masthead.newsletter import meta
from masthead.social import text
from masthead.social.draw import CardSpec, draw

from .support import build_site, copy_project

DAY = "2025-06-14"
POST = "how-this-site-is-made"
ISSUE = "june-2025"
POST_PAGE = f"blog/2025/06/14/{POST}/index.html"
ISSUE_PAGE = f"newsletter/2025/06/14/{ISSUE}/index.html"
CARDS = "assets/masthead/cards"
CACHE = ".cache/masthead/cards"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# -- reading what a build wrote ---------------------------------------------------------


class Head(HTMLParser):
    """The ``<meta>`` tags (by property or name) and the canonical link of a page's head."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: dict[str, list[str]] = {}
        self.canonical = ""
        self._in_head = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "head":
            self._in_head = True
        elif self._in_head and tag == "meta" and "content" in found:
            key = found.get("property") or found.get("name") or ""
            self.tags.setdefault(key, []).append(found["content"])
        elif self._in_head and tag == "link" and found.get("rel") == "canonical":
            self.canonical = found.get("href", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False

    def one(self, key: str) -> str:
        values = self.tags.get(key, [])
        assert len(values) == 1, f"{key}: {values}"
        return values[0]


def head(site: Path, page: str) -> Head:
    return Head((site / page).read_text(encoding="utf-8"))


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (its IHDR chunk)."""
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def in_site(site: Path, site_url: str, url: str) -> Path:
    """The file of the site an absolute URL of it names."""
    assert url.startswith(site_url), url
    return site / url[len(site_url) :]


def first_heading(path: Path) -> str:
    return next(
        line[2:].strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("# ")
    )


def excerpt_words(path: Path) -> list[str]:
    """The first words of the paragraph after a post's title."""
    body = split(path.read_text(encoding="utf-8"), path).body
    paragraph = body.split("\n# ", 1)[-1].split("\n\n")[1]
    return re.sub(r"[`*_]", "", paragraph).split()[:6]


def front_matter(path: Path) -> dict[str, object]:
    return dict(split(path.read_text(encoding="utf-8"), path).meta)


def add_front_matter(path: Path, lines: str) -> int:
    """Add ``lines`` to the front matter of ``path``; returns the line number of the first."""
    source = path.read_text(encoding="utf-8")
    assert source.startswith("---\n")
    path.write_text("---\n" + lines + source[4:], encoding="utf-8")
    return 2


def new_publication(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A project made by ``masthead init`` (the installed scaffold, nothing of the example)."""
    project = tmp_path / "pub"
    assert main(["init", str(project), "--date", DAY]) == 0
    capsys.readouterr()
    return project


def newsletter_option(project: Path, line: str) -> None:
    """Add ``line`` (e.g. ``social_cards: false``) to masthead/newsletter in mkdocs.yml."""
    config = project / "mkdocs.yml"
    source = config.read_text(encoding="utf-8")
    anchor = "  - masthead/newsletter:\n"
    assert anchor in source
    config.write_text(source.replace(anchor, f"{anchor}      {line}\n"), encoding="utf-8")


def drew(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "social card(s)" in r.getMessage()]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The example publication, built once: (project, site)."""
    project = copy_project(tmp_path_factory.mktemp("example") / "project")
    return project, build_site(project)


# -- the example ------------------------------------------------------------------------


def test_posts_issues_and_list_pages_of_the_example_have_their_own_preview(
    example: tuple[Path, Path],
) -> None:
    project, site = example
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    site_url = config["site_url"]
    authors = yaml.safe_load((project / "content" / ".authors.yml").read_text())["authors"]

    source = project / "content" / "blog" / "posts" / "kubelet-sync-loop.md"
    (page,) = site.glob("blog/*/*/kubelet-sync-loop/index.html")
    post = head(site, str(page.relative_to(site)))
    matter = front_matter(source)
    assert post.one("og:type") == "article"
    assert post.one("og:title") == first_heading(source) == post.one("twitter:title")
    assert (
        post.one("og:url") == post.canonical == site_url + str(page.parent.relative_to(site)) + "/"
    )
    assert post.one("og:site_name") == config["site_name"]
    assert post.one("og:locale") == "en_US"  # theme.language: en
    assert post.one("article:published_time").startswith(f"{matter['date']}T")
    assert "article:modified_time" not in post.tags  # no updated date
    assert post.tags["article:author"] == [authors[a]["name"] for a in matter["authors"]]  # type: ignore[attr-defined]
    assert post.tags["article:tag"] == matter["tags"]
    # Its own description: the words of its excerpt, not the site's.
    description = post.one("description")
    assert "description" not in matter
    assert description.split()[:6] == excerpt_words(source)
    assert description != " ".join(config["site_description"].split())
    assert len(description) <= meta.DESCRIPTION_CHARS
    assert post.one("og:description") == description == post.one("twitter:description")
    assert post.one("twitter:card") == "summary_large_image"
    assert post.one("twitter:image") == post.one("og:image")
    assert post.one("og:image:alt") == post.one("og:title")

    issue_source = project / "content" / "newsletter" / "posts" / "2022-12.md"
    slug = front_matter(issue_source)["slug"]
    (issue_page,) = site.glob(f"newsletter/*/*/{slug}/index.html")
    issue = head(site, str(issue_page.relative_to(site)))
    assert issue.one("og:type") == "article"
    assert issue.one("og:title") == first_heading(issue_source)
    assert issue.one("description").split()[:6] == excerpt_words(issue_source)
    assert issue.one("og:url") == issue.canonical
    assert issue.one("og:image") != post.one("og:image")

    letter = next(
        item
        for plugin in config["plugins"]
        if isinstance(plugin, dict) and "masthead/newsletter" in plugin
        for item in plugin["masthead/newsletter"]["newsletters"]
        if item["blog_dir"] == "newsletter"
    )
    index = head(site, "newsletter/index.html")
    assert index.one("og:type") == "website"
    assert index.one("og:url") == index.canonical == site_url + "newsletter/"
    assert index.one("og:description") == " ".join(letter["description"].split())
    assert index.one("description") == index.one("og:description")
    assert "article:published_time" not in index.tags and "article:author" not in index.tags
    archive = head(site, "blog/archive/2022/index.html")
    assert archive.one("og:type") == "website"
    assert archive.one("og:description") == " ".join(config["site_description"].split())
    assert archive.one("twitter:card") == "summary_large_image"
    # Every other page too: the home page (under the site's name), an about page, tags.
    home = head(site, "index.html")
    assert home.one("og:title") == config["site_name"] and home.one("og:url") == site_url
    for other in (home, head(site, "about/index.html"), head(site, "tags/index.html")):
        assert other.one("og:type") == "website"
        assert other.one("og:image").startswith(site_url + "assets/masthead/cards/")
        assert other.one("twitter:card") == "summary_large_image"
    assert len({home.one("og:image"), head(site, "about/index.html").one("og:image")}) == 2


def test_every_card_is_a_1200x630_png_the_site_serves_at_its_og_image(
    example: tuple[Path, Path],
) -> None:
    project, site = example
    site_url = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))["site_url"]
    articles: dict[str, str] = {}
    for page in site.rglob("index.html"):
        tags = Head(page.read_text(encoding="utf-8")).tags
        if "og:type" not in tags:
            continue
        (url,) = tags["og:image"]
        card = in_site(site, site_url, url)
        assert card.parent == site / CARDS
        assert png_size(card.read_bytes()) == (1200, 630)
        assert (tags["og:image:width"], tags["og:image:height"]) == (["1200"], ["630"])
        assert (project / CACHE / card.name).read_bytes() == card.read_bytes()
        if tags["og:type"] == ["article"]:
            articles[str(page)] = url
    posts = list((project / "content").glob("*/posts/*.md"))
    assert len(articles) == len(posts)
    assert len(set(articles.values())) == len(posts)  # a card of its own for each
    drawn = {p.name for p in (site / CARDS).iterdir()}
    assert not [p for p in (project / "content").rglob("*") if p.name in drawn]  # not in docs


def test_two_clean_builds_draw_the_same_bytes(example: tuple[Path, Path], tmp_path: Path) -> None:
    _, site = example
    again = build_site(copy_project(tmp_path / "again"))
    first = {p.name: p.read_bytes() for p in (site / CARDS).iterdir()}
    second = {p.name: p.read_bytes() for p in (again / CARDS).iterdir()}
    assert first and first == second


# -- a project made by masthead init -----------------------------------------------------


def test_an_unchanged_card_is_never_drawn_again_and_a_new_title_draws_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    project = new_publication(tmp_path, capsys)
    site_url = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))["site_url"]
    with caplog.at_level(logging.INFO):
        site = build_site(project)
    cards = sorted(p.name for p in (site / CARDS).iterdir())
    assert drew(caplog) == [
        f"masthead/newsletter: drew {len(cards)} social card(s), 0 from the cache"
    ]
    post = head(site, POST_PAGE)
    old = in_site(site, site_url, post.one("og:image")).name
    cached = project / CACHE / old
    stamp = cached.stat().st_mtime_ns

    caplog.clear()
    with caplog.at_level(logging.INFO):
        build_site(project)
    assert drew(caplog) == []
    assert cached.stat().st_mtime_ns == stamp
    assert head(site, POST_PAGE).one("og:image") == post.one("og:image")
    assert sorted(p.name for p in (site / CARDS).iterdir()) == cards

    source = project / "content" / "blog" / "posts" / f"{POST}.md"
    title = first_heading(source)
    source.write_text(
        source.read_text(encoding="utf-8").replace(f"# {title}\n", "# A new title\n"),
        encoding="utf-8",
    )
    caplog.clear()
    with caplog.at_level(logging.INFO):
        build_site(project)
    assert drew(caplog) == [
        f"masthead/newsletter: drew 1 social card(s), {len(cards) - 1} from the cache"
    ]
    changed = head(site, POST_PAGE)
    assert changed.one("og:title") == "A new title"
    new = in_site(site, site_url, changed.one("og:image"))
    assert new.name != old and new.is_file()
    assert not (site / CARDS / old).exists()  # the site has this build's cards only
    assert cached.is_file() and cached.stat().st_mtime_ns == stamp


def test_a_pages_own_image_wins_over_its_card(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = new_publication(tmp_path, capsys)
    site_url = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))["site_url"]
    avatar = next((project / "content" / "assets" / "images").glob("*.png"))
    add_front_matter(
        project / "content" / "blog" / "posts" / f"{POST}.md",
        f"image: ../../assets/images/{avatar.name}\n",
    )
    elsewhere = "https://images.example.net/june.png?w=1200"
    add_front_matter(
        project / "content" / "newsletter" / "posts" / "2025-06.md", f"image: {elsewhere}\n"
    )
    site = build_site(project)

    post = head(site, POST_PAGE)
    assert post.one("og:image") == f"{site_url}assets/images/{avatar.name}"
    assert in_site(site, site_url, post.one("og:image")).read_bytes() == avatar.read_bytes()
    with Image.open(avatar) as picture:
        width, height = picture.size
    assert (post.one("og:image:width"), post.one("og:image:height")) == (str(width), str(height))
    assert post.one("twitter:image") == post.one("og:image")
    issue = head(site, ISSUE_PAGE)
    assert issue.one("og:image") == elsewhere == issue.one("twitter:image")
    assert "og:image:width" not in issue.tags
    assert issue.one("twitter:card") == "summary_large_image"
    # Neither page has a card; the list pages still have theirs.
    cards = {p.name for p in (site / CARDS).iterdir()}
    assert cards and head(site, "blog/index.html").one("og:image").rsplit("/", 1)[1] in cards


def test_without_social_cards_only_pages_own_images_are_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = new_publication(tmp_path, capsys)
    newsletter_option(project, "social_cards: false")
    site = build_site(project)
    for page in (POST_PAGE, ISSUE_PAGE, "blog/index.html", "newsletter/index.html"):
        tags = head(site, page).tags
        assert "og:title" in tags and "og:description" in tags
        assert "og:image" not in tags and "twitter:image" not in tags, page
        assert tags["twitter:card"] == ["summary"]
    assert not (site / CARDS).exists()
    assert not (project / CACHE).exists()


def test_a_missing_image_stops_the_build_naming_the_page_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    project = new_publication(tmp_path, capsys)
    line = add_front_matter(
        project / "content" / "blog" / "posts" / f"{POST}.md", "image: covers/missing.png\n"
    )
    with pytest.raises(Abort):
        build_site(project)
    assert f"content/blog/posts/{POST}.md:{line}: no image file 'covers/missing.png'" in caplog.text
    assert "expected a path relative to the page or to the docs folder" in caplog.text


def test_titles_and_descriptions_are_escaped_and_dates_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = new_publication(tmp_path, capsys)
    source = project / "content" / "blog" / "posts" / f"{POST}.md"
    title = 'Pods, "probes" & <init> containers'
    description = "Why \"ready\" isn't 'live' </head> & more"
    text = source.read_text(encoding="utf-8").replace(
        f"date: {DAY}\n", f"date:\n  created: {DAY}\n  updated: 2025-06-20\n"
    )
    source.write_text(re.sub(r"(?m)^tags:.*\n", "", text, count=1), encoding="utf-8")
    add_front_matter(
        source,
        f"title: '{title}'\ndescription: '{description.replace(chr(39), chr(39) * 2)}'\n"
        'tags: [cgroups, "a \\"quoted\\" tag"]\n',
    )
    site = build_site(project)
    html = (site / POST_PAGE).read_text(encoding="utf-8")
    post = Head(html)
    assert post.one("og:title") == title == post.one("twitter:title")
    assert post.one("description") == description == post.one("og:description")
    assert post.tags["article:tag"] == ["cgroups", 'a "quoted" tag']
    assert post.one("article:published_time").startswith(f"{DAY}T")
    assert post.one("article:modified_time").startswith("2025-06-20T")
    assert html.count("</head>") == 1  # the description's is escaped


class _Counting(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counting.requests.append(self.path)
        self.send_error(404)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def avatar_host() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that records every request: (base URL, requests)."""
    _Counting.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", _Counting.requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_a_card_takes_the_theme_colour_and_never_fetches_an_avatar_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], avatar_host: tuple[str, list[str]]
) -> None:
    base, requests = avatar_host
    project = new_publication(tmp_path, capsys)
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "  name: material", "  palette: {primary: teal}\n  name: material", 1
        ),
        encoding="utf-8",
    )
    authors = project / "content" / ".authors.yml"
    authors.write_text(
        re.sub(r"avatar: .*", f"avatar: {base}you.png", authors.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    site = build_site(project)
    assert requests == []
    site_url = yaml.safe_load(config.read_text(encoding="utf-8"))["site_url"]
    with Image.open(in_site(site, site_url, head(site, POST_PAGE).one("og:image"))) as card:
        assert card.size == (1200, 630)
        pixels = card.convert("RGB")
    assert pixels.getpixel((8, 8)) == (0x00, 0x94, 0x85)  # Material's teal
    # Initials where the avatar would be: a disc of the text colour (white on teal).
    assert pixels.getpixel((128, 490)) == (0xFF, 0xFF, 0xFF)


# -- the parts ---------------------------------------------------------------------------


def test_the_fonts_draw_european_alphabets_and_letters_they_lack_in_their_closest_form() -> None:
    # German, French, Spanish, Polish, Greek and Russian titles are drawn as written.
    for title in ("Café — naïve Straße", "¿Qué año? Ñandú", "Łódź", "Καλημέρα κόσμε", "Привет"):
        assert text.drawable(title) == title
    assert text.drawable("a\u00a0b") == "a b"
    assert text.drawable("“Quotes” … ‘kept’") == "“Quotes” … ‘kept’"
    # Not in the fonts: a letter with a decomposition loses its mark, CJK is left out.
    assert text.drawable("ℌello") == "Hello"
    assert text.drawable("日本語 ok") == "ok"


def test_a_long_title_is_drawn_smaller_and_cut_only_when_nothing_fits() -> None:
    short = text.fit("Short", width=1040, height=290, sizes=(76, 60, 40), leading=1.2)
    long = text.fit("word " * 40, width=1040, height=290, sizes=(76, 60, 40), leading=1.2)
    endless = text.fit("word " * 400, width=1040, height=290, sizes=(76, 60, 40), leading=1.2)
    assert short == (76, ["Short"])
    assert long[0] < 76 and " ".join(long[1]).split() == ["word"] * 40
    assert endless[0] == 40 and endless[1][-1].endswith(text.ELLIPSIS)
    assert len(endless[1]) * round(40 * 1.2) <= 290


def test_the_card_key_covers_everything_drawn() -> None:
    spec = CardSpec("A title", "Kernel Notes", date="June 14, 2025", author="Ada")
    variants = [
        CardSpec("A title!", "Kernel Notes", date="June 14, 2025", author="Ada"),
        CardSpec("A title", "Kernel Tips", date="June 14, 2025", author="Ada"),
        CardSpec("A title", "Kernel Notes", date="June 15, 2025", author="Ada"),
        CardSpec("A title", "Kernel Notes", date="June 14, 2025", author="Ada B"),
        CardSpec("A title", "Kernel Notes", date="June 14, 2025", author="Ada", avatar=b"x"),
        CardSpec("A title", "Kernel Notes", date="June 14, 2025", author="Ada", text="#000000"),
    ]
    assert len({spec.key, *(v.key for v in variants)}) == 1 + len(variants)
    assert draw(spec) == draw(CardSpec(*[getattr(spec, f) for f in spec.__dataclass_fields__]))
    assert draw(spec) != draw(variants[0])


def test_descriptions_and_locales() -> None:
    body = "# Title\n\nThe *first* words of the excerpt.\n\n<!-- more -->\n\nThe rest."
    assert meta.description({"description": "  Its own\n words "}, body, "Site") == "Its own words"
    assert meta.description({}, body, "Site") == "The first words of the excerpt."
    assert meta.description({}, "", "The  site's.") == "The site's."
    long = meta.description({}, "# T\n\n" + "lorem ipsum " * 40, "Site")
    assert len(long) <= meta.DESCRIPTION_CHARS and long.endswith(text.ELLIPSIS)
    assert meta.og_locale("en") == "en_US"
    assert meta.og_locale("pt-BR") == "pt_BR"
    assert meta.og_locale("de") == "de_DE"


def test_a_bad_image_value_names_the_line(tmp_path: Path) -> None:
    page = tmp_path / "blog" / "posts" / "p.md"
    page.parent.mkdir(parents=True)
    source = "---\ndate: 2025-06-14\nimage: cover.svg\n---\n\n# P\n"
    page.write_text(source)
    for value, expected in (
        ("cover.svg", "expected 'image:' to be a .png, .jpg"),
        ("ftp://example.org/a.png", "expected 'image:' to be an http:// or https:// URL"),
        (["a.png"], "expected 'image:' to be an image file or an https:// URL"),
    ):
        with pytest.raises(FrontMatterError) as caught:
            meta.page_image(
                value, page_src="blog/posts/p.md", docs_dir=tmp_path, path=page, text=source
            )
        assert caught.value.line == 3 and expected in caught.value.message
    (tmp_path / "blog" / "posts" / "cover.png").write_bytes(b"")
    found = meta.page_image(
        "cover.png", page_src="blog/posts/p.md", docs_dir=tmp_path, path=page, text=source
    )
    assert found == meta.PageImage(docs_path="blog/posts/cover.png")
