"""Hostile and broken servers on loopback: compressed bombs (single, stacked, mixed), a body
that never ends, huge heads, endless redirects, a trickle. Each is refused with its
reason before the per-feed deadline, and a pull's memory stays within its bound (measured
in a process of its own that runs one pull)."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.reading.decode import MAX_CODINGS, STEP, Decoder, codings_of, decode_all
from masthead.reading.fetch import fetch, make_client
from masthead.reading.parse import FeedError
from masthead.reading.sources import DEFAULT_MAX_BYTES
from masthead.reading.transport import MAX_FIELDS, MAX_INTERIM

from .test_reading_helpers import Route, feed_server
from .test_reading_transport import raw_server

FIXTURES = Path(__file__).parent / "fixtures" / "reading"
RSS = (FIXTURES / "rss2.xml").read_bytes()
GIB = 1 << 30
MIB = 1 << 20
TIMEOUT = 20.0
"""The per-feed deadline in these tests (the default): a refusal for the cap comes well before."""
GROWTH_BOUND = 2 * DEFAULT_MAX_BYTES + 16 * MIB
"""How much a pull of one hostile feed may add to its process's peak memory: the bound of
a pull (see ``pull_feeds``) is concurrency x (2 x max_bytes + 1 MiB), 17 MiB for one feed
at the default cap of 8 MiB, and the rest is room for the allocator. (Decoding a
64 KiB read of the single bomb at once took 64 MiB; the double bomb, gigabytes.)"""


# --- bombs, made in a few milliseconds ----------------------------------------------------


def _zeros_deflate(size: int) -> bytes:
    """A raw deflate stream of ``size`` zero bytes (a multiple of 1 MiB), at about 1,000:1.

    One MiB is compressed once, ending with a full flush (byte-aligned, no reference to
    what came before), so the same bytes can stand for every MiB after it.
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    one = packer.compress(bytes(MIB)) + packer.flush(zlib.Z_FULL_FLUSH)
    return one * (size // MIB) + packer.flush(zlib.Z_FINISH)


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _crc32_zeros(crc: int, count: int) -> int:
    """``zlib.crc32(bytes(count), crc)`` in microseconds (zlib's crc32_combine:
    appending zeros is a linear map, squared for each bit of the count)."""
    step = [0xEDB88320] + [1 << n for n in range(31)]  # one zero bit
    for _ in range(3):  # eight zero bits: one zero byte
        step = [_gf2_times(step, step[n]) for n in range(32)]
    while count:
        if count & 1:
            crc = _gf2_times(step, crc)
        step = [_gf2_times(step, step[n]) for n in range(32)]
        count >>= 1
    return crc


def _checks(size: int) -> tuple[int, int]:
    """CRC-32 and Adler-32 of ``size`` zero bytes."""
    crc = _crc32_zeros(0xFFFFFFFF, size) ^ 0xFFFFFFFF
    adler = (size % 65521) << 16 | 1
    return crc, adler


def gzip_bomb(size: int = GIB) -> bytes:
    """A valid gzip member that decodes to ``size`` zeros."""
    crc, _ = _checks(size)
    head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return head + _zeros_deflate(size) + struct.pack("<II", crc, size & 0xFFFFFFFF)


def zlib_bomb(size: int = GIB) -> bytes:
    """A valid zlib stream (HTTP's ``deflate``) that decodes to ``size`` zeros."""
    _, adler = _checks(size)
    return b"\x78\xda" + _zeros_deflate(size) + struct.pack(">I", adler)


@pytest.fixture(scope="module")
def bombs() -> dict[str, tuple[bytes, str]]:
    """name -> (body, Content-Encoding)."""
    single = gzip_bomb()
    return {
        "gzip": (single, "gzip"),
        "gzip-gzip": (gzip.compress(single), "gzip, gzip"),
        "deflate-gzip": (gzip.compress(zlib_bomb()), "deflate, gzip"),
        "gzip-x4": (gzip.compress(gzip.compress(gzip.compress(single))), "gzip,gzip,gzip,gzip"),
    }


def test_the_bombs_are_what_they_say() -> None:
    for size in (0, 1, 5, 1000, MIB + 3):
        assert _checks(size) == (zlib.crc32(bytes(size)), zlib.adler32(bytes(size)))
    small = 4 * MIB
    assert gzip.decompress(gzip_bomb(small)) == bytes(small)
    assert zlib.decompress(zlib_bomb(small)) == bytes(small)
    assert len(gzip_bomb()) < 1_100_000  # 1 GiB in about 1 MB
    assert len(gzip.compress(gzip_bomb())) < 20_000  # and in a few KB when stacked


# --- the decoder, on its own --------------------------------------------------------------


def _pieces(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("piece", [1, 7, 4096, STEP, 10 * MIB])
@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send
        ("gzip, gzip", lambda b: gzip.compress(gzip.compress(b))),
        ("deflate, gzip", lambda b: gzip.compress(zlib.compress(b))),
        ("gzip, identity, deflate", lambda b: zlib.compress(gzip.compress(b))),
        ("", lambda b: b),
    ],
)
def test_decoding_in_any_pieces_gives_the_document(encoding: str, encode, piece: int) -> None:  # type: ignore[no-untyped-def]
    document = (RSS * (2 if piece == 1 else 40)) + os.urandom(5000)
    body = encode(document)
    codings = codings_of([encoding])
    assert decode_all(_pieces(body, piece), codings, len(document)) == document
    with pytest.raises(FeedError, match=f"larger than the {len(document) - 1:,}-byte size cap"):
        decode_all(_pieces(body, piece), codings, len(document) - 1)


