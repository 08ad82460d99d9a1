"""Headers that carry a URL (List-Unsubscribe, X-Web-Version): plain ASCII, folded at
whitespace only, never RFC 2047 encoded words; the same in the .eml and in what goes
out over SMTP (checked against a real aiosmtpd server on loopback)."""

from __future__ import annotations

import email
import email.generator
import email.parser
import email.policy
import io
import re
import string
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from masthead.email.eml import MAX_LINE, build_message, fold_url_header, header_url
from masthead.email.send import Issue, Mailer, Pacing, Recipient, SmtpSettings, send_issue
from masthead.errors import ConfigError

from .support import free_port

SENDER = "Mira <mira@kernelnotes.example.org>"
NAME = "List-Unsubscribe"


def message(unsubscribe: str | None = None, web: str | None = None) -> EmailMessage:
    return build_message(
        subject="Kernel Notes, December 2022",
        sender=SENDER,
        text="Hello\n",
        html="<p>Hello</p>",
        date=datetime(2023, 1, 2, tzinfo=UTC),
        msgid="<abc@kernelnotes.example.org>",
        unsubscribe_url=unsubscribe,
        web_url=web,
    )


def smtp_bytes(msg: EmailMessage) -> bytes:
    """The bytes smtplib's send_message puts on the wire for ``msg``."""
    out = io.BytesIO()
    email.generator.BytesGenerator(out).flatten(msg, linesep="\r\n")
    return out.getvalue()


def head(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0]


def field(raw: bytes, name: str) -> bytes:
    """The raw lines of header ``name`` (with its folded lines)."""
    found = re.search(
        rb"^" + name.encode() + rb":.*?\r\n(?! )", head(raw) + b"\r\n", re.M | re.S | re.I
    )
    assert found, name
    return found.group(0)


def parse_head(raw: bytes) -> EmailMessage:
    """The headers of ``raw`` as the standard library's parser (policy.default) reads them."""
    parsed = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
    assert isinstance(parsed, EmailMessage)
    return parsed


def check_header(raw: bytes, name: str, value: str) -> None:
    """``name: value`` in the message ``raw`` as RFC 5322 wants a URL header."""
    block = field(raw, name)
    assert b"=?" not in block, block[:300]
    assert block.isascii()
    lines = block.split(b"\r\n")[:-1]
    assert all(len(line) <= MAX_LINE for line in lines), [len(line) for line in lines]
    parsed = str(parse_head(raw)[name])
    # Unfolding gives the value back; no byte of it is encoded.
    assert "".join(parsed.split()) == "".join(value.split())
    if len(name) + 2 + len(value) <= MAX_LINE:
        # It fits on the header's own line: parsed back exactly, the URL in one piece.
        assert parsed == value
        assert len(lines) == 1
    elif len(value) + 1 <= MAX_LINE:
        # On a folded line of its own, whole.
        assert parsed.strip() == value
        assert f" {value}".encode() in lines
    else:
        # Longer than any line can be: split only inside the angle brackets, as RFC 3986
        # (appendix C) allows, each piece on its own line.
        pieces = [lines[0].split(b":", 1)[1], *lines[1:]]
        assert b"".join(piece.strip() for piece in pieces) == value.encode()


# -- random URLs ------------------------------------------------------------------------

UNRESERVED = string.ascii_letters + string.digits + "-._~"
SUB_DELIMS = "!$&'()*+,;="
label = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=20)
host = st.lists(label, min_size=2, max_size=4).map(".".join)
escape = st.integers(0, 255).map(lambda b: f"%{b:02X}")
chars = st.one_of(st.sampled_from(UNRESERVED + SUB_DELIMS + ":@"), escape)
segment = st.lists(chars, max_size=60).map("".join)
path = st.lists(segment, max_size=30).map(lambda s: "/" + "/".join(s))
word = st.lists(st.one_of(st.sampled_from(UNRESERVED), escape), min_size=1, max_size=40).map(
    "".join
)
query = st.lists(st.tuples(word, word), max_size=40).map(
    lambda pairs: "?" + "&".join(f"{k}={v}" for k, v in pairs) if pairs else ""
)
urls = st.builds(
    lambda scheme, h, p, q, f: f"{scheme}://{h}{p}{q}{f}",
    st.sampled_from(["https", "http"]),
    host,
    path,
    query,
    st.one_of(st.just(""), word.map(lambda w: "#" + w)),
).filter(lambda u: len(u) <= 2000)
padding = st.integers(0, 2000)


