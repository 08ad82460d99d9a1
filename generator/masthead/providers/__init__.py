"""The email providers, one module each, and the registry that names them.

Each module (:mod:`.buttondown`, :mod:`.kit`, :mod:`.listmonk`,
:mod:`.mailchimp`, :mod:`.custom`) holds exactly that provider's subscribe
form, unsubscribe merge tag and draft API, as one :class:`Provider`. A
newsletter names its provider once (``provider:`` next to ``blog_dir:``);
``subscribe:`` holds only that provider's form fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError
from . import buttondown, custom, kit, listmonk, mailchimp
from ._base import COMMON_KEYS, Provider, Push, PushOptions, Subscribe

__all__ = [
    "NAMES",
    "PUSH_NAMES",
    "Provider",
    "Push",
    "PushOptions",
    "Subscribe",
    "get",
    "merge_tag",
    "subscribe_form",
    "unsubscribe_target",
]

_REGISTRY: dict[str, Provider] = {
    module.PROVIDER.name: module.PROVIDER
    for module in (buttondown, kit, listmonk, mailchimp, custom)
}
NAMES: tuple[str, ...] = tuple(_REGISTRY)
"""Every provider's name: buttondown, kit, listmonk, mailchimp, custom."""
PUSH_NAMES: tuple[str, ...] = tuple(n for n, p in _REGISTRY.items() if p.push is not None)
"""The providers with a draft API (``masthead push --provider``)."""


def get(name: str) -> Provider:
    """The provider called ``name`` (any case); an error lists the choices."""
    provider = _REGISTRY.get(str(name).strip().lower())
    if provider is None:
        raise ConfigError(f"unknown provider {name!r}; expected one of {', '.join(NAMES)}")
    return provider


def subscribe_form(provider: str, options: Any, *, where: str = "subscribe") -> Subscribe | None:
    """Validate the ``subscribe:`` options of a newsletter whose provider is ``provider``.

    ``options`` holds the provider's form fields plus ``button`` and ``note``;
    ``where`` names the mapping in messages. ``None`` when there is no form.
    Raises :class:`~masthead.errors.ConfigError` naming the wrong key.
    """
    chosen = get(provider)
    if options is None:
        return None
    if not isinstance(options, Mapping):
        raise ConfigError(
            f"{where}: expected a mapping of {chosen.name}'s form fields "
            f"(e.g. subscribe: {chosen.form_example}), got {options!r}"
        )
    if "provider" in options:
        raise ConfigError(
            f"{where}: 'provider:' is declared once, on the newsletter: 'provider: "
            f"{chosen.name}' next to 'blog_dir:'; remove 'provider: {options['provider']}' "
            f"from subscribe:, which holds only the form's fields "
            f"(e.g. subscribe: {chosen.form_example})"
        )
    allowed = (*chosen.form_keys, *COMMON_KEYS)
    unknown = [str(k) for k in options if k not in allowed]
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} for provider {chosen.name}; expected "
            f"{', '.join(allowed)} (e.g. subscribe: {chosen.form_example})"
        )
    return chosen.form(options, where)


def merge_tag(provider: str) -> str | None:
    """The tag ``provider`` replaces with each subscriber's unsubscribe link when it
    sends; ``None`` for ``custom``, which has none."""
    return get(provider).merge_tag


def unsubscribe_target(provider: str | None, unsubscribe_url: str = "") -> str:
    """What an email footer's Unsubscribe link points at.

    The provider's merge tag (it puts each subscriber's link there when it
    sends); for ``custom`` (or no provider), the configured ``unsubscribe_url``.
    """
    tag = merge_tag(provider) if provider is not None else None
    if tag is not None:
        return tag
    if not unsubscribe_url:
        raise ConfigError(
            f"provider {provider or 'none'} has no unsubscribe merge tag: set the newsletter's "
            "email: unsubscribe_url: (e.g. unsubscribe_url: "
            "https://example.org/unsubscribe?email={email})"
        )
    return unsubscribe_url
