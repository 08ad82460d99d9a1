"""mkdocs.yml -> :class:`~masthead.publication.Publication`, through MkDocs' own config loading.

The plugins call :func:`publication_of` in ``on_config``: the model is made
once per loaded configuration (every rebuild of ``mkdocs serve`` loads the
configuration again, and so gets a fresh model) from the validated options of
the Material blog instances and of masthead's plugins. The CLI calls
:func:`load`, which runs MkDocs' ``load_config`` and returns the same model.
"""

from __future__ import annotations

import logging
import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig

from ..content import BlogLayout
from ..email.eml import check_address
from ..errors import ConfigError
from ..providers import subscribe_form
from ..publication import NEWSLETTER_PLUGIN, BlogInstance, Newsletter, NewsletterEmail, Publication
from .email.config import DEFAULT_OUTPUT_DIR

_ATTRIBUTE = "_masthead_publication"
READING_PLUGIN = "masthead/reading"
EMAIL_PLUGIN = "masthead/email"


def publication_of(config: MkDocsConfig) -> Publication:
    """The publication of a loaded configuration, made on first use and kept with it."""
    known = getattr(config, _ATTRIBUTE, None)
    if isinstance(known, Publication):
        return known
    publication = read_publication(config)
    setattr(config, _ATTRIBUTE, publication)
    return publication


def _line(config_file: Path, pattern: str) -> int | None:
    """First line of mkdocs.yml matching ``pattern`` (for error messages)."""
    try:
        lines = config_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    regex = re.compile(pattern)
    return next((n for n, line in enumerate(lines, start=1) if regex.search(line)), None)


def _blog_dir(value: object) -> str:
    return posixpath.normpath(str(value).strip("/") or ".")


def _not_a_blog(
    option: str, blog_dir: str, known: list[str], config_file: Path, pattern: str
) -> ConfigError:
    return ConfigError(
        f"{option}: {blog_dir!r} is not the blog_dir of a blog instance; expected one of: "
        f"{', '.join(known) or 'none configured (add - blog: {blog_dir: ...})'}",
        path=config_file,
        line=_line(config_file, pattern),
    )


def _blogs(config: MkDocsConfig) -> list[BlogInstance]:
    from material.plugins.blog.plugin import BlogPlugin

    blogs = []
    for plugin in config.plugins.values():
        if isinstance(plugin, BlogPlugin) and plugin.config.enabled:
            options = plugin.config
            blogs.append(
                BlogInstance(
                    layout=BlogLayout(
                        blog_dir=_blog_dir(options.blog_dir),
                        post_dir=str(options.post_dir),
                        post_url_format=str(options.post_url_format),
                        post_url_date_format=str(options.post_url_date_format),
                    ),
                    categories_allowed=tuple(str(c) for c in options.categories_allowed or ()),
                    authors_file=str(options.authors_file),
                )
            )
    return blogs


def _email(
    item: Any, where: str, provider: str | None, config_file: Path
) -> NewsletterEmail | None:
    options = item.email
    sender = str(options["from"] or "").strip()
    if not sender:
        return None
    for key in ("from", "reply_to"):
        if options[key]:
            try:
                check_address(options[key])
            except ValueError as exc:
                raise ConfigError(
                    f"{where}.email.{key}: {exc}",
                    path=config_file,
                    line=_line(config_file, rf"^\s*{key}\s*:"),
                ) from exc
    unsubscribe = str(options.unsubscribe_url or "")
    if provider in (None, "custom") and not unsubscribe:
        raise ConfigError(
            f"{where}: an email needs an unsubscribe link: set 'provider:' (buttondown, kit, "
            "listmonk or mailchimp put their own link in) or, for provider: custom, "
            "email: {unsubscribe_url: https://...}",
            path=config_file,
            line=_line(config_file, r"^\s*from\s*:"),
        )
    return NewsletterEmail(
        sender=sender,
        reply_to=str(options.reply_to or ""),
        unsubscribe_url=unsubscribe,
        name=str(options.name or ""),
    )


