"""The size of an email: over Gmail's clip (102 KB) is a warning, an error under strict,
and ``cut: true`` ends an email over its budget at a section boundary with a "Read the
rest on the web" link, in the HTML and the text part alike."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import markdown
import pytest

from masthead.cli import main
from masthead.email import dom
from masthead.email.budget import (
    GMAIL_CLIP,
    KB,
    READ_THE_REST,
    boundaries,
    check_budget,
)
from masthead.email.render import EmailIssue, EmailSettings, render_email

from .support import REPO, build_site, copy_project
from .test_email_render import SENDER, WEB_URL, issue_info

SECTIONS = 60


def long_markdown(sections: int = SECTIONS, *, first_words: int = 0) -> str:
    """An issue body of many sections, each with footnotes, an h3, a list and a table."""
    out = ["Opening words of the issue. " * (1 + first_words), ""]
    note = 0
    for i in range(1, sections + 1):
        out += [f"## Part {i}", ""]
        for j in range(3):
            note += 1
            out += [
                f"Paragraph {j} of part {i} is about kernels[^n{note}] and networks. "
                + "More words about the same subject, to fill the line. " * 3,
                "",
            ]
        out += [f"### Details of part {i}", ""]
        out += [f"- point {k} of part {i}" for k in range(3)] + [""]
        out += ["| column a | column b |", "| --- | --- |"]
        out += [f"| row {k} of part {i} | value {k * i} |" for k in range(4)] + [""]
    for k in range(1, note + 1):
        out += [f"[^n{k}]: Footnote {k}: where the claim comes from, in a few words.", ""]
    return "\n".join(out)


def page_content(text: str) -> str:
    """The page content HTML, as MkDocs' Python-Markdown writes it for the example."""
    return markdown.markdown(text, extensions=["footnotes", "tables", "toc"])


def render(content: str, **settings: object) -> EmailIssue:
    return render_email(
        content,
        issue_info(),
        EmailSettings(sender=SENDER, **settings),  # type: ignore[arg-type]
        template_dir=REPO / "theme",
    )


def content_cell(html: str) -> dom.Element:
    """The element holding the issue's body: the parent of its first paragraph."""
    root = dom.parse(html)
    first = root.find(lambda e: e.tag == "p" and e.text().startswith("Opening words"))
    assert first is not None and first.parent is not None, "no issue body in the email"
    return first.parent


def blocks(cell: dom.Element) -> list[dom.Element]:
    return [c for c in cell.children if isinstance(c, dom.Element)]


@pytest.fixture(scope="module")
def content() -> str:
    return page_content(long_markdown())


@pytest.fixture(scope="module")
def whole(content: str) -> EmailIssue:
    return render(content)


@pytest.fixture(scope="module")
def cut(content: str) -> EmailIssue:
    return render(content, cut=True)


# -- over the clip ----------------------------------------------------------------------


def test_the_long_issue_is_over_the_clip_and_the_message_says_what_to_do(
    whole: EmailIssue,
) -> None:
    assert whole.budget.html_bytes > 130 * KB
    assert whole.cut is None
    assert whole.budget.clipped
    (problem,) = whole.budget.clip_problems
    assert problem in whole.warnings
    assert f"{whole.budget.html_bytes / KB:.1f} KB" in problem
    assert "over Gmail's clip of 102 KB" in problem
    assert "[Message clipped]" in problem and "unsubscribe link" in problem
    assert "cut: true" in problem and "shorten the issue" in problem
    assert READ_THE_REST not in whole.html


def test_over_the_clip_is_a_problem_whatever_the_budget() -> None:
    report = check_budget("x" * (GMAIL_CLIP + 1), "", 200 * KB)
    assert report.clipped and not report.ok
    assert report.clip_problems and "over Gmail's clip" in report.clip_problems[0]
    # Over the budget but under the clip: a problem that is not the clip's.
    report = check_budget("x" * (95 * KB), "")
    assert not report.clipped and report.clip_problems == ()
    assert "over the budget of 90 KB" in report.problems[0]
    assert "raise budget_kb" in report.problems[0]
    assert check_budget("x" * (80 * KB), "").ok


# -- cutting ----------------------------------------------------------------------------


