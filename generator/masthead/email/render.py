"""One newsletter issue -> its email: HTML, plain text, .eml and a manifest.

Pure functions over plain data: the MkDocs plugin and ``masthead email``
both call :func:`render_email` with the issue's rendered page content.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from .._io import atomic_write, staging_dir, swap_in
from ..i18n import Strings
from ..i18n import strings as strings_of
from ..providers import unsubscribe_target
from . import dom
from . import eml as eml_mod
from .budget import (
    DEFAULT_BUDGET,
    GMAIL_CLIP,
    BudgetReport,
    Cut,
    check_budget,
    cut_to_fit,
)
from .inline import head_style, inline_css
from .raster import Rasterise
from .text import TextRenderer
from .transform import TransformContext, transform

# Invisible characters after the preheader, so that clients showing a preview
# do not pull body text ("View in browser", the title) in behind it.
PREHEADER_PADDING = "&#8199;&#65279;&#847; " * 40


@dataclass(frozen=True)
class Author:
    name: str
    description: str = ""
    bio: str = ""
    avatar: str = ""
    """Absolute URL of the avatar image ('' for none)."""
    url: str = ""


@dataclass(frozen=True)
class EmailSettings:
    """How one newsletter sends: sender, provider, unsubscribe link."""

    sender: str
    provider: str = "buttondown"
    unsubscribe_url: str = ""
    """A real unsubscribe URL (``{email}`` is replaced per recipient when sending):
    sets List-Unsubscribe in the .eml; for provider ``custom`` also the footer link."""
    reply_to: str = ""
    name: str = ""
    """The newsletter's name in the footer ('' = the site name)."""
    budget: int = DEFAULT_BUDGET
    cut: bool = False
    """End an email over its budget at a section boundary (an h2 or h3 of the body's top
    level) with a "Read the rest on the web" link, in the HTML and the text alike."""
    dark_mode: bool = False
    """Add ``@media (prefers-color-scheme: dark)`` rules and the color-scheme meta tags.
    Off by default: Gmail marks both unsupported (it rewrites the query so it never applies)."""


@dataclass(frozen=True)
class IssueInfo:
    """What the email needs to know about the issue besides its body."""

    slug: str
    title: str
    subject: str
    preheader: str
    web_url: str
    site_url: str
    site_name: str
    date: datetime
    newsletter: str = "newsletter"
    kind: str = ""
    period: str = ""
    read_time: int | None = None
    authors: tuple[Author, ...] = ()
    lang: str = "en"


@dataclass(frozen=True)
class EmailIssue:
    info: IssueInfo
    settings: EmailSettings
    html: str
    text: str
    eml: bytes
    budget: BudgetReport
    warnings: tuple[str, ...] = ()
    losses: tuple[str, ...] = ()
    """The warnings that say the email lost something of the page (see
    :class:`masthead.email.transform.TransformResult`)."""
    images: tuple[str, ...] = field(default=())
    cut: Cut | None = None
    """Where the email was cut to fit its budget (``cut: true``); ``None`` when it is whole."""

    @property
    def manifest(self) -> dict[str, Any]:
        return {
            "slug": self.info.slug,
            "newsletter": self.info.newsletter,
            "subject": self.info.subject,
            "preheader": self.info.preheader,
            "web_url": self.info.web_url,
            "date": self.info.date.isoformat(),
            "from": self.settings.sender,
            "provider": self.settings.provider,
            "kind": self.info.kind,
            "period": self.info.period,
            "reply_to": self.settings.reply_to,
            "unsubscribe_url": self.settings.unsubscribe_url,
            "sizes": {
                "html": self.budget.html_bytes,
                "style": self.budget.style_bytes,
                "text": len(self.text.encode("utf-8")),
                "eml": len(self.eml),
                "budget": self.budget.limit,
            },
            "images": list(self.images),
            "warnings": list(self.warnings),
            "cut": self.cut.manifest if self.cut is not None else None,
        }


