"""Downloads against a loopback server that misbehaves on purpose: it trickles, lies about its length, loops
redirects and sends the wrong type. Each is cut off within its limit, with one line, and leaves no file.

The server speaks raw HTTP on a socket, so it can do what a polite server never would (a header one byte
at a time, a body shorter than its Content-Length). Nothing here is committed as a file: every
misbehaviour is generated in the handler.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from assistant.errors import BadInputError, CorpusError
from assistant.ingest.download import download

pytestmark = pytest.mark.slow  # a server runs for the module

GUIDE = b"<html><head><title>A guide</title></head><body><h1>A guide</h1><p>" + b"Practice. " * 50 + b"</p></body></html>"


def _trickle(conn, data: bytes, every: float) -> None:
    for byte in data:
        conn.sendall(bytes([byte]))
        time.sleep(every)


def _respond(conn, path: str) -> None:
    ok = b"HTTP/1.1 200 OK\r\n"
    if path == "/trickle-body":  # headers at once, then a byte every 0.2 s for ever (the read timeout never fires)
        conn.sendall(ok + b"Content-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
        _trickle(conn, b"<p>" + b"x" * 99_997, 0.2)
    elif path == "/trickle-headers":  # the headers themselves a byte at a time
        _trickle(conn, ok + b"Content-Type: text/html\r\nX-Slow: " + b"y" * 10_000 + b"\r\n\r\n", 0.2)
    elif path == "/short":  # says 100,000 bytes, sends a few and hangs up
        conn.sendall(ok + b"Content-Type: text/html\r\nContent-Length: 100000\r\n\r\n<p>only this</p>")
    elif path == "/huge-declared":  # an honest header over the cap: refused before reading
        conn.sendall(ok + b"Content-Type: text/plain\r\nContent-Length: 999999999\r\n\r\nx")
    elif path == "/endless":  # no length at all, and no end: cut off at the cap while streaming
        conn.sendall(ok + b"Content-Type: text/plain\r\nConnection: close\r\n\r\n")
        while True:
            conn.sendall(b"x" * 65536)
    elif path == "/loop":  # each hop on a new connection: this server closes every one (a reused one would race)
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    elif path == "/to-file":
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    elif path == "/zip":
        conn.sendall(ok + b"Content-Type: application/zip\r\nContent-Length: 4\r\n\r\nPK\x03\x04")
    elif path == "/fake.pdf":  # says PDF, sends a web page
        conn.sendall(ok + b"Content-Type: application/pdf\r\nContent-Length: %d\r\n\r\n" % len(GUIDE) + GUIDE)
    elif path == "/binary.html":  # says HTML, sends binary
        body = b"\x00\x01\x02\x03" * 256
        conn.sendall(ok + b"Content-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    elif path == "/guide.html":
        conn.sendall(ok + b"Content-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n\r\n" % len(GUIDE) + GUIDE)
    else:
        conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


def _serve(conn) -> None:
    try:
        request = b""
        while b"\r\n\r\n" not in request:
            data = conn.recv(4096)
            if not data:
                return
            request += data
        _respond(conn, request.split(b" ", 2)[1].decode())
    except OSError:
        pass  # the client gave up, as these tests want
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(32)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    listener.close()


@pytest.mark.parametrize("path, message, within", [
    ("/trickle-body", "did not finish downloading within 2 s (download_timeout)", 4),
    ("/trickle-headers", "did not finish downloading within 2 s (download_timeout)", 4),
    ("/short", "broke off or sent a malformed response", 4),
    ("/huge-declared", "is 954 MiB, over the 1 MiB limit (download_max_mb)", 4),
    ("/endless", "larger than the 1 MiB limit (download_max_mb)", 4),
    ("/loop", "redirected more than 5 times", 4),
    ("/to-file", "not a valid http(s) URL, or it redirects to one that is not", 4),
    ("/zip", "is application/zip, not a publication", 4),
    ("/fake.pdf", "says it is a PDF but is not one", 4),
    ("/binary.html", "says it is text but sends binary data", 4),
])
def test_a_misbehaving_server_is_cut_off_within_its_limit(server, tmp_path, path, message, within):
    started = time.monotonic()
    with pytest.raises((CorpusError, BadInputError)) as caught:
        download(server + path, tmp_path, max_bytes=2**20, timeout=(2, 5), deadline_s=2)
    took = time.monotonic() - started
    assert message in str(caught.value) and "\n" not in str(caught.value), str(caught.value)
    assert took < within, f"{path} took {took:.1f} s"
    assert list(tmp_path.iterdir()) == []  # no partial file


def test_a_good_download_within_the_limits(server, tmp_path):
    assert download(server + "/guide.html", tmp_path, max_bytes=2**20, deadline_s=5).read_bytes() == GUIDE


@pytest.mark.parametrize("url, message", [
    ("http://[::1/guide.html", "is not a valid web address (Invalid IPv6 URL)"),
    ("http://[fe80::1%/x", "is not a valid web address"),
    ("http://127.0.0.1:99999/x", "is not a valid web address"),
    ("http:///guide.html", "is not an http(s) URL"),
    ("ftp://example.org/guide.html", "is not an http(s) URL"),
])
def test_a_malformed_address_is_one_line(tmp_path, url, message):
    with pytest.raises(BadInputError) as caught:
        download(url, tmp_path)
    assert message in str(caught.value) and "\n" not in str(caught.value), str(caught.value)
