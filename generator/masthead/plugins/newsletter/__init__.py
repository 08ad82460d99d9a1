"""The ``masthead/newsletter`` MkDocs plugin: issue pages, cards, live lists and feeds."""
