"""``masthead/email``: the email-ready issue of every newsletter issue, as a thin adapter.

The work is in :mod:`masthead.email`. Here:

- ``on_startup`` notes ``mkdocs serve``: emails are written to output_dir by
  builds only; under serve each issue's email is served beside the site
  (``_email/<slug>/``), linked from its page and made again on every save.
- ``on_post_page`` takes each newsletter issue's final page content
  (``page.content``, after every other plugin changed it) and renders its email.
- ``on_post_build`` writes ``<output_dir>/<issue-slug>/`` for each issue, once
  the site (images, diagram PNGs) is complete.
"""

from __future__ import annotations

import html
import logging
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from ..._io import atomic_write
from ...email import inputs
from ...email.budget import KB
from ...email.raster import Rasterise, rasteriser
from ...email.render import (
    Author,
    EmailIssue,
    EmailSettings,
    IssueInfo,
    render_email,
    write_issue,
)
from ...email.transform import local_file
from ...errors import ConfigError, MastheadError
from ...i18n.site import site_strings, strings_file
from ...newsletter.issue import Issue
from ...publication import Newsletter, Publication
from ..model import publication_of
from .config import EmailConfig

log = logging.getLogger("mkdocs.plugins.masthead.email")


class EmailPlugin(BasePlugin[EmailConfig]):
    """Writes ``email.html``, ``email.txt``, ``message.eml`` and ``manifest.json`` per issue."""

    def __init__(self) -> None:
        self.serving = False
        self.emails: dict[str, EmailIssue] = {}
        self.sources: dict[str, str] = {}
        self.written: list[Path] = []
        self.rasterise: Rasterise | None = None
        self.publication: Publication | None = None
        self.newsletter_plugin: Any = None
        self.inputs: dict[str, dict[str, str]] = {}
        """Per issue slug: the SHA-256 of every file its email was made from."""
        self.unsent: set[str] = set()
        """Newsletters without a sender, warned about once per build."""

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def on_shutdown(self) -> None:
        # MkDocs keeps plugins that have on_startup for the whole process: a later
        # build in the same process (not a serve) must write its emails again.
        self.serving = False

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.emails = {}
        self.sources = {}
        self.written = []
        self.inputs = {}
        self.unsent = set()
        self.rasterise = rasteriser()
        self.newsletter_plugin = config.plugins.get("masthead/newsletter")
        if not self.config.enabled:
            return config
        if self.newsletter_plugin is None or not self.newsletter_plugin.config.enabled:
            raise PluginError(
                "masthead/email: the newsletters and their email settings are declared by the "
                "masthead/newsletter plugin; expected '- masthead/newsletter' under plugins: in "
                f"{config.config_file_path or 'mkdocs.yml'}"
            )
        try:
            self.publication = publication_of(config)
        except ConfigError as exc:
            raise PluginError(str(exc)) from exc
        return config

    @property
    def active(self) -> bool:
        """Whether the emails are written to output_dir (a build, not a serve)."""
        return bool(self.config.enabled) and not self.serving

    @property
    def previewing(self) -> bool:
        """Under ``mkdocs serve``: each issue's email is made too, served beside the site
        (:data:`PREVIEW_DIR`) and linked from its page, never written to output_dir."""
        return bool(self.config.enabled) and self.serving

    def output_dir(self, config: MkDocsConfig) -> Path:
        return publication_of(config).email_dir

    # Runs late, so that page.content is final (after other plugins' on_post_page).
    @event_priority(-90)
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        if not (self.active or self.previewing) or page.content is None:
            return output
        if self.publication is None:
            return output
        issue: Issue | None = self.newsletter_plugin.issue_of(page)
        if issue is None:
            return output
        newsletter = self.publication.newsletter_of(issue.newsletter)
        if newsletter is None or newsletter.email is None:
            self._no_sender(issue.newsletter or page.file.src_uri)
            return output
        try:
            email = self._render(page, config, issue, newsletter)
        except MastheadError as exc:
            raise PluginError(str(exc)) from exc
        slug = email.info.slug
        if slug in self.emails and self.sources[slug] != page.file.src_uri:
            raise PluginError(
                f"masthead/email: issues {self.sources[slug]} and {page.file.src_uri} have the "
                f"same slug {slug!r}; expected each issue to have its own (set 'slug:')"
            )
        self.emails[slug] = email
        self.sources[slug] = page.file.src_uri
        if self.active:
            self.inputs[slug] = self._inputs(page, config, newsletter, email)
        if self.previewing:
            href = get_relative_url(f"{PREVIEW_DIR}/{slug}/", page.url)
            return _with_preview_link(output, href, site_strings(config).html("email.preview"))
        return output

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.previewing:
            self._write_previews(Path(config.site_dir))
            return
        if not self.active:
            return
        out = self.output_dir(config)
        site_dir = Path(config.site_dir)
        for slug, email in sorted(self.emails.items()):
            # Checked now that every plugin (the diagram PNGs) has written its files.
            missing = [
                f"image {url} is not in the built site (a broken image in the email)"
                for url in email.images
                if (local := local_file(url, email.info.site_url, site_dir)) is not None
                and not local.is_file()
            ]
            if missing:
                email = replace(email, warnings=(*email.warnings, *missing))
            for message in email.warnings:
                if config.strict and message in email.budget.clip_problems:
                    log.error("%s: %s", self.sources[slug], message)
                elif (
                    message in email.budget.problems
                    or message in email.losses
                    or message in missing
                ):
                    log.warning("%s: %s", self.sources[slug], message)
                else:
                    log.info("%s: %s", self.sources[slug], message)
            if email.cut is not None:
                log.info("%s: %s", self.sources[slug], email.cut.describe())
            extra = {"source": self.sources[slug], "inputs": self.inputs.get(slug, {})}
            folder = write_issue(email, out, extra=extra)
            self.written.append(folder)
        self._remove_stale(out)
        if self.emails:
            log.info("masthead/email: %d email issue(s) written to %s", len(self.emails), out)

    def _remove_stale(self, out: Path) -> None:
        """Remove issue folders of earlier builds whose issue is gone or renamed.

        Only folders holding a manifest.json (so written by this plugin) are touched.
        """
        for manifest in out.glob("*/manifest.json"):
            folder = manifest.parent
            if folder.name.startswith("."):
                continue
            if folder.name in self.emails:
                continue
            for name in ("email.html", "email.txt", "message.eml", "manifest.json"):
                (folder / name).unlink(missing_ok=True)
            try:
                folder.rmdir()
            except OSError:
                log.info("masthead/email: kept %s (it holds other files)", folder)

    # -- helpers ---------------------------------------------------------------

    def _templates(self, config: MkDocsConfig) -> Path | None:
        """The folder whose ``email/`` templates win: ``templates`` (relative to the folder of
        mkdocs.yml), else the theme's custom_dir; ``None``: masthead's own only."""
        if not self.config.templates:
            return Path(config.theme.custom_dir) if config.theme.custom_dir else None
        root = self.publication.root if self.publication else Path.cwd()
        folder = root / self.config.templates
        if not folder.is_dir():
            raise PluginError(
                f"masthead/email: templates: {folder} is not a folder; expected the folder "
                "holding email/base.html (or leave it out to use masthead's templates)"
            )
        return folder

    def _inputs(
        self, page: Page, config: MkDocsConfig, newsletter: Newsletter, email: EmailIssue
    ) -> dict[str, str]:
        """The files the email of ``page`` was made from, with their SHA-256 (see
        :mod:`masthead.email.inputs`): a send rebuilds when any of them changes."""
        assert self.publication is not None
        site = self.publication
        paths = [site.config_file, site.blog(newsletter.blog_dir).authors_path(site.docs_dir)]
        if page.file.abs_src_path:
            paths.append(Path(page.file.abs_src_path))
        # What the page's fences used, as the plugins that rendered them recorded it.
        reading = config.plugins.get("masthead/reading")
        diagrams = config.plugins.get("masthead/diagrams")
        if reading is not None:
            paths += sorted(reading.locks_of(page.file.src_uri))
        if diagrams is not None:
            paths += diagrams.source_files(page.file.src_uri)
        ours = sorted(PACKAGE_TEMPLATES.glob("*.html"))
        paths += ours
        words = strings_file(config)
        if words is not None:
            paths.append(words)
        templates = self._templates(config)
        overrides = [templates / "email" / t.name for t in ours] if templates else []
        site_dir = Path(config.site_dir)
        for url in email.images:
            built = local_file(url, email.info.site_url, site_dir)
            if built is not None and built.is_relative_to(site_dir):
                paths.append(site.docs_dir / built.relative_to(site_dir))
        return inputs.digests([*paths, *overrides], site.root, may_appear=overrides)

    def _write_previews(self, site_dir: Path) -> None:
        """Under serve: ``<site>/_email/<slug>/`` holds the email (index.html) and its text
        part (email.txt), made again at every rebuild, as the page links them."""
        for slug, email in self.emails.items():
            folder = site_dir / PREVIEW_DIR / slug
            atomic_write(folder / "index.html", email.html)
            atomic_write(folder / "email.txt", email.text)
            for message in email.warnings:
                log.info("%s: email: %s", self.sources[slug], message)
        if self.emails:
            log.info(
                "masthead/email: %d email preview(s) linked from their pages", len(self.emails)
            )

    def _no_sender(self, name: str) -> None:
        if name in self.unsent:
            return
        self.unsent.add(name)
        log.warning(
            "masthead/email: the newsletter %r has no sender, so its issues get no email; "
            "expected 'email: {from: Name <address>}' on it under masthead/newsletter: "
            "newsletters:",
            name,
        )

    def _render(
        self, page: Page, config: MkDocsConfig, issue: Issue, newsletter: Newsletter
    ) -> EmailIssue:
        sending = newsletter.email
        assert sending is not None
        site_url = config.site_url or "http://localhost/"
        if not site_url.endswith("/"):
            site_url += "/"
        settings = EmailSettings(
            sender=sending.sender,
            provider=newsletter.provider or "custom",
            unsubscribe_url=sending.unsubscribe_url,
            reply_to=sending.reply_to,
            name=sending.name or newsletter.title,
            budget=self.config.budget_kb * KB,
            cut=self.config.cut,
            dark_mode=self.config.dark_mode,
        )
        info = IssueInfo(
            slug=page.url.rstrip("/").rsplit("/", 1)[-1] or page.file.name,
            title=page.title or issue.subject,
            subject=issue.subject,
            preheader=issue.preheader,
            web_url=urljoin(site_url, page.url),
            site_url=site_url,
            site_name=config.site_name,
            date=_page_date(page),
            newsletter=newsletter.blog_dir,
            kind=issue.kind,
            period=str(issue.period) if issue.period is not None else "",
            read_time=_read_time(page),
            authors=tuple(_authors(page, site_url)),
            lang=str(config.theme.get("language") or "en"),
        )
        templates = self._templates(config)
        return render_email(
            page.content or "",
            info,
            settings,
            template_dir=templates,
            site_dir=Path(config.site_dir),
            rasterise=self.rasterise,
            strings=site_strings(config),
        )


