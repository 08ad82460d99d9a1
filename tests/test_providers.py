"""The provider registry: one module per provider, each with its subscribe form and merge tag."""

from __future__ import annotations

import pkgutil
from html.parser import HTMLParser
from importlib import import_module
from pathlib import Path
from typing import Any

import jinja2
import pytest

from masthead import providers
from masthead.errors import ConfigError
from masthead.i18n import english
from masthead.providers import (
    NAMES,
    PUSH_NAMES,
    Subscribe,
    get,
    merge_tag,
    subscribe_form,
    unsubscribe_target,
)

LIST_UUID = "2b5f2a4c-6a3e-4d1b-9c55-0e4b8f1d7a21"
OTHER_UUID = "9e0c77d3-1f42-4a8e-b6d0-3c5a9f2e8b14"
MAILCHIMP_ACTION = "https://kernelnotes.us21.list-manage.com/subscribe/post?u=1a2b3c&id=6f7a8b"
WHERE = "masthead/newsletter: newsletters[0].subscribe"


def test_the_registry_is_the_five_modules() -> None:
    modules = {
        m.name for m in pkgutil.iter_modules(providers.__path__) if not m.name.startswith("_")
    }
    assert modules == {"buttondown", "kit", "listmonk", "mailchimp", "custom"}
    assert NAMES == ("buttondown", "kit", "listmonk", "mailchimp", "custom")
    for name in NAMES:
        module = import_module(f"masthead.providers.{name}")
        assert module.PROVIDER.name == name
        assert get(name) is module.PROVIDER
    assert PUSH_NAMES == ("buttondown", "kit", "listmonk", "mailchimp")
    assert get(" Kit ") is get("kit")


def test_an_unknown_provider_names_the_choices() -> None:
    with pytest.raises(ConfigError) as exc:
        get("sendgrid")
    assert "'sendgrid'" in str(exc.value)
    assert "expected one of buttondown, kit, listmonk, mailchimp, custom" in str(exc.value)


@pytest.mark.parametrize(
    ("provider", "options", "expected"),
    [
        (
            "buttondown",
            {"account": "kernelnotes", "note": "One email a month."},
            Subscribe(
                "buttondown",
                "https://buttondown.com/api/emails/embed-subscribe/kernelnotes",
                "email",
                "",
                "One email a month.",
                (("embed", "1"),),
            ),
        ),
        (
            "kit",
            {"form": 4827361, "button": "Get the tips"},
            Subscribe(
                "kit",
                "https://app.kit.com/forms/4827361/subscriptions",
                "email_address",
                "Get the tips",
            ),
        ),
        (
            "listmonk",
            {"url": "https://lists.example.org/", "list": LIST_UUID.upper()},
            Subscribe(
                "listmonk",
                "https://lists.example.org/subscription/form",
                "email",
                hidden=(("l", LIST_UUID),),
            ),
        ),
        (
            "listmonk",
            {"url": "https://example.org/lists", "list": [LIST_UUID, OTHER_UUID]},
            Subscribe(
                "listmonk",
                "https://example.org/lists/subscription/form",
                "email",
                hidden=(("l", LIST_UUID), ("l", OTHER_UUID)),
            ),
        ),
        (
            "mailchimp",
            {"action": MAILCHIMP_ACTION, "button": "Join"},
            Subscribe("mailchimp", MAILCHIMP_ACTION, "EMAIL", "Join"),
        ),
        (
            "custom",
            {"action": "https://lists.example.org/s", "email_field": "addr"},
            Subscribe("custom", "https://lists.example.org/s", "addr"),
        ),
        (
            "custom",
            {"action": "https://lists.example.org/s"},
            Subscribe("custom", "https://lists.example.org/s", "email"),
        ),
    ],
)
def test_each_provider_form(provider: str, options: dict[str, Any], expected: Subscribe) -> None:
    assert subscribe_form(provider, options, where=WHERE) == expected


def test_no_options_is_no_form() -> None:
    assert subscribe_form("kit", None) is None


@pytest.mark.parametrize(
    ("provider", "options", "words"),
    [
        ("buttondown", {}, "provider buttondown needs 'account:'"),
        ("buttondown", {"account": "a b"}, "(e.g. account: kernelnotes), got 'a b'"),
        ("kit", {}, "provider kit needs 'form:'"),
        ("kit", {"form": "48/27"}, "(e.g. form: \"4827361\"), got '48/27'"),
        ("listmonk", {"list": LIST_UUID}, "provider listmonk needs 'url:'"),
        ("listmonk", {"url": "lists.example.org", "list": LIST_UUID}, "needs 'url:'"),
        ("listmonk", {"url": "https://lists.example.org"}, "provider listmonk needs 'list:'"),
        ("listmonk", {"url": "https://l.example", "list": "news"}, "UUID of a public list"),
        ("listmonk", {"url": "https://l.example", "list": []}, "needs 'list:'"),
        ("mailchimp", {}, "provider mailchimp needs 'action:'"),
        (
            "mailchimp",
            {"action": MAILCHIMP_ACTION.replace("https:", "http:")},
            "needs 'action:' with the https action URL",
        ),
        (
            "mailchimp",
            {"action": "https://example.org/subscribe/post?u=1&id=2"},
            "*.list-manage.com host",
        ),
        (
            "mailchimp",
            {"action": "https://x.us21.list-manage.com/subscribe/post"},
            "with its u= and id=",
        ),
        ("custom", {"action": "/subscribe"}, "provider custom needs 'action:'"),
        ("custom", {"action": "https://l.example/s", "email_field": "a b"}, ".email_field:"),
        ("kit", {"form": 1, "button": ["a"]}, ".button: expected text"),
        ("kit", {"form": 1, "note": {"a": 1}}, ".note: expected text"),
        ("kit", {"form": 1, "account": "x"}, "unknown key 'account' for provider kit"),
        ("buttondown", "kernelnotes", "expected a mapping of buttondown's form fields"),
    ],
)
def test_bad_options_name_the_key(provider: str, options: Any, words: str) -> None:
    with pytest.raises(ConfigError) as exc:
        subscribe_form(provider, options, where=WHERE)
    message = str(exc.value)
    assert message.startswith(WHERE + ": ") or message.startswith(WHERE + ".")
    assert words in message
    assert "e.g." in message or "expected text" in message


