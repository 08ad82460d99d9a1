"""Options of the ``masthead/email`` plugin (``plugins: - masthead/email:`` in mkdocs.yml).

Example::

    - masthead/email:
        output_dir: build/email
        smtp: {host: smtp.example.org, port: 587}

Each newsletter's sender, provider and unsubscribe link are declared with the
newsletter, under ``masthead/newsletter: newsletters: [email: ...]``. SMTP
credentials never go here: ``masthead send`` reads them from the environment.
"""

from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config

DEFAULT_OUTPUT_DIR = "build/email"
"""The email issues' folder, relative to the folder of mkdocs.yml."""


class SmtpConfig(Config):
    """Where ``masthead send`` delivers. The user and password come from the environment
    (MASTHEAD_SMTP_USER, MASTHEAD_SMTP_PASSWORD), never from mkdocs.yml."""

    host = c.Type(str, default="localhost")
    """The SMTP server (your provider's submission host)."""

    port = c.Type(int, default=587)
    """587 for STARTTLS, 465 for SSL."""

    security = c.Choice(("starttls", "ssl", "none"), default="starttls")
    """``starttls``, ``ssl`` (implicit TLS) or ``none`` (a local relay only)."""

    rate = c.Type((int, float), default=5)
    """Messages per second at most."""


class EmailConfig(Config):
    enabled = c.Type(bool, default=True)
    """Write the email issues during ``mkdocs build`` (never under ``mkdocs serve``)."""

    output_dir = c.Type(str, default=DEFAULT_OUTPUT_DIR)
    """Where the ``<issue-slug>/`` folders go, relative to the folder of mkdocs.yml
    (an absolute path is used as it is)."""

    templates = c.Type(str, default="")
    """Folder (relative to the folder of mkdocs.yml) whose ``email/`` templates override
    masthead's own (``email/base.html``, ``email/styles.html``); default: the theme's
    custom_dir. Templates missing there come from masthead."""

    budget_kb = c.Type(int, default=90)
    """Size budget of the email HTML in KB (Gmail clips at about 102 KB); over it is a
    warning, so ``mkdocs build --strict`` fails. Over Gmail's clip is a warning whatever the
    budget, and an error under strict."""

    cut = c.Type(bool, default=False)
    """Cut an email over its budget at a section boundary (before an h2 or h3 heading of the
    body's top level, never inside a table or a list) so that it fits, ending it with a
    "Read the rest on the web" link to the issue's web page; the plain-text part is cut at
    the same place. The footnotes of the part kept stay."""

    dark_mode = c.Type(bool, default=False)
    """Dark-mode rules (``prefers-color-scheme``) and color-scheme meta tags in the email.
    Off by default: Gmail marks both unsupported, and Apple Mail shows the light design."""

    smtp = c.SubConfig(SmtpConfig)
    """SMTP server for ``masthead send``."""

    newsletters = c.Deprecated(
        message=(
            "'{}' moved: declare each newsletter's email settings once, with the newsletter: "
            "masthead/newsletter: newsletters: - blog_dir: ..., provider: ..., "
            "email: {{from: ..., reply_to: ..., unsubscribe_url: ...}}"
        ),
        removed=True,
    )
    """Removed: the email settings of a newsletter live with the newsletter
    (``masthead/newsletter: newsletters: [email: ...]``)."""
