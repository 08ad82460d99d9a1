"""masthead: one Markdown source for a technical blog, a newsletter archive
and an email-ready issue for every newsletter issue."""

__version__ = "0.1.0"

__all__ = ["__version__"]
