"""Guarding the HTTP server (`assistant.server`) against what a browser on another site, a slow client or a
password guesser can do. The JSON API and the Gradio app behind it need no changes for any of this.

`Guard` is plain ASGI middleware in front of everything:

- **Host header**: only the names the server was bound to (loopback names on 127.0.0.1; any IP
  address and this machine's names on 0.0.0.0), plus `allowed_hosts` for a reverse proxy ("*": any).
  DNS rebinding cannot reach the API.
- **Security headers** on every response: a Content-Security-Policy, X-Frame-Options DENY,
  X-Content-Type-Options nosniff, Referrer-Policy no-referrer.
- **JSON only** for the JSON API: a text/plain or form body (which another site's page can send
  without asking) is refused with 415.
- **Bodies**: a declared Content-Length over the cap is refused before anything is read, and a body
  sent without one is cut off at the cap (`MAX_OTHER_BODY` for the app; the JSON API streams its own).
- **Logins**: after `login_attempts` failed logins (the app's login form, or a wrong password on
  the JSON API) in a minute, that client is refused with 429 until the minute is over, even with
  the right password.
- **The app's /ask endpoint** takes exactly its three inputs; another count is one line, not
  Gradio's `{"error": null}`.
- **OpenAPI docs** need the password when one is set.

`guarded_protocol(...)` is the uvicorn protocol with a deadline: a connection must deliver a complete
request (headers and body) within `request_timeout` seconds of opening, or of its previous response,
or it is answered 408 and closed, with one line in the log.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import logging
import secrets
import socket
import time
from collections import defaultdict, deque
from typing import Any, Callable

log = logging.getLogger("assistant.server")

MAX_OTHER_BODY = 8 * 2**20  # the app's own requests (its uploads are capped at 2 MB)
LOGIN_WINDOW_S = 60.0
JSON_API = ("/api/ask", "/api/search")
DOCS = ("/api/docs", "/api/docs/oauth2-redirect", "/api/openapi.json")
ASK_PATHS = ("/gradio_api/call/ask", "/gradio_api/call/v2/ask", "/gradio_api/run/ask", "/gradio_api/api/ask")
ASK_INPUTS = 3  # question, history, filters
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' data: blob:; connect-src 'self' ws: wss:; "
       "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' https://cdn.jsdelivr.net").replace(
    "style-src 'self'", "style-src 'self' https://cdn.jsdelivr.net").replace(
    "img-src 'self'", "img-src 'self' https://fastapi.tiangolo.com")


def authorised(headers: dict[str, str], auth: tuple[str, str] | None) -> bool:
    """True when no password is set, or the request carries the right one (HTTP Basic)."""
    if auth is None:
        return True
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return secrets.compare_digest(user.encode(), auth[0].encode()) & secrets.compare_digest(password.encode(),
                                                                                           auth[1].encode())


class HostRule:
    """Which Host header values the server answers: the bound address's names, plus `allowed_hosts`."""

    def __init__(self, bound: str, extra: str = ""):
        names = {n.strip().lower().strip("[]") for n in extra.split(",") if n.strip()}
        self.any = "*" in names
        self.any_address = bound in ("0.0.0.0", "::", "")
        self.names = names | {bound.lower().strip("[]")}
        if self.any_address:
            self.names |= {socket.gethostname().lower(), socket.getfqdn().lower(), "localhost"}
        if bound == "localhost" or _is_loopback(bound):
            self.names |= {"localhost", "127.0.0.1", "::1"}

    def allows(self, host_header: str | None) -> bool:
        if self.any:
            return True
        if not host_header:
            return False
        host = host_header.strip().lower()
        host = host[1:host.index("]")] if host.startswith("[") and "]" in host else host.rsplit(":", 1)[0] \
            if host.count(":") == 1 else host
        if host in self.names:
            return True
        if self.any_address:
            try:
                ipaddress.ip_address(host)
                return True
            except ValueError:
                return False
        return False

    def described(self) -> str:
        return "any address of this machine" if self.any_address else ", ".join(sorted(self.names))


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class LoginLimiter:
    """Failed logins per client in the last minute; a client at the limit waits for the minute to pass."""

    def __init__(self, attempts: int, window: float = LOGIN_WINDOW_S):
        self.attempts = attempts
        self.window = window
        self.failures: dict[str, deque[float]] = defaultdict(deque)

    def wait_left(self, client: str) -> float:
        """Seconds this client must wait before it may try again (0: it may)."""
        recent = self.failures.get(client)
        if not recent:
            return 0.0
        now = time.monotonic()
        while recent and now - recent[0] > self.window:
            recent.popleft()
        if len(recent) < self.attempts:
            return 0.0
        return max(1.0, self.window - (now - recent[0]))

    def failed(self, client: str) -> None:
        self.failures[client].append(time.monotonic())
        if len(self.failures) > 10_000:  # forget the oldest clients rather than grow without end
            for stale in list(self.failures)[:1_000]:
                del self.failures[stale]


