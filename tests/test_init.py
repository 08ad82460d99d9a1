"""``masthead init``: a new publication, and masthead added to an existing Material blog."""

from __future__ import annotations

import difflib
import json
import shutil
import struct
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from masthead.cli import main
from masthead.errors import display_path
from masthead.frontmatter import split
from masthead.reading.lock import load_lock
from masthead.reading.sources import parse_sources
from masthead.scaffold import Options, apply, author_id, avatar_png, plan

from .support import REPO, build_site, fetch_text, masthead_serve, wait_until

DAY = "2025-06-14"
PERIOD = "2025-06"
ISSUE_SLUG = "june-2025"
POST_SLUG = "how-this-site-is-made"

SCAFFOLD_FILES = (
    "mkdocs.yml",
    ".gitignore",
    "content/.authors.yml",
    "content/assets/images/ada.png",
    "content/index.md",
    "content/blog/index.md",
    f"content/blog/posts/{POST_SLUG}.md",
    "content/newsletter/index.md",
    f"content/newsletter/posts/{PERIOD}.md",
    "content/reading/feeds.yml",
    f"content/reading/{PERIOD}.yml",
)

PLAIN_BLOG = """\
# A plain Material blog, before masthead.
site_name: Plain Notes
site_url: https://notes.example.net/
theme: material   # Material, nothing else

plugins:
  - search
  # the posts
  - blog:
      post_readtime: true

markdown_extensions:
  - admonition
  - pymdownx.superfences

extra:
  analytics: !ENV [NO_SUCH_VARIABLE, ""]
"""

PLAIN_POST = """\
---
date: 2025-06-02
---

# A first post

The excerpt.

<!-- more -->

```diagram alt="A reader" caption="Who this is for"
from diagrams import Diagram
from diagrams.onprem.client import User

with Diagram("One reader"):
    User("reader")
```
"""

PLAIN_ISSUE = f"""\
---
date: 2025-06-20
authors: [you]
kind: monthly
period: {PERIOD}
subject: Plain Notes, June 2025
preheader: The month's post and what I read.
---

# June 2025

Hello.

<!-- more -->

## What I was reading

```reading
issue: {PERIOD}
```
"""


class _EnvLoader(yaml.SafeLoader):
    """SafeLoader that reads MkDocs' ``!ENV`` tag (as None)."""


