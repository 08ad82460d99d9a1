"""A content-addressed cache of Markdown renders: a warm build converts only what changed.

MkDocs converts every page's Markdown on every build, and Material's blog converts
every post again for each index, archive and category page its excerpt shows on.
The cache keeps each render's HTML (and what else the render leaves: table of
contents, title, anchors, log records) under a key that covers everything the
HTML depends on, and checks, on a hit, what the render read from the rest of the
build (link targets, masthead's fences). Whatever comes from the cache, the site
and the emails are byte for byte what a build without it writes.

- :mod:`.plugin`: the MkDocs hooks, installed by ``masthead/newsletter``;
- :mod:`.renders`: the cached ``Page.render`` and ``Excerpt.render``;
- :mod:`.recording`: what a render read and emitted, checked and replayed on a hit;
- :mod:`.settings`: the digest of the Markdown settings, and what the cache refuses;
- :mod:`.store`: the entries on disk (``.cache/masthead/render/``);
- :mod:`.internals`: the MkDocs and Material internals relied on.
"""
