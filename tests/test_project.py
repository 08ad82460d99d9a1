"""A project as masthead reads it: strictness, paths, the lock folder, the theme path."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
import yaml
from mkdocs.exceptions import Abort

from masthead.cli import main

from .support import build_site, copy_project
from .test_reading_helpers import Route, feed_server

FIXTURES = Path(__file__).parent / "fixtures" / "reading"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_masthead_build_honours_strict_from_mkdocs_yml(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / "mkdocs.yml"
    # A link to a page that does not exist: MkDocs warns.
    about = project / "content" / "about.md"
    about.write_text(about.read_text() + "\nSee [the archive](no-such-page.md).\n")
    assert main(["build", "-q", "-f", str(config)]) == 1
    assert "the build failed" in capsys.readouterr().err
    _edit(config, "strict: true\n", "")
    assert main(["build", "-q", "-f", str(config)]) == 0
    assert (project / "build" / "site" / "about" / "index.html").is_file()
    assert main(["build", "-q", "--strict", "-f", str(config)]) == 1


def test_emails_go_to_build_email_beside_mkdocs_yml_whatever_site_dir(
    project: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere" / "site"
    assert main(["build", "-q", "-f", str(project / "mkdocs.yml"), "-d", str(elsewhere)]) == 0
    assert (elsewhere / "index.html").is_file()
    assert not (elsewhere.parent / "email").exists()
    assert sorted(p.name for p in (project / "build" / "email").glob("*/email.html"))
    # output_dir moves them, relative to the folder of mkdocs.yml.
    _edit(
        project / "mkdocs.yml",
        "  - masthead/email\n",
        "  - masthead/email:\n      output_dir: out/mail\n",
    )
    assert main(["build", "-q", "-f", str(project / "mkdocs.yml")]) == 0
    assert list((project / "out" / "mail").glob("*/message.eml"))


def test_lock_dir_is_honoured_by_the_build_the_pull_and_the_scaffold(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    content = project / "content"
    shutil.move(content / "reading", content / "lists")
    _edit(
        project / "mkdocs.yml",
        "  - masthead/reading\n",
        "  - masthead/reading:\n      lock_dir: lists\n",
    )
    site = build_site(project)
    december = (site / "newsletter" / "2022" / "12").glob("*/index.html")
    assert any('class="mh-reading' in p.read_text(encoding="utf-8") for p in december)
    assert not list(site.rglob("*.yml"))  # lock files are data, not pages or assets
    # The annual scaffold finds the year's lock in the lock folder.
    monkeypatch.chdir(project)
    assert main(["new", "annual", "2022", "--stdout"]) == 0
    assert "issue: 2022\n" in capsys.readouterr().out
    # The pull reads feeds.yml from there and writes the lock there.
    routes = {"/rss": Route(body=(FIXTURES / "rss2.xml").read_bytes())}
    with feed_server(routes) as (base, _):
        (content / "lists" / "feeds.yml").write_text(
            f"feeds:\n  - url: {base}/rss\n    name: Cluster Notes\n", encoding="utf-8"
        )
        assert main(["reading", "pull", "2021-12", "--no-progress"]) == 0
    capsys.readouterr()
    lock = yaml.safe_load((content / "lists" / "2021-12.yml").read_text(encoding="utf-8"))
    assert lock["issue"] == "2021-12"
    assert not (content / "reading").exists()


def test_a_template_in_custom_dir_overrides_masthead_s_own(project: Path) -> None:
    partial = project / "theme" / "partials" / "mh-share.html"
    partial.write_text('<p class="my-share">Tell a friend</p>\n', encoding="utf-8")
    site = build_site(project)
    page = next((site / "blog" / "2022" / "12").glob("*/index.html")).read_text(encoding="utf-8")
    assert '<p class="my-share">Tell a friend</p>' in page
    assert 'class="mh-share' not in page
    # masthead's other templates and stylesheets are still there.
    assert 'class="mh-author-card' in page and "assets/stylesheets/masthead.css" in page
    assert (site / "assets" / "stylesheets" / "mh-reading.css").is_file()


def test_without_a_custom_dir_every_feature_renders(project: Path) -> None:
    shutil.rmtree(project / "theme")
    _edit(project / "mkdocs.yml", "  custom_dir: theme\n", "")
    site = build_site(project)
    issue = next((site / "newsletter" / "2022" / "12").glob("*/index.html"))
    page = issue.read_text(encoding="utf-8")
    for marker in (
        'class="mh-share',
        'class="mh-subscribe',
        'class="mh-author-card',
        'class="mh-read-more',
        'class="mh-reading',
        'rel="alternate feed" type="application/rss+xml"',
        "assets/stylesheets/mh-newsletter.css",
    ):
        assert marker in page, marker


@pytest.mark.parametrize("plugin", ["masthead/newsletter", "masthead/diagrams"])
def test_a_theme_other_than_material_is_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, plugin: str
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n")
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: T\ntheme: readthedocs\nplugins:\n  - material/blog\n  - {plugin}\n"
    )
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build_site(tmp_path)
    assert f"{plugin}: masthead needs the Material theme" in caplog.text
    assert "got theme 'readthedocs'" in caplog.text and "mkdocs.yml" in caplog.text


def test_the_project_needs_its_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_project(tmp_path / "p")
    assert main(["new", "post", "Hello", "-f", str(tmp_path / "nope.yml")]) == 1
    err = capsys.readouterr().err
    assert "nope.yml: no such file" in err and "masthead init" in err


def test_fences_can_be_renamed_so_a_page_may_use_diagram_for_mermaid(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(
        project / "mkdocs.yml",
        "  - masthead/diagrams\n",
        "  - masthead/diagrams:\n      diagram_fence: diagrams-py\n",
    )
    _edit(
        project / "mkdocs.yml",
        "  - masthead/reading\n",
        "  - masthead/reading:\n      reading_fence: links\n",
    )
    _edit(
        project / "mkdocs.yml",
        "      blog: blog\n",
        "      blog: blog\n      posts_fence: post-list\n",
    )
    content = project / "content"
    for page in content.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        renamed = (
            text.replace("```diagram", "```diagrams-py")
            .replace("```reading", "```links")
            .replace("```posts", "```post-list")
        )
        if renamed != text:
            page.write_text(renamed, encoding="utf-8")
    about = content / "about.md"
    about.write_text(
        about.read_text(encoding="utf-8") + "\n```diagram\ngraph TD; A-->B\n```\n", encoding="utf-8"
    )
    site = build_site(project)
    page = (site / "about" / "index.html").read_text(encoding="utf-8")
    assert "graph TD; A--&gt;B" in page  # left to whoever owns ```diagram here
    posts = list((site / "blog" / "2022").rglob("index.html"))
    assert any('<figure class="mh-diagram' in p.read_text(encoding="utf-8") for p in posts)
    december = next((site / "newsletter" / "2022" / "12").glob("*/index.html"))
    assert 'class="mh-reading' in december.read_text(encoding="utf-8")
    assert 'class="mh-posts' in (site / "index.html").read_text(encoding="utf-8")
    # The monthly scaffold writes the renamed reading fence.
    capsys.readouterr()
    assert main(["new", "monthly", "2023-01", "--stdout", "-f", str(project / "mkdocs.yml")]) == 0
    assert "```links\nissue: 2023-01\n```" in capsys.readouterr().out