async def _reply(send, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


class Guard:
    """The ASGI middleware described in this module's docstring."""

    def __init__(self, app, *, hosts: HostRule, auth: tuple[str, str] | None = None, login_attempts: int = 5,
                 ask_fn_index: Callable[[], int | None] = lambda: None):
        self.app = app
        self.hosts = hosts
        self.auth = auth
        self.logins = LoginLimiter(login_attempts)
        self.ask_fn_index = ask_fn_index

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        path = scope.get("path", "")
        send = self._secured(send, DOCS_CSP if path.startswith("/api/docs") else CSP)
        if not self.hosts.allows(headers.get("host")):
            shown = (headers.get("host") or "no Host header")[:80]
            return await _reply(send, 400, {"error": f"this server does not answer for {shown}; it answers for "
                                                     f"{self.hosts.described()} (set allowed_hosts for a reverse proxy)"})
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        refusal = self._refusal(scope, headers, path)
        if refusal is not None:
            return await _reply(send, *refusal)
        if scope["method"] == "POST" and path.rstrip("/") in ASK_PATHS + ("/gradio_api/queue/join",):
            return await self._checked_ask(scope, receive, send, headers)
        if not path.startswith("/api/"):  # the JSON API streams its own body, with its own cap and message
            receive = self._capped(receive, send)
        await self.app(scope, receive, self._watched(send, scope, headers, path))

    def _refusal(self, scope, headers: dict[str, str], path: str) -> tuple | None:
        """(status, body[, headers]) when the request is refused before the app sees it, else None."""
        client = (scope.get("client") or ("?", 0))[0]
        attempt = (scope["method"] == "POST" and path.rstrip("/") == "/login") or "authorization" in headers
        wait = self.logins.wait_left(client) if attempt else 0.0
        if wait:
            return 429, {"error": f"too many failed logins from this address; wait {wait:.0f} s and try again"}, \
                {"Retry-After": str(int(wait + 0.999))}
        if path in DOCS and not authorised(headers, self.auth):
            return 401, {"error": "the API docs need the user name and password of ASSISTANT_AUTH"}, \
                {"WWW-Authenticate": 'Basic realm="assistant"'}
        if scope["method"] == "POST" and path in JSON_API:
            kind = headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                return 415, {"error": f"send the body as JSON with Content-Type: application/json (got "
                                      f"{kind[:60] or 'no Content-Type'})"}
        declared = headers.get("content-length", "").strip()
        if declared and not declared.isdigit():
            return 400, {"error": "the Content-Length header is not a number"}
        limit = MAX_OTHER_BODY if not path.startswith("/api/") else None
        if limit and declared and int(declared) > limit:
            return 413, {"error": f"the request body is {int(declared):,} bytes; keep it under {limit:,}"}
        return None

    def _secured(self, send, csp: str):
        extra = [(b"content-security-policy", csp.encode()), (b"x-frame-options", b"DENY"),
                 (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]

        async def secured(message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                  *[(k, v) for k, v in extra if k not in present]]}
            await send(message)
        return secured

    def _watched(self, send, scope, headers: dict[str, str], path: str):
        """`send`, noting a failed login (the app's form answers 400; the API 401 to a wrong password)."""
        client = (scope.get("client") or ("?", 0))[0]
        login = scope["method"] == "POST" and path.rstrip("/") == "/login"

        async def watched(message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                if (login and status >= 400) or (status == 401 and "authorization" in headers):
                    self.logins.failed(client)
                    log.info("failed login from %s", client)
            await send(message)
        return watched

    def _capped(self, receive, send):
        """`receive`, cut off at MAX_OTHER_BODY for a body sent without a length."""
        received = 0

        async def capped():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_OTHER_BODY:
                    log.info("cut off a request body over %s bytes", f"{MAX_OTHER_BODY:,}")
                    return {"type": "http.disconnect"}
            return message
        return capped

    async def _checked_ask(self, scope, receive, send, headers: dict[str, str]) -> None:
        """The app's /ask endpoint with exactly its three inputs, else one line (Gradio gives {"error": null})."""
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_OTHER_BODY:
                return await _reply(send, 413, {"error": f"the request body is over {MAX_OTHER_BODY:,} bytes"})
        problem = self._ask_problem(scope["path"], body)
        if problem:
            return await _reply(send, 400, {"error": problem})
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, replay, self._watched(send, scope, headers, scope["path"]))

    def _ask_problem(self, path: str, body: bytes) -> str | None:
        try:
            payload = json.loads(body or b"null")
        except (ValueError, RecursionError):
            return "the request body is not valid JSON; send {\"data\": [question, history, filters]}"
        if not isinstance(payload, dict):
            return "the request body must be a JSON object like {\"data\": [question, history, filters]}"
        if path.rstrip("/") == "/gradio_api/queue/join" and payload.get("fn_index") != self.ask_fn_index():
            return None  # another event of the app: Gradio checks its own
        data: Any = payload.get("data")
        if not isinstance(data, list):
            return "\"data\" must be a list: [question, history, filters] (null for none)"
        if len(data) != ASK_INPUTS:
            return (f"the /ask endpoint takes {ASK_INPUTS} inputs (question, history, filters; null for none), "
                    f"got {len(data)}")
        return None


def guarded_protocol(request_timeout: float):
    """uvicorn's HTTP protocol (httptools, else h11) with a deadline on receiving each whole request."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Base
        complete_hook = "on_message_complete"
    except ImportError:  # pragma: no cover (httptools is installed with uvicorn's extras)
        from uvicorn.protocols.http.h11_impl import H11Protocol as Base
        complete_hook = None

    class DeadlineProtocol(Base):  # type: ignore[valid-type, misc]
        _deadline = None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(request_timeout, self._expired)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expired(self) -> None:
            self._deadline = None
            if self.transport.is_closing():
                return
            client = "%s:%d" % self.client if self.client else "a client"
            log.info("closed the connection from %s: its request was not complete within %g s (request_timeout)",
                     client, request_timeout)
            if self.cycle is None or not self.cycle.response_started:
                body = json.dumps({"error": f"the request was not complete within {request_timeout:g} s"}).encode()
                self.transport.write(b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
                                     b"connection: close\r\ncontent-length: %d\r\n\r\n" % len(body) + body)
            if self.cycle is not None:
                self.cycle.disconnected = True
                self.cycle.message_event.set()
            self.transport.close()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()  # the next request on this connection has its own deadline

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        if complete_hook:
            def on_message_complete(self) -> None:
                self._disarm()
                super().on_message_complete()
        else:  # pragma: no cover
            def handle_events(self) -> None:
                super().handle_events()
                if self.cycle is not None and not self.cycle.more_body:
                    self._disarm()

    return DeadlineProtocol
