"""Subscribe forms where readers are (home, indexes, list pages, posts), the latest issue
on the home page, and tags: on posts, on tag pages and in the feeds. Real strict builds
of the example and of a project made by ``masthead init``, and headless Chromium."""

from __future__ import annotations

import logging
import posixpath
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from mkdocs.exceptions import Abort

from masthead.cli import main
from masthead.content import Post, load_posts
from masthead.newsletter import placement
from masthead.newsletter.issue import Issue, load_issues
from masthead.newsletter.tags import collect, markdown_text

from .support import build_site, copy_project, publication, serve_directory

DAY = "2025-06-14"
ATOM = "{http://www.w3.org/2005/Atom}"


# -- reading built pages --------------------------------------------------------------


@dataclass
class Parsed:
    """What a built page holds of masthead's forms, tags and lists."""

    forms: list[dict[str, str]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    label_for: list[str] = field(default_factory=list)
    labelledby: list[str] = field(default_factory=list)
    links: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """class of an ``<a>`` -> (href, text) of each."""


class _Reader(HTMLParser):
    """Forms, ids and labels of the whole page; links of its content (the article)."""

    def __init__(self) -> None:
        super().__init__()
        self.out = Parsed()
        self._link: tuple[str, str, list[str]] | None = None
        self._articles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        classes = values.get("class", "").split()
        if tag == "article" and (self._articles or "md-content__inner" in classes):
            self._articles += 1
        if "id" in values:
            self.out.ids.append(values["id"])
        if "aria-labelledby" in values:
            self.out.labelledby.append(values["aria-labelledby"])
        if tag == "form" and "mh-subscribe__form" in classes:
            self.out.forms.append(values)
        elif tag == "label" and "for" in values:
            self.out.label_for.append(values["for"])
        elif tag == "a" and self._articles:
            self._link = (classes[0] if classes else "", values.get("href", ""), [])

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._link[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self._articles:
            self._articles -= 1
        if tag == "a" and self._link is not None:
            name, href, text = self._link
            self.out.links.setdefault(name, []).append((href, "".join(text).strip()))
            self._link = None


def parse(site: Path, url: str) -> Parsed:
    reader = _Reader()
    reader.feed((site / url / "index.html").read_text(encoding="utf-8"))
    return reader.out


def target(url: str, href: str) -> str:
    """The site-relative URL ``href`` on the page at ``url`` points to."""
    joined = posixpath.normpath(posixpath.join(url, href))
    return "" if joined == "." else joined.strip("/") + "/"


def check_ids(page: Parsed) -> None:
    """Every id once; each label and aria-labelledby of masthead's points at one of them
    (Material's table of contents has a label for a toggle some pages lack)."""
    assert len(page.ids) == len(set(page.ids)), sorted(i for i in page.ids if page.ids.count(i) > 1)
    refs = [ref for ref in page.label_for + page.labelledby if ref.startswith("mh-")]
    assert any(ref.startswith("mh-subscribe") for ref in refs) or not page.forms
    for ref in refs:
        assert ref in page.ids, ref


def actions(page: Parsed) -> list[str]:
    return [form["action"] for form in page.forms]


def set_subscribe_on(project: Path, places: dict[str, str]) -> None:
    """Give newsletters (by blog_dir) a ``subscribe_on:`` in the example's mkdocs.yml."""
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    for blog_dir, value in places.items():
        item = f"        - blog_dir: {blog_dir}\n"
        assert item in text
        text = text.replace(item, f"{item}          subscribe_on: {value}\n", 1)
    config.write_text(text, encoding="utf-8")


def issues_of(project: Path, newsletter: str) -> list[Issue]:
    """The published issues of a newsletter, as their files say."""
    model = publication(project / "mkdocs.yml")
    layout = model.blog(newsletter).layout
    return [i for i in load_issues(model.docs_dir, layout, drafts=False) if i.post]


def newest(project: Path, newsletter: str) -> Issue:
    return max(issues_of(project, newsletter), key=lambda i: i.post.date if i.post else 0)


def posts_of(project: Path, blogs: tuple[str, ...]) -> list[Post]:
    """The published posts of blog instances, as their files say."""
    model = publication(project / "mkdocs.yml")
    return [
        post
        for blog in blogs
        for post in load_posts(model.docs_dir, model.blog(blog).layout)
        if not post.draft
    ]


# -- the two projects ------------------------------------------------------------------


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    project = copy_project(tmp_path_factory.mktemp("example") / "project")
    return project, build_site(project)


@pytest.fixture(scope="module")
def initialized(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    pub = tmp_path_factory.mktemp("init") / "pub"
    assert main(["init", str(pub), "--date", DAY, "--author", "Ada Lovelace"]) == 0
    return pub, build_site(pub)


LIST_PAGES = {
    # name -> (example URL, masthead init URL)
    "home": ("", ""),
    "newsletter index": ("newsletter/", "newsletter/"),
    "blog index": ("blog/", "blog/"),
    "archive": ("blog/archive/2022/", "blog/archive/2025/"),
    "category": ("blog/category/kubernetes/", "blog/category/notes/"),
    "newsletter archive": ("newsletter/archive/2023/", "newsletter/archive/2025/"),
}


@pytest.mark.parametrize("which", ["example", "init"])
@pytest.mark.parametrize("name", list(LIST_PAGES))
def test_the_first_newsletter_is_offered_on_every_list_page(
    request: pytest.FixtureRequest, which: str, name: str
) -> None:
    project, site = request.getfixturevalue("example" if which == "example" else "initialized")
    url = LIST_PAGES[name][0 if which == "example" else 1]
    assert (site / url / "index.html").is_file(), url
    letter = publication(project / "mkdocs.yml").newsletter()
    assert letter.subscribe is not None
    page = parse(site, url)
    assert actions(page) == [letter.subscribe.action]
    check_ids(page)


def test_each_newsletter_keeps_its_own_pages(example: tuple[Path, Path]) -> None:
    project, site = example
    tips = publication(project / "mkdocs.yml").newsletter("tips")
    assert tips.subscribe is not None
    for url in ("tips/", "tips/archive/2022/", "tips/category/tips/"):
        assert actions(parse(site, url)) == [tips.subscribe.action], url
    # a newsletter's own list pages show the form before the list, the blog's after it
    issues = (site / "tips" / "index.html").read_text(encoding="utf-8")
    assert issues.index("mh-subscribe__form") < issues.index('class="md-post ')
    posts = (site / "blog" / "index.html").read_text(encoding="utf-8")
    assert posts.index('class="md-post ') < posts.index("mh-subscribe__form")


def test_places_can_be_turned_off_and_moved(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    set_subscribe_on(project, {"newsletter": "[home, index, posts]", "tips": "[home, blog, lists]"})
    (project / "content" / "tags").mkdir()
    (project / "content" / "tags" / "index.md").write_text(
        "# Topics\n\nEvery tag of the site.\n", encoding="utf-8"
    )
    site = build_site(project)
    model = publication(project / "mkdocs.yml")
    notes, tips = model.newsletter("newsletter"), model.newsletter("tips")
    assert notes.subscribe is not None and tips.subscribe is not None
    december = next(i for i in issues_of(project, "newsletter") if str(i.period) == "2022-12")
    tip = newest(project, "tips")
    post = posts_of(project, ("blog",))[0]
    expected = {
        "": [notes.subscribe.action, tips.subscribe.action],
        "newsletter/": [notes.subscribe.action],
        "newsletter/archive/2023/": [],
        str(december.url): [notes.subscribe.action],
        "blog/": [],
        "blog/archive/2022/": [tips.subscribe.action],
        "blog/category/kubernetes/": [tips.subscribe.action],
        post.url: [],
        "tips/": [],
        "tips/archive/2022/": [tips.subscribe.action],
        str(tip.url): [],
    }
    for url, wanted in expected.items():
        page = parse(site, url)
        assert actions(page) == wanted, url
        check_ids(page)

    # two boxes on the home page, each with its newsletter's latest issue
    latest = parse(site, "").links["mh-latest-issue__link"]
    wanted_issues = [newest(project, "newsletter"), tip]
    assert [title for _, title in latest] == [i.title for i in wanted_issues]
    assert [target("", href) for href, _ in latest] == [i.url for i in wanted_issues]

    # the docs' own index of tags keeps its text and gets the list
    index = (site / "tags" / "index.html").read_text(encoding="utf-8")
    assert "Every tag of the site." in index and "<h1" in index and "Topics" in index
    tags = parse(site, "tags/").links.get("", [])
    assert tags and all((site / target("tags/", href) / "index.html").is_file() for href, _ in tags)


def test_the_home_page_follows_the_newest_issue(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    site = build_site(project)
    before = newest(project, "newsletter")
    ((href, title),) = parse(site, "").links["mh-latest-issue__link"]
    assert (target("", href), title) == (before.url, before.title)

    assert before.date is not None
    newer = before.date.date().replace(year=before.date.year + 1)
    (project / "content" / "newsletter" / "posts" / "later.md").write_text(
        f"---\ndate: {newer.isoformat()}\nauthors: [mira]\ncategories: [Special]\n"
        "description: A note from the year after.\n---\n\n# A later issue\n\nHello again.\n",
        encoding="utf-8",
    )
    site = build_site(project)
    home = parse(site, "")
    ((href, title),) = home.links["mh-latest-issue__link"]
    assert title == "A later issue"
    assert (site / target("", href) / "index.html").is_file()
    assert "A note from the year after." in (site / "index.html").read_text(encoding="utf-8")


def test_a_new_publication_shows_its_latest_issue_and_its_tags(
    initialized: tuple[Path, Path],
) -> None:
    project, site = initialized
    (issue,) = issues_of(project, "newsletter")
    ((href, title),) = parse(site, "").links["mh-latest-issue__link"]
    assert (target("", href), title) == (issue.url, issue.title)

    (post,) = posts_of(project, ("blog",))
    assert post.tags
    links = parse(site, post.url).links["md-tag"]
    assert [name for _, name in links] == list(post.tags)
    for href, _ in links:
        tag_url = target(post.url, href)
        listed = parse(site, tag_url).links["mh-posts__link"]
        assert [target(tag_url, h) for h, _ in listed] == [post.url]


# -- tags ---------------------------------------------------------------------------


def test_tags_link_to_pages_that_list_their_posts(example: tuple[Path, Path]) -> None:
    project, site = example
    posts = posts_of(project, ("blog", "newsletter", "tips"))
    assert any(p.tags for p in posts if "/tips/" in f"/{p.url}"), "no tagged tip"
    for post in (p for p in posts if p.tags):
        links = parse(site, post.url).links["md-tag"]
        assert [name for _, name in links] == list(post.tags), post.url
        for href, name in links:
            tag_url = target(post.url, href)
            listed = [target(tag_url, h) for h, _ in parse(site, tag_url).links["mh-posts__link"]]
            same = [p.url for p in posts if name.lower() in {t.lower() for t in p.tags}]
            assert sorted(listed) == sorted(same), name
    index = parse(site, "tags/").links[""]
    assert sorted(name.lower() for _, name in index) == sorted(
        tag.name.lower() for tag in collect(p.tags for p in posts)
    )


@pytest.mark.parametrize("blog", ["blog", "newsletter", "tips"])
def test_feeds_carry_the_tags_as_categories(example: tuple[Path, Path], blog: str) -> None:
    project, site = example
    by_url = {p.url: p for p in posts_of(project, (blog,))}
    scheme = publication(project / "mkdocs.yml").site_url + "tags/"
    base = publication(project / "mkdocs.yml").site_url
    rss = ET.parse(site / blog / "rss.xml").getroot()
    atom = ET.parse(site / blog / "atom.xml").getroot()
    seen = 0
    for item in rss.iter("item"):
        post = by_url[str(item.findtext("link")).removeprefix(base)]
        tags = [c.text for c in item.iter("category") if c.get("domain") == scheme]
        others = [c.text for c in item.iter("category") if c.get("domain") is None]
        assert tags == list(post.tags) and others == list(post.categories)
        seen += bool(tags)
    for entry in atom.iter(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link")
        assert link is not None
        url = str(link.get("href")).removeprefix(base)
        terms = [c.get("term") for c in entry.iter(f"{ATOM}category") if c.get("scheme") == scheme]
        assert terms == list(by_url[url].tags)
    assert seen, f"no entry of {blog} has tags"


def test_with_materials_tags_plugin_masthead_leaves_tags_to_it(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("  - masthead/newsletter:\n", "  - tags\n  - masthead/newsletter:\n", 1)
    )
    (project / "content" / "topics.md").write_text("# Topics\n\n<!-- material/tags -->\n")
    site = build_site(project)
    assert not (site / "tags").exists()
    post = next(p for p in posts_of(project, ("blog",)) if p.tags)
    links = parse(site, post.url).links["md-tag"]
    assert sorted(name for _, name in links) == sorted(post.tags)  # Material sorts them
    assert all(target(post.url, href.split("#")[0]) == "topics/" for href, _ in links)
    rss = ET.parse(site / "blog" / "rss.xml").getroot()
    terms = {c.text for c in rss.iter("category")}
    assert set(post.tags) <= terms


def test_tag_pages_can_be_turned_off(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("      blog: blog\n", "      blog: blog\n      tag_pages: false\n", 1)
    )
    site = build_site(project)
    assert not (site / "tags").exists()
    post = next(p for p in posts_of(project, ("blog",)) if p.tags)
    assert "md-tag" not in parse(site, post.url).links


# -- bad settings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "bad", "words"),
    [
        ("[home, sidebar]", "sidebar", "unknown place 'sidebar'; expected some of: "),
        ("homepage", "homepage", "unknown place 'homepage'; expected some of: "),
    ],
)
def test_an_unknown_place_names_mkdocs_yml_and_its_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, value: str, bad: str, words: str
) -> None:
    project = copy_project(tmp_path / "project")
    set_subscribe_on(project, {"tips": value})
    lines = (project / "mkdocs.yml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "subscribe_on" in text and bad in text)
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build_site(project)
    assert f"mkdocs.yml:{line}: masthead/newsletter: newsletters[1].subscribe_on: " in caplog.text
    assert words in caplog.text
    assert ", ".join(placement.PLACES) in caplog.text


# -- the pure parts -----------------------------------------------------------------


def test_who_shows_where() -> None:
    places = {
        "newsletter": placement.parse_places(None, first=True),
        "tips": placement.parse_places(None, first=False),
    }
    assert places["newsletter"] == set(placement.PLACES)
    assert places["tips"] == set(placement.PAGE_KINDS)
    pick = lambda **where: placement.newsletters_for(  # noqa: E731
        placement.PagePlace(**where), places, posts_blog="blog"
    )
    assert pick(kind=None, home=True) == ["newsletter"]
    assert pick(kind="posts", blog_dir="blog") == ["newsletter"]
    assert pick(kind="lists", blog_dir="tips") == ["tips"]
    assert pick(kind=None) == []
    places["tips"] = placement.parse_places("home", first=False)
    assert pick(kind=None, home=True) == ["newsletter", "tips"]
    assert placement.parse_places([], first=True) == frozenset()
    with pytest.raises(placement.PlacesError, match="unknown place 'sidebar'"):
        placement.parse_places(["home", "sidebar"], first=True)
    first = placement.html_id("a/b")
    assert placement.html_id("a-b", [first]) != first
    assert placement.html_id(".") == "mh-subscribe-site"


def test_tags_are_one_per_name_whatever_the_case_each_with_its_own_page() -> None:
    tags = collect([["Go", "C"], ["go", "C++", "index"], ["  ", "Go"]])
    assert [(t.name, t.count) for t in tags] == [("C", 1), ("C++", 1), ("Go", 3), ("index", 1)]
    slugs = [t.slug for t in tags]
    assert len(set(slugs)) == len(slugs) and "index" not in slugs
    assert markdown_text("a_b [c] <d>") == r"a\_b \[c\] &lt;d&gt;"


# -- in a browser ---------------------------------------------------------------------


@pytest.mark.browser
def test_a_reader_follows_a_tag_and_finds_the_form(
    example: tuple[Path, Path], browser: Any
) -> None:
    project, site = example
    post = next(p for p in posts_of(project, ("blog",)) if p.tags)
    with serve_directory(site) as base:
        page = browser.new_page()
        page.goto(base + post.url)
        page.locator("a.md-tag", has_text=post.tags[0]).first.click()
        page.wait_for_url("**/tags/**")
        assert post.tags[0] in page.locator("h1").first.inner_text()
        page.locator("a.mh-posts__link", has_text=post.title).click()
        page.wait_for_url(base + post.url)
        page.goto(base)
        field = page.get_by_label("Email address")
        assert field.count() == 1 and field.is_visible()
        letter = publication(project / "mkdocs.yml").newsletter()
        assert letter.subscribe is not None
        form = page.locator("form.mh-subscribe__form")
        assert form.get_attribute("action") == letter.subscribe.action
        assert page.locator(".mh-latest-issue__link").is_visible()
