"""``masthead init [DIR]``: start a publication, or add masthead to a Material project.

In a folder without ``mkdocs.yml`` it writes a small, complete publication
(configuration, an author, a post with a diagram, a newsletter issue with a
reading list, feeds.yml, .gitignore). In a folder with an MkDocs project that
uses Material it adds only what masthead needs and is missing: the masthead
plugins, a blog instance for the newsletter, ``authors_file`` settings, the
authors file, the newsletter's index page and the reading-list files.

``mkdocs.yml`` is edited as text: new lines are inserted where they belong
and every other byte of the file stays as it was. Before anything is
written, the edited text is parsed again and compared with the original
settings plus the additions, so a file this command cannot edit safely is
left alone with an error. No existing file is ever overwritten, every write
is atomic, and a second run finds nothing to do.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import email.utils
import os
import re
import struct
import tempfile
import textwrap
import unicodedata
import zlib
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..content import Period, slugify
from ..errors import ConfigError, MastheadError, display_path
from . import SubParsers

PROVIDERS: tuple[str, ...] = ("buttondown", "kit", "listmonk", "mailchimp", "custom")
CONFIG_NAMES: tuple[str, ...] = ("mkdocs.yml", "mkdocs.yaml")
BLOG_PLUGINS: tuple[str, ...] = ("blog", "material/blog")
NEWSLETTER_PLUGIN = "masthead/newsletter"
OTHER_PLUGINS: tuple[str, ...] = ("masthead/diagrams", "masthead/reading", "masthead/email")
DEFAULT_AUTHORS_FILE = "{blog}/.authors.yml"
"""Material's default ``authors_file`` (relative to docs_dir)."""
SHARED_AUTHORS_FILE = ".authors.yml"
POST_TITLE = "How this site is made"
GITIGNORE_LINES: tuple[str, ...] = ("build/", ".cache/")

DEFAULT_NAME = "My Newsletter"
DEFAULT_AUTHOR = "Your Name"
DEFAULT_AUTHOR_ID = "you"
DEFAULT_EMAIL = "you@example.org"
DEFAULT_SITE_URL = "https://example.org/"


# --- command line ----------------------------------------------------------------------


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date like 2022-12-31, got {text!r}") from exc


def _address(text: str) -> str:
    name, addr = email.utils.parseaddr(text)
    if name or not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", addr or ""):
        raise argparse.ArgumentTypeError(f"expected an address like you@example.org, got {text!r}")
    return addr