def _newsletters(
    config: MkDocsConfig, options: Any, blogs: list[BlogInstance], posts_blog: str
) -> list[Newsletter]:
    config_file = Path(config.config_file_path or "mkdocs.yml")
    by_dir = {b.blog_dir: b for b in blogs}
    configured = list(options.newsletters) if options is not None else []
    if not configured:
        return [
            Newsletter(
                blog_dir=b.blog_dir,
                title=str(config.site_name or b.blog_dir),
                categories=b.categories_allowed,
            )
            for b in blogs
            if b.blog_dir != posts_blog
        ]
    out = []
    for index, item in enumerate(configured):
        where = f"{NEWSLETTER_PLUGIN}: newsletters[{index}]"
        blog_dir = _blog_dir(item.blog_dir)
        if blog_dir not in by_dir:
            raise _not_a_blog(
                f"{where}.blog_dir",
                blog_dir,
                list(by_dir),
                config_file,
                rf"blog_dir\s*:\s*['\"]?{re.escape(blog_dir)}",
            )
        provider = item.provider
        subscribe = None
        if item.subscribe is not None:
            if provider is None:
                raise ConfigError(
                    f"{where}.subscribe: a subscribe form needs the newsletter's provider; "
                    "expected 'provider:' (buttondown, kit, listmonk, mailchimp or custom) "
                    "next to 'blog_dir:'",
                    path=config_file,
                    line=_line(config_file, r"^\s*subscribe\s*:"),
                )
            try:
                subscribe = subscribe_form(provider, item.subscribe, where=f"{where}.subscribe")
            except ConfigError as exc:
                raise ConfigError(
                    exc.message, path=config_file, line=_line(config_file, r"^\s*subscribe\s*:")
                ) from exc
        out.append(
            Newsletter(
                blog_dir=blog_dir,
                title=str(item.title or config.site_name or blog_dir),
                description=str(item.description or ""),
                label=str(item.label or ""),
                provider=provider,
                subscribe=subscribe,
                email=_email(item, where, provider, config_file),
                categories=by_dir[blog_dir].categories_allowed,
            )
        )
    return out


def read_publication(config: MkDocsConfig) -> Publication:
    """Make the model from a loaded, validated configuration."""
    config_file = Path(config.config_file_path or "mkdocs.yml").resolve()
    root = config_file.parent
    docs_dir = Path(config.docs_dir).resolve()
    blogs = _blogs(config)
    blog_dirs = [b.blog_dir for b in blogs]
    newsletter_plugin = config.plugins.get(NEWSLETTER_PLUGIN)
    options = getattr(newsletter_plugin, "config", None)
    if options is not None:
        posts_blog = _blog_dir(options.blog)
        if posts_blog not in blog_dirs:
            raise _not_a_blog(
                f"{NEWSLETTER_PLUGIN}: blog", posts_blog, blog_dirs, config_file, r"^\s*blog\s*:"
            )
    else:
        posts_blog = "blog" if "blog" in blog_dirs or not blogs else blog_dirs[0]
    reading = getattr(config.plugins.get(READING_PLUGIN), "config", None)
    email = getattr(config.plugins.get(EMAIL_PLUGIN), "config", None)
    lock_dir = str(reading.lock_dir) if reading is not None else "reading"
    output_dir = str(email.output_dir) if email is not None else DEFAULT_OUTPUT_DIR
    return Publication(
        config_file=config_file,
        docs_dir=docs_dir,
        site_dir=Path(config.site_dir).resolve(),
        site_name=str(config.site_name or ""),
        site_url=str(config.site_url or ""),
        blogs=tuple(blogs),
        posts_blog=posts_blog,
        newsletters=tuple(_newsletters(config, options, blogs, posts_blog)),
        lock_dir=(docs_dir / lock_dir).resolve(),
        reading_fence=str(reading.reading_fence) if reading is not None else "reading",
        email_dir=(root / output_dir).resolve(),
        site_author=str(config.site_author or ""),
        site_description=str(config.site_description or ""),
        language=str(config.theme.get("language") or "en"),
        strict=bool(config.strict),
    )


class _Collect(logging.Handler):
    """Keeps the configuration errors MkDocs logs, to show them in one error line."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def load(config_file: str | Path, **overrides: Any) -> tuple[MkDocsConfig, Publication]:
    """Load ``config_file`` with MkDocs (``overrides`` as ``mkdocs build`` takes them) and
    make its publication; every problem is a :class:`~masthead.errors.ConfigError`."""
    path = Path(config_file)
    if not path.is_file():
        raise ConfigError(
            "no such file; expected an MkDocs configuration (run from the project folder, "
            "pass -f FILE, or start a publication with 'masthead init')",
            path=path,
        )
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    errors = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(errors)
    try:
        config = load_config(str(path), **overrides)
    except ConfigurationError as exc:
        raise ConfigError(str(exc), path=path) from exc
    except Abort as exc:
        raise ConfigError("; ".join(errors.messages) or str(exc), path=path) from exc
    finally:
        logger.removeHandler(errors)
    return config, publication_of(config)