def test_gzip_members_in_a_row_and_junk_after_the_end() -> None:
    body = gzip.compress(b"<rss>") + gzip.compress(b"</rss>") + b"\0\0junk"
    for piece in (1, 2, 3, 100):
        assert decode_all(_pieces(body, piece), ["gzip"], 100) == b"<rss></rss>"


def test_a_bomb_stops_at_the_cap_whatever_the_layers(bombs: dict[str, tuple[bytes, str]]) -> None:
    cap = DEFAULT_MAX_BYTES
    for body, encoding in bombs.values():
        decoder = Decoder(codings_of([encoding]), cap)
        pieces = 0
        with pytest.raises(FeedError, match="8,388,608-byte size cap"):
            for chunk in _pieces(body, STEP):
                for piece in decoder.decode(chunk):
                    assert len(piece) <= STEP  # never more than a step at a time
                    pieces += 1
        # what was handed on stayed within the cap; the step that passed it was refused
        assert pieces * STEP <= cap + STEP and decoder.size <= cap + STEP


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("zstd", "encoded as 'zstd', which masthead does not decode"),
        ("gzip, compress", "encoded as 'compress'"),
        ("bogus", "encoded as 'bogus'"),
        (", ".join(["gzip"] * (MAX_CODINGS + 1)), f"more than {MAX_CODINGS} stacked codings"),
    ],
)
def test_an_unknown_or_absurd_coding_is_a_clear_error(header: str, words: str) -> None:
    with pytest.raises(FeedError, match=words):
        codings_of([header])


def test_a_broken_compressed_body_names_its_coding() -> None:
    with pytest.raises(FeedError, match=r"bad compressed body \(gzip\)"):
        decode_all([b"this is not gzip"], ["gzip"], 1000)
    inner_broken = gzip.compress(b"not deflate at all, and long enough")
    with pytest.raises(FeedError, match=r"bad compressed body \(deflate\)"):
        decode_all([inner_broken], ["deflate", "gzip"], 1000)


