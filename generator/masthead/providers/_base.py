"""The shapes every provider module fills in, and the checks their forms share."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..email.built import BuiltIssue
    from ..email.push import PushRequest

COMMON_KEYS: tuple[str, ...] = ("button", "note")
"""Keys every subscribe form takes besides the provider's own."""


@dataclass(frozen=True)
class Subscribe:
    """Where the subscribe form of a newsletter posts to."""

    provider: str
    action: str
    """The form's action URL."""
    email_field: str = "email"
    """Name of the form field that carries the address."""
    button: str = ""
    """Label of the submit button ('' = "Subscribe" in the site's language)."""
    note: str = ""
    """A line under the form (e.g. "One email a month. Unsubscribe any time.")."""
    hidden: tuple[tuple[str, str], ...] = ()
    """Hidden inputs the provider's endpoint expects, as ``(name, value)`` pairs."""


@dataclass(frozen=True)
class PushOptions:
    """What the command line adds to a push: ``--api-url`` and ``--list-id``."""

    api_url: str | None = None
    list_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Push:
    """How a provider's API creates a draft of an issue."""

    env_keys: tuple[str, ...]
    """The environment variables holding the API credentials."""
    env_options: tuple[str, ...]
    """Other environment variables read (a server URL, a default list)."""
    requests: Callable[[BuiltIssue, Mapping[str, str], PushOptions], tuple[PushRequest, ...]]
    """The request(s) that create the draft, in order; a later one may carry
    :data:`masthead.email.push.DRAFT_ID` in its URL, replaced by the first one's draft id."""
    draft_id: Callable[[Any], str]
    """The created draft's id, read from the JSON answer of the first request
    (``""`` when the answer holds none: then no draft is known to exist)."""
    draft_url: Callable[[Any], str] | None = None
    """The created draft's URL in that answer, when the provider gives one."""


@dataclass(frozen=True)
class Provider:
    """One email provider: its subscribe form, its unsubscribe merge tag, its draft API."""

    name: str
    title: str
    """The provider's name as people write it (``Buttondown``)."""
    form_keys: tuple[str, ...]
    """The provider's own keys under ``subscribe:`` (besides ``button`` and ``note``)."""
    form_example: str
    """A valid ``subscribe:`` for error messages (``{account: kernelnotes}``)."""
    form: Callable[[Mapping[str, Any], str], Subscribe]
    """Validates the ``subscribe:`` options (``where`` names them) into a form."""
    merge_tag: str | None
    """The tag the provider replaces with each subscriber's unsubscribe link; ``None``
    when the provider has none (the configured ``unsubscribe_url`` is used)."""
    push: Push | None
    """The draft API; ``None`` when the provider has none."""


def text_option(options: Mapping[str, Any], key: str, where: str, default: str = "") -> str:
    """``options[key]`` as text (numbers allowed, as YAML reads ``form: 4827361``)."""
    value = options.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(f"{where}.{key}: expected text, got {value!r}")
    return str(value).strip()


def raw_text(options: Mapping[str, Any], key: str) -> str:
    """``options[key]`` as stripped text, ``""`` when absent (for checking against a pattern)."""
    value = options.get(key)
    return "" if value is None else str(value).strip()


def form(
    provider: str,
    options: Mapping[str, Any],
    where: str,
    *,
    action: str,
    email_field: str,
    hidden: Sequence[tuple[str, str]] = (),
) -> Subscribe:
    """The :class:`Subscribe` of ``provider`` with the shared ``button`` and ``note``."""
    return Subscribe(
        provider=provider,
        action=action,
        email_field=email_field,
        button=text_option(options, "button", where),
        note=text_option(options, "note", where),
        hidden=tuple(hidden),
    )


def web_url(value: str, *, schemes: tuple[str, ...] = ("https", "http")) -> bool:
    """Whether ``value`` is an absolute URL with one of ``schemes`` and a host."""
    parts = urlsplit(value)
    return parts.scheme in schemes and bool(parts.hostname)


def token(value: str, pattern: str) -> bool:
    """Whether ``value`` matches ``pattern`` whole (an id, an account name)."""
    return re.fullmatch(pattern, value) is not None


def credentials(provider: str, keys: tuple[str, ...], env: Mapping[str, str]) -> list[str]:
    """The values of the environment variables ``keys``; an error names the first unset one."""
    values = []
    for name in keys:
        value = env.get(name, "").strip()
        if not value:
            raise ConfigError(
                f"{name} is not set; expected the {provider} API credentials in the "
                f"environment ({', '.join(keys)})"
            )
        values.append(value)
    return values


JSON_HEADERS: dict[str, str] = {"Content-Type": "application/json", "Accept": "application/json"}
"""Headers of every JSON request to a provider's API."""


def answer_id(value: Any) -> str:
    """An id as found in a provider's JSON answer: a string or a number, else ``""``
    (a nested object, a list, ``true`` are not ids)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value).strip()


def answer_url(value: Any) -> str:
    """A URL as found in a provider's JSON answer: an absolute http(s) URL, else ``""``."""
    return value.strip() if isinstance(value, str) and web_url(value.strip()) else ""


def member(answer: Any, *keys: str) -> Any:
    """``answer[keys[0]][keys[1]]...``, or ``None`` when a level is missing or not an object."""
    for key in keys:
        if not isinstance(answer, dict):
            return None
        answer = answer.get(key)
    return answer
