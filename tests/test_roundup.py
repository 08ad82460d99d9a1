"""Scaffolds on the example content: which posts, grouped how, never overwriting, and
in the site's language (the example in German, French and Spanish; French in a
publication made by ``masthead init``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from masthead.cli import main
from masthead.content import Period, in_period, load_posts
from masthead.frontmatter import split
from masthead.newsletter.issue import load_issue
from masthead.newsletter.roundup import group_by_category, relink, scaffold_annual, scaffold_monthly

from .support import build_site
from .support import publication as read_site
from .test_i18n import _set_language


def _sections(text: str) -> list[tuple[str, list[str]]]:
    """(## heading, [linked post files]) in order, from a scaffold's Markdown."""
    out: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("## "):
            out.append((line[3:], []))
        m = re.match(r"^### \[[^\]]+\]\(\.\./\.\./blog/posts/([\w-]+)\.md\)$", line)
        if m:
            out[-1][1].append(m.group(1))
    return out


def test_monthly_december_picks_the_months_posts_grouped_by_category(project: Path) -> None:
    site = read_site(project / "mkdocs.yml")
    draft = scaffold_monthly(site, Period.parse("2022-12"))
    assert [p.path.stem for p in draft.posts] == ["cpu-throttling", "cluster-dns-debugging"]
    # categories_allowed order: Kubernetes, Containers, Linux, Networking
    assert _sections(draft.text) == [
        ("Kubernetes", ["cpu-throttling"]),
        ("Networking", ["cluster-dns-debugging"]),
        ("What I was reading in December", []),
        ("Wrapping up", []),
    ]
    assert "```reading\nissue: 2022-12\n```" in draft.text
    assert draft.path == project / "content" / "newsletter" / "posts" / "2022-12.md"
    # the excerpt of each post comes along (text before <!-- more -->)
    cpu = next(p for p in draft.posts if p.path.stem == "cpu-throttling")
    assert cpu.excerpt.splitlines()[0] in draft.text
    # the greeting is the issue's own excerpt
    head, _, _ = draft.text.partition("<!-- more -->")
    assert "welcome to the December issue" in head


def test_monthly_for_a_month_without_posts(project: Path) -> None:
    site = read_site(project / "mkdocs.yml")
    draft = scaffold_monthly(site, Period.parse("2023-01"))
    assert not draft.posts
    assert [heading for heading, _ in _sections(draft.text)] == [
        "What I was reading in January",
        "Wrapping up",
    ]
    meta = split(draft.text, draft.path).meta
    assert meta["preheader"] == "What I was reading in January, and what I worked on."
    assert "No new posts in January" in draft.text


def test_monthly_november_groups_containers_before_networking(project: Path) -> None:
    site = read_site(project / "mkdocs.yml")
    draft = scaffold_monthly(site, Period.parse("2022-11"))
    assert _sections(draft.text)[:2] == [
        ("Containers", ["seccomp-profiles"]),
        ("Networking", ["veth-pairs-and-bridges"]),
    ]


def test_annual_lists_every_post_of_the_year_by_category(project: Path) -> None:
    site = read_site(project / "mkdocs.yml")
    draft = scaffold_annual(site, 2022)
    sections = dict(_sections(draft.text))
    assert sections["Kubernetes"] == [
        "api-server-request-path",
        "kubelet-sync-loop",
        "why-is-my-pod-pending",
        "cpu-throttling",
    ]
    assert sections["Containers"] == [
        "overlayfs-image-layers",
        "runc-and-containerd",
        "seccomp-profiles",
    ]
    assert sections["Linux"] == [
        "cgroups-v2-from-the-shell",
        "namespaces-with-unshare",
        "memory-limits-and-oom",
    ]
    assert sections["Networking"] == [
        "cni-plugin-in-bash",
        "service-dataplane",
        "veth-pairs-and-bridges",
        "cluster-dns-debugging",
    ]
    every = {p.path.stem for p in load_posts(site.docs_dir, site.blog("blog").layout)}
    assert {p.path.stem for p in draft.posts} == every
    assert [name for name, _ in _sections(draft.text)][:4] == [
        "Kubernetes",
        "Containers",
        "Linux",
        "Networking",
    ]
    assert "## Wrapping up" in draft.text


def test_annual_reading_section_follows_the_locks_that_exist(project: Path) -> None:
    reading = project / "content" / "reading"
    reading.mkdir(exist_ok=True)
    for old in reading.glob("2022*.yml"):
        old.unlink()
    (reading / "2022-11.yml").write_text("issue: 2022-11\nentries: []\n", encoding="utf-8")
    (reading / "2022-12.yml").write_text("issue: 2022-12\nentries: []\n", encoding="utf-8")
    site = read_site(project / "mkdocs.yml")
    text = scaffold_annual(site, 2022).text
    assert re.findall(r"```reading\nissue: (\S+)\n```", text) == ["2022-11", "2022-12"]
    (reading / "2022.yml").write_text("issue: 2022\nentries: []\n", encoding="utf-8")
    text = scaffold_annual(read_site(project / "mkdocs.yml"), 2022).text
    assert re.findall(r"```reading\nissue: (\S+)\n```", text) == ["2022"]


def test_scaffold_is_a_valid_issue_that_builds(project: Path) -> None:
    out = project / "content" / "newsletter" / "posts" / "scaffolded.md"
    code = main(
        [
            "new",
            "monthly",
            "2022-11",
            "-f",
            str(project / "mkdocs.yml"),
            "--date",
            "2022-12-03",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    issue = load_issue(out, project / "content")
    assert (issue.kind, str(issue.period), issue.newsletter) == ("monthly", "2022-11", "newsletter")
    assert issue.subject == "Kernel Notes: November 2022"
    assert issue.post is not None and issue.post.draft
    # publish it (without the reading block, whose lock is another feature's business)
    text = out.read_text(encoding="utf-8").replace("draft: true\n", "")
    text = re.sub(r"```reading\n.*?```\n", "", text, flags=re.DOTALL)
    out.write_text(text, encoding="utf-8")
    (project / "content" / "newsletter" / "posts" / "2022-11.md").unlink()  # same slug
    site = build_site(project)
    html = (site / "newsletter" / "2022" / "12" / "november-2022" / "index.html").read_text(
        encoding="utf-8"
    )
    assert "Kernel Notes: November 2022" in html
    for slug in ("2022/11/seccomp-profiles", "2022/11/veth-pairs-and-bridges"):
        assert re.search(rf'href="[./]*blog/{slug}/"', html), slug


def test_new_never_overwrites(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = project / "content" / "newsletter" / "posts" / "2022-12.md"
    assert target.exists()  # the example's December issue
    before = target.read_bytes()
    code = main(["new", "monthly", "2022-12", "-f", str(project / "mkdocs.yml")])
    err = capsys.readouterr().err
    assert code == 1
    assert "2022-12.md" in err and "never overwrites" in err
    assert target.read_bytes() == before
    assert not list(target.parent.glob(".2022-12.md.*"))  # no temp file left behind

    assert (
        main(
            [
                "new",
                "post",
                "Hello, eBPF",
                "-f",
                str(project / "mkdocs.yml"),
                "--date",
                "2022-12-20",
            ]
        )
        == 0
    )
    post = project / "content" / "blog" / "posts" / "hello-ebpf.md"
    first = post.read_text(encoding="utf-8")
    assert first.startswith("---\ndate: 2022-12-20\nauthors: [mira]\n")
    assert "# Hello, eBPF" in first and "draft: true" in first
    post.write_text(first + "\nMy edits.\n", encoding="utf-8")
    assert main(["new", "post", "Hello, eBPF", "-f", str(project / "mkdocs.yml")]) == 1
    assert post.read_text(encoding="utf-8").endswith("My edits.\n")


def test_new_rejects_bad_periods(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["new", "monthly", "2022", "-f", str(project / "mkdocs.yml")])
    assert exc.value.code == 2
    assert "expected a month like 2022-12" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["new", "annual", "2022-13", "-f", str(project / "mkdocs.yml")])
    assert "between 01 and 12" in capsys.readouterr().err


def test_group_by_category_and_relink(project: Path) -> None:
    site = read_site(project / "mkdocs.yml")
    posts = load_posts(site.docs_dir, site.blog("blog").layout)
    groups = group_by_category(posts, ["Networking"])
    assert groups[0][0] == "Networking"
    # other categories follow alphabetically
    assert [name for name, _ in groups[1:]] == sorted(name for name, _ in groups[1:])
    from pathlib import PurePosixPath

    moved = relink(
        "See [a](other.md#x), ![d](../../assets/images/d.png), "
        "[w](https://x.org/a.md) and [t](#top).",
        PurePosixPath("blog/posts/post.md"),
        PurePosixPath("newsletter/posts/2022-12.md"),
    )
    assert moved == (
        "See [a](../../blog/posts/other.md#x), ![d](../../assets/images/d.png), "
        "[w](https://x.org/a.md) and [t](#top)."
    )


def test_monthly_for_a_month_with_one_post(project: Path) -> None:
    site = read_site(project / "mkdocs.yml")
    draft = scaffold_monthly(site, Period.parse("2022-10"))
    (post,) = draft.posts
    topic = post.categories[0]
    assert f"In October I published 1 post on {topic}.\n" in draft.text
    meta = split(draft.text, draft.path).meta
    assert meta["preheader"] == f"1 new post on {topic}, and what I was reading in October."


# -- in the site's language ---------------------------------------------------------------


def _headings(text: str) -> list[str]:
    return re.findall(r"^## (.+)$", text, re.MULTILINE)


def _new(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The draft ``masthead new ... --stdout`` prints for ``project``."""
    code = main(["new", *args, "-f", str(project / "mkdocs.yml"), "--stdout"])
    assert code == 0, capsys.readouterr().err
    return capsys.readouterr().out


ENGLISH = ("What I was reading", "Wrapping up", "Hi, and welcome", "I published", "Plans for")


def test_new_monthly_in_german_with_a_word_of_the_user(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "words.yml").write_text("de:\n  roundup:\n    wrap_up: Bis bald\n")
    _set_language(project, "de", "words.yml")
    out = project / "content" / "newsletter" / "posts" / "dezember.md"
    code = main(["new", "monthly", "2022-12", "-f", str(project / "mkdocs.yml"), "-o", str(out)])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[text.splitlines().index("---", 1) + 2] == (
        "# Kernel Notes: Dezember 2022"
    )
    assert _headings(text) == [
        "Kubernetes",
        "Networking",
        "Was ich im Dezember gelesen habe",
        "Bis bald",  # the user's word over the catalog's "Zum Schluss"
    ]
    posts = scaffold_monthly(read_site(project / "mkdocs.yml"), Period.parse("2022-12")).posts
    days = re.findall(r"^\*(\d+\. \w+)\*$", text, re.MULTILINE)
    assert days == [f"{p.date.day}. Dezember" for p in posts]
    assert "Hallo und willkommen zur Dezember-Ausgabe von Kernel Notes!" in text
    assert f"Im Dezember habe ich {len(posts)} Beiträge über Kubernetes und Networking" in text
    issue = load_issue(out, project / "content")
    assert (issue.kind, str(issue.period)) == ("monthly", "2022-12")
    assert issue.subject == "Kernel Notes: Dezember 2022"
    meta = split(text, out).meta
    assert meta["slug"] == "dezember-2022"
    assert meta["preheader"].startswith(f"{len(posts)} neue Beiträge über Kubernetes")
    # the newsletter allows only its English category names: the English one is kept
    assert meta["categories"] == ["Monthly"]
    for english in (*ENGLISH, "December"):
        assert english not in text, english


def test_new_annual_and_an_empty_month_in_german(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _set_language(project, "de")
    site = read_site(project / "mkdocs.yml")
    blog = site.blog(site.posts_blog)
    count = len(in_period(load_posts(site.docs_dir, blog.layout), Period(2022)))
    text = _new(project, capsys, "annual", "2022")
    assert "\n# Kernel Notes: 2022 im Rückblick\n" in text
    assert split(text, project / "2022.md").meta["slug"] == "2022-im-rückblick"
    assert _headings(text)[-2:] == ["Was ich 2022 gelesen habe", "Zum Schluss"]
    names = list(blog.categories_allowed)
    topics = ", ".join(names[:-1]) + " und " + names[-1]
    assert f"Im Jahr 2022 habe ich {count} Beiträge über {topics} veröffentlicht." in text
    empty = _new(project, capsys, "monthly", "2023-01")
    assert "Im Januar gab es keine neuen Beiträge." in empty
    assert _headings(empty) == ["Was ich im Januar gelesen habe", "Zum Schluss"]
    post = _new(project, capsys, "post", "Hallo eBPF")
    assert "*(Der erste Absatz: Er ist der Auszug, den die Listen zeigen.)*" in post
    assert "*(Der Rest des Beitrags.)*" in post
    for english in (*ENGLISH, "The opening paragraph", "The rest of the post"):
        assert english not in text + empty + post, english


@pytest.mark.parametrize(
    ("language", "title", "day", "headings"),
    [
        (
            "fr",
            "Kernel Notes\u00a0: décembre 2022",
            r"\d{1,2} décembre",
            ["Ce que j’ai lu en décembre", "Pour finir"],
        ),
        (
            "es",
            "Kernel Notes: diciembre de 2022",
            r"\d{1,2} de diciembre",
            ["Lo que leí en diciembre", "Para terminar"],
        ),
    ],
)
def test_new_monthly_in_french_and_spanish(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    language: str,
    title: str,
    day: str,
    headings: list[str],
) -> None:
    _set_language(project, language)
    text = _new(project, capsys, "monthly", "2022-12")
    assert f"\n# {title}\n" in text
    assert _headings(text)[-2:] == headings
    days = re.findall(r"^\*([^*(]+)\*$", text, re.MULTILINE)
    assert len(days) == 2 and all(re.fullmatch(day, d) for d in days), days
    for english in (*ENGLISH, "December"):
        assert english not in text, english


def test_new_monthly_in_french_in_a_publication_made_by_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pub = tmp_path / "pub"
    assert main(["init", str(pub), "--date", "2025-06-14", "--author", "Ada Lovelace"]) == 0
    _set_language(pub, "fr")
    capsys.readouterr()
    out = pub / "content" / "newsletter" / "posts" / "juin.md"
    assert main(["new", "monthly", "2025-06", "-f", str(pub / "mkdocs.yml"), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    (post,) = load_posts(pub / "content", read_site(pub / "mkdocs.yml").blog("blog").layout)
    topic = post.categories[0]
    assert f"En juin, j’ai publié 1 article sur {topic}." in text  # the singular
    meta = split(text, out).meta
    assert meta["preheader"] == f"1 nouvel article sur {topic}, et ce que j’ai lu en juin."
    assert meta["categories"] == ["Mensuel"]  # the newsletter allows any category
    assert _headings(text) == [topic, "Ce que j’ai lu en juin", "Pour finir"]
    out.write_text(text.replace("draft: true\n", ""), encoding="utf-8")
    site = build_site(pub)
    (built,) = (site / "newsletter").glob("2025/07/**/juin-2025/index.html")
    page = built.read_text(encoding="utf-8")
    assert "juin 2025" in page and "Pour finir" in page
    assert (site / "newsletter" / "category" / "mensuel" / "index.html").is_file()


def test_new_stops_at_a_broken_file_of_words(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "words.yml").write_text("de:\n  roundup:\n    wrap_upp: Bis bald\n")
    _set_language(project, "de", "words.yml")
    code = main(["new", "monthly", "2022-12", "-f", str(project / "mkdocs.yml"), "--stdout"])
    captured = capsys.readouterr()
    assert code == 1 and not captured.out
    assert "words.yml:3: masthead has no words 'roundup.wrap_upp'" in captured.err
    assert "roundup.wrap_up" in captured.err  # the closest key
