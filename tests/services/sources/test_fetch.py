"""Fetching a source's file from a local server: conditional GETs, the size and time
limits, HTML where a file was expected, redirects checked hop by hop, and the addresses a
source may be fetched from."""

from __future__ import annotations

import functools
import ipaddress
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
import tracemalloc
import zlib

import httpx
import pytest

from app.services.sources import addresses
from app.services.sources.addresses import AddressRefused, is_public, resolve
from app.services.sources.fetch import MAX_BYTES, FetchFailed, FetchLimits, FetchStopped, fetch
from tests.services.sources.sheet_server import Sheet, SheetServer

CSV = "医院名称,区,电话\n瑞金医院,黄浦区,021-64370045\n".encode()
OPEN = FetchLimits(timeout_s=2.0, allow_private=True)
PUBLIC_ONLY = FetchLimits(timeout_s=2.0)


@pytest.fixture
def server():
    with SheetServer() as server:
        yield server


def test_a_file_comes_with_its_validators_and_then_not_modified(server: SheetServer):
    server.sheets["/sheet.csv"] = sheet = Sheet(CSV)
    first = fetch(server.url("/sheet.csv"), OPEN)
    assert (first.data, first.etag) == (CSV, sheet.tag)
    again = fetch(server.url("/sheet.csv"), OPEN, etag=first.etag, last_modified="x")
    assert again.data is None  # 304
    assert server.hits("/sheet.csv")[1].headers["if-none-match"] == sheet.tag
    assert server.hits("/sheet.csv")[1].headers["if-modified-since"] == "x"
    sheet.body = CSV + "华山医院,静安区,021-52889999\n".encode()
    assert fetch(server.url("/sheet.csv"), OPEN, etag=first.etag).data == sheet.body


def test_validators_that_cannot_be_sent_back_are_not_kept(server: SheetServer):
    """An ETag of a byte past ASCII was kept, and httpx cannot send it back: every later
    run of the source broke before asking (UnicodeEncodeError), until it was re-added."""
    modified = "Tue, 12 Apr 2022 06:30:00 GMT"
    server.sheets["/e.csv"] = Sheet(
        CSV, etag=False, headers={"ETag": '"caf\xe9"', "Last-Modified": modified}
    )
    first = fetch(server.url("/e.csv"), OPEN)
    assert (first.data, first.etag, first.last_modified) == (CSV, None, modified)
    again = fetch(server.url("/e.csv"), OPEN, etag=first.etag, last_modified=first.last_modified)
    assert again.data == CSV


def test_the_connection_goes_to_the_address_checked_with_the_name_kept(server: SheetServer):
    server.sheets["/sheet.csv"] = Sheet(CSV)
    port = server.url("/").split(":")[2].split("/")[0]
    assert fetch(f"http://localhost:{port}/sheet.csv", OPEN).data == CSV
    assert server.hits("/sheet.csv")[0].headers["host"] == f"localhost:{port}"


@pytest.mark.parametrize(
    ("sheet", "message"),
    [
        (Sheet(b"<!DOCTYPE html><title>Sign in</title>", content_type="text/plain"), "web page"),
        (Sheet(b"\xef\xbb\xbf\n <html><body>login</body></html>"), "a sign-in page?"),
        (Sheet(CSV, content_type="text/html; charset=utf-8"), "web page"),
        (Sheet(b" \r\n"), "the file is empty"),
        (Sheet(b"nope", status=403), "answered 403 (is the document shared"),
        (Sheet(b"", status=500), "the server answered 500"),
    ],
)
def test_what_is_not_a_file_fails(server: SheetServer, sheet: Sheet, message: str):
    server.sheets["/x"] = sheet
    with pytest.raises(FetchFailed, match=re.escape(message)):
        fetch(server.url("/x"), OPEN)


