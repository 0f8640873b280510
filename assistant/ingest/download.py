"""Downloading a publication for `assistant add URL`, with limits no server can get round.

- **A total deadline** (`download_timeout`, default 120 s) on everything — connecting, the TLS
  handshake, the headers, the body — however slowly the server trickles: every read on the socket
  waits at most for what is left of it (a read timeout alone restarts with every byte).
- **A size cap** (`download_max_mb`, default 20 MiB) checked against a declared length before
  reading, and again while streaming, so a server that lies about its length or sends none is cut off.
- **At most 5 redirects**, only to http(s).
- **The content type**: HTML, PDF, plain text, Markdown or Word (.docx), judged by the header (or,
  for an untyped download, the file name) and then by the first bytes (a "PDF" that does not start
  like one, or "text" holding binary data, is refused).

Every failure is one line that names the address and says what to do; no partial file is left.
"""

from __future__ import annotations

import os
import re
import time
import urllib.parse
from pathlib import Path
from typing import Callable

from assistant.errors import BadInputError, CorpusError
from assistant.ingest.markers import slugify
from assistant.ingest.readers import SUPPORTED_SUFFIXES

CONTENT_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
UNTYPED = ("application/octet-stream", "binary/octet-stream", "")
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 30.0
DEADLINE_S = 120.0
MAX_REDIRECTS = 5
TEXT_SUFFIXES = (".html", ".htm", ".txt", ".md", ".markdown")

Progress = Callable[[str, int, int], None]


