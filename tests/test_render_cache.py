"""The render cache: whatever comes from it, a build writes the bytes a clean build writes.

Each comparison builds the same project twice into the same folder: warm (the
cache as the builds before left it) and clean (``cache: false``, the plugins'
options given to MkDocs so that mkdocs.yml itself, an input of the emails, is
the same file), and compares every file of the site and of the emails.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import zlib
from collections.abc import Callable, Iterator
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from bench import synthetic
from mkdocs.exceptions import Abort
from mkdocs.structure.files import File
from mkdocs.structure.pages import Page
from mkdocs.utils.yaml import yaml_load

from masthead.cli import main
from masthead.render_cache import internals
from masthead.render_cache.plugin import FOLDER
from masthead.render_cache.store import PACKS, Store

from .support import REPO, build_site, copy_project

CACHE_LOG = "mkdocs.plugins.masthead.cache"
_RENDERS = re.compile(r"masthead: (\d+) of (\d+) Markdown renders from the cache")


# -- helpers ----------------------------------------------------------------------------


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def plugins_without_cache(project: Path) -> list[Any]:
    """The project's plugins as mkdocs.yml lists them, with ``cache: false`` on
    masthead/newsletter."""
    with (project / "mkdocs.yml").open(encoding="utf-8") as fh:
        plugins = list(yaml_load(fh)["plugins"])
    for at, item in enumerate(plugins):
        name = item if isinstance(item, str) else next(iter(item))
        if name == "masthead/newsletter":
            options = {} if isinstance(item, str) else dict(item[name] or {})
            plugins[at] = {name: {**options, "cache": False}}
    return plugins


class Builds:
    """Builds of one project, with what the cache said about each."""

    def __init__(self, project: Path, caplog: pytest.LogCaptureFixture) -> None:
        self.project = project
        self.caplog = caplog

    def build(self, *, cache: bool = True, strict: bool = True) -> tuple[int, int] | None:
        """Build into the project's build/ (emptied first); (renders from the cache,
        renders) as the build logged them, ``None`` when it logged none."""
        shutil.rmtree(self.project / "build", ignore_errors=True)
        overrides = {} if cache else {"plugins": plugins_without_cache(self.project)}
        self.caplog.clear()
        build_site(self.project, strict=strict, **overrides)
        return self.renders()

    def renders(self) -> tuple[int, int] | None:
        found = [
            _RENDERS.search(r.getMessage()) for r in self.caplog.records if r.name == CACHE_LOG
        ]
        counts = [(int(m.group(1)), int(m.group(2))) for m in found if m]
        return counts[-1] if counts else None

    def warm_equals_clean(self, scratch: Path) -> tuple[int, int]:
        """Build warm, then clean; both write the same files. (hits, renders) of the warm."""
        counts = self.build()
        assert counts is not None
        warm = scratch / "warm"
        shutil.rmtree(warm, ignore_errors=True)
        shutil.move(self.project / "build", warm)
        assert self.build(cache=False) is None
        for part in ("site", "email"):
            a, b = tree(warm / part), tree(self.project / "build" / part)
            assert sorted(a) == sorted(b), part
            differ = [name for name in a if a[name] != b[name]]
            assert differ == [], (part, differ[:10])
        return counts


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """INFO records of every build (the same levels for every build of a test: the levels
    are part of the cache's key)."""
    with caplog.at_level(logging.INFO):
        yield caplog


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- the example ------------------------------------------------------------------------


def test_a_warm_build_of_the_example_is_a_clean_build(
    project: Path, logs: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    builds = Builds(project, logs)
    cold = builds.build()
    assert cold is not None and cold[0] == 0 and cold[1] > 100
    hits, renders = builds.warm_equals_clean(tmp_path)
    assert (hits, renders) == (cold[1], cold[1])
    # only what the last build used is kept
    store = Store(project / FOLDER)
    assert len(store.index) == renders
    assert len(list((project / FOLDER / PACKS).glob("*.pack"))) >= 1


def test_turned_off_the_cache_writes_nothing(project: Path, logs: pytest.LogCaptureFixture) -> None:
    builds = Builds(project, logs)
    assert builds.build(cache=False) is None
    assert not (project / FOLDER).exists()
    assert (project / ".cache" / "masthead").is_dir()  # the diagrams' and cards' caches


def test_a_warning_is_emitted_again_from_the_cache(
    project: Path, logs: pytest.LogCaptureFixture
) -> None:
    about = project / "content" / "about.md"
    about.write_text(
        about.read_text(encoding="utf-8") + "\nSee [the old notes](old-notes.md).\n",
        encoding="utf-8",
    )
    builds = Builds(project, logs)
    warning = "contains a link 'old-notes.md', but the target is not found"
    for attempt in ("cold", "warm"):
        with pytest.raises(Abort):
            builds.build()
        messages = [r.getMessage() for r in logs.records if r.levelno == logging.WARNING]
        assert any(warning in m for m in messages), (attempt, messages)
        counts = builds.renders()
        assert counts is not None
        if attempt == "warm":
            assert counts[0] == counts[1]  # every render came from the cache


def test_a_page_with_a_snippet_is_rendered_every_time(
    project: Path, logs: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    snippet = project / "snippets" / "note.md"
    snippet.parent.mkdir()
    snippet.write_text("The first version of the note.\n", encoding="utf-8")
    about = project / "content" / "about.md"
    about.write_text(
        about.read_text(encoding="utf-8") + '\n--8<-- "snippets/note.md"\n', encoding="utf-8"
    )
    builds = Builds(project, logs)
    builds.build()
    snippet.write_text("The second version of the note.\n", encoding="utf-8")
    hits, renders = builds.warm_equals_clean(tmp_path)
    assert hits == renders > 0  # the page with the snippet is not among them
    page = (tmp_path / "warm" / "site" / "about" / "index.html").read_text(encoding="utf-8")
    assert "The second version of the note." in page


def test_an_extension_the_cache_cannot_key_on_turns_it_off(
    project: Path, logs: pytest.LogCaptureFixture
) -> None:
    replace_once(project / "mkdocs.yml", "  - abbr\n", "  - abbr\n  - pymdownx.b64\n")
    builds = Builds(project, logs)
    assert builds.build() is None
    off = [r.getMessage() for r in logs.records if r.name == CACHE_LOG]
    assert off == [
        "masthead: the render cache is off: it cannot key on the Markdown extension 'pymdownx.b64'"
    ]
    assert not (project / FOLDER).exists()


def test_a_corrupt_entry_is_a_miss(
    project: Path, logs: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    builds = Builds(project, logs)
    cold = builds.build()
    assert cold is not None
    packs = sorted((project / FOLDER / PACKS).glob("*.pack"))
    for pack in packs:
        data = bytearray(pack.read_bytes())
        for at in range(len(data) // 3, len(data) // 3 + 64):
            data[at] ^= 0xFF
        pack.write_bytes(bytes(data))
    hits, renders = builds.warm_equals_clean(tmp_path)
    assert 0 < hits < renders
    (project / FOLDER / "index.json").write_text('{"format": 1, "entries": [', encoding="utf-8")
    hits, renders = builds.warm_equals_clean(tmp_path)
    assert hits == 0 and renders > 0
    hits, renders = builds.warm_equals_clean(tmp_path)
    assert hits == renders


def test_an_entry_of_another_shape_is_a_miss(
    project: Path, logs: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """Entries whose bytes match their digest but hold something unexpected: a miss each."""
    builds = Builds(project, logs)
    builds.build()
    folder = project / FOLDER
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    breakages: list[Callable[[dict[str, Any]], None]] = [
        lambda r: r.update(content=5),
        lambda r: r.update(links=["not", "a", "mapping"]),
        lambda r: r.update(fences=[["posts", {"t": "not a list"}, "0"]]),
        lambda r: r.update(fences=[["posts", ["only", "two"], "0"]]),
        lambda r: r.update(toc=[{"level": 1}]),
        lambda r: r.update(log=[["mkdocs", "WARNING", "a level that is not a number"]]),
        lambda r: r.pop("title", r.pop("more", None)),
    ]
    blob = bytearray()
    for n, (key, (pack, offset, length, _)) in enumerate(sorted(index["entries"].items())):
        data = (folder / PACKS / pack).read_bytes()[offset : offset + length]
        record = json.loads(zlib.decompress(data))
        breakages[n % len(breakages)](record)
        data = zlib.compress(json.dumps(record).encode("utf-8"))
        index["entries"][key] = ["broken.pack", len(blob), len(data), sha256(data).hexdigest()]
        blob += data
    (folder / PACKS / "broken.pack").write_bytes(bytes(blob))
    (folder / "index.json").write_text(json.dumps(index), encoding="utf-8")
    hits, renders = builds.warm_equals_clean(tmp_path)
    assert hits == 0 and renders > 0


def test_an_excerpt_numbers_its_footnotes_as_without_the_cache(
    project: Path, logs: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """Material converts a post's excerpt for each page it is on with one Markdown
    instance, so its footnote references count up (``fnref2:``, ...); a page the post
    newly shows on renders its excerpt after the others came from the cache."""
    post = project / "content" / "blog" / "posts" / "cluster-dns-debugging.md"
    replace_once(post, "but only sometimes.", "but only sometimes.[^timeout]")
    post.write_text(
        post.read_text(encoding="utf-8") + "\n[^timeout]: The resolver's five seconds.\n",
        encoding="utf-8",
    )
    builds = Builds(project, logs)
    builds.build()
    replace_once(post, "categories: [Networking, Kubernetes]", "categories: [Networking, Linux]")
    hits, renders = builds.warm_equals_clean(tmp_path)
    assert 0 < hits < renders
    linux = (tmp_path / "warm" / "site" / "blog" / "category" / "linux" / "index.html").read_text(
        encoding="utf-8"
    )
    assert re.search(r'id="fnref[2-9]:timeout"', linux)


# -- a large publication, edited --------------------------------------------------------

POSTS = 500
"""A publication of years of posts, the size builds and saves are measured at."""


def _post(project: Path, n: int) -> Path:
    return project / "content" / "blog" / "posts" / "generated" / f"post-{n:04d}.md"


def _edit_body(project: Path) -> None:
    path = _post(project, 10)
    path.write_text(
        path.read_text(encoding="utf-8") + "\nA paragraph added after the first build.\n",
        encoding="utf-8",
    )


NEW_TITLE = "Cgroup pressure stalls, measured"


def _edit_title(project: Path) -> None:
    path = _post(project, POSTS - 1)  # the newest: on the blog's first page
    text = path.read_text(encoding="utf-8")
    old = re.search(r"(?m)^# (.+)$", text)
    assert old is not None
    (project / "old-title.txt").write_text(old.group(1), encoding="utf-8")
    path.write_text(text.replace(old.group(0), f"# {NEW_TITLE}", 1), encoding="utf-8")


def _edit_date(project: Path) -> None:
    path = _post(project, 20)
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^date: .*$", "date: 2024-11-30", text, count=1), "utf-8")


def _edit_category(project: Path) -> None:
    path = _post(project, 30)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        re.sub(r"(?m)^categories: .*$", "categories: [Networking]", text, count=1), "utf-8"
    )


def _edit_author(project: Path) -> None:
    replace_once(
        project / "content" / ".authors.yml", "name: Mira Castellanos", "name: Mira C. Castellanos"
    )


def _edit_config(project: Path) -> None:
    replace_once(project / "mkdocs.yml", "      permalink: true", '      permalink: "#"')


def _edit_template(project: Path) -> None:
    source = REPO / "generator" / "masthead" / "theme" / "partials" / "mh-post-meta.html"
    target = project / "theme" / "partials" / "mh-post-meta.html"
    target.write_text(
        source.read_text(encoding="utf-8") + '\n<span class="cache-test-marker"></span>\n',
        encoding="utf-8",
    )


def _edit_lock(project: Path) -> None:
    replace_once(
        project / "content" / "reading" / "2022-12.yml",
        "    The release announcement.",
        "    The release announcement, read twice.",
    )


def _edit_diagram(project: Path) -> None:
    """Change a digit of a node's label: the diagram changes, its size hardly."""
    path = project / "content" / "diagrams" / "service-dataplane.py"
    text = path.read_text(encoding="utf-8")
    label = re.search(r'[A-Z]\w*\("[^"\n]*?(\d)', text)
    assert label, path
    digit = str((int(label.group(1)) + 1) % 10)
    path.write_text(text[: label.start(1)] + digit + text[label.end(1) :], "utf-8")


EDITS: list[tuple[str, Callable[[Path], None]]] = [
    ("nothing", lambda project: None),
    ("a post's body", _edit_body),
    ("a post's title", _edit_title),
    ("a post's date", _edit_date),
    ("a post's category", _edit_category),
    ("an author", _edit_author),
    ("a Markdown extension's option", _edit_config),
    ("a template of custom_dir", _edit_template),
    ("a reading lock", _edit_lock),
    ("a diagram's source", _edit_diagram),
]


def _html_files(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
        for p in site.rglob("*")
        if p.suffix in (".html", ".xml", ".json") and p.is_file()
    }


@pytest.mark.slow
def test_every_edit_of_a_large_publication_builds_warm_as_clean(
    tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    project = copy_project(tmp_path / "project")
    synthetic.grow(project, POSTS)
    builds = Builds(project, logs)
    cold = builds.build()
    assert cold is not None and cold[0] == 0
    for what, edit in EDITS:
        edit(project)
        hits, renders = builds.warm_equals_clean(tmp_path / "scratch")
        assert renders > POSTS, what
        if what == "a Markdown extension's option":
            assert hits == 0, what  # every key changed
        else:
            assert hits > renders // 2, (what, hits, renders)
        warm = tmp_path / "scratch" / "warm" / "site"
        if what == "a post's title":
            old = (project / "old-title.txt").read_text(encoding="utf-8")
            pages = _html_files(warm)
            assert not [name for name, text in pages.items() if old in text]
            showing = {name for name, text in pages.items() if NEW_TITLE in text}
            assert "blog/index.html" in showing
            assert any(name.startswith("blog/archive/") for name in showing)
            assert any(name.startswith("blog/category/") for name in showing)
            assert "search/search_index.json" in showing
        if what == "a template of custom_dir":
            post = next(warm.glob("blog/20*/*/generated-0010/index.html"))
            assert "cache-test-marker" in post.read_text(encoding="utf-8")


def test_a_new_publication_builds_warm_as_clean(
    tmp_path: Path, logs: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    pub = tmp_path / "pub"
    assert main(["init", str(pub), "--date", "2025-06-14", "--author", "Ada Lovelace"]) == 0
    capsys.readouterr()
    builds = Builds(pub, logs)
    cold = builds.build()
    assert cold is not None and cold[0] == 0
    hits, renders = builds.warm_equals_clean(tmp_path / "scratch")
    assert hits == renders > 0


# -- parts ------------------------------------------------------------------------------


def test_the_internals_are_those_the_cache_was_written_for() -> None:
    assert internals.changed() == []
    assert set(internals.EXPECTED) == set(internals.digests())


def test_posts_keep_the_meaning_of_in() -> None:
    config = {"site_url": None, "repo_url": None, "edit_uri": None, "edit_uri_template": None}
    files = [File(f"p{n}.md", "/docs", "/site", use_directory_urls=True) for n in range(4)]
    posts = [Page(f"Post {n}", file, config) for n, file in enumerate(files[:3])]  # type: ignore[arg-type]
    listed = internals.PostList(posts)
    other = Page("Post 3", files[3], config)  # type: ignore[arg-type]
    twin = Page.__new__(Page)
    twin.__dict__.update(posts[1].__dict__)  # another page object of the same file and title
    renamed = Page.__new__(Page)
    renamed.__dict__.update({**posts[2].__dict__, "title": "Renamed"})
    for page in (*posts, other, twin, renamed, "p0.md"):
        assert (page in listed) == (page in list(posts)), page
    assert twin in listed and renamed not in listed and other not in listed
    listed.append(other)
    assert other in listed
    listed.remove(posts[0])
    assert posts[0] not in listed


def test_two_stores_at_once_never_break_the_cache(tmp_path: Path) -> None:
    folder = tmp_path / "render"
    first, second = Store(folder), Store(folder)
    first.put("a", {"html": "<p>a</p>"})
    second.put("b", {"html": "<p>b</p>"})
    first.finish()
    reader = Store(folder)
    assert reader.get("a") == {"html": "<p>a</p>"}
    reader.close()
    second.finish()
    third = Store(folder)
    assert third.get("b") == {"html": "<p>b</p>"}
    assert third.get("a") is None  # the index of the last build to finish wins
    third.finish()
    # what the last build did not use is gone, packs included
    assert Store(folder).index.keys() == {"b"}
    assert len(list((folder / PACKS).glob("*.pack"))) == 1
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    assert list(index["entries"]) == ["b"]
