"""Email providers: the unsubscribe merge tag each one replaces when it sends."""

from __future__ import annotations

MERGE_TAGS: dict[str, str] = {
    "buttondown": "{{ unsubscribe_url }}",
    "kit": "{{ unsubscribe_url }}",
    "listmonk": "{{ UnsubscribeURL }}",
    "mailchimp": "*|UNSUB|*",
}
PROVIDERS: tuple[str, ...] = (*MERGE_TAGS, "custom")


def unsubscribe_target(provider: str, unsubscribe_url: str = "") -> str:
    """What the footer's Unsubscribe link points at.

    The provider's merge tag (it puts each subscriber's link there when it
    sends); for ``custom``, the configured ``unsubscribe_url``.
    """
    if provider == "custom":
        if not unsubscribe_url:
            raise ValueError("provider 'custom' needs an unsubscribe_url")
        return unsubscribe_url
    try:
        return MERGE_TAGS[provider]
    except KeyError:
        raise ValueError(
            f"unknown provider {provider!r}; expected one of {', '.join(PROVIDERS)}"
        ) from None
