"""Settings of the ``masthead/newsletter`` plugin in mkdocs.yml.

Example::

    plugins:
      - blog: {blog_dir: blog}
      - blog: {blog_dir: newsletter}
      - blog: {blog_dir: tips}
      - masthead/newsletter:
          blog: blog
          newsletters:
            - blog_dir: newsletter
              title: Kernel Notes
              description: A monthly roundup and a yearly recap.
              subscribe: {provider: buttondown, account: kernelnotes}
            - blog_dir: tips
              title: Kernel Tips
              label: Tip
              subscribe: {provider: custom, action: "https://lists.example.org/tips"}
"""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c

from ...newsletter.related import SHARE_TARGETS


class NewsletterConfig(base.Config):
    """One newsletter: a Material blog instance whose posts are issues."""

    blog_dir = c.Type(str)
    """blog_dir of the Material blog instance that holds the issues."""
    title = c.Optional(c.Type(str))
    """Name of the newsletter (feeds, subscribe box); default: site_name."""
    description = c.Type(str, default="")
    """One line on what subscribers get (feeds, subscribe box)."""
    label = c.Type(str, default="Newsletter")
    """Badge shown on this newsletter's issues in ```posts lists."""
    subscribe = c.Optional(c.Type(dict))
    """Subscribe form: {provider: kit, form: ID} | {provider: buttondown, account: NAME} |
    {provider: custom, action: URL, email_field: email}; plus optional button and note."""


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