def long_url(length: int) -> str:
    base = "https://kernelnotes.example.org/unsubscribe/?t="
    return base + ("a%2F-" * 500)[: max(0, length - len(base))]


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(url=urls, pad=padding)
@example(url=long_url(978), pad=0)  # the longest that fits on the header's own line
@example(url=long_url(979), pad=0)
@example(url=long_url(995), pad=0)  # the longest that fits on a folded line
@example(url=long_url(996), pad=0)
@example(url=long_url(2000), pad=0)
def test_a_url_header_is_never_encoded_and_parses_back(url: str, pad: int) -> None:
    # Long query strings: pad the URL out to any length up to 2,000 characters.
    if pad and "?" in url:
        url = (url + "&x=" + "y" * pad)[:2000]
    assume("=?" not in url)  # would be in the header as it is: part of the URL
    msg = message(unsubscribe=url, web=url)
    for raw in (bytes(msg), smtp_bytes(msg)):
        check_header(raw, NAME, f"<{url}>")
        check_header(raw, "X-Web-Version", url)
        assert field(raw, "List-Unsubscribe-Post") == (
            b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        )
        assert all(len(line) <= MAX_LINE for line in raw.split(b"\r\n"))
    # The .eml and the message sent over SMTP carry the same header, byte for byte.
    assert field(bytes(msg), NAME) == field(smtp_bytes(msg), NAME)


def test_a_long_url_stays_whole_on_its_own_line() -> None:
    url = long_url(990)
    folded = fold_url_header(NAME, f"<{url}>, <mailto:unsubscribe@kernelnotes.example.org>")
    assert folded == (f"{NAME}:\r\n <{url}>,\r\n <mailto:unsubscribe@kernelnotes.example.org>\r\n")
    short = fold_url_header(NAME, "<https://a.example/u>, <mailto:u@a.example>")
    assert short == f"{NAME}: <https://a.example/u>, <mailto:u@a.example>\r\n"


def test_a_url_over_any_line_is_split_after_delimiters_not_inside_escapes() -> None:
    url = "https://kernelnotes.example.org/u?" + "&".join(f"k{i}=%2F%C3%A9" for i in range(150))
    assert len(url) > 2 * MAX_LINE
    lines = fold_url_header(NAME, f"<{url}>").split("\r\n")[:-1]
    assert len(lines) >= 3 and all(len(line) <= MAX_LINE for line in lines)
    # Without a delimiter near the end of the room, the cut still avoids a percent-escape.
    bare = "https://kernelnotes.example.org/" + "%C3%A9" * 400
    cut = fold_url_header(NAME, f"<{bare}>").split("\r\n")[:-1]
    assert all(len(line) <= MAX_LINE for line in cut)
    assert all(re.fullmatch(r"(\S+: )?[^%]*(%[0-9A-F]{2})*[^%]*", line.strip()) for line in cut)
    assert "".join(line.strip() for line in cut) == f"{NAME}: <{bare}>"
    assert all(line[-1] in "&=" for line in lines[:-1]), [line[-5:] for line in lines]
    assert "".join(line.strip() for line in lines) == f"{NAME}: <{url}>"


# -- non-ASCII and hostile URLs ------------------------------------------------------------


