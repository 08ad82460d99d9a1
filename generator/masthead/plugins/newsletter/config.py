"""Settings of the ``masthead/newsletter`` plugin in mkdocs.yml.

Each newsletter is declared once here: its blog instance, its title, its
email provider (which gives the subscribe form, the unsubscribe merge tag and
the draft API), the provider's form fields and the email settings. Example::

    plugins:
      - blog: {blog_dir: blog}
      - blog: {blog_dir: newsletter}
      - masthead/newsletter:
          blog: blog
          newsletters:
            - blog_dir: newsletter
              title: Kernel Notes
              description: A monthly roundup and a yearly recap.
              provider: buttondown
              subscribe: {account: kernelnotes}
              email:
                from: Mira <mira@kernelnotes.example.org>
"""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c

from ...newsletter.related import SHARE_TARGETS
from ...providers import NAMES as PROVIDER_NAMES


class NewsletterEmailConfig(base.Config):
    """How one newsletter's issues are sent (``email:`` of a newsletter)."""

    # ``from`` is a Python keyword, so the option is added through the class namespace;
    # read it as ``config["from"]``.
    locals()["from"] = c.Type(str, default="")
    """The sender, ``Name <address>``. Without it the newsletter gets no email issues."""

    reply_to = c.Type(str, default="")
    """Reply-To address, when replies should go elsewhere than ``from``."""

    unsubscribe_url = c.Type(str, default="")
    """A working unsubscribe URL; ``{email}`` is filled in per recipient by ``masthead send``.
    Sets List-Unsubscribe (one-click, RFC 8058) in the .eml; required by ``provider: custom``
    and by ``masthead send --list``."""

    name = c.Type(str, default="")
    """The newsletter's name in the email footer (default: the newsletter's title)."""


class NewsletterConfig(base.Config):
    """One newsletter: a Material blog instance whose posts are issues."""

    blog_dir = c.Type(str)
    """blog_dir of the Material blog instance that holds the issues."""
    title = c.Optional(c.Type(str))
    """Name of the newsletter (feeds, subscribe box, email footer); default: site_name."""
    description = c.Type(str, default="")
    """One line on what subscribers get (feeds, subscribe box)."""
    label = c.Type(str, default="")
    """Badge shown on this newsletter's issues in ```posts lists; empty: "Newsletter" in the
    site's language."""
    provider = c.Optional(c.Choice(PROVIDER_NAMES))
    """The email provider: ``buttondown``, ``kit``, ``listmonk``, ``mailchimp`` or ``custom``.
    Declared once: it gives the subscribe form, the unsubscribe merge tag in the email and
    the API ``masthead push`` uses."""
    subscribe = c.Optional(c.Type(dict))
    """The provider's subscribe form fields (kit: ``form``; buttondown: ``account``;
    listmonk: ``url`` and ``list``; mailchimp: ``action``; custom: ``action`` and
    ``email_field``), plus optional ``button`` and ``note``. Without it, no form is shown."""
    email = c.SubConfig(NewsletterEmailConfig)
    """The email settings of the issues (``from``, ``reply_to``, ``unsubscribe_url``, ``name``)."""
    subscribe_on = c.Optional(c.Type((list, str)))
    """Where the subscribe form shows: some of ``home`` (the home page, with the latest
    issue), ``blog`` (the posts' blog's pages too), ``index``, ``lists`` and ``posts``.
    Default: all of them for the first newsletter, ``[index, lists, posts]`` for the others.
    Checked by :func:`masthead.newsletter.placement.parse_places`."""


class NewsletterPluginConfig(base.Config):
    enabled = c.Type(bool, default=True)
    """Turn the plugin off (cards and lists then render as code blocks)."""
    blog = c.Type(str, default="blog")
    """blog_dir of the Material blog instance holding the posts (not a newsletter)."""
    newsletters = c.ListOfItems(c.SubConfig(NewsletterConfig), default=[])
    """The newsletters; empty means every blog instance but ``blog``."""
    feeds = c.Type(bool, default=True)
    """Write rss.xml and atom.xml into each blog's folder and link them from every page."""
    feed_limit = c.Type(int, default=30)
    """Newest entries per feed."""
    read_more = c.Type(int, default=3)
    """How many other issues "Read more from <author>" lists."""
    share = c.ListOfItems(c.Choice(SHARE_TARGETS), default=list(SHARE_TARGETS))
    """Share links under posts and issues, in this order."""
    tag_pages = c.Type(bool, default=True)
    """Write a page per tag under ``tags_dir`` and link the posts' tags to it (off when
    Material's ``tags`` plugin is enabled: it shows the tags then)."""
    tags_dir = c.Type(str, default="tags")
    """Folder of the tag pages in the site, relative to its root."""
    posts_fence = c.Type(str, default="posts")
    """Name of the fence that lists posts (rename it when your pages use it for something
    else)."""
    tweet_fence = c.Type(str, default="tweet")
    """Name of the fence of a tweet card."""
    video_fence = c.Type(str, default="video")
    """Name of the fence of a video card."""
    social_cards = c.Type(bool, default=True)
    """Draw a 1200×630 PNG card (title, publication, date, author) for every post, issue
    and list page, shown when a link is shared (``og:image``); a page's own ``image:``
    front matter wins. ``false``: only pages with an ``image:`` get a picture."""
    social_cards_cache_dir = c.Type(str, default=".cache/masthead/cards")
    """Drawn social cards, relative to the folder holding mkdocs.yml (never inside
    docs_dir); an unchanged card is never drawn again."""
    strings = c.Type(str, default="")
    """A YAML file of masthead's words (relative to the folder of mkdocs.yml), by language:
    ``de: {subscribe: {button: Jetzt abonnieren}}``. It changes words of masthead's
    catalogs, or adds a language they lack; empty: masthead's words as they ship."""
    cache = c.Type(bool, default=True)
    """Keep the HTML of every page's and every post excerpt's Markdown in
    ``.cache/masthead/render/`` (beside mkdocs.yml) and convert again only what
    changed; the site and the emails are the same bytes either way. ``false``: every
    build converts everything."""