def _site_url(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(
            f"expected an absolute URL like https://example.org/, got {text!r}"
        )
    url = text.strip()
    return url if url.endswith("/") else url + "/"


def _text(what: str) -> Any:
    def parse(text: str) -> str:
        if not text.strip() or "\n" in text or "\r" in text:
            raise argparse.ArgumentTypeError(f"expected {what} on one line, got {text!r}")
        return text.strip()

    return parse


def register(sub: SubParsers) -> None:
    parser = sub.add_parser(
        "init",
        help="start a publication, or add masthead to an MkDocs Material project",
        description=textwrap.dedent(
            """\
            In a folder without mkdocs.yml (empty, or missing), write a small, complete
            publication: mkdocs.yml, an author, a first post with a diagram, a first
            newsletter issue with a reading list, the reading list's feeds.yml and a
            .gitignore. It builds as it is: masthead build --strict.

            In a folder whose mkdocs.yml uses the Material theme, add only what masthead
            needs and is missing: the masthead plugins, a blog instance for the newsletter,
            authors_file settings, the authors file, the newsletter's index page and the
            reading-list files. mkdocs.yml keeps every line it had; new lines are inserted
            where they belong.

            Existing files are never overwritten, and a second run changes nothing. Each
            file created or changed is listed on a line of its own."""
        ),
        epilog=(
            "examples:\n"
            '  masthead init kernel-notes --name "Kernel Notes" --author "Mira Castellanos"\n'
            "  masthead init . --provider kit --email mira@example.org\n"
            "  masthead init --dry-run          # what would be added to ./mkdocs.yml"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "dir",
        nargs="?",
        default=".",
        type=Path,
        metavar="DIR",
        help="the project folder (default: the current folder)",
    )
    parser.add_argument(
        "--name",
        type=_text("a name"),
        metavar="NAME",
        help=f"the publication's name (site_name) and the newsletter's title (default: "
        f'"{DEFAULT_NAME}", or the site_name of an existing mkdocs.yml)',
    )
    parser.add_argument(
        "--author",
        type=_text("a name"),
        metavar="NAME",
        help=f'the author\'s name; the author id is its first word, "Ada Lovelace" -> ada '
        f'(default: "{DEFAULT_AUTHOR}", or the site_author of an existing mkdocs.yml)',
    )
    parser.add_argument(
        "--email",
        type=_address,
        metavar="ADDR",
        help=f"the address newsletter emails come from (default: {DEFAULT_EMAIL})",
    )
    parser.add_argument(
        "--site-url",
        type=_site_url,
        metavar="URL",
        help=f"where the site will be published, site_url (default: {DEFAULT_SITE_URL})",
    )
    parser.add_argument(
        "--provider",
        choices=PROVIDERS,
        default="buttondown",
        help="who sends the newsletter and receives the subscribe form; its form fields get "
        "placeholder values to replace (default: %(default)s)",
    )
    parser.add_argument(
        "--date",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the date of the first post and issue, whose month names the issue and its "
        "reading list (default: today)",
    )
    parser.add_argument(
        "-n",
        "--dry-run",
        action="store_true",
        help="print what would be created or changed, and write nothing",
    )
    parser.set_defaults(handler=run_init)


@dataclass(frozen=True)
class Options:
    """What ``masthead init`` was asked for (None: the default, or what mkdocs.yml says)."""

    name: str | None = None
    author: str | None = None
    email: str | None = None
    site_url: str | None = None
    provider: str = "buttondown"
    today: date = field(default_factory=date.today)


@dataclass(frozen=True)
class Change:
    """One file to create, or the new text of an existing file."""

    path: Path
    data: str | bytes
    created: bool
    """True: a new file; False: an existing file changed (``original`` is its text)."""
    note: str = ""
    original: str | None = None


@dataclass(frozen=True)
class Plan:
    """What ``masthead init`` would do: the changes, and hints for what it leaves to you."""

    changes: list[Change]
    notes: list[str] = field(default_factory=list)


def run_init(args: argparse.Namespace) -> int:
    options = Options(
        name=args.name,
        author=args.author,
        email=args.email,
        site_url=args.site_url,
        provider=args.provider,
        today=args.date or date.today(),
    )
    result = plan(args.dir, options)
    report(result.changes, dry_run=args.dry_run)
    if not args.dry_run:
        apply(result.changes)
    for note in result.notes:
        print(f"note: {note}")
    if not args.dry_run and any(c.path.name in CONFIG_NAMES and c.created for c in result.changes):
        print(f"next: cd {display_path(args.dir)} && masthead serve")
    return 0


def report(changes: list[Change], *, dry_run: bool = False) -> None:
    """One line per file created or changed; "nothing to do" when there is none."""
    if not changes:
        print("nothing to do: masthead is set up here already")
        return
    for change in changes:
        if dry_run:
            verb = "would create" if change.created else "would change"
        else:
            verb = "created" if change.created else "changed"
        note = f": {change.note}" if change.note else ""
        print(f"{verb} {display_path(change.path)}{note}")


def apply(changes: list[Change]) -> None:
    """Write every change atomically; mkdocs.yml comes last, once what it names exists."""
    from .._io import atomic_write

    for change in sorted(changes, key=lambda c: c.path.name in CONFIG_NAMES):
        if change.created:
            try:
                _create(change.path, change.data)
            except FileExistsError as exc:
                raise MastheadError(
                    "was created while masthead init ran; nothing was overwritten, run it again",
                    path=change.path,
                ) from exc
            continue
        current = _read(change.path)
        if current != change.original:
            raise MastheadError(
                "changed while masthead init ran; it was left as it is, run init again",
                path=change.path,
            )
        atomic_write(change.path, change.data)


def _read(path: Path) -> str:
    """The text of ``path`` with its line endings as they are (CRLF stays CRLF)."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"expected UTF-8 text: {exc.reason}", path=path) from exc


def _create(path: Path, data: str | bytes) -> None:
    """Create ``path`` atomically, never replacing a file (see ``_io.write_new``)."""
    from .._io import write_new

    if isinstance(data, str):
        write_new(path, data)
        return
    if path.exists():
        raise FileExistsError(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.link(tmp, path)  # fails with FileExistsError instead of replacing
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


# --- what to write ---------------------------------------------------------------------


def plan(folder: str | Path, options: Options) -> Plan:
    """The files ``masthead init`` would create or change in ``folder``."""
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise ConfigError("expected a folder for the project, found a file", path=root)
    for name in CONFIG_NAMES:
        config = root / name
        if config.is_file():
            return _complete(config, options)
    return Plan(_scaffold(root, options))


def author_id(name: str) -> str:
    """The id of an author in .authors.yml: the first word of the name, "Ada Lovelace" -> ada."""
    if name == DEFAULT_AUTHOR:
        return DEFAULT_AUTHOR_ID
    words = name.split()
    first = words[0] if words else ""
    ascii_ = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", ascii_.lower()) or "author"


def _flow(value: Any) -> str:
    """``value`` as YAML on one line: a scalar quoted only when YAML needs it, a collection
    in flow style (``[...]``, ``{...}``)."""
    text = yaml.safe_dump(
        value, allow_unicode=True, width=1_000_000, default_flow_style=True, sort_keys=False
    )
    if text.endswith("\n...\n"):
        text = text[: -len("\n...\n")]
    return text.strip()


def _render(template: str, **context: Any) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters["yaml"] = _flow
    return env.get_template(template).render(**context)


def _template_source(name: str) -> str:
    return resources.files("masthead.scaffold").joinpath(name).read_text(encoding="utf-8")


def _sender(author: str, address: str) -> str:
    return email.utils.formataddr((author, address))


def _account(name: str) -> str:
    """A Buttondown-like username from the publication's name (a placeholder to replace)."""
    return re.sub(r"[^a-z0-9]+", "", slugify(name)) or "newsletter"


def _letter(blog_dir: str, title: str) -> dict[str, str]:
    return {
        "blog_dir": blog_dir,
        "title": title,
        "description": "A monthly roundup of what I wrote and what I read.",
    }


def _newsletter_context(
    *,
    posts_blog: str,
    letters: list[dict[str, str]],
    provider: str,
    name: str,
    author: str,
    address: str,
    site_url: str,
) -> dict[str, Any]:
    """What ``newsletter-plugin.yml.j2`` (the ``- masthead/newsletter:`` item) is made of."""
    return {
        "posts_blog": posts_blog,
        "letters": letters,
        "provider": provider,
        "account": _account(name),
        "sender": _sender(author, address),
        "email": address,
        "site_url": site_url,
    }


def _authors_text(*, name: str, author: str, avatar: str) -> str:
    return _render(
        "authors.yml.j2", name=name, author=author, author_id=author_id(author), avatar=avatar
    )


def _avatar_path(author: str) -> str:
    return f"assets/images/{author_id(author)}.png"


def _scaffold(root: Path, options: Options) -> list[Change]:
    name = options.name or DEFAULT_NAME
    author = options.author or DEFAULT_AUTHOR
    address = options.email or DEFAULT_EMAIL
    site_url = options.site_url or DEFAULT_SITE_URL
    today = options.today
    period = Period(today.year, today.month)
    post_slug = slugify(POST_TITLE)
    context: dict[str, Any] = {
        "name": name,
        "title": name,
        "description": f"Posts and a monthly newsletter by {author}.",
        "author": author,
        "author_id": author_id(author),
        "site_url": site_url,
        "today": today.isoformat(),
        "period": str(period),
        "period_title": period.title,
        "post_title": POST_TITLE,
        "post_slug": post_slug,
        "issue_slug": slugify(period.title),
        "subject": f"{name}, {period.title}: the first issue",
        "preheader": (f"How this site is made, and what I was reading in {_month_name(period)}."),
    }
    plugin = _newsletter_context(
        posts_blog="blog",
        letters=[_letter("newsletter", name)],
        provider=options.provider,
        name=name,
        author=author,
        address=address,
        site_url=site_url,
    )
    content = root / "content"
    files: list[tuple[Path, str | bytes]] = [
        (root / "mkdocs.yml", _render("mkdocs.yml.j2", **(context | plugin))),
        (
            content / ".authors.yml",
            _authors_text(name=name, author=author, avatar=_avatar_path(author)),
        ),
        (content / _avatar_path(author), avatar_png(author)),
        (content / "index.md", _render("index.md.j2", **context)),
        (content / "blog" / "index.md", _render("blog-index.md.j2", **context)),
        (content / "blog" / "posts" / f"{post_slug}.md", _render("post.md.j2", **context)),
        (content / "newsletter" / "index.md", _render("newsletter-index.md.j2", **context)),
        (content / "newsletter" / "posts" / f"{period}.md", _render("issue.md.j2", **context)),
        (content / "reading" / "feeds.yml", _render("feeds.yml.j2", **context)),
        (content / "reading" / f"{period}.yml", _render("reading-lock.yml.j2", **context)),
    ]
    changes = [Change(path, data, True) for path, data in files if not path.exists()]
    gitignore = _gitignore(root / ".gitignore")
    if gitignore is not None:
        changes.append(gitignore)
    return changes


def _month_name(period: Period) -> str:
    """``June`` for 2025-06."""
    return period.title.split()[0]


def _gitignore(path: Path) -> Change | None:
    template = _template_source("gitignore.txt")
    if not path.exists():
        return Change(path, template, True)
    text = _read(path)
    present = {line.strip().strip("/") for line in text.splitlines()}
    missing = [line for line in GITIGNORE_LINES if line.strip("/") not in present]
    if not missing:
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    lead = "" if not text or text.endswith("\n") else newline
    added = lead + newline.join(missing) + newline
    return Change(path, text + added, False, "added " + ", ".join(missing), original=text)


def avatar_png(seed: str, size: int = 144) -> bytes:
    """A placeholder avatar: a light figure on a coloured square, as a PNG (72 px at 2x)."""
    palette = [(63, 81, 181), (0, 137, 123), (142, 36, 170), (216, 67, 21), (25, 118, 210)]
    background = palette[zlib.crc32(seed.encode("utf-8")) % len(palette)]
    figure = (236, 239, 241)
    half = size / 2
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # no filter
        for x in range(size):
            head = (x - half) ** 2 + (y - size * 0.38) ** 2 <= (size * 0.18) ** 2
            body = ((x - half) / (size * 0.34)) ** 2 + ((y - size * 1.02) / (size * 0.42)) ** 2 <= 1
            rows.extend(figure if head or body else background)

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


# --- an existing project ---------------------------------------------------------------


class _TolerantLoader(yaml.SafeLoader):
    """SafeLoader that reads unknown tags (``!ENV``, ``!!python/name:``) as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    return None  # pragma: no cover


_TolerantLoader.add_multi_constructor("!", _any_tag)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _any_tag)


def _load(text: str, path: Path) -> tuple[yaml.Node | None, Any]:
    try:
        node = yaml.compose(text, Loader=_TolerantLoader)
        data = yaml.load(text, Loader=_TolerantLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(
            f"invalid YAML: {getattr(exc, 'problem', None) or exc}",
            path=path,
            line=mark.line + 1 if mark is not None else None,
        ) from exc
    return node, data


@dataclass
class _Plugin:
    """One entry of ``plugins:``, with the YAML nodes that hold it."""

    name: str
    options: dict[str, Any]
    index: int | str
    """Position in the plugins list, or the key in a ``plugins:`` mapping."""
    key: yaml.Node
    """The node of the plugin's name."""
    value: yaml.Node | None
    """The node of its options (``None`` for a bare ``- name``)."""

    @property
    def enabled(self) -> bool:
        return self.options.get("enabled", True) is not False


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


class _Editor:
    """Text edits of mkdocs.yml at positions taken from its YAML nodes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.edits: list[tuple[int, int, int, str]] = []
        self.ended = False

    def insert(self, index: int, text: str) -> None:
        self.replace(index, index, text)

    def replace(self, start: int, end: int, text: str) -> None:
        self.edits.append((start, end, len(self.edits), text))

    def lines(self, text: str) -> str:
        return text.replace("\n", self.newline)

    def after(self, node: yaml.Node) -> int:
        """Where a new line goes after ``node``: the start of the line after its content."""
        mark = _content_end(node)
        index = int(mark.index)
        text = self.text
        if mark.column == 0 and index > 0:
            # A block scalar ends after its line break (and trailing blank lines): come
            # back above the blank lines, unless they belong to the value (``|+``).
            header_end = text.find("\n", node.start_mark.index)
            keep = (
                isinstance(node, yaml.ScalarNode)
                and "+" in text[node.start_mark.index : header_end if header_end >= 0 else None]
            )
            while not keep and index > 0:
                start = text.rfind("\n", 0, index - 1) + 1
                if text[start:index].strip():
                    break
                index = start
            return index
        end = text.find("\n", index)
        if end < 0:  # the last line has no line break: give it one, once
            if not self.ended:
                self.insert(len(text), self.newline)
                self.ended = True
            return len(text)
        return end + 1

    def result(self) -> str:
        out: list[str] = []
        position = 0
        for start, end, _, text in sorted(self.edits):
            out.append(self.text[position:start])
            out.append(text)
            position = end
        out.append(self.text[position:])
        return "".join(out)


def _content_end(node: yaml.Node) -> Any:
    """The mark after the last character of ``node``'s content (comments after it excluded)."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        key, value = node.value[-1]
        return key.end_mark if _is_null(value) and value.value == "" else _content_end(value)
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _content_end(node.value[-1])
    return node.end_mark


def _indented(block: str, column: int) -> str:
    return textwrap.indent(block, " " * column, lambda line: bool(line.strip()))


@dataclass
class _Project:
    """What an existing mkdocs.yml holds, and how to add to it."""

    path: Path
    text: str
    root: yaml.MappingNode
    data: dict[str, Any]
    plugins_node: yaml.Node | None
    plugins: list[_Plugin]
    editor: _Editor
    expected: dict[str, Any]
    """``data`` with every planned addition: what the edited file must load as."""
    notes: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return any(p.name == name for p in self.plugins)

    def top(self, key: str) -> tuple[yaml.Node, yaml.Node] | None:
        for k, v in self.root.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k, v
        return None


def _read_project(path: Path) -> _Project:
    text = _read(path)
    node, data = _load(text, path)
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        raise ConfigError("expected a mapping of MkDocs settings (site_name: ...)", path=path)
    if node.flow_style:
        raise ConfigError(
            "expected the settings as a block mapping, one 'key: value' a line", path=path, line=1
        )
    project = _Project(path, text, node, data, None, [], _Editor(text), copy.deepcopy(data))
    found = project.top("plugins")
    if found is not None:
        project.plugins_node = found[1]
        project.plugins = _plugins_of(found[1], data.get("plugins"), path)
    return project


def _plugins_of(node: yaml.Node, raw: Any, path: Path) -> list[_Plugin]:
    out: list[_Plugin] = []
    if isinstance(node, yaml.SequenceNode) and isinstance(raw, list):
        for index, (item, value) in enumerate(zip(node.value, raw, strict=True)):
            if isinstance(item, yaml.ScalarNode) and isinstance(value, str):
                out.append(_Plugin(value, {}, index, item, None))
            elif isinstance(item, yaml.MappingNode) and isinstance(value, dict) and len(value) == 1:
                (name, options), (key, opts_node) = next(iter(value.items())), item.value[0]
                out.append(
                    _Plugin(
                        str(name),
                        options if isinstance(options, dict) else {},
                        index,
                        key,
                        opts_node,
                    )
                )
        return out
    if isinstance(node, yaml.MappingNode) and isinstance(raw, dict):
        for (key, opts_node), (name, options) in zip(node.value, raw.items(), strict=True):
            out.append(
                _Plugin(
                    str(name),
                    options if isinstance(options, dict) else {},
                    str(name),
                    key,
                    opts_node,
                )
            )
        return out
    if _is_null(node) or (isinstance(node, yaml.SequenceNode) and not node.value):
        return out
    raise ConfigError(
        "expected 'plugins:' to be a list of plugins (- search, - blog: ...)",
        path=path,
        line=_line(node),
    )


def _check_material(project: _Project) -> None:
    found = project.top("theme")
    if found is None:
        raise ConfigError(
            "no 'theme:' (MkDocs' own theme is not Material); masthead works with Material "
            "for MkDocs: expected 'theme: material' or 'theme: {name: material}'",
            path=project.path,
        )
    value = project.data.get("theme")
    name = value.get("name") if isinstance(value, dict) else value
    if name != "material":
        raise ConfigError(
            f"the theme is {name!r}; masthead works with Material for MkDocs: expected "
            "'theme: material' or 'theme: {name: material}'",
            path=project.path,
            line=_line(found[1]) if isinstance(found[1], yaml.ScalarNode) else _line(found[0]),
        )


def _complete(config: Path, options: Options) -> Plan:
    project = _read_project(config)
    _check_material(project)
    data = project.data
    docs = _setting(data, "docs_dir") or "docs"
    docs_dir = config.parent / docs
    name = options.name or _setting(data, "site_name") or DEFAULT_NAME
    author = options.author or _setting(data, "site_author") or DEFAULT_AUTHOR
    address = options.email or DEFAULT_EMAIL
    site_url = _setting(data, "site_url") or ""
    files: list[Change] = []
    added: list[str] = []  # what mkdocs.yml gets, for the report
    new_items: list[tuple[str, Any]] = []  # new plugins: (block text at column 0, data)
    if project.top("site_url") is None:
        site_url = options.site_url or DEFAULT_SITE_URL
        _add_top_level(project, "site_url", site_url)
        added.append(f"site_url: {site_url}")
    elif not site_url.strip():
        found = project.top("site_url")
        assert found is not None
        raise ConfigError(
            "site_url is empty; masthead's feeds and emails need absolute links: expected "
            "the address the site is published at, e.g. site_url: https://example.org/",
            path=config,
            line=_line(found[0]),
        )

    blogs = [p for p in project.plugins if p.name in BLOG_PLUGINS and p.enabled]
    blog_dirs = [_blog_dir(p.options) for p in blogs]
    newsletter_plugin = next((p for p in project.plugins if p.name == NEWSLETTER_PLUGIN), None)
    if newsletter_plugin is not None:
        posts_blog = str(newsletter_plugin.options.get("blog", "blog")).strip("/") or "blog"
    elif "blog" in blog_dirs or not blog_dirs:
        posts_blog = "blog"
    else:
        posts_blog = blog_dirs[0]

    # Where the authors are: the posts blog's file when it has one, else one shared file.
    posts = next((p for p, d in zip(blogs, blog_dirs, strict=True) if d == posts_blog), None)
    shared = SHARED_AUTHORS_FILE
    if posts is not None:
        own = _authors_file(posts.options, posts_blog)
        if "authors_file" in posts.options or (docs_dir / own).is_file():
            shared = own

    new_blogs: list[str] = []
    if posts is None:
        new_blogs.append(posts_blog)
    if newsletter_plugin is not None and newsletter_plugin.options.get("newsletters"):
        letters = [
            str(item.get("blog_dir", "")).strip("/")
            for item in newsletter_plugin.options["newsletters"]
            if isinstance(item, dict) and item.get("blog_dir")
        ]
    else:
        letters = [d for d in blog_dirs if d != posts_blog]
        if not letters:
            letters = ["newsletter" if posts_blog != "newsletter" else "letters"]
    new_blogs += [d for d in letters if d not in blog_dirs and d not in new_blogs]
    if new_blogs and isinstance(project.plugins_node, yaml.MappingNode):
        raise ConfigError(
            "'plugins:' is a mapping, which holds one blog instance only; expected it as a "
            "list (- search, - blog: {blog_dir: blog}, ...) so that a blog instance for the "
            "newsletter can be added",
            path=config,
            line=_line(project.plugins_node),
        )
    for blog_dir in new_blogs:
        block = f"- blog:\n    blog_dir: {_flow(blog_dir)}\n    authors_file: {shared}\n"
        comment = "# The newsletter issues: " if blog_dir in letters else "# The posts: "
        comment += f"{docs}/{blog_dir}/posts/.\n"
        new_items.append(
            (comment + block, {"blog": {"blog_dir": blog_dir, "authors_file": shared}})
        )
        added.append(f"blog (blog_dir: {blog_dir})")

    # authors_file where the default file is missing, so that every instance finds the author.
    authors_files = {shared}
    for plugin, blog_dir in zip(blogs, blog_dirs, strict=True):
        own = _authors_file(plugin.options, blog_dir)
        if "authors_file" in plugin.options or (docs_dir / own).is_file():
            authors_files.add(own)
            continue
        _add_option(project, plugin, "authors_file", shared)
        added.append(f"authors_file: {shared} on blog {blog_dir!r}")

    # The newsletters, with their subscribe form and sender, when none are listed.
    titles = [name] + [d.replace("-", " ").replace("_", " ").title() for d in letters[1:]]
    newsletters = _newsletter_context(
        posts_blog=posts_blog,
        letters=[_letter(d, t) for d, t in zip(letters, titles, strict=True)],
        provider=options.provider,
        name=name,
        author=author,
        address=address,
        site_url=site_url,
    )
    if newsletter_plugin is None:
        text = _render("newsletter-plugin.yml.j2", **newsletters)
        new_items.append((text, yaml.safe_load(text)[0]))
        added.append(NEWSLETTER_PLUGIN)
    elif not newsletter_plugin.options.get("newsletters"):
        if "newsletters" in newsletter_plugin.options:
            raise ConfigError(
                f"'{NEWSLETTER_PLUGIN}' has an empty 'newsletters:'; expected its newsletters "
                "(- blog_dir: newsletter, title: ..., provider: ..., email: {from: ...}), or "
                "no 'newsletters:' at all for masthead init to add them",
                path=config,
                line=_line(newsletter_plugin.key),
            )
        block = _render("newsletters.yml.j2", **newsletters)
        value = yaml.safe_load(block)["newsletters"]
        _add_option(project, newsletter_plugin, "newsletters", value, block)
        added.append(f"newsletters: {', '.join(letters)} to {NEWSLETTER_PLUGIN}")
    for plugin_name in OTHER_PLUGINS:
        if not project.has(plugin_name):
            new_items.append((f"- {plugin_name}\n", plugin_name))
            added.append(plugin_name)
    if new_items:
        _add_plugins(project, new_items)

    # The files the configuration names.
    avatar = _avatar_path(author)
    for relative in sorted(authors_files):
        path = docs_dir / relative
        if not path.exists():
            files.append(Change(path, _authors_text(name=name, author=author, avatar=avatar), True))
    if files and not (docs_dir / avatar).exists():  # files: the new authors files
        files.append(Change(docs_dir / avatar, avatar_png(author), True))
    context = {"name": name, "title": name, "author": author}
    if posts is None and not (docs_dir / posts_blog / "index.md").exists():
        files.append(
            Change(docs_dir / posts_blog / "index.md", _render("blog-index.md.j2", **context), True)
        )
    for blog_dir in letters:
        index = docs_dir / blog_dir / "index.md"
        if not index.exists():
            files.append(Change(index, _render("newsletter-index.md.j2", **context), True))
            if "nav" in data:
                project.notes.append(
                    f"mkdocs.yml has a nav: add {blog_dir}/index.md to it to show the newsletter"
                )
    reading = next((p for p in project.plugins if p.name == "masthead/reading"), None)
    lock_dir = docs_dir / str((reading.options if reading else {}).get("lock_dir", "reading"))
    files += _reading_files(lock_dir, options.today)

    changes = list(files)
    if project.editor.edits:
        new_text = project.editor.result()
        _verify(project, new_text)
        changes.append(
            Change(config, new_text, False, "added " + ", ".join(added), original=project.text)
        )
    return Plan(changes, project.notes)


def _reading_files(lock_dir: Path, today: date) -> list[Change]:
    period = Period(today.year, today.month)
    context = {"today": today.isoformat(), "period": str(period), "period_title": period.title}
    out: list[Change] = []
    feeds = lock_dir / "feeds.yml"
    if not feeds.exists():
        out.append(Change(feeds, _render("feeds.yml.j2", **context), True))
    locks = (
        [p for p in lock_dir.glob("*.yml") if p.name != "feeds.yml"] if lock_dir.is_dir() else []
    )
    if not locks:
        out.append(
            Change(lock_dir / f"{period}.yml", _render("reading-lock.yml.j2", **context), True)
        )
    return out


def _setting(data: dict[str, Any], key: str) -> str | None:
    """A text setting of mkdocs.yml; None when absent or not plain text (``!ENV [...]``)."""
    value = data.get(key)
    return value if isinstance(value, str) else None


def _blog_dir(options: dict[str, Any]) -> str:
    return str(options.get("blog_dir", "blog")).strip("/") or "."


def _authors_file(options: dict[str, Any], blog_dir: str) -> str:
    return str(options.get("authors_file", DEFAULT_AUTHORS_FILE)).replace("{blog}", blog_dir)


def _add_top_level(project: _Project, key: str, value: str) -> None:
    """A new top-level ``key: value`` line, after site_name (or before the first setting)."""
    line = f"{key}: {_flow(value)}\n"
    column = int(project.root.start_mark.column)
    after = project.top("site_name")
    editor = project.editor
    if after is not None:
        editor.insert(editor.after(after[1]), editor.lines(_indented(line, column)))
    else:
        start = project.text.rfind("\n", 0, project.root.start_mark.index) + 1
        editor.insert(start, editor.lines(_indented(line, column)))
    project.expected[key] = value


def _expected_options(project: _Project, plugin: _Plugin) -> dict[str, Any]:
    """The options of ``plugin`` in ``project.expected``, turned into a mapping if needed."""
    plugins = project.expected["plugins"]
    if isinstance(plugin.index, str):
        if not isinstance(plugins[plugin.index], dict):
            plugins[plugin.index] = {}
        result: dict[str, Any] = plugins[plugin.index]
        return result
    item = plugins[plugin.index]
    if isinstance(item, str):
        plugins[plugin.index] = {item: {}}
    entry = plugins[plugin.index]
    if not isinstance(entry[plugin.name], dict):
        entry[plugin.name] = {}
    result = entry[plugin.name]
    return result


def _add_option(
    project: _Project, plugin: _Plugin, key: str, value: Any, block: str | None = None
) -> None:
    """Add ``key: value`` to the options of ``plugin``, in the style they are written in.

    ``block`` is the option as block YAML at column 0 (default: ``key: value`` on a line).
    """
    editor, text = project.editor, project.text
    lines = block or f"{key}: {_flow(value)}\n"
    flow_option = f"{_flow(key)}: {_flow(value)}"
    column = int(plugin.key.start_mark.column) + 2
    node = plugin.value
    flow_list = isinstance(project.plugins_node, yaml.SequenceNode) and bool(
        project.plugins_node.flow_style
    )
    if node is None and flow_list:
        # `[search, blog]` -> `[search, {blog: {authors_file: ...}}]`
        editor.replace(
            plugin.key.start_mark.index,
            plugin.key.end_mark.index,
            _flow({plugin.name: {key: value}}),
        )
    elif node is None:
        # `- blog` -> `- blog:` and the option on the next lines
        editor.insert(plugin.key.end_mark.index, ":")
        editor.insert(editor.after(plugin.key), editor.lines(_indented(lines, column)))
    elif _is_null(node) and node.value == "":
        editor.insert(editor.after(plugin.key), editor.lines(_indented(lines, column)))
    elif _is_null(node):
        editor.replace(node.start_mark.index, node.end_mark.index, "{" + flow_option + "}")
    elif isinstance(node, yaml.MappingNode) and node.flow_style:
        close = text.rfind("}", node.start_mark.index, node.end_mark.index)
        editor.insert(close, (", " if node.value else "") + flow_option)
    elif isinstance(node, yaml.MappingNode):
        editor.insert(
            editor.after(node), editor.lines(_indented(lines, int(node.start_mark.column)))
        )
    else:
        raise ConfigError(
            f"expected the options of the {plugin.name!r} plugin to be a mapping "
            f"({key}: ...), got {text[node.start_mark.index : node.end_mark.index]!r}",
            path=project.path,
            line=_line(node),
        )
    _expected_options(project, plugin)[key] = value


def _add_plugins(project: _Project, items: list[tuple[str, Any]]) -> None:
    """Append ``items`` (block text of a list item at column 0, and its data) to plugins."""
    editor, text = project.editor, project.text
    node = project.plugins_node
    datas = [data for _, data in items]
    if node is None:
        # No plugins yet: MkDocs' implicit search plugin goes once plugins is set.
        block = "\n# Plugins added by 'masthead init' (search is MkDocs' default).\nplugins:\n"
        block += _indented("- search\n" + "".join(b for b, _ in items), 2)
        lead = "" if not text or text.endswith("\n") else "\n"
        editor.insert(len(text), editor.lines(lead + block))
        project.expected["plugins"] = ["search", *datas]
        return
    if isinstance(node, yaml.SequenceNode) and node.flow_style:
        close = text.rfind("]", node.start_mark.index, node.end_mark.index)
        joined = ", ".join(_flow(d) for d in datas)
        editor.insert(close, (", " if node.value else "") + joined)
        project.expected["plugins"] = [*project.expected.get("plugins", []), *datas]
        return
    if isinstance(node, yaml.SequenceNode):
        column = int(node.start_mark.column)
        block = "".join(b for b, _ in items)
        editor.insert(editor.after(node), editor.lines(_indented(block, column)))
        project.expected["plugins"] = [*project.expected["plugins"], *datas]
        return
    if _is_null(node):
        found = project.top("plugins")
        assert found is not None
        column = int(found[0].start_mark.column) + 2
        block = "- search\n" + "".join(b for b, _ in items)
        editor.insert(editor.after(found[0]), editor.lines(_indented(block, column)))
        project.expected["plugins"] = ["search", *datas]
        return
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Any] = dict(project.expected.get("plugins") or {})
        entries: list[str] = []
        for data in datas:
            name, options = (data, {}) if isinstance(data, str) else next(iter(data.items()))
            mapping[name] = options
            if node.flow_style:
                entries.append(f"{_flow(name)}: {_flow(options)}")
            elif options:
                body = yaml.safe_dump(options, sort_keys=False, allow_unicode=True, width=100)
                entries.append(f"{name}:\n" + _indented(body, 2))
            else:
                entries.append(f"{name}: {{}}\n")
        if node.flow_style:
            close = text.rfind("}", node.start_mark.index, node.end_mark.index)
            editor.insert(close, (", " if node.value else "") + ", ".join(entries))
        else:
            column = int(node.start_mark.column)
            editor.insert(editor.after(node), editor.lines(_indented("".join(entries), column)))
        project.expected["plugins"] = mapping
        return
    raise ConfigError(  # pragma: no cover - _plugins_of refused it already
        "expected 'plugins:' to be a list", path=project.path, line=_line(node)
    )


def _verify(project: _Project, new_text: str) -> None:
    """The edited text must load as the original settings plus the additions, and nothing else."""
    try:
        loaded = yaml.load(new_text, Loader=_TolerantLoader)
    except yaml.YAMLError:
        loaded = None
    if loaded != project.expected:
        raise ConfigError(
            "this file is laid out in a way masthead init cannot add to safely, so it was left "
            "as it is; add the masthead plugins by hand (see 'masthead init --help' and the "
            "README), or run init in an empty folder to see a complete mkdocs.yml",
            path=project.path,
        )
