"""The publication: one model of a masthead site, shared by the plugins and the CLI.

mkdocs.yml is read once, through MkDocs' own config loading
(:mod:`masthead.plugins.model` turns the loaded ``MkDocsConfig`` into a
:class:`Publication`); this module only holds the model, so that the core
modules (scaffolds, the reading pull, the email step) depend on plain frozen
dataclasses and not on MkDocs.

Who owns what: the Material blog instances own where posts live and how their
URLs are made (:class:`BlogInstance`); ``masthead/newsletter`` owns the
newsletters, each with its provider declared once, its subscribe form and its
email settings (:class:`Newsletter`); ``masthead/reading`` owns the folder of
the reading locks; ``masthead/email`` owns where the emails are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .content import BlogLayout, Period
from .errors import ConfigError
from .providers import Subscribe

NEWSLETTER_PLUGIN = "masthead/newsletter"
FEEDS_FILE = "feeds.yml"


@dataclass(frozen=True)
class BlogInstance:
    """One Material blog instance: where its posts are and how they are filed."""

    layout: BlogLayout
    categories_allowed: tuple[str, ...] = ()
    authors_file: str = "{blog}/.authors.yml"
    """Material's ``authors_file`` option, relative to docs_dir (``{blog}`` is blog_dir)."""

    @property
    def blog_dir(self) -> str:
        return self.layout.blog_dir

    def authors_path(self, docs_dir: Path) -> Path:
        """The authors file Material reads for this instance."""
        return docs_dir / self.authors_file.format(blog=self.blog_dir)


@dataclass(frozen=True)
class NewsletterEmail:
    """How the issues of one newsletter are sent (``email:`` of the newsletter)."""

    sender: str
    """``Name <address>``."""
    reply_to: str = ""
    unsubscribe_url: str = ""
    """A working unsubscribe URL (``{email}`` is filled in per recipient)."""
    name: str = ""
    """The newsletter's name in the email footer."""


@dataclass(frozen=True)
class Newsletter:
    """A newsletter: a blog instance whose posts are issues, with its provider declared once."""

    blog_dir: str
    title: str
    description: str = ""
    label: str = ""
    """Badge shown on its issues in ```posts lists ('' = "Newsletter" in the site's language)."""
    provider: str | None = None
    """The email provider (its subscribe form, its unsubscribe merge tag, its draft API)."""
    subscribe: Subscribe | None = None
    email: NewsletterEmail | None = None
    """``None`` when the newsletter has no sender configured (no email is written)."""
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Publication:
    """Everything masthead reads from mkdocs.yml, resolved to absolute paths."""

    config_file: Path
    docs_dir: Path
    site_dir: Path
    site_name: str
    site_url: str
    blogs: tuple[BlogInstance, ...]
    posts_blog: str
    """blog_dir of the instance holding the posts (not a newsletter)."""
    newsletters: tuple[Newsletter, ...] = field(default=())
    lock_dir: Path = Path("reading")
    """Folder of the reading locks and of feeds.yml (``masthead/reading: lock_dir``)."""
    reading_fence: str = "reading"
    """The name of the reading-list fence (``masthead/reading: reading_fence``)."""
    email_dir: Path = Path("build/email")
    """Where the email issues are written (``masthead/email: output_dir``)."""
    site_author: str = ""
    site_description: str = ""
    language: str = "en"
    strict: bool = False

    @property
    def root(self) -> Path:
        """The project folder: the one holding mkdocs.yml."""
        return self.config_file.parent

    @property
    def feeds_file(self) -> Path:
        return self.lock_dir / FEEDS_FILE

    def lock_file(self, issue: str | Period) -> Path:
        """The reading lock of ``issue`` (``<lock_dir>/<issue>.yml``)."""
        return self.lock_dir / f"{issue}.yml"

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
                f"(e.g. blog_dir: newsletter) listed under '{NEWSLETTER_PLUGIN}: newsletters:'",
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

    def newsletter_of(self, blog_dir: str | None) -> Newsletter | None:
        """The newsletter whose blog instance is ``blog_dir``, or ``None``."""
        return next((n for n in self.newsletters if n.blog_dir == blog_dir), None)