PACKAGE_TEMPLATES = Path(__file__).resolve().parents[2] / "email" / "templates" / "email"
"""masthead's own email templates (an input of every email)."""

PREVIEW_DIR = "_email"
"""Folder of the served site where ``mkdocs serve`` shows each issue's email."""

_PREVIEW_LINK = (
    '<a class="mh-email-preview" href="{href}" target="_blank" rel="noopener" '
    'style="position:fixed;right:1rem;bottom:1rem;z-index:10;padding:.5em .9em;'
    "border-radius:2em;background:#1a237e;color:#fff;font:600 .8rem/1.2 system-ui,sans-serif;"
    'box-shadow:0 2px 6px rgba(0,0,0,.3)">{label}</a>'
)


def _with_preview_link(output: str, href: str, label: str) -> str:
    """The page with a link to its email preview named ``label`` (HTML; only
    ``mkdocs serve`` adds it)."""
    link = _PREVIEW_LINK.format(href=html.escape(href), label=label)
    head, sep, tail = output.rpartition("</body>")
    return f"{head}{link}\n{sep}{tail}" if sep else output + link


def _page_date(page: Page) -> datetime:
    created = getattr(getattr(getattr(page, "config", None), "date", None), "created", None)
    value: Any = created or page.meta.get("date")
    if isinstance(value, dict):
        value = value.get("created")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=UTC)
    return datetime.now(UTC).replace(microsecond=0)


def _read_time(page: Page) -> int | None:
    value = getattr(getattr(page, "config", None), "readtime", None)
    return int(value) if isinstance(value, int | float) and value else None


def _authors(page: Page, site_url: str) -> list[Author]:
    found: list[Author] = []
    for author in getattr(page, "authors", None) or []:

        def field(name: str, author: Any = author) -> str:
            try:
                value = author[name] if name in author else getattr(author, name, "")
            except TypeError:
                value = getattr(author, name, "")
            return str(value or "")

        avatar = field("avatar")
        url = field("url")
        found.append(
            Author(
                name=field("name"),
                description=field("description"),
                bio=field("bio"),
                avatar=urljoin(site_url, avatar) if avatar else "",
                url=urljoin(site_url, url) if url else "",
            )
        )
    return found