class _Deadline:
    """The moment a download must be over by, and how long a socket operation may still wait."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.passed = False

    def left(self, timeout: float | None) -> float:
        import httpcore

        left = self.at - time.monotonic()
        if left <= 0:
            self.passed = True
            raise httpcore.ReadTimeout(f"the download deadline of {self.seconds:g} s has passed")
        return left if timeout is None else min(timeout, left)

    @property
    def expired(self) -> bool:
        """True once the deadline has passed (a socket wait cut short by it ends a moment after)."""
        return self.passed or time.monotonic() >= self.at - 0.05


def _deadline_transport(deadline: _Deadline):
    """An httpx transport whose every socket read, write and connect waits at most until `deadline`."""
    import httpcore
    import httpx

    class Stream(httpcore.NetworkStream):
        def __init__(self, inner):
            self.inner = inner

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self.inner.read(max_bytes, deadline.left(timeout))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self.inner.write(buffer, deadline.left(timeout))

        def close(self) -> None:
            self.inner.close()

        def start_tls(self, ssl_context, server_hostname=None, timeout=None):
            return Stream(self.inner.start_tls(ssl_context, server_hostname, deadline.left(timeout)))

        def get_extra_info(self, info: str):
            return self.inner.get_extra_info(info)

    class Backend(httpcore.NetworkBackend):
        inner = httpcore.SyncBackend()

        def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
            return Stream(self.inner.connect_tcp(host, port, deadline.left(timeout), local_address, socket_options))

        def connect_unix_socket(self, path, timeout=None, socket_options=None):
            return Stream(self.inner.connect_unix_socket(path, deadline.left(timeout), socket_options))

        def sleep(self, seconds: float) -> None:
            time.sleep(min(seconds, max(0.0, deadline.at - time.monotonic())))

    transport = httpx.HTTPTransport(retries=0)
    transport._pool._network_backend = Backend()  # httpx offers no public hook for the socket layer
    return transport


def check_url(url: str) -> str:
    """The URL when it is a well-formed http(s) address; else a one-line BadInputError."""
    shown = url[:80]
    try:
        parsed = urllib.parse.urlparse(url)
        port = parsed.port  # a port out of range or not a number raises here
        host = parsed.hostname
    except ValueError as exc:
        raise BadInputError(f"{shown} is not a valid web address ({exc}); check it, or give a file path") from None
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc or not host:
        raise BadInputError(f"{shown} is not an http(s) URL; give a web address or a file path")
    if port == 0:
        raise BadInputError(f"{shown} names port 0; check the address")
    return url


def download(url: str, folder: Path, *, progress: Progress | None = None, max_bytes: int = 20 * 2**20,
             timeout: tuple[float, float] = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
             deadline_s: float = DEADLINE_S) -> Path:
    """Download a publication into `folder`; its path, or a one-line CorpusError (no partial file left)."""
    import httpx

    check_url(url)
    partial = folder / ".download.part"
    deadline = _Deadline(deadline_s)
    try:
        with httpx.Client(follow_redirects=True, max_redirects=MAX_REDIRECTS, transport=_deadline_transport(deadline),
                          timeout=httpx.Timeout(timeout[1], connect=timeout[0]),
                          headers={"User-Agent": "probation-practice-assistant"}) as client:
            with client.stream("GET", url) as response:
                suffix = _checked_response(url, response, max_bytes)
                received = _stream_body(url, response, partial, max_bytes, suffix, progress)
                name = _download_name(response.headers.get("content-disposition", ""), str(response.url), suffix)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, httpx.HTTPError):
            raise _failure(url, exc, deadline, max_bytes) from None
        raise
    if received == 0:
        partial.unlink(missing_ok=True)
        raise CorpusError(f"{url} sent an empty response; check the address")
    target = folder / name
    os.replace(partial, target)
    return target


def _failure(url: str, exc: Exception, deadline: _Deadline, max_bytes: int) -> Exception:
    """The one-line error for a failed download."""
    import httpx

    if isinstance(exc, httpx.TooManyRedirects):
        return CorpusError(f"{url} redirected more than {MAX_REDIRECTS} times; check the address")
    if deadline.expired:
        return CorpusError(f"{url} did not finish downloading within {deadline.seconds:g} s (download_timeout); "
                           "check the address and your connection, or save the page and add the file")
    if isinstance(exc, httpx.TimeoutException):
        return CorpusError(f"{url} did not answer in time; check the address and your connection, "
                           "or save the page and add the file")
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return BadInputError(f"{url[:80]} is not a valid http(s) URL, or it redirects to one that is not ({exc})")
    if isinstance(exc, httpx.RemoteProtocolError):
        return CorpusError(f"{url} broke off or sent a malformed response ({exc}); try again, or save the page and "
                           "add the file")
    return CorpusError(f"cannot download {url} ({type(exc).__name__}: {exc}); check the address and "
                       "your connection, or save the page and add the file")


def _checked_response(url: str, response, max_bytes: int) -> str:
    """The file suffix the response's type calls for; CorpusError for an error status, a type that is not a
    publication or a declared length over the cap."""
    if response.status_code >= 400:
        raise CorpusError(f"{url} answered HTTP {response.status_code} {response.reason_phrase}; "
                          "check the address or save the page and add the file")
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    final_url = str(response.url)
    suffix = CONTENT_TYPES.get(content_type)
    disposition = response.headers.get("content-disposition", "")
    named_suffix = Path(_download_name(disposition, final_url, "")).suffix.lower() or \
        Path(urllib.parse.urlparse(final_url).path).suffix.lower()
    if suffix is None and content_type in UNTYPED and named_suffix in SUPPORTED_SUFFIXES:
        suffix = named_suffix  # an untyped download is judged by its file name
    if suffix is None:
        raise CorpusError(f"{url} is {content_type or 'of no stated type'}, not a publication; "
                          "add an HTML page, PDF, plain text, Markdown or Word (.docx) file")
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise CorpusError(f"{url} is {int(declared) / 2**20:.0f} MiB, over the "
                          f"{max_bytes / 2**20:g} MiB limit (download_max_mb); download it and split it")
    return suffix


def _stream_body(url: str, response, partial: Path, max_bytes: int, suffix: str, progress: Progress | None) -> int:
    """Write the body to `partial`, cut off at `max_bytes` whatever the server declared; checks its first bytes
    against its type. Returns the bytes received."""
    report = progress or (lambda stage, done, total: None)
    declared = response.headers.get("content-length", "").strip()
    total = int(declared) if declared.isdigit() else 0
    received = 0
    with partial.open("wb") as handle:
        for chunk in response.iter_bytes():
            if received == 0 and chunk:
                _check_first_bytes(url, chunk, suffix)
            received += len(chunk)
            if received > max_bytes:
                raise CorpusError(f"{url} is larger than the {max_bytes / 2**20:g} MiB limit (download_max_mb); "
                                  "download it and split it")
            handle.write(chunk)
            report("download", received, total or received)
    return received


def _check_first_bytes(url: str, head: bytes, suffix: str) -> None:
    """A body that is not what its type says: a "PDF" that is no PDF, a "Word file" that is no zip, "text" that is
    binary."""
    if suffix == ".pdf" and not head.lstrip()[:5].startswith(b"%PDF"):
        raise CorpusError(f"{url} says it is a PDF but is not one; check the address or save the file and add it")
    if suffix == ".docx" and not head.startswith(b"PK"):
        raise CorpusError(f"{url} says it is a Word file but is not one; check the address or save the file and add it")
    if suffix in TEXT_SUFFIXES and b"\0" in head[:4096]:
        raise CorpusError(f"{url} says it is text but sends binary data; check the address or save the file and "
                          "add it")


def _download_name(disposition: str, url: str, suffix: str) -> str:
    """A safe file name for a download: the server's suggested name or the URL's last part, with
    `suffix` (or, when `suffix` is empty, the name's own suffix)."""
    found = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)\"?", disposition, re.I)
    raw = urllib.parse.unquote(found.group(1)) if found else Path(urllib.parse.urlparse(url).path).name
    raw = Path(raw.replace("\\", "/")).name
    stem, own = Path(raw).stem, Path(raw).suffix.lower()
    return f"{slugify(stem or urllib.parse.urlparse(url).netloc, 80)}{suffix or own}"
