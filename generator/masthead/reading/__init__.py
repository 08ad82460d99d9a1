"""Reading lists: feeds as sources, a concurrent pull, and the author's locked picks.

- ``sources``: ``content/reading/feeds.yml`` (and ``opml``: importing a feed reader's list);
- ``fetch``: downloading feeds (httpx, conditional GET, redirects, size cap);
- ``cache``: what a pull remembers in ``.cache/masthead/reading/``;
- ``parse``: a feed document to plain, safe entries (feedparser);
- ``pull``: every feed at once, the issue's window, deduplication;
- ``lock``: merging into ``content/reading/<issue>.yml`` without touching the author's fields;
- ``render``: the ```reading fence's HTML.
"""