def test_a_unicode_url_is_made_ascii_idna_host_and_percent_encoded_path() -> None:
    url = "https://Bücher.example:8443/abmelden/für jörg?wer={email}&ü=1#oben-ß"
    ascii_url = (
        "https://xn--bcher-kva.example:8443/abmelden/f%C3%BCr%20j%C3%B6rg"
        "?wer={email}&%C3%BC=1#oben-%C3%9F"
    )
    assert header_url(url) == ascii_url
    assert header_url(ascii_url) == ascii_url  # nothing left to change
    for raw in (bytes(message(url, url)), smtp_bytes(message(url, url))):
        assert raw.split(b"\r\n\r\n")[0].isascii()
        check_header(raw, NAME, f"<{ascii_url}>")
        check_header(raw, "X-Web-Version", ascii_url)
    # A non-ASCII recipient address in the personal link is percent-encoded too.
    issue = Issue("n/x", "S", SENDER, "<p>h</p>", "h", "custom", unsubscribe_url=url)
    from masthead.email.send import message_for

    sent = smtp_bytes(message_for(issue, Recipient("jörg@example.org")))
    assert "wer=j%C3%B6rg@example.org" in str(
        email.message_from_bytes(sent, policy=email.policy.default)[NAME]
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://bad..bücher.example/u", "is not a domain name that can be written in ASCII"),
        ("https://xn--bcher-.example\u00e9/u", "is not a domain name"),
        ("https://example.org/u\r\nBcc: everyone@example.org", "control characters"),
        ("https://example.org/a\tb", "control characters"),
        ("   ", "expected a URL"),
    ],
)
def test_a_url_that_cannot_be_made_ascii_is_refused_clearly(url: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected) as exc:
        message(unsubscribe=url)
    assert "List-Unsubscribe (unsubscribe_url)" in str(exc.value)


def test_no_url_header_takes_a_line_break() -> None:
    msg = message()
    with pytest.raises(ValueError, match="one line of ASCII"):
        msg["List-Archive"] = "<https://example.org/a>\r\nBcc: x@example.org"
    with pytest.raises(ValueError, match="one line of ASCII"):
        msg["List-Archive"] = "<https://example.org/é>"


# -- over SMTP --------------------------------------------------------------------------------


class _Keep:
    def __init__(self) -> None:
        self.raw: list[bytes] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.raw.append(bytes(envelope.original_content or envelope.content))
        return "250 OK"


@pytest.mark.parametrize("length", [120, 978, 1500, 2000])
def test_what_the_smtp_server_receives_matches_the_eml(length: int) -> None:
    from aiosmtpd.controller import Controller

    keep = _Keep()
    port = free_port()
    controller = Controller(keep, hostname="127.0.0.1", port=port)
    controller.start()
    template = long_url(length - len("&e={email}")) + "&e={email}"
    issue = Issue(
        campaign="kernel-notes/december-2022",
        subject="Kernel Notes",
        sender=SENDER,
        html="<p>Unsubscribe: {{ unsubscribe_url }}</p>",
        text="Unsubscribe: {{ unsubscribe_url }}\n",
        provider="buttondown",
        unsubscribe_url=template,
        web_url=long_url(length),
    )
    try:
        report = send_issue(
            issue,
            [Recipient("reader@example.org")],
            Mailer(SmtpSettings("127.0.0.1", port, "none", timeout=10)),
            None,
            pacing=Pacing(rate=0),
        )
    finally:
        controller.stop()
    assert report.sent == ["reader@example.org"]
    (received,) = keep.raw
    personal = template.replace("{email}", "reader@example.org")
    check_header(received, NAME, f"<{personal}>")
    check_header(received, "X-Web-Version", long_url(length))
    # Folded as the .eml of the same message folds it.
    eml = bytes(message(unsubscribe=personal, web=long_url(length)))
    assert field(received, NAME) == field(eml, NAME)
    assert field(received, "X-Web-Version") == field(eml, "X-Web-Version")
