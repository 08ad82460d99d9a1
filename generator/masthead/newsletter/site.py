"""What the newsletter tools need to know about a site, read from mkdocs.yml without MkDocs.

The scaffolds (``masthead new ...``) run outside a build: they need the docs
folder, the blog instances (where posts live, how their URLs look, which
categories are allowed) and which instances are newsletters. This module
reads those from the YAML of mkdocs.yml (tags such as ``!ENV`` are tolerated)
into frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..content import BlogLayout
from ..errors import ConfigError
from .subscribe import Subscribe, parse_subscribe

PLUGIN = "masthead/newsletter"
BLOG_PLUGINS = ("blog", "material/blog")


@dataclass(frozen=True)
class BlogInstance:
    """One Material blog instance: where its posts are and how they are filed."""

    layout: BlogLayout
    categories_allowed: tuple[str, ...] = ()
    authors_file: str = "{blog}/.authors.yml"

    @property
    def blog_dir(self) -> str:
        return self.layout.blog_dir


@dataclass(frozen=True)
class Newsletter:
    """A newsletter: a blog instance with a title, a description and a subscribe form."""

    blog_dir: str
    title: str
    description: str = ""
    subscribe: Subscribe | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteSettings:
    """The parts of mkdocs.yml the newsletter tools use."""

    config_file: Path
    docs_dir: Path
    site_name: str
    site_url: str
    blogs: tuple[BlogInstance, ...]
    posts_blog: str
    """blog_dir of the instance holding the posts (not a newsletter)."""
    newsletters: tuple[Newsletter, ...] = field(default=())

    @property
    def root(self) -> Path:
        return self.config_file.parent

    def blog(self, blog_dir: str) -> BlogInstance:
        for instance in self.blogs:
            if instance.blog_dir == blog_dir:
                return instance
        known = ", ".join(b.blog_dir for b in self.blogs) or "none"
        raise ConfigError(
            f"no blog instance with blog_dir {blog_dir!r}; expected one of: {known}",
            path=self.config_file,
        )

    def newsletter(self, blog_dir: str | None = None) -> Newsletter:
        """The newsletter ``blog_dir`` (default: the first one configured)."""
        if not self.newsletters:
            raise ConfigError(
                "no newsletter configured; expected a blog instance for the issues "
                f"(e.g. blog_dir: newsletter) listed under '{PLUGIN}: newsletters:'",
                path=self.config_file,
            )
        if blog_dir is None:
            return self.newsletters[0]
        for item in self.newsletters:
            if item.blog_dir == blog_dir:
                return item
        known = ", ".join(n.blog_dir for n in self.newsletters)
        raise ConfigError(
            f"no newsletter {blog_dir!r}; expected one of: {known}", path=self.config_file
        )


class _TolerantLoader(yaml.SafeLoader):
    """SafeLoader that reads unknown tags (``!ENV``, ``!!python/name:``) as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    return None  # pragma: no cover


_TolerantLoader.add_multi_constructor("!", _any_tag)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _any_tag)


def _plugins(raw: Any) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    if isinstance(raw, dict):
        raw = [{k: v} for k, v in raw.items()]
    for item in raw or []:
        if isinstance(item, str):
            out.append((item, {}))
        elif isinstance(item, dict) and len(item) == 1:
            name, options = next(iter(item.items()))
            out.append((str(name), options if isinstance(options, dict) else {}))
    return out


def read_site(config_file: str | Path = "mkdocs.yml") -> SiteSettings:
    """Read ``config_file``; raise :class:`~masthead.errors.ConfigError` when it is unusable."""
    path = Path(config_file)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_TolerantLoader)
    except FileNotFoundError as exc:
        raise ConfigError(
            "no such file; expected the site's MkDocs configuration (run from the project "
            "folder or pass -f FILE)",
            path=path,
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(
            f"invalid YAML: {getattr(exc, 'problem', exc)}",
            path=path,
            line=mark.line + 1 if mark is not None else None,
        ) from exc
    if not isinstance(raw, dict):
        raise ConfigError("expected a mapping of MkDocs settings", path=path)
    docs_dir = path.parent / str(raw.get("docs_dir", "docs"))
    blogs: list[BlogInstance] = []
    options: dict[str, Any] = {}
    for name, opts in _plugins(raw.get("plugins")):
        if name in BLOG_PLUGINS and opts.get("enabled", True):
            blog_dir = str(opts.get("blog_dir", "blog")).strip("/") or "."
            blogs.append(
                BlogInstance(
                    layout=BlogLayout(
                        blog_dir=blog_dir,
                        post_dir=str(opts.get("post_dir", "{blog}/posts")),
                        post_url_format=str(opts.get("post_url_format", "{date}/{slug}")),
                        post_url_date_format=str(opts.get("post_url_date_format", "yyyy/MM/dd")),
                    ),
                    categories_allowed=tuple(str(c) for c in opts.get("categories_allowed") or ()),
                    authors_file=str(opts.get("authors_file", "{blog}/.authors.yml")),
                )
            )
        elif name == PLUGIN:
            options = opts
    blog_dirs = [b.blog_dir for b in blogs]
    posts_blog = str(options.get("blog", "blog"))
    configured = options.get("newsletters")
    newsletters: list[Newsletter] = []
    if configured:
        for index, item in enumerate(configured):
            if not isinstance(item, dict) or "blog_dir" not in item:
                raise ConfigError(
                    f"{PLUGIN}: newsletters[{index}]: expected a mapping with 'blog_dir:'",
                    path=path,
                )
            blog_dir = str(item["blog_dir"]).strip("/")
            try:
                subscribe = parse_subscribe(item.get("subscribe"), where=f"newsletters[{index}]")
            except ConfigError as exc:
                raise ConfigError(f"{PLUGIN}: {exc.message}", path=path) from exc
            newsletters.append(
                Newsletter(
                    blog_dir=blog_dir,
                    title=str(item.get("title") or raw.get("site_name") or blog_dir),
                    description=str(item.get("description") or ""),
                    subscribe=subscribe,
                    categories=next(
                        (b.categories_allowed for b in blogs if b.blog_dir == blog_dir), ()
                    ),
                )
            )
    else:
        for instance in blogs:
            if instance.blog_dir != posts_blog:
                newsletters.append(
                    Newsletter(
                        blog_dir=instance.blog_dir,
                        title=str(raw.get("site_name") or instance.blog_dir),
                        categories=instance.categories_allowed,
                    )
                )
    return SiteSettings(
        config_file=path,
        docs_dir=docs_dir,
        site_name=str(raw.get("site_name") or ""),
        site_url=str(raw.get("site_url") or ""),
        blogs=tuple(blogs),
        posts_blog=posts_blog if posts_blog in blog_dirs else (blog_dirs[0] if blogs else "blog"),
        newsletters=tuple(newsletters),
    )
