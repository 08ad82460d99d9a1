"""The files ``masthead init`` writes: Jinja templates of a small publication.

Each template renders one file of the scaffold (``mkdocs.yml.j2`` the site's
configuration, ``post.md.j2`` the first post, ...). Values that go into YAML
pass through the ``yaml`` filter, which quotes them when YAML needs it.
"""
