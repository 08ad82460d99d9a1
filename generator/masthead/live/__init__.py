"""Serving at scale: a saved page is shown first, the rest of the site right after.

- :mod:`.plugin`: the MkDocs hooks, installed by ``masthead/newsletter`` under serve;
- :mod:`.session`: the builder that stands in for MkDocs' own in a serve session;
- :mod:`.pages`: which pages a save touches, and each made ready to render again;
- :mod:`.internals`: the MkDocs and Material internals relied on.
"""
