"""Scaffolds on the example content: which posts, grouped how, never overwriting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from masthead.cli import main
from masthead.content import Period, load_posts
from masthead.frontmatter import split
from masthead.newsletter.issue import load_issue
from masthead.newsletter.roundup import group_by_category, relink, scaffold_annual, scaffold_monthly

from .support import build_site
from .support import publication as read_site


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