def test_cut_fits_the_budget_and_ends_with_the_link(cut: EmailIssue) -> None:
    assert cut.cut is not None
    assert cut.budget.ok and cut.warnings == ()
    assert cut.budget.html_bytes <= 90 * KB
    assert cut.budget.html_bytes == len(cut.html.encode()) == cut.cut.cut_bytes
    assert cut.cut.full_bytes > 130 * KB
    last = blocks(content_cell(cut.html))[-1]
    links = [a for a in last.iter() if a.tag == "a"]
    assert [(a.text(), a.get("href")) for a in links] == [(READ_THE_REST, WEB_URL)]
    manifest = cut.manifest["cut"]
    assert manifest["before"] == cut.cut.heading
    assert manifest["full_html"] == cut.cut.full_bytes
    assert manifest["sections_left_out"] == cut.cut.left_out > 0
    # The budget is used: one more section would not have fitted.
    assert cut.budget.html_bytes > 80 * KB


def test_the_cut_falls_between_sections(whole: EmailIssue, cut: EmailIssue) -> None:
    assert cut.cut is not None
    full = blocks(content_cell(whole.html))
    kept = blocks(content_cell(cut.html))
    # The cut email's blocks are the whole email's, up to a heading (h2 or h3) ...
    headings = [i for i, b in enumerate(full) if b.tag in ("h2", "h3")]
    at = next(i for i in headings if full[i].text() == cut.cut.heading)
    assert [dom.serialize(b) for b in kept[:at]] == [dom.serialize(b) for b in full[:at]]
    # ... then the footnotes of that part, the note and the link.
    assert [b.tag for b in kept[at:]] == ["div", "p", "p"]
    assert cut.cut.heading in kept[-2].text()
    # No table or list was cut into.
    assert all(len([r for r in t.iter() if r.tag == "tr"]) == 5 for t in kept if t.tag == "table")
    assert all(len([li for li in u.iter() if li.tag == "li"]) == 3 for u in kept if u.tag == "ul")
    assert cut.cut.left_out == len(headings) - headings.index(at)


def test_the_footnotes_of_the_part_kept_stay(cut: EmailIssue) -> None:
    cell = content_cell(cut.html)
    refs = [int(e.text()) for e in cell.iter() if e.tag == "sup" and e.text().strip().isdigit()]
    notes = blocks(cell)[-3]
    items = [li for li in notes.iter() if li.tag == "li"]
    assert refs and len(items) == max(refs)
    assert items[-1].text().strip().startswith(f"Footnote {max(refs)}:")


def test_the_text_part_is_cut_at_the_same_place(whole: EmailIssue, cut: EmailIssue) -> None:
    assert cut.cut is not None
    heading = cut.cut.heading  # "Part 24" or "Details of part 23"
    number = int(re.search(r"\d+", heading).group())  # type: ignore[union-attr]
    text = cut.text
    ending = f"\n\n{READ_THE_REST}:\n{WEB_URL}\n\n-- "
    assert ending in text
    body = text.split(ending)[0]
    assert body.rstrip().endswith("on the web.")
    assert f"“{heading}”" in body.rsplit("\n\n", 1)[-1].replace("\n", " ")
    if heading.startswith("Part"):
        assert f"Paragraph 2 of part {number - 1}" in body
        assert f"row 3 of part {number - 1}" in body
        assert f"Paragraph 0 of part {number}" not in body
    else:
        assert f"Paragraph 2 of part {number}" in body
        assert f"point 0 of part {number}" not in body
    assert f"Footnote {3 * number + 1}:" not in body
    # The whole text part has every section.
    assert f"Paragraph 2 of part {SECTIONS}" in whole.text
    assert READ_THE_REST not in whole.text


def test_an_email_within_its_budget_is_not_cut() -> None:
    small = page_content(long_markdown(3))
    assert render(small, cut=True).html == render(small).html
    assert render(small, cut=True).cut is None


def test_no_boundary_early_enough_leaves_it_whole_with_the_reason() -> None:
    # The first section alone is over the budget.
    big_start = render(page_content(long_markdown(30, first_words=4000)), cut=True)
    assert big_start.cut is None and big_start.budget.clipped
    (problem,) = big_start.budget.clip_problems
    assert "'cut: true' cannot make it fit" in problem and "before “Part 1”" in problem
    # No heading at all.
    flat = render(page_content("Words and more words. " * 8000), cut=True)
    assert flat.cut is None
    assert "'cut: true' found no place to cut it" in flat.budget.problems[0]