def test_br_when_a_brotli_that_can_stop_is_installed() -> None:
    brotli = pytest.importorskip("brotli")
    from masthead.reading.decode import SUPPORTED

    if "br" not in SUPPORTED:
        pytest.skip("this brotli cannot limit its output: br is refused as unknown")
    document = RSS * 40
    for piece in (1, 100, STEP):
        body = brotli.compress(document)
        assert decode_all(_pieces(body, piece), ["br"], len(document)) == document
    bomb = brotli.compress(bytes(GIB // 4), quality=1)
    with pytest.raises(FeedError, match="size cap"):
        decode_all(_pieces(gzip.compress(bomb), STEP), ["br", "gzip"], DEFAULT_MAX_BYTES)
    with pytest.raises(FeedError, match="br twice"):
        codings_of(["br, br"])


# --- a pull of each, in a process of its own: refused for the cap, memory bounded ---------

_ONE_PULL = r"""
import json, sys, time
from datetime import UTC, datetime
from pathlib import Path

from masthead.reading.cache import FeedCache
from masthead.reading.pull import Window, pull_feeds, run_loop
from masthead.reading.sources import Feed, Settings


def status(field):
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise SystemExit(f"no {field} in /proc/self/status")


url, cache, timeout = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
window = Window(datetime(2022, 12, 1, tzinfo=UTC), datetime(2023, 1, 1, tzinfo=UTC))
now = datetime(2022, 12, 31, tzinfo=UTC)


def pull(target):
    return run_loop(
        pull_feeds([Feed(url=target, name="f")], window, FeedCache(cache), now=now,
                   settings=Settings(timeout=timeout), workers=0)
    )


pull(sys.argv[4])  # a good feed first: the code's own first allocations are not counted
try:  # the peak from now on (Linux 4.0 and later)
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
except OSError:
    pass
base = status("VmRSS")
start = time.monotonic()
(outcome,) = pull(url)
print(json.dumps({
    "reason": outcome.reason,
    "status": outcome.status,
    "growth": status("VmHWM") - base,
    "seconds": time.monotonic() - start,
}))
"""


def one_pull(url: str, good: str, tmp_path: Path, timeout: float = TIMEOUT) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _ONE_PULL, url, str(tmp_path / "cache"), str(timeout), good],
        capture_output=True,
        text=True,
        timeout=timeout + 30,  # a guard against hanging only
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def hostile(bombs: dict[str, tuple[bytes, str]]) -> Iterator[str]:
    routes = {
        f"/{name}": Route(body=body, headers={"Content-Encoding": encoding})
        for name, (body, encoding) in bombs.items()
    }
    routes["/endless"] = Route(endless=b"<item>" + b"x" * 16_000 + b"</item>")
    routes["/endless-tiny"] = Route(endless=b"x")
    routes["/ok"] = Route(body=RSS)
    with feed_server(routes) as (base, _):
        yield base


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("gzip", "decoded (gzip), is larger than the 8,388,608-byte size cap"),
        ("gzip-gzip", "decoded (gzip, gzip), is larger than the 8,388,608-byte size cap"),
        ("deflate-gzip", "decoded (deflate, gzip), is larger than the 8,388,608-byte size cap"),
        ("gzip-x4", "is larger than the 8,388,608-byte size cap"),
        ("endless", "the body is larger than the 8,388,608-byte size cap"),
        ("endless-tiny", "chunked framing of the body is larger than the 8,388,608-byte size"),
    ],
)
def test_a_pull_of_a_hostile_feed_is_refused_for_the_cap_in_bounded_memory(
    hostile: str, tmp_path: Path, name: str, words: str
) -> None:
    result = one_pull(f"{hostile}/{name}", f"{hostile}/ok", tmp_path)
    assert result["status"] == "failed"
    # Refused for the cap, not for the deadline: the pull stopped well before 20 s.
    assert words in str(result["reason"]), result
    assert int(result["growth"]) < GROWTH_BOUND, result  # type: ignore[call-overload]


# --- the faults next to them: heads, redirects, trickles ----------------------------------


def reason_of(url: str, *, cap: int = DEFAULT_MAX_BYTES, timeout: float = TIMEOUT) -> str:
    async def go() -> str:
        async with make_client() as client:
            try:
                await fetch(client, url, max_bytes=cap, timeout=timeout)
            except FeedError as exc:
                return exc.reason
        raise AssertionError(f"{url} did not fail")

    return asyncio.run(go())


