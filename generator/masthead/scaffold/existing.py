"""Masthead added to an existing MkDocs project that uses Material.

Only what is missing is added: ``site_url``, the masthead plugins, a blog instance for
the newsletter, ``authors_file`` settings, the authors file and avatar, the index pages
of a new posts blog and of the newsletters, and the reading-list files. mkdocs.yml is
edited as text (see :mod:`.yaml_edit`), and the edited text is checked before the plan
is returned.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ..content import Period
from ..errors import ConfigError
from .model import (
    DEFAULT_AUTHOR,
    DEFAULT_EMAIL,
    DEFAULT_NAME,
    DEFAULT_SITE_URL,
    Change,
    Options,
    Plan,
)
from .publication import authors_text, avatar_path, avatar_png, letter, newsletter_context, render
from .yaml_edit import (
    Plugin,
    Project,
    add_option,
    add_plugins,
    add_top_level,
    flow,
    line_of,
    read_project,
    verify,
)

BLOG_PLUGINS: tuple[str, ...] = ("blog", "material/blog")
NEWSLETTER_PLUGIN = "masthead/newsletter"
OTHER_PLUGINS: tuple[str, ...] = ("masthead/diagrams", "masthead/reading", "masthead/email")
DEFAULT_AUTHORS_FILE = "{blog}/.authors.yml"
"""Material's default ``authors_file`` (relative to docs_dir)."""
SHARED_AUTHORS_FILE = ".authors.yml"


def _check_material(project: Project) -> None:
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
            line=line_of(found[1]) if isinstance(found[1], yaml.ScalarNode) else line_of(found[0]),
        )


def complete(config: Path, options: Options) -> Plan:
    """What the project of ``config`` (its mkdocs.yml) lacks for masthead, as a plan.

    The name and author default to the file's site_name and site_author; its site_url
    is kept, and ``options.site_url`` is added only when it has none. A theme other than
    Material, or a file whose edit would not load as its settings plus the additions,
    is an error.
    """
    project = read_project(config)
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
        add_top_level(project, "site_url", site_url)
        added.append(f"site_url: {site_url}")
    elif not site_url.strip():
        found = project.top("site_url")
        assert found is not None
        raise ConfigError(
            "site_url is empty; masthead's feeds and emails need absolute links: expected "
            "the address the site is published at, e.g. site_url: https://example.org/",
            path=config,
            line=line_of(found[0]),
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
        own = _authors_file(posts, posts_blog, docs_dir)
        if own is not None:
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
            line=line_of(project.plugins_node),
        )
    for blog_dir in new_blogs:
        block = f"- blog:\n    blog_dir: {flow(blog_dir)}\n    authors_file: {shared}\n"
        comment = "# The newsletter issues: " if blog_dir in letters else "# The posts: "
        comment += f"{docs}/{blog_dir}/posts/.\n"
        new_items.append(
            (comment + block, {"blog": {"blog_dir": blog_dir, "authors_file": shared}})
        )
        added.append(f"blog (blog_dir: {blog_dir})")

    # authors_file where the default file is missing, so that every instance finds the author.
    authors_files = {shared}
    for plugin, blog_dir in zip(blogs, blog_dirs, strict=True):
        own = _authors_file(plugin, blog_dir, docs_dir)
        if own is not None:
            authors_files.add(own)
            continue
        add_option(project, plugin, "authors_file", shared)
        added.append(f"authors_file: {shared} on blog {blog_dir!r}")

    # The newsletters, with their subscribe form and sender, when none are listed.
    titles = [name] + [d.replace("-", " ").replace("_", " ").title() for d in letters[1:]]
    newsletters = newsletter_context(
        posts_blog=posts_blog,
        letters=[letter(d, t) for d, t in zip(letters, titles, strict=True)],
        provider=options.provider,
        name=name,
        author=author,
        address=address,
        site_url=site_url,
    )
    if newsletter_plugin is None:
        text = render("newsletter-plugin.yml.j2", **newsletters)
        new_items.append((text, yaml.safe_load(text)[0]))
        added.append(NEWSLETTER_PLUGIN)
    elif not newsletter_plugin.options.get("newsletters"):
        if "newsletters" in newsletter_plugin.options:
            raise ConfigError(
                f"'{NEWSLETTER_PLUGIN}' has an empty 'newsletters:'; expected its newsletters "
                "(- blog_dir: newsletter, title: ..., provider: ..., email: {from: ...}), or "
                "no 'newsletters:' at all for masthead init to add them",
                path=config,
                line=line_of(newsletter_plugin.key),
            )
        block = render("newsletters.yml.j2", **newsletters)
        value = yaml.safe_load(block)["newsletters"]
        add_option(project, newsletter_plugin, "newsletters", value, block)
        added.append(f"newsletters: {', '.join(letters)} to {NEWSLETTER_PLUGIN}")
    for plugin_name in OTHER_PLUGINS:
        if not project.has(plugin_name):
            new_items.append((f"- {plugin_name}\n", plugin_name))
            added.append(plugin_name)
    if new_items:
        add_plugins(project, new_items)

    # The files the configuration names.
    avatar = avatar_path(author)
    for relative in sorted(authors_files):
        path = docs_dir / relative
        if not path.exists():
            files.append(Change(path, authors_text(name=name, author=author, avatar=avatar), True))
    if files and not (docs_dir / avatar).exists():  # files: the new authors files
        files.append(Change(docs_dir / avatar, avatar_png(author), True))
    context = {"name": name, "title": name, "author": author}
    if posts is None and not (docs_dir / posts_blog / "index.md").exists():
        files.append(
            Change(docs_dir / posts_blog / "index.md", render("blog-index.md.j2", **context), True)
        )
    for blog_dir in letters:
        index = docs_dir / blog_dir / "index.md"
        if not index.exists():
            files.append(Change(index, render("newsletter-index.md.j2", **context), True))
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
        verify(project, new_text)
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
        out.append(Change(feeds, render("feeds.yml.j2", **context), True))
    locks = (
        [p for p in lock_dir.glob("*.yml") if p.name != "feeds.yml"] if lock_dir.is_dir() else []
    )
    if not locks:
        out.append(
            Change(lock_dir / f"{period}.yml", render("reading-lock.yml.j2", **context), True)
        )
    return out


def _setting(data: dict[str, Any], key: str) -> str | None:
    """A text setting of mkdocs.yml; None when absent or not plain text (``!ENV [...]``)."""
    value = data.get(key)
    return value if isinstance(value, str) else None


def _blog_dir(options: dict[str, Any]) -> str:
    return str(options.get("blog_dir", "blog")).strip("/") or "."


def _authors_file(plugin: Plugin, blog_dir: str, docs_dir: Path) -> str | None:
    """The authors file of a blog instance (relative to docs_dir): the one its options
    name, or Material's default file when that exists; None when it has neither."""
    options = plugin.options
    own = str(options.get("authors_file", DEFAULT_AUTHORS_FILE)).replace("{blog}", blog_dir)
    return own if "authors_file" in options or (docs_dir / own).is_file() else None
