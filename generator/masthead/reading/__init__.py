"""Reading lists: feeds as sources, a concurrent pull, and the author's locked picks.

``sources`` reads ``content/reading/feeds.yml``; ``fetch`` downloads feeds
(conditional GET, cached in ``.cache/masthead/reading/``); ``parse`` turns a
feed document into plain, safe entries; ``pull`` runs them all for an issue's
window; ``lock`` merges the result into ``content/reading/<issue>.yml`` without
ever touching the fields the author wrote.
"""