def test_a_huge_header_a_huge_number_of_headers_and_endless_interim_answers() -> None:
    routes = {
        "/big-header": Route(body=RSS, headers={"X-Padding": "a" * 200_000}),
        "/many-headers": Route(body=RSS, headers={f"X-H{i}": "v" for i in range(MAX_FIELDS + 5)}),
        "/many-codings": Route(body=RSS, headers={"Content-Encoding": "gzip, " * 5000}),
    }
    with feed_server(routes) as (base, _):
        assert "response head larger than 65536 bytes" in reason_of(f"{base}/big-header")
        assert f"more than {MAX_FIELDS} header fields" in reason_of(f"{base}/many-headers")
        assert f"more than {MAX_CODINGS} stacked codings" in reason_of(f"{base}/many-codings")
    interim = b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" * 1000
    with raw_server(interim + b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") as (url, _):
        assert f"more than {MAX_INTERIM} interim responses" in reason_of(url)


def test_endless_redirects_and_a_trickle_end_before_the_deadline_or_at_it() -> None:
    routes = {
        "/hop*": Route(status=302, chain=True),
        "/moved*": Route(status=301, chain=True),
        "/trickle": Route(endless=b"<", delay=0.05),  # a byte every 50 ms, for ever
        "/drip": Route(body=RSS, delay=0.05, drip=True),
    }
    with feed_server(routes) as (base, server):
        assert reason_of(f"{base}/hop").startswith("too many redirects (more than 5)")
        assert reason_of(f"{base}/moved").startswith("too many redirects (more than 5)")
        assert len(server.log) == 12  # six hops each, then given up
        assert reason_of(f"{base}/trickle", timeout=1) == "timed out after 1 s"
        assert reason_of(f"{base}/drip", timeout=1) == "timed out after 1 s"


def test_chunked_framing_limits() -> None:
    long_line = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + b"e" * 10_000
    with raw_server(long_line) as (url, _):
        assert "chunk size line too long" in reason_of(url)
    for size in (b"0x10", b"-1", b"+5", b"1_0", b""):
        reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + size + b"\r\n"
        with raw_server(reply + b"x" * 16 + b"\r\n0\r\n\r\n") as (url, _):
            assert "bad chunk size" in reason_of(url), size
    trailer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n"
    with raw_server(trailer + b"X-T: v\r\n" * 20_000 + b"\r\n") as (url, _):
        assert "trailer larger than" in reason_of(url)


def test_chunks_split_anywhere_are_read_whole() -> None:
    import socket
    import threading

    body = RSS * 3
    framed = (
        b"".join(b"%x;ext=1\r\n%s\r\n" % (len(part), part) for part in _pieces(body, 997))
        + b"0\r\nX-Trailer: 1\r\n\r\n"
    )
    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + framed
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:  # a few bytes per segment, so every boundary falls mid-token
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for start in range(0, len(reply), 5):
                conn.sendall(reply[start : start + 5])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    async def go() -> bytes:
        async with make_client() as client:
            fetched = await fetch(
                client, f"http://127.0.0.1:{port}/", max_bytes=len(body), timeout=TIMEOUT
            )
        assert fetched.body is not None
        return fetched.body

    try:
        assert asyncio.run(go()) == body
    finally:
        thread.join(5)
        listener.close()


def test_a_file_feed_is_read_under_the_cap_too(tmp_path: Path) -> None:
    from masthead.reading.fetch import _read_file

    bomb = tmp_path / "feed.xml.gz"
    bomb.write_bytes(gzip_bomb(64 * MIB))
    with pytest.raises(FeedError, match="the file, decoded \\(gzip\\), is larger than"):
        _read_file(bomb.as_uri(), DEFAULT_MAX_BYTES)
    plain = tmp_path / "feed.xml"
    plain.write_bytes(RSS)
    assert _read_file(plain.as_uri(), len(RSS)) == RSS
    with pytest.raises(FeedError, match="the file is larger than the 100-byte size cap"):
        _read_file(plain.as_uri(), 100)
    if Path("/dev/zero").exists():  # says it is empty, never ends
        with pytest.raises(FeedError, match="size cap"):
            _read_file("file:///dev/zero", MIB)


def test_a_pull_reports_each_hostile_feed_and_keeps_the_good_ones(
    hostile: str, tmp_path: Path
) -> None:
    from masthead.reading.cache import FeedCache
    from masthead.reading.pull import Window, pull_feeds
    from masthead.reading.sources import Feed, Settings

    names = ["gzip", "gzip-gzip", "deflate-gzip", "endless", "ok"]
    feeds = [Feed(url=f"{hostile}/{name}", name=name) for name in names]
    window = Window(datetime(2022, 12, 1, tzinfo=UTC), datetime(2023, 1, 1, tzinfo=UTC))
    outcomes = asyncio.run(
        pull_feeds(
            feeds,
            window,
            FeedCache(tmp_path),
            settings=Settings(max_bytes=2 * MIB, concurrency=2),
            now=datetime(2022, 12, 31, tzinfo=UTC),
            workers=0,
        )
    )
    by_name = {o.feed.name: o for o in outcomes}
    for name in names[:-1]:
        assert by_name[name].failed and "2,097,152-byte size cap" in str(by_name[name].reason)
    assert by_name["ok"].status == "fetched" and by_name["ok"].candidates


@settings(max_examples=60, deadline=None)
@given(
    document=st.binary(max_size=20_000) | st.just(RSS * 5),
    layers=st.lists(st.sampled_from(["gzip", "deflate", "raw"]), min_size=1, max_size=3),
    piece=st.integers(1, 70_000),
)
def test_any_stack_decodes_in_any_pieces(document: bytes, layers: list[str], piece: int) -> None:
    body, largest = document, len(document)
    for layer in layers:  # applied in this order
        if layer == "gzip":
            body = gzip.compress(body)
        elif layer == "deflate":
            body = zlib.compress(body)
        else:
            body = zlib.compress(body)[2:-4]
        largest = max(largest, len(body))
    codings = ["gzip" if layer == "gzip" else "deflate" for layer in layers]
    # The cap holds for every stage: the body as sent, each coding, the document.
    assert decode_all(_pieces(body, piece), codings, largest) == document
    with pytest.raises(FeedError, match="size cap"):
        decode_all(_pieces(body, piece), codings, largest - 1)
    if len(document) == largest and document:
        with pytest.raises(FeedError, match=r"decoded .* is larger than"):
            decode_all(_pieces(body, piece), codings, len(document) - 1)