def test_over_https_the_name_is_verified_on_the_address_checked(tmp_path, monkeypatch, require):
    """TLS goes to the pinned address with the link's host name for SNI and the
    certificate: a certificate for localhost is good for https://localhost (connected at
    127.0.0.1) and not for https://127.0.0.1."""
    require(shutil.which("openssl") is not None, "openssl makes the test's certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert, key)
    trusted = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(httpx, "Client", functools.partial(httpx.Client, verify=trusted))
    with SheetServer(tls=served) as server:
        server.sheets["/h.csv"] = Sheet(CSV)
        port = server.url("/").split(":")[2].split("/")[0]
        assert fetch(f"https://localhost:{port}/h.csv", OPEN).data == CSV
        assert server.hits("/h.csv")[0].headers["host"] == f"localhost:{port}"
        with pytest.raises(FetchFailed, match="could not be reached"):
            fetch(f"https://127.0.0.1:{port}/h.csv", OPEN)


@pytest.mark.parametrize("declare_length", [True, False])
def test_a_50_mib_file_is_refused_without_reading_it_all(server: SheetServer, declare_length: bool):
    server.sheets["/big.csv"] = Sheet(b"a,b\n" * (50 * 2**20 // 4), declare_length=declare_length)
    started = time.monotonic()
    with pytest.raises(FetchFailed, match="larger than 20 MiB"):
        fetch(server.url("/big.csv"), OPEN)
    assert time.monotonic() - started < 2
    assert MAX_BYTES == 20 * 2**20


def _gzip(pieces, wbits: int = 31) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return b"".join(packer.compress(piece) for piece in pieces) + packer.flush()


@pytest.mark.parametrize(("encoding", "wbits"), [("gzip", 31), ("deflate", 15), ("deflate", -15)])
def test_a_compressed_file_is_read_decoded(server: SheetServer, encoding: str, wbits: int):
    server.sheets["/z.csv"] = Sheet(_gzip([CSV], wbits), headers={"Content-Encoding": encoding})
    assert fetch(server.url("/z.csv"), OPEN).data == CSV
    assert "gzip" in server.hits("/z.csv")[0].headers["accept-encoding"]


def test_a_compression_bomb_stops_at_the_size_limit_without_expanding_further(
    server: SheetServer,
):
    """64 MiB of zeros gzip to 64 KiB: decoded a network read at a time, the first read
    alone expanded to tens of MiB before the size limit looked (and ``gzip, gzip`` to the
    square of it: 492 bytes held 439 MiB). Decoded within the limit, a fetch allowed 1 MiB
    holds about that much."""
    bomb = _gzip(bytes(2**20) for _ in range(64))
    server.sheets["/bomb.csv"] = Sheet(bomb, headers={"Content-Encoding": "gzip"})
    server.sheets["/nested.csv"] = Sheet(_gzip([bomb]), headers={"Content-Encoding": "gzip, gzip"})
    small = FetchLimits(timeout_s=5.0, allow_private=True, max_bytes=2**20)
    tracemalloc.start()
    try:
        with pytest.raises(FetchFailed, match="larger than 1 MiB"):
            fetch(server.url("/bomb.csv"), small)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20
    with pytest.raises(FetchFailed, match="encoded as 'gzip, gzip'"):
        fetch(server.url("/nested.csv"), small)


def test_a_server_that_does_not_answer_in_time_fails_the_fetch(server: SheetServer):
    server.sheets["/slow.csv"] = Sheet(CSV, delay_s=5)
    started = time.monotonic()
    with pytest.raises(FetchFailed, match=r"no answer within 0\.5 s"):
        fetch(server.url("/slow.csv"), FetchLimits(timeout_s=0.5, allow_private=True))
    assert time.monotonic() - started < 1.5


def test_the_time_limit_holds_for_a_server_that_drips_its_headers(server: SheetServer):
    """Each read gets a byte within its timeout, so only a limit on the whole fetch stops
    it: before, a fetch allowed 1 s waited for the whole 5 s drip (h11 takes 100 KiB of
    headers: a day at a byte a second), holding the poller and every source behind it."""
    server.sheets["/drip.csv"] = Sheet(CSV, drip_s=5)
    started = time.monotonic()
    with pytest.raises(FetchFailed, match=r"no answer within 1 s"):
        fetch(server.url("/drip.csv"), FetchLimits(timeout_s=1.0, allow_private=True))
    assert time.monotonic() - started < 2


def test_a_fetch_told_to_stop_stops_at_once_even_inside_the_headers(server: SheetServer):
    server.sheets["/drip.csv"] = Sheet(CSV, drip_s=5)
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    with pytest.raises(FetchStopped):
        fetch(server.url("/drip.csv"), FetchLimits(timeout_s=4.0, allow_private=True), stop=stop)
    assert time.monotonic() - started < 1.5


def test_redirects_are_followed_to_http_only_and_not_forever(server: SheetServer):
    server.sheets["/sheet.csv"] = Sheet(CSV)
    server.sheets["/moved"] = Sheet(location="/sheet.csv")
    assert fetch(server.url("/moved"), OPEN).data == CSV
    server.sheets["/ftp"] = Sheet(location="ftp://127.0.0.1/sheet.csv")
    with pytest.raises(FetchFailed, match="only http and https links can be read, not ftp"):
        fetch(server.url("/ftp"), OPEN)
    server.sheets["/loop"] = Sheet(location="/loop")
    with pytest.raises(FetchFailed, match="more than 5 redirects"):
        fetch(server.url("/loop"), OPEN)
    assert len(server.hits("/loop")) == 6


def test_a_redirect_to_a_private_address_is_refused(monkeypatch: pytest.MonkeyPatch):
    """The first server stands for a public one (127.0.0.2 counts as public here); its
    redirect to 127.0.0.1 is checked as any first link is, and refused."""
    real = addresses.is_public
    monkeypatch.setattr(
        addresses, "is_public", lambda address: str(address) == "127.0.0.2" or real(address)
    )
    with SheetServer("127.0.0.2") as public, SheetServer() as private:
        private.sheets["/admin"] = Sheet(CSV)
        public.sheets["/sheet.csv"] = Sheet(location=private.url("/admin"))
        public.sheets["/fine.csv"] = Sheet(CSV)
        assert fetch(public.url("/fine.csv"), PUBLIC_ONLY).data == CSV
        with pytest.raises(FetchFailed, match=r"127\.0\.0\.1 is at 127\.0\.0\.1, a private"):
            fetch(public.url("/sheet.csv"), PUBLIC_ONLY)
        assert private.requests == []  # never reached


def test_a_host_name_in_chinese_is_asked_for_and_sent_in_its_ascii_form(
    server: SheetServer, monkeypatch: pytest.MonkeyPatch
):
    """Before, the name went into the Host header as it was written, which httpx cannot
    encode: every run broke with a UnicodeEncodeError (a 500 on a dry run through the
    API). An invalid name is an invalid link."""
    server.sheets["/h.csv"] = Sheet(CSV)
    port = server.url("/").split(":")[2].split("/")[0]
    asked, real = [], socket.getaddrinfo

    def getaddrinfo(host, *args, **options):
        asked.append(host)
        return real("127.0.0.1", *args, **options)

    monkeypatch.setattr(addresses.socket, "getaddrinfo", getaddrinfo)
    assert fetch(f"http://例子.测试:{port}/h.csv", OPEN).data == CSV
    assert asked[0] == "xn--fsqu00a.xn--0zwm56d"
    assert server.hits("/h.csv")[0].headers["host"] == f"xn--fsqu00a.xn--0zwm56d:{port}"
    with pytest.raises(FetchFailed, match="not a valid URL"):
        fetch("http://例子..测试/h.csv", OPEN)


def test_links_that_are_not_http_fail():
    for link, message in [
        ("file:///etc/passwd", "not file"),
        ("gopher://x/", "not gopher"),
        ("http:///nohost", "names no host"),
        ("http://[::1", "not a valid URL"),
    ]:
        with pytest.raises(FetchFailed, match=message):
            fetch(link, OPEN)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True), ("2606:4700::1111", True), ("::ffff:8.8.8.8", True),
        ("64:ff9b::808:808", True), ("10.1.2.3", False), ("172.16.0.1", False),
        ("192.168.1.1", False), ("127.0.0.1", False), ("169.254.169.254", False),
        ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
        ("240.0.0.1", False), ("255.255.255.255", False), ("192.0.2.1", False),
        ("::1", False), ("::", False), ("fe80::1", False), ("fc00::1", False),
        ("ff02::1", False), ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False), ("64:ff9b::a00:1", False),
    ],
)  # fmt: skip
def test_only_public_unicast_addresses_are_public(address: str, public: bool):
    assert is_public(ipaddress.ip_address(address)) is public


def test_a_name_resolving_to_a_private_address_is_refused_unless_allowed():
    with pytest.raises(AddressRefused, match=r"localhost is at .*non-public address"):
        resolve("localhost", 80, allow_private=False)
    assert ipaddress.ip_address(resolve("localhost", 80, allow_private=True)).is_loopback
    with pytest.raises(AddressRefused, match="cannot be resolved"):
        resolve("no-such-host.invalid", 80, allow_private=True)
    with pytest.raises(AddressRefused, match=r"10\.0\.0\.1 is at 10\.0\.0\.1"):
        resolve("10.0.0.1", 80, allow_private=False)