def test_boundaries_are_top_level_headings_after_some_content() -> None:
    root = dom.parse(
        "<h2>Title first</h2><p>a</p>"
        "<ul><li><h2>in a list</h2></li></ul>"
        "<table><tr><td><h3>in a table</h3></td></tr></table>"
        "<div class='admonition'><h2>in a box</h2></div>"
        "<h3>Sub</h3><p>b</p><h4>not a section</h4><h2>Next</h2>"
        "<div class='footnote'><ol><li>x</li></ol></div>"
    )
    children = root.children
    assert [children[i].text() for i in boundaries(root)] == ["Sub", "Next"]  # type: ignore[union-attr]


# -- in a real build and on the command line ----------------------------------------------


def write_long_issue(project: Path) -> Path:
    issue = project / "content" / "newsletter" / "posts" / "2023-01.md"
    issue.write_text(
        "---\n"
        "date: 2023-02-01\n"
        "authors: [mira]\n"
        "categories: [Monthly]\n"
        "slug: january-2023\n"
        "kind: monthly\n"
        "period: 2023-01\n"
        'subject: "Kernel Notes, January 2023: a long one"\n'
        'preheader: "Sixty parts, each with footnotes."\n'
        "newsletter: newsletter\n"
        "---\n\n"
        "# January 2023: a long one\n\n"
        "A long issue.\n\n<!-- more -->\n\n" + long_markdown() + "\n"
    )
    return issue


def set_email_options(project: Path, options: str) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text()
    assert "  - masthead/email\n" in text
    config.write_text(text.replace("  - masthead/email\n", f"  - masthead/email:\n{options}"))


def test_strict_build_fails_over_the_clip_and_names_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from mkdocs.exceptions import Abort

    project = copy_project(tmp_path / "p")
    write_long_issue(project)
    with caplog.at_level(logging.WARNING), pytest.raises(Abort):
        build_site(project)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1, caplog.text
    message = errors[0].getMessage()
    assert message.startswith("newsletter/posts/2023-01.md: email HTML is ")
    assert "over Gmail's clip of 102 KB" in message and "cut: true" in message
    # Without strict, it is a warning, and the build goes on (even with a budget over the clip).
    caplog.clear()
    set_email_options(project, "      budget_kb: 300\n")
    with caplog.at_level(logging.WARNING):
        build_site(project, strict=False)
    warned = [r for r in caplog.records if "over Gmail's clip" in r.getMessage()]
    assert [r.levelno for r in warned] == [logging.WARNING]
    m = json.loads((project / "build/email/january-2023/manifest.json").read_text())
    assert m["sizes"]["html"] > 130 * KB and m["cut"] is None


def test_cli_strict_exits_1_over_the_clip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(tmp_path / "p")
    write_long_issue(project)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("strict: true\n", ""))
    monkeypatch.chdir(project)
    assert main(["email", "2023-01"]) == 0
    captured = capsys.readouterr()
    assert "over Gmail's clip of 102 KB" in captured.out + captured.err
    assert main(["email", "2023-01", "--strict"]) == 1
    err = capsys.readouterr().err
    assert "over Gmail's clip of 102 KB" in err and "strict mode" in err


def test_cut_in_a_strict_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(tmp_path / "p")
    write_long_issue(project)
    set_email_options(project, "      cut: true\n")
    build_site(project)  # strict: no warning
    folder = project / "build" / "email" / "january-2023"
    html = (folder / "email.html").read_text()
    text = (folder / "email.txt").read_text()
    m = json.loads((folder / "manifest.json").read_text())
    assert len(html.encode()) == m["sizes"]["html"] <= 90 * KB
    assert m["cut"]["full_html"] > 130 * KB and m["warnings"] == []
    web = m["web_url"]
    last = blocks(content_cell(html))[-1]
    assert [(a.text(), a.get("href")) for a in last.iter() if a.tag == "a"] == [
        (READ_THE_REST, web)
    ]
    assert f"{READ_THE_REST}:\n{web}\n" in text
    before = m["cut"]["before"]
    assert f"“{before}”" in html
    assert html.count("<h2") + html.count("<h3") < 2 * SECTIONS
    # The other issues are whole.
    other = json.loads((project / "build/email/december-2022/manifest.json").read_text())
    assert other["cut"] is None
    # `masthead email` says where it was cut.
    monkeypatch.chdir(project)
    assert main(["email", "2023-01"]) == 0
    assert f"cut: the email is cut before “{before}”" in capsys.readouterr().out
