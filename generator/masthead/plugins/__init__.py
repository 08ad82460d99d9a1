"""MkDocs plugins: thin adapters from MkDocs events to masthead's core modules."""
