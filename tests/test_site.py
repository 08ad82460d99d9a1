"""A real strict MkDocs build of the example publication."""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path

import pytest
import yaml

from masthead.content import BlogLayout, load_posts, slugify

from .support import build_site


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from .support import copy_project

    project = copy_project(tmp_path_factory.mktemp("site") / "project")
    return project, build_site(project)


def _blog_dirs(project: Path) -> list[str]:
    config = yaml.load((project / "mkdocs.yml").read_text(), Loader=yaml.Loader)
    dirs = []
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "blog" in plugin:
            dirs.append(plugin["blog"]["blog_dir"])
    return dirs


def test_strict_build_has_no_warnings(project: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    site = build_site(project, strict=True)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == []
    assert (site / "index.html").is_file()


def test_every_post_and_issue_has_a_page(built: tuple[Path, Path]) -> None:
    project, site = built
    dirs = _blog_dirs(project)
    assert {"blog", "newsletter"} <= set(dirs)
    counts = {}
    for blog_dir in dirs:
        posts = load_posts(project / "content", BlogLayout(blog_dir=blog_dir))
        counts[blog_dir] = len(posts)
        for post in posts:
            page = site / post.url / "index.html"
            assert page.is_file(), f"no page for {post.path} at {post.url}"
            html = page.read_text(encoding="utf-8")
            assert escape(post.title, quote=False) in html or post.title in html, post.path
    assert counts["blog"] >= 12
    assert counts["newsletter"] >= 3


def test_category_and_archive_pages(built: tuple[Path, Path]) -> None:
    project, site = built
    posts = load_posts(project / "content", BlogLayout(blog_dir="blog"))
    categories = {c for p in posts for c in p.categories}
    assert len(categories) >= 3
    for category in categories:
        assert (site / "blog" / "category" / slugify(category) / "index.html").is_file(), category
    years = {p.date.year for p in posts}
    for year in years:
        assert (site / "blog" / "archive" / str(year) / "index.html").is_file()
    issues = load_posts(project / "content", BlogLayout(blog_dir="newsletter"))
    for year in {p.date.year for p in issues}:
        assert (site / "newsletter" / "archive" / str(year) / "index.html").is_file()


def test_post_header_and_author_card(built: tuple[Path, Path]) -> None:
    project, site = built
    post = load_posts(project / "content", BlogLayout(blog_dir="blog"))[0]
    html = (site / post.url / "index.html").read_text(encoding="utf-8")
    assert "Published" in html
    assert f'datetime="{post.date.date().isoformat()}' in html
    assert "min read" in html
    authors = yaml.safe_load((project / "content" / ".authors.yml").read_text())["authors"]
    author = authors[post.authors[0]]
    assert 'class="mh-author-card"' in html
    assert author["name"] in html
    assert author["bio"].split()[0] in html


def test_built_site_is_offline(built: tuple[Path, Path]) -> None:
    _, site = built
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in text, page
        assert "fonts.gstatic.com" not in text, page
        assert '<script src="http' not in text, page
