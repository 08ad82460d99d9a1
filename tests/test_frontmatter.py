"""Front matter and post models: bad input names the file and the line."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from masthead.content import BlogLayout, Period, load_post, title_from_file_name
from masthead.errors import FrontMatterError
from masthead.frontmatter import split


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("---\ntitle: x\ndate: 2022-13-01\n---\n", 3, "month must be in 1..12"),
        ("---\ntitle: x\ndate: [2022\n---\n", 4, "invalid YAML"),
        ("---\ntitle: x\n", 1, "never closed"),
        ("---\n- a\n- b\n---\n", 2, "must be a mapping"),
    ],
)
def test_split_errors_name_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(FrontMatterError) as info:
        split(text, "content/blog/posts/x.md")
    assert info.value.line == line
    assert words in info.value.message
    assert str(info.value).startswith(f"content/blog/posts/x.md:{line}: ")


def test_split_reports_where_the_body_starts() -> None:
    doc = split("---\ndate: 2022-01-02\ntags: [a]\n---\n# Title\n", "x.md")
    assert doc.meta["tags"] == ["a"]
    assert doc.body == "# Title\n"
    assert doc.body_line == 5


def _post(tmp_path: Path, front: str, body: str = "# A title\n\nText.\n") -> Path:
    path = tmp_path / "blog" / "posts" / "p.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return path


def test_post_model_reads_url_excerpt_and_lists(tmp_path: Path) -> None:
    path = _post(
        tmp_path,
        "date: 2022-12-07\ncategories: [Linux]\nauthors: [mira]\n",
        "# CPU limits & quotas\n\nThe intro.\n\n<!-- more -->\n\nThe rest.\n",
    )
    post = load_post(path, tmp_path, BlogLayout())
    # the slug Material derives (pymdownx slugify): "&" leaves two separators
    assert post.url == "blog/2022/12/cpu-limits--quotas/"
    assert post.excerpt == "The intro."
    assert post.categories == ("Linux",)
    assert post.date == datetime(2022, 12, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("front", "line", "words"),
    [
        ("title: x\n", 1, "expected 'date:'"),
        ("date: 2022-12-01\ncategories: Linux\n", 3, "list of names"),
        ("date: soon\n", 2, "expected 'date:'"),
    ],
)
def test_post_model_errors(tmp_path: Path, front: str, line: int, words: str) -> None:
    with pytest.raises(FrontMatterError) as info:
        load_post(_post(tmp_path, front), tmp_path, BlogLayout())
    assert info.value.line == line
    assert words in info.value.message


def test_post_without_a_title_is_titled_as_mkdocs_titles_the_page(tmp_path: Path) -> None:
    path = _post(tmp_path, "date: 2022-12-01\n", "```sh\n# a shell comment\n```\n\nNo heading.\n")
    post = load_post(path, tmp_path, BlogLayout())
    assert post.title == title_from_file_name(path.stem) != "a shell comment"
    setext = _post(tmp_path, "date: 2022-12-01\n", "Underlined title\n================\n\nText.\n")
    assert load_post(setext, tmp_path, BlogLayout()).title == "Underlined title"
    with pytest.raises(FrontMatterError, match="expected 'title:' to be a line of text"):
        load_post(_post(tmp_path, "date: 2022-12-01\ntitle: [a]\n", "x\n"), tmp_path, BlogLayout())


@pytest.mark.parametrize(
    ("name", "title"),
    [("cpu-throttling", "Cpu throttling"), ("My_Notes", "My Notes"), ("a-b_c", "A b c")],
)
def test_title_from_file_name_follows_mkdocs(name: str, title: str) -> None:
    assert title_from_file_name(name) == title


def test_period_windows() -> None:
    december = Period.parse("2022-12")
    assert december.start == datetime(2022, 12, 1, tzinfo=UTC)
    assert december.end == datetime(2023, 1, 1, tzinfo=UTC)
    assert datetime(2022, 12, 31, 23, 59, tzinfo=UTC) in december
    assert datetime(2023, 1, 1, tzinfo=UTC) not in december
    assert Period.parse("2022").end == datetime(2023, 1, 1, tzinfo=UTC)
    for bad in ("2022-13", "22-01", "2022/01", ""):
        with pytest.raises(ValueError, match="expected"):
            Period.parse(bad)


def test_build_with_a_bad_post_names_file_and_line(project: Path) -> None:
    bad = project / "content" / "blog" / "posts" / "bad.md"
    bad.write_text("---\ntitle: Bad\ndate: 2022-13-01\n---\n# Bad\n", encoding="utf-8")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "masthead"), "build"],
        cwd=project,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "content/blog/posts/bad.md:3:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / "build" / "site" / "index.html").exists()
