"""Options of the ``masthead/email`` plugin (``plugins: - masthead/email:`` in mkdocs.yml).

Example::

    - masthead/email:
        newsletters:
          newsletter:                 # the blog_dir of the newsletter's blog instance
            from: Mira <mira@kernelnotes.example.org>
            provider: buttondown      # buttondown | kit | listmonk | mailchimp | custom
            unsubscribe_url: https://kernelnotes.example.org/unsubscribe/?email={email}
            reply_to: mira@kernelnotes.example.org

SMTP credentials never go here: ``masthead send`` reads them from the environment.
"""

from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config

from ...email.providers import PROVIDERS


class NewsletterEmailConfig(Config):
    """How one newsletter's issues are sent."""

    # ``from`` is a Python keyword, so the option is added through the class namespace;
    # read it as ``config["from"]``.
    locals()["from"] = c.Type(str)
    """The sender, ``Name <address>``."""

    provider = c.Choice(PROVIDERS, default="buttondown")
    """Whose unsubscribe merge tag goes into the footer (``custom``: unsubscribe_url)."""

    unsubscribe_url = c.Type(str, default="")
    """A working unsubscribe URL; ``{email}`` is filled in per recipient by ``masthead send``.
    Sets List-Unsubscribe (one-click, RFC 8058) in the .eml."""

    reply_to = c.Type(str, default="")
    """Reply-To address, when replies should go elsewhere than ``from``."""

    name = c.Type(str, default="")
    """The newsletter's name in the footer (default: the site name)."""


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

    output_dir = c.Type(str, default="")
    """Where ``<issue-slug>/`` folders go, relative to mkdocs.yml; default ``email`` next to
    site_dir (``build/email`` for ``site_dir: build/site``)."""

    templates = c.Type(str, default="")
    """Folder whose ``email/`` templates override masthead's own (``email/base.html``,
    ``email/styles.html``); default: the theme's custom_dir. Templates missing there
    come from masthead."""

    budget_kb = c.Type(int, default=90)
    """Size budget of the email HTML in KB (Gmail clips at about 102 KB); over it is a
    warning, so ``mkdocs build --strict`` fails."""

    dark_mode = c.Type(bool, default=False)
    """Dark-mode rules (``prefers-color-scheme``) and color-scheme meta tags in the email.
    Off by default: Gmail marks both unsupported, and Apple Mail shows the light design."""

    smtp = c.SubConfig(SmtpConfig)
    """SMTP server for ``masthead send``."""

    newsletters = c.DictOfItems(c.SubConfig(NewsletterEmailConfig), default={})
    """Email settings per newsletter, keyed by the blog_dir of its blog instance."""