def test_the_provider_is_not_declared_inside_subscribe() -> None:
    with pytest.raises(ConfigError) as exc:
        subscribe_form("kit", {"provider": "kit", "form": "4827361"}, where=WHERE)
    message = str(exc.value)
    assert "'provider:' is declared once, on the newsletter" in message
    assert "'provider: kit' next to 'blog_dir:'" in message
    assert "remove 'provider: kit' from subscribe:" in message


@pytest.mark.parametrize(
    ("provider", "tag"),
    [
        ("buttondown", "{{ unsubscribe_url }}"),
        ("kit", "{{ unsubscribe_url }}"),
        ("listmonk", "{{ UnsubscribeURL }}"),
        ("mailchimp", "*|UNSUB|*"),
        ("custom", None),
    ],
)
def test_merge_tags(provider: str, tag: str | None) -> None:
    assert merge_tag(provider) == tag
    if tag is not None:
        assert unsubscribe_target(provider, "https://example.org/u") == tag


def test_custom_unsubscribe_is_the_configured_url() -> None:
    url = "https://example.org/unsubscribe?email={email}"
    assert unsubscribe_target("custom", url) == url
    assert unsubscribe_target(None, url) == url
    with pytest.raises(ConfigError) as exc:
        unsubscribe_target("custom", "")
    assert "unsubscribe_url:" in str(exc.value)
    with pytest.raises(ConfigError, match="expected one of"):
        merge_tag("sendgrid")


class _Inputs(HTMLParser):
    """The form's action and its inputs, as (type, name, value)."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.inputs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = values["action"]
        elif tag == "input":
            self.inputs.append((values["type"], values["name"], values.get("value", "")))


def _render_form(subscribe: Subscribe) -> _Inputs:
    partials = Path(providers.__file__).parents[1] / "theme" / "partials"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(partials))
    letter = {"title": "Kernel Notes", "description": "", "subscribe": subscribe}
    box = {"letter": letter, "id": "mh-subscribe-newsletter"}
    html = env.get_template("mh-subscribe.html").render(masthead_subscribe=[box], mh_t=english())
    parser = _Inputs()
    parser.feed(html)
    return parser


def test_the_form_template_writes_the_hidden_inputs() -> None:
    options = {"url": "https://lists.example.org", "list": [LIST_UUID, OTHER_UUID]}
    form = subscribe_form("listmonk", options)
    assert form is not None
    rendered = _render_form(form)
    assert rendered.action == "https://lists.example.org/subscription/form"
    assert rendered.inputs == [
        ("email", "email", ""),
        ("hidden", "l", LIST_UUID),
        ("hidden", "l", OTHER_UUID),
    ]
    mailchimp = subscribe_form("mailchimp", {"action": MAILCHIMP_ACTION})
    assert mailchimp is not None
    rendered = _render_form(mailchimp)
    assert rendered.action == MAILCHIMP_ACTION
    assert rendered.inputs == [("email", "EMAIL", "")]


@pytest.mark.parametrize(
    ("provider", "wrap"),
    [
        ("buttondown", lambda v: {"id": v}),
        ("kit", lambda v: {"broadcast": {"id": v}}),
        ("listmonk", lambda v: {"data": {"id": v}}),
        ("mailchimp", lambda v: {"id": v}),
    ],
)
def test_a_draft_id_is_a_string_or_a_number_nothing_else(provider: str, wrap: Any) -> None:
    push = get(provider).push
    assert push is not None
    assert push.draft_id(wrap("d-1")) == "d-1"
    assert push.draft_id(wrap(42)) == "42"
    for not_an_id in ({"nested": 1}, [1], True, None, "", "  "):
        assert push.draft_id(wrap(not_an_id)) == "", not_an_id
    for not_an_answer in ("<html>", [wrap("d-1")], None, 7):
        assert push.draft_id(not_an_answer) == ""


def test_a_draft_url_is_an_absolute_web_url() -> None:
    buttondown = get("buttondown").push
    assert buttondown is not None and buttondown.draft_url is not None
    page = "https://buttondown.com/kernelnotes/archive/december-2022/"
    assert buttondown.draft_url({"absolute_url": page}) == page
    for not_a_url in ("/archive/x", "javascript:alert(1)", {"href": page}, 3):
        assert buttondown.draft_url({"absolute_url": not_a_url}) == ""
    listmonk = get("listmonk").push
    assert listmonk is not None and listmonk.draft_url is None  # its answer has no page