_EnvLoader.add_constructor("!ENV", lambda loader, node: None)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    """Run ``masthead init ARGS`` in this process: (exit code, stdout lines, stderr)."""
    code = main(["init", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "build" not in p.relative_to(folder).parts
    }


def front_matter(path: Path) -> dict[str, Any]:
    return dict(split(path.read_text(encoding="utf-8"), path).meta)


def plugin_names(config: dict[str, Any]) -> list[str]:
    return [p if isinstance(p, str) else next(iter(p)) for p in config["plugins"]]


def only_added_lines(before: str, after: str) -> list[str]:
    """The lines ``after`` adds to ``before``; fails when any line of ``before`` changed."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    added: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new).get_opcodes():
        assert tag in ("equal", "insert"), f"{tag}: {old[i1:i2]!r} -> {new[j1:j2]!r}"
        if tag == "insert":
            added += new[j1:j2]
    return added


def plain_blog(folder: Path, text: str = PLAIN_BLOG) -> Path:
    (folder / "docs" / "blog" / "posts").mkdir(parents=True)
    (folder / "mkdocs.yml").write_text(text, encoding="utf-8")
    (folder / "docs" / "index.md").write_text("# Plain Notes\n", encoding="utf-8")
    (folder / "docs" / "blog" / "posts" / "a.md").write_text(PLAIN_POST, encoding="utf-8")
    return folder


# --- a new publication -----------------------------------------------------------------


def test_init_writes_a_complete_publication(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pub = tmp_path / "pub"
    code, out, _ = run(
        capsys,
        str(pub),
        "--date",
        DAY,
        "--name",
        "Kernel Notes",
        "--author",
        "Ada Lovelace",
        "--email",
        "ada@example.org",
        "--site-url",
        "https://kernelnotes.example.org",
    )
    assert code == 0
    for name in SCAFFOLD_FILES:
        assert (pub / name).is_file(), name
    created = [line for line in out if line.startswith("created ")]
    assert sorted(line.split()[1] for line in created) == sorted(
        display_path(pub / name) for name in SCAFFOLD_FILES
    )

    config = yaml.safe_load((pub / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["site_name"] == "Kernel Notes"
    assert config["site_url"] == "https://kernelnotes.example.org/"
    assert config["site_author"] == "Ada Lovelace"
    assert config["docs_dir"] == "content" and config["site_dir"] == "build/site"
    assert config["theme"]["name"] == "material" and config["theme"]["font"] is False
    assert "strict" not in config and "custom_dir" not in config["theme"]
    assert plugin_names(config) == [
        "search",
        "blog",
        "blog",
        "masthead/newsletter",
        "masthead/diagrams",
        "masthead/reading",
        "masthead/email",
    ]
    blogs = [p["blog"] for p in config["plugins"] if isinstance(p, dict) and "blog" in p]
    assert blogs == [
        {"blog_dir": "blog", "authors_file": ".authors.yml"},
        {"blog_dir": "newsletter", "authors_file": ".authors.yml"},
    ]
    newsletter = config["plugins"][3]["masthead/newsletter"]
    assert newsletter["blog"] == "blog"
    (letter,) = newsletter["newsletters"]
    assert letter["blog_dir"] == "newsletter" and letter["title"] == "Kernel Notes"
    assert letter["provider"] == "buttondown"
    assert letter["subscribe"]["account"] == "kernelnotes"
    assert letter["email"]["from"] == "Ada Lovelace <ada@example.org>"
    extensions = [e if isinstance(e, str) else next(iter(e)) for e in config["markdown_extensions"]]
    for ext in (
        "admonition",
        "attr_list",
        "md_in_html",
        "footnotes",
        "tables",
        "toc",
        "pymdownx.highlight",
        "pymdownx.superfences",
        "pymdownx.details",
    ):
        assert ext in extensions
    assert {"toc": {"permalink": True}} in config["markdown_extensions"]
    assert [next(iter(item)) for item in config["nav"]] == ["Home", "Blog", "Newsletter"]

    authors = yaml.safe_load((pub / "content" / ".authors.yml").read_text(encoding="utf-8"))
    ada = authors["authors"]["ada"]
    assert ada["name"] == "Ada Lovelace"
    assert (pub / "content" / ada["avatar"]).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")

    post = pub / "content" / "blog" / "posts" / f"{POST_SLUG}.md"
    meta = front_matter(post)
    assert meta["date"] == date(2025, 6, 14) and meta["authors"] == ["ada"]
    assert '```diagram alt="' in post.read_text(encoding="utf-8")
    assert "with Diagram(" in post.read_text(encoding="utf-8")

    issue = pub / "content" / "newsletter" / "posts" / f"{PERIOD}.md"
    meta = front_matter(issue)
    assert meta["kind"] == "monthly" and str(meta["period"]) == PERIOD
    assert meta["date"] == date(2025, 6, 14) and meta["authors"] == ["ada"]
    assert meta["subject"] and meta["preheader"] and meta["slug"] == ISSUE_SLUG
    assert f"```reading\nissue: {PERIOD}\n```" in issue.read_text(encoding="utf-8")

    lock = load_lock(pub / "content" / "reading" / f"{PERIOD}.yml", PERIOD)
    (pick,) = lock.picks()
    assert pick.comment.strip() and pick.url.startswith("https://")
    feeds = parse_sources(
        (pub / "content" / "reading" / "feeds.yml").read_text(encoding="utf-8"),
        pub / "content" / "reading" / "feeds.yml",
    )
    assert [f.url for f in feeds.feeds] == ["https://example.org/feed.xml"]
    ignored = (pub / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "build/" in ignored and ".cache/" in ignored


def test_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing"
    code, out, _ = run(capsys, str(missing), "--dry-run", "--date", DAY)
    assert code == 0
    assert not missing.exists()
    expected = [n.replace("ada.png", "you.png") for n in SCAFFOLD_FILES]  # the default author
    assert sorted(out) == sorted(
        f"would create {display_path(missing / name)}" for name in expected
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, _ = run(capsys, str(empty), "-n", "--date", DAY)
    assert code == 0 and out and list(empty.iterdir()) == []


def test_second_run_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pub = tmp_path / "pub"
    assert run(capsys, str(pub), "--date", DAY)[0] == 0
    before = snapshot(pub)
    code, out, _ = run(capsys, str(pub), "--date", "2025-07-01", "--provider", "kit")
    assert code == 0
    assert out == ["nothing to do: masthead is set up here already"]
    assert snapshot(pub) == before


def test_a_folder_with_some_files_keeps_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pub = tmp_path / "pub"
    (pub / "content").mkdir(parents=True)
    (pub / "content" / "index.md").write_text("# Mine\n", encoding="utf-8")
    (pub / ".gitignore").write_text("*.pyc\n/build", encoding="utf-8")
    code, out, _ = run(capsys, str(pub), "--date", DAY)
    assert code == 0
    assert (pub / "content" / "index.md").read_text(encoding="utf-8") == "# Mine\n"
    assert (pub / ".gitignore").read_text(encoding="utf-8") == "*.pyc\n/build\n.cache/\n"
    assert f"changed {display_path(pub / '.gitignore')}: added .cache/" in out
    assert not any("content/index.md" in line for line in out)


def test_author_ids_and_avatar() -> None:
    assert author_id("Ada Lovelace") == "ada"
    assert author_id("Zoë Ångström") == "zoe"
    assert author_id("Your Name") == "you"
    assert author_id("!!!") == "author"
    png = avatar_png("Ada")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (144, 144)
    length = struct.unpack(">I", png[33:37])[0]
    assert png[37:41] == b"IDAT"
    assert len(zlib.decompress(png[41 : 41 + length])) == height * (1 + width * 3)


@pytest.mark.parametrize("provider", ["buttondown", "kit", "listmonk", "mailchimp", "custom"])
def test_every_provider_gets_settings_the_plugins_accept(tmp_path: Path, provider: str) -> None:
    from mkdocs.config import load_config

    plan_ = plan(tmp_path / "pub", Options(provider=provider, today=date(2025, 6, 14)))
    (config_change,) = [c for c in plan_.changes if c.path.name == "mkdocs.yml"]
    apply(plan_.changes)
    letter = yaml.safe_load(str(config_change.data))["plugins"][3]["masthead/newsletter"]
    assert letter["newsletters"][0]["provider"] == provider
    config = load_config(str(tmp_path / "pub" / "mkdocs.yml"), strict=True)
    # The plugins' own checks of the subscribe form and the email settings.
    config.plugins.on_config(config)


# --- an existing project ---------------------------------------------------------------


def test_existing_blog_gets_only_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = plain_blog(tmp_path / "plain")
    config = project / "mkdocs.yml"
    code, dry, _ = run(capsys, str(project), "--dry-run", "--date", DAY)
    assert code == 0 and config.read_text(encoding="utf-8") == PLAIN_BLOG
    assert sorted(p.name for p in (project / "docs").rglob("*") if p.is_file()) == [
        "a.md",
        "index.md",
    ]

    code, out, _ = run(capsys, str(project), "--date", DAY)
    assert code == 0
    assert out == [
        line.replace("would create", "created").replace("would change", "changed") for line in dry
    ]
    text = config.read_text(encoding="utf-8")
    added = only_added_lines(PLAIN_BLOG, text)
    assert "      authors_file: .authors.yml\n" in added
    assert "  - masthead/email\n" in added
    (changed,) = [line for line in out if line.startswith("changed ")]
    assert changed.startswith(f"changed {display_path(config)}: added ")
    for what in (
        "blog (blog_dir: newsletter)",
        "authors_file: .authors.yml on blog 'blog'",
        "masthead/newsletter",
        "masthead/diagrams",
        "masthead/reading",
        "masthead/email",
    ):
        assert what in changed
    assert "site_url" not in changed
    created = sorted(line.split()[1] for line in out if line.startswith("created "))
    assert created == sorted(
        display_path(project / "docs" / name)
        for name in (
            ".authors.yml",
            "assets/images/you.png",
            "newsletter/index.md",
            "reading/feeds.yml",
            f"reading/{PERIOD}.yml",
        )
    )

    data = yaml.load(text, Loader=_EnvLoader)
    assert plugin_names(data) == [
        "search",
        "blog",
        "blog",
        "masthead/newsletter",
        "masthead/diagrams",
        "masthead/reading",
        "masthead/email",
    ]
    assert data["plugins"][1] == {"blog": {"post_readtime": True, "authors_file": ".authors.yml"}}
    assert data["plugins"][2] == {
        "blog": {"blog_dir": "newsletter", "authors_file": ".authors.yml"}
    }
    letters = data["plugins"][3]["masthead/newsletter"]
    assert letters["blog"] == "blog"
    assert [n["blog_dir"] for n in letters["newsletters"]] == ["newsletter"]
    assert letters["newsletters"][0]["title"] == "Plain Notes"
    assert "you" in yaml.safe_load((project / "docs" / ".authors.yml").read_text())["authors"]

    before = snapshot(project)
    code, out, _ = run(capsys, str(project), "--date", "2025-08-01")
    assert code == 0 and out == ["nothing to do: masthead is set up here already"]
    assert snapshot(project) == before


def test_a_theme_other_than_material_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "site_name: Docs\n# the theme\ntheme: readthedocs\nplugins:\n  - search\n"
    (tmp_path / "mkdocs.yml").write_text(text, encoding="utf-8")
    code, out, err = run(capsys, str(tmp_path))
    assert code == 1
    assert "mkdocs.yml:3:" in err and "'readthedocs'" in err and "theme: material" in err
    assert out == []
    assert (tmp_path / "mkdocs.yml").read_text(encoding="utf-8") == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mkdocs.yml"]

    (tmp_path / "mkdocs.yml").write_text("site_name: Docs\n", encoding="utf-8")
    code, _, err = run(capsys, str(tmp_path))
    assert code == 1 and "mkdocs.yml" in err and "no 'theme:'" in err


def test_invalid_yaml_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mkdocs.yaml").write_text("site_name: x\ntheme: [material\n", encoding="utf-8")
    code, _, err = run(capsys, str(tmp_path))
    assert code == 1 and "mkdocs.yaml:" in err and "invalid YAML" in err


MATERIAL_PLUGINS = (
    "masthead/newsletter",
    "masthead/diagrams",
    "masthead/reading",
    "masthead/email",
)

LAYOUTS = {
    "bare blog, indentless list, no final newline": (
        "site_name: A\nsite_url: https://a.example/\ntheme:\n  name: material\n"
        "plugins:\n- search\n- blog  # posts\nnav:\n- index.md"
    ),
    "bare blog last, no final newline": (
        "site_name: A\nsite_url: https://a.example/\ntheme: material\nplugins:\n"
        "  - search\n  - blog"
    ),
    "flow list": (
        "site_name: A\nsite_url: https://a.example/\ntheme: {name: material}\n"
        "plugins: [search, blog]\n"
    ),
    "flow options, material/blog": (
        "site_name: A\nsite_url: https://a.example/\ntheme: material\n"
        "plugins:\n    -   search\n    -   material/blog: {blog_dir: posts}\n"
    ),
    "no plugins, no site_url, a comment first": (
        "# my site\nsite_name: A\ntheme:\n  name: material\n"
        "markdown_extensions:\n  - toc:\n      permalink: true\n"
    ),
    "empty plugins": "site_name: A\nsite_url: https://a.example/\ntheme: material\nplugins:\n",
    "CRLF and a folded text last": (
        "site_name: A\r\nsite_url: https://a.example/\r\ntheme: material\r\nplugins:\r\n"
        "  - search\r\n  - blog:\r\n      blog_toc: true\r\n      archive_name: >-\r\n"
        "        two\r\n        lines\r\n\r\n  # the end of the plugins\r\nextra: {}\r\n"
    ),
    "tags": (
        "site_name: !ENV [SITE_NAME, A]\nsite_url: https://a.example/\ntheme: material\n"
        "plugins:\n  - search\n  - blog:\n      enabled: !ENV [BLOG, true]\n"
        "markdown_extensions:\n  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
    ),
    "bare blog and a second one, a newsletter plugin without its newsletters": (
        "site_name: A\nsite_url: https://a.example/\ntheme: material\nplugins:\n"
        "  - blog\n  - blog:\n      blog_dir: letters\n      authors_file: people.yml\n"
        "  - masthead/newsletter\n"
    ),
}


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_layouts_of_mkdocs_yml(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mkdocs.config import load_config

    text = LAYOUTS[name]
    config = tmp_path / "mkdocs.yml"
    config.write_bytes(text.encode("utf-8"))
    code, out, err = run(capsys, str(tmp_path), "--date", DAY)
    assert code == 0, err
    new = config.read_bytes().decode("utf-8")
    if "\r\n" in text:
        assert new.count("\n") == new.count("\r\n")
    loaded = load_config(str(config), strict=True)
    names = list(loaded.plugins)
    for plugin in MATERIAL_PLUGINS:
        assert plugin in names, names
    blogs = [k for k in names if k.endswith("blog") or "blog #" in k]
    assert len(blogs) >= 2
    if "flow" not in name and "bare blog" not in name:
        only_added_lines(text, new)
    else:  # `blog` -> `blog:`, `{...}` -> `{..., authors_file: ...}`: one line changes
        changed = [
            line
            for line in difflib.ndiff(text.splitlines(), new.splitlines())
            if line.startswith("- ")
        ]
        assert len(changed) == (2 if "without its newsletters" in name else 1), changed
    if "without its newsletters" in name:
        assert "      newsletters:\n        - blog_dir: letters\n" in new
    if "no site_url" in name:
        assert "site_url: https://example.org/\n" in new
    code, out, _ = run(capsys, str(tmp_path), "--date", DAY)
    assert code == 0 and out == ["nothing to do: masthead is set up here already"]


def test_plugins_as_a_mapping_cannot_take_a_second_blog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "site_name: A\ntheme: material\nplugins:\n  search: {}\n  blog: {}\n"
    (tmp_path / "mkdocs.yml").write_text(text, encoding="utf-8")
    code, _, err = run(capsys, str(tmp_path))
    assert code == 1 and "mkdocs.yml:4:" in err and "as a\nlist" not in err
    assert "list" in err
    assert (tmp_path / "mkdocs.yml").read_text(encoding="utf-8") == text


def test_the_example_publication_needs_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy2(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(REPO / "content", tmp_path / "content")
    before = snapshot(tmp_path)
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 0 and out == ["nothing to do: masthead is set up here already"]
    assert snapshot(tmp_path) == before


# --- real builds -----------------------------------------------------------------------


def _check_built(site: Path, emails: Path, *, post: str, issue: str) -> None:
    post_html = next(site.glob(f"blog/**/{post}/index.html")).read_text(encoding="utf-8")
    assert '<figure class="mh-diagram"' in post_html
    issue_html = next(site.glob(f"newsletter/**/{issue}/index.html")).read_text(encoding="utf-8")
    assert 'class="mh-reading"' in issue_html
    assert 'class="mh-reading__item"' in issue_html
    folder = emails / issue
    html = (folder / "email.html").read_text(encoding="utf-8")
    assert "<table" in html
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest


def test_the_new_publication_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pub = tmp_path / "pub"
    assert run(capsys, str(pub), "--date", DAY, "--author", "Ada Lovelace")[0] == 0
    site = build_site(pub)
    assert site == pub / "build" / "site"
    _check_built(site, pub / "build" / "email", post=POST_SLUG, issue=ISSUE_SLUG)
    home = (site / "index.html").read_text(encoding="utf-8")
    assert POST_SLUG in home  # the ```posts list of the home page
    assert not (pub / "content" / ".cache").exists()


def test_the_new_publication_serves_without_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pub = tmp_path / "pub"
    assert run(capsys, str(pub), "--date", DAY)[0] == 0
    config = pub / "mkdocs.yml"
    config.write_text("strict: true\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    log = tmp_path / "serve.log"
    with masthead_serve(pub, log) as (base, _):
        wait_until(
            lambda: "mh-subscribe" in fetch_text(base + f"newsletter/2025/06/14/{ISSUE_SLUG}/"),
            "the issue page served",
            log=log,
        )
        page = fetch_text(base + f"newsletter/2025/06/14/{ISSUE_SLUG}/")
    assert 'class="mh-reading"' in page and 'class="mh-share' in page
    output = log.read_text(errors="replace")
    assert "WARNING" not in output and "ERROR" not in output, output


def test_the_completed_blog_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = plain_blog(tmp_path / "plain")
    assert run(capsys, str(project), "--date", DAY)[0] == 0
    issue = project / "docs" / "newsletter" / "posts" / f"{PERIOD}.md"
    issue.parent.mkdir(parents=True)
    issue.write_text(PLAIN_ISSUE, encoding="utf-8")
    site = build_site(project, site_dir=project / "site")
    _check_built(site, project / "build" / "email", post="a-first-post", issue=ISSUE_SLUG)


def test_help_and_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["init", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for flag in (
        "--name",
        "--author",
        "--email",
        "--site-url",
        "--provider",
        "--date",
        "--dry-run",
        "buttondown,kit,listmonk,mailchimp,custom",
    ):
        assert flag in text
    with pytest.raises(SystemExit) as exit_:
        main(["init", str(tmp_path / "x"), "--email", "not an address"])
    assert exit_.value.code == 2 and "expected an address" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["init", str(tmp_path / "x"), "--site-url", "example.org"])
    assert "expected an absolute URL" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    (tmp_path / "file").write_text("", encoding="utf-8")
    code, _, err = run(capsys, str(tmp_path / "file"))
    assert code == 1 and "expected a folder" in err
