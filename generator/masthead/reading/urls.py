"""URL normalisation: the identity of a reading-list entry."""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = ("utm_", "mc_", "_hs")
_TRACKING_KEYS = {"fbclid", "gclid", "ref_src", "mkt_tok", "yclid", "igshid"}
_DEFAULT_PORTS = {"http": 80, "https": 443}
SAFE_SCHEMES = ("http", "https")
_UNSAFE_CHARS = re.compile(r'[\x00-\x20<>"]')
_MAYBE_TRACKING = re.compile(
    "|".join([*(re.escape(t) for t in _TRACKING), *map(re.escape, _TRACKING_KEYS)]), re.IGNORECASE
)


@functools.lru_cache(maxsize=8192)
def normalise_url(url: str) -> str:
    """The form two URLs of the same article share.

    Lower-case scheme and host, no default port, no fragment, no tracking
    parameters (``utm_*``, ``fbclid``, ...), remaining query parameters
    sorted, ``http`` treated as ``https``, an empty path as ``/`` and no
    trailing slash otherwise.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    if scheme == "http":
        scheme = "https"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING) and k.lower() not in _TRACKING_KEYS
    )
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def strip_tracking(url: str) -> str:
    """``url`` without tracking parameters (``utm_*``, ``fbclid``, ...); otherwise as it was."""
    if "?" not in url or not _MAYBE_TRACKING.search(url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [
        (k, v)
        for k, v in pairs
        if not k.lower().startswith(_TRACKING) and k.lower() not in _TRACKING_KEYS
    ]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


def is_safe_link(url: str) -> bool:
    """True for an absolute http(s) URL (no ``javascript:``, ``data:``, ...)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return (
        parts.scheme.lower() in SAFE_SCHEMES
        and bool(parts.hostname)
        and not _UNSAFE_CHARS.search(url.strip())
    )