def template_environment(template_dir: Path | None) -> jinja2.Environment:
    """The email templates: ``email/*.html`` in ``template_dir`` (the theme's custom_dir)
    when present there, else masthead's own (``masthead/email/templates/email/``).

    A project overrides one template by copying it into ``theme/email/``.
    """
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(template_dir)))
    loaders.append(jinja2.PackageLoader("masthead.email", "templates"))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_email(
    content_html: str,
    info: IssueInfo,
    settings: EmailSettings,
    *,
    template_dir: Path | None = None,
    site_dir: Path | None = None,
    rasterise: Rasterise | None = None,
    strings: Strings | None = None,
) -> EmailIssue:
    """Render the email of one issue from its page content HTML; ``rasterise``
    draws its SVG images as PNG (see :mod:`masthead.email.raster`). masthead's words
    and the date are in the language of ``strings`` (default: that of ``info.lang``);
    the templates have them as ``mh_t``."""
    words = strings or strings_of(info.lang)
    unsubscribe = unsubscribe_target(settings.provider, settings.unsubscribe_url)
    body = transform(
        content_html,
        TransformContext(
            site_url=info.site_url,
            page_url=info.web_url,
            site_dir=site_dir,
            rasterise=rasterise,
            strings=words,
        ),
    )
    env = template_environment(template_dir)
    date_text = words.date(info.date)
    newsletter_name = settings.name or info.site_name

    def email_html(content: str) -> str:
        document = env.get_template("email/base.html").render(
            lang=info.lang,
            subject=info.subject,
            preheader=info.preheader,
            preheader_padding=PREHEADER_PADDING if info.preheader else "",
            web_url=info.web_url,
            site_url=info.site_url,
            site_name=info.site_name,
            title=info.title,
            date_text=date_text,
            read_time=info.read_time,
            content=content,
            authors=info.authors,
            newsletter_name=newsletter_name,
            unsubscribe=unsubscribe,
            dark_mode=settings.dark_mode,
            mh_t=words,
        )
        return inline_css(document, merge_tags=frozenset({unsubscribe}))

    html = email_html(body.html)
    tree = body.tree if body.tree is not None else dom.parse(body.html)
    cut: Cut | None = None
    uncut = ""
    limit = min(settings.budget, GMAIL_CLIP)
    if settings.cut and len(html.encode("utf-8")) > limit:
        # Cut the body tree once, before the HTML and the text are written from it.
        result = cut_to_fit(
            tree,
            email_html,
            limit=limit,
            web_url=info.web_url,
            full_bytes=len(html.encode()),
            strings=words,
        )
        if isinstance(result, str):
            uncut = result
        else:
            html, tree, cut = result.html, result.tree, result.cut
    budget = check_budget(html, head_style(html), settings.budget, uncut=uncut)
    text = render_text(
        tree, info, unsubscribe=unsubscribe, date_text=date_text, cut=cut, strings=words
    )
    message = eml_mod.build_message(
        subject=info.subject,
        sender=settings.sender,
        text=text,
        html=html,
        date=info.date,
        msgid=eml_mod.message_id(settings.sender, seed=f"{info.newsletter}/{info.slug}"),
        reply_to=settings.reply_to or None,
        unsubscribe_url=settings.unsubscribe_url or None,
        web_url=info.web_url,
    )
    warnings = (*body.warnings, *budget.problems)
    images = body.images if cut is None else [i.get("src") for i in tree.iter() if i.tag == "img"]
    return EmailIssue(
        info=info,
        settings=settings,
        html=html,
        text=text,
        eml=bytes(message),
        budget=budget,
        warnings=warnings,
        losses=body.losses,
        images=tuple(dict.fromkeys([*images, *(a.avatar for a in info.authors if a.avatar)])),
        cut=cut,
    )


def render_text(
    body_html: str | dom.Element,
    info: IssueInfo,
    *,
    unsubscribe: str,
    date_text: str,
    cut: Cut | None = None,
    strings: Strings | None = None,
) -> str:
    """The plain-text part: title, web link, the body, the author and unsubscribe link;
    a cut email's body ends, as in the HTML, with the note and the link to the rest.
    Its words are in the language of ``strings`` (default: that of ``info.lang``)."""
    words = strings or strings_of(info.lang)
    renderer = TextRenderer(strings=words)
    head = [
        renderer.render(f"<h1>{_escape(info.title)}</h1>"),
        f"{info.site_name} · {date_text}",
        f"{renderer.label('email.view_in_browser')}\n{info.web_url}",
    ]
    body = renderer.render(body_html)
    if cut is not None:
        ending = renderer.render(f"<p>{_escape(cut.note(words))}</p>")
        body = f"{body}\n\n{ending}\n\n{renderer.label('email.read_the_rest')}\n{info.web_url}"
    footer: list[str] = ["-- "]
    for author in info.authors:
        line = author.name + (f", {author.description}" if author.description else "")
        footer.append(renderer.render(f"<p>{_escape(line)}</p>"))
        if author.bio:
            footer.append(renderer.render(f"<p>{_escape(author.bio)}</p>"))
    footer.append(f"{renderer.label('email.unsubscribe')}\n{unsubscribe}")
    parts = ["\n\n".join(head), body, "\n\n".join(footer)]
    refs = renderer.references()
    if refs:
        parts.append(refs)
    return "\n\n".join(p for p in parts if p.strip()) + "\n"


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def write_issue(email: EmailIssue, out_dir: Path, extra: dict[str, Any] | None = None) -> Path:
    """Write ``<out_dir>/<slug>/``: ``email.html``, ``email.txt``, ``message.eml`` and
    ``manifest.json``, as one folder swapped in whole, so that a reader (or ``masthead send``)
    never finds the files of two builds side by side, even after a killed build.

    ``extra`` adds keys to the manifest (the plugin adds the issue's ``source``).
    """
    folder = out_dir / email.info.slug
    staged = staging_dir(folder)
    try:
        atomic_write(staged / "email.html", email.html)
        atomic_write(staged / "email.txt", email.text)
        atomic_write(staged / "message.eml", email.eml)
        atomic_write(
            staged / "manifest.json",
            json.dumps({**email.manifest, **(extra or {})}, indent=2, ensure_ascii=False) + "\n",
        )
        swap_in(staged, folder)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return folder
