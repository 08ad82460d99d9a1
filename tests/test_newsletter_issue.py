"""The issue model: front matter validated with errors naming the file and line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from masthead.content import BlogLayout
from masthead.errors import FrontMatterError
from masthead.frontmatter import split
from masthead.newsletter.issue import Issue, load_issue, load_issues, parse_issue

from .support import build_site

GOOD = """---
date: 2022-12-30
authors: [mira]
kind: monthly
period: 2022-12
subject: "Kernel Notes: December 2022"
preheader: "Two posts and six links."
---

# December
"""


def _parse(text: str, **kwargs: object) -> Issue:
    doc = split(text, "content/newsletter/posts/x.md")
    return parse_issue(doc.meta, doc.path, text, **kwargs)  # type: ignore[arg-type]


def test_a_valid_issue() -> None:
    issue = _parse(GOOD, default_newsletter="newsletter")
    assert (issue.kind, str(issue.period), issue.newsletter) == ("monthly", "2022-12", "newsletter")
    assert issue.subject == "Kernel Notes: December 2022"
    assert issue.preheader == "Two posts and six links."
    special = _parse(
        GOOD.replace("kind: monthly", "kind: special").replace("period: 2022-12\n", "")
    )
    assert special.kind == "special" and special.period is None
    annual = _parse(GOOD.replace("kind: monthly", "kind: annual").replace("2022-12\n", "2022\n"))
    assert annual.period is not None and annual.period.month is None


MATERIAL_POST = """---
date: 2022-12-30
authors: [mira]
---

```sh
# 100m -> cpu.weight 4
```

# CPU throttling, explained

Why a pod with a CPU limit of one core still waits for **CPU**, and what
[cgroup v2](https://docs.kernel.org/) does about it.

<!-- more -->

The rest.
"""


def test_a_material_post_is_an_issue_as_it_stands() -> None:
    doc = split(MATERIAL_POST, "content/newsletter/posts/x.md")
    issue = parse_issue(
        doc.meta, doc.path, MATERIAL_POST, title="CPU throttling, explained", body=doc.body
    )
    assert (issue.kind, issue.period) == ("special", None)
    assert issue.subject == "CPU throttling, explained"
    assert issue.preheader == (
        "Why a pod with a CPU limit of one core still waits for CPU, and what cgroup v2 does "
        "about it."
    )
    described = MATERIAL_POST.replace("authors:", "description: A short one.\nauthors:")
    doc = split(described, "content/newsletter/posts/x.md")
    assert parse_issue(doc.meta, doc.path, described, title="T", body=doc.body).preheader == (
        "A short one."
    )


def test_the_issue_file_loads_with_the_title_outside_code_blocks(tmp_path: Path) -> None:
    path = tmp_path / "newsletter" / "posts" / "x.md"
    path.parent.mkdir(parents=True)
    path.write_text(MATERIAL_POST, encoding="utf-8")
    issue = load_issue(path, tmp_path)
    assert issue.title == issue.subject == "CPU throttling, explained"
    assert issue.post is not None and issue.post.slug == "cpu-throttling-explained"


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("kind: monthly", "kind: weekly"), 4, "one of monthly, annual, special"),
        (("period: 2022-12", "period: 2022"), 5, "a monthly issue covers a month"),
        (("period: 2022-12", "period: 2022-13"), 5, "between 01 and 12"),
        (("period: 2022-12", "period: 2022-12-01"), 5, "not a day"),
        (("kind: monthly", "kind: annual"), 5, "an annual issue covers a year"),
        (("period: 2022-12\n", ""), 4, "missing 'period:'"),
        (('subject: "Kernel Notes: December 2022"\n', ""), 1, "missing 'subject:'"),
        (('subject: "Kernel Notes: December 2022"', "subject: 12"), 6, "non-empty line of text"),
        (
            ('subject: "Kernel Notes: December 2022"', 'subject: "' + "x" * 200 + '"'),
            6,
            "at most 150",
        ),
        (('preheader: "Two posts and six links."', 'preheader: "two\\nlines"'), 7, "on one line"),
        (
            ("authors: [mira]", "authors: [mira]\nnewsletter: weekly"),
            4,
            "unknown newsletter 'weekly'",
        ),
    ],
)
def test_front_matter_errors_name_file_and_line(
    change: tuple[str, str], line: int, words: str
) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(FrontMatterError) as exc:
        _parse(text, newsletters=["newsletter", "tips"])
    assert exc.value.line == line, str(exc.value)
    assert words in exc.value.message
    assert str(exc.value).startswith(f"content/newsletter/posts/x.md:{line}: ")


def test_example_issues_load(project: Path) -> None:
    issues = load_issues(project / "content")
    assert [str(i.period) for i in issues if i.kind == "monthly"][:3] == [
        "2022-12",
        "2022-11",
        "2022-10",
    ]
    annual = next(i for i in issues if i.kind == "annual")
    assert str(annual.period) == "2022" and annual.url == "newsletter/2023/01/2022-in-review/"
    assert all(i.subject and i.preheader for i in issues)
    tips = load_issue(
        next((project / "content" / "tips" / "posts").glob("*.md")),
        project / "content",
        layout=BlogLayout(blog_dir="tips", post_url_date_format="yyyy/MM"),
    )
    assert tips.newsletter == "tips" and tips.kind == "special"


def test_bad_issue_fails_the_strict_build_naming_file_and_line(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    issue = project / "content" / "newsletter" / "posts" / "2022-12.md"
    text = issue.read_text(encoding="utf-8")
    assert "kind: monthly" in text
    issue.write_text(text.replace("kind: monthly", "kind: weekly"), encoding="utf-8")
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if ln.startswith("kind:"))
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build_site(project)
    assert (
        f"content/newsletter/posts/2022-12.md:{line}: expected 'kind:' to be one of" in caplog.text
    )


def test_issue_in_the_wrong_newsletter_folder(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tip = next((project / "content" / "tips" / "posts").glob("*.md"))
    text = tip.read_text(encoding="utf-8")
    tip.write_text(text.replace("kind: special", "kind: special\nnewsletter: newsletter"), "utf-8")
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build_site(project)
    assert f"content/tips/posts/{tip.name}:" in caplog.text
    assert "in the 'tips' newsletter's folder but says newsletter: newsletter" in caplog.text
