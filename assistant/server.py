"""Serving the app: where it listens, who may use it, the HTTP API beside the Gradio app, the launch.

`create_app(assistant, blocks, auth)` is one FastAPI application:

    POST /api/ask       {"question", "history"?, "filters"?}      -> the JSON of `assistant ask --json`
    POST /api/search    {"query", "k"?, "filters"?, "history"?}   -> the JSON of `assistant search --json`
    GET  /healthz       the build in use and its state (for load balancers)
    GET  /api/docs      OpenAPI docs (the schema at /api/openapi.json)
    /                   the Gradio app (`assistant.web.build_app`), mounted

The HTTP API answers without Gradio's queue, in a thread pool, so other tools and load
balancers get plain JSON quickly. Bad input gets status 400 and {"error": "<one line>"} (a body
is streamed and refused once over 256 KB, a declared Content-Length before anything is read; a
number too long to be one the API takes is refused too); a damaged or missing index 503; nothing
ever sends a traceback, and a client that goes away is one line in the log. Everything sits
behind `assistant.guard` (Host header, security headers, JSON only, login attempts, a deadline
on receiving each request). `serve()` runs it with uvicorn on 127.0.0.1 by default, never with a
public share link, and refuses a non-loopback address without a password unless told the network
is trusted; an index it cannot use is answered 503 with the command that fixes it until
`assistant index` has made it usable. With ASSISTANT_AUTH=user:password the app asks for it at a
login page and the API as HTTP Basic authentication; /healthz then gives its details only with it.
"""

# no `from __future__ import annotations`: FastAPI reads the handlers' annotations at run time
import inspect
import ipaddress
import json
import logging
import math
import os
import threading
import time
from typing import Any, Callable

from assistant.api import redacted, respond, status_for, validation
from assistant.config import Settings
from assistant.errors import AssistantError, BadInputError, ChromaUnavailableError, IndexCorruptError, \
    IndexMissingError, IndexStaleError, SettingsError, StorageError
from assistant.guard import Guard, HostRule, authorised, guarded_protocol
from assistant.notices import ATTRIBUTION

log = logging.getLogger("assistant.server")

MAX_BODY_BYTES = 256 * 1024  # a question, 20 turns of history and filters fit many times over

ASK_SCHEMA = {
    "type": "object", "required": ["question"], "additionalProperties": False,
    "properties": {
        "question": {"type": "string", "description": "The question, in a practitioner's words."},
        "history": {"type": ["array", "null"], "maxItems": validation.MAX_HISTORY_TURNS,
                    "items": {"type": "object", "required": ["role", "content"],
                              "properties": {"role": {"enum": list(validation.ROLES)},
                                             "content": {"type": "string"},
                                             "cited": {"type": "array", "items": {"type": "string"},
                                                       "maxItems": validation.MAX_CITED,
                                                       "description": "On an assistant turn: the ids of the "
                                                                      "examples it cited, so a follow-up "
                                                                      "carries them"}}},
                    "description": "Earlier turns of the conversation, oldest first."},
        "filters": {"type": ["object", "null"], "description": "e.g. {\"need\": [\"mental health\"], \"region\": \"North East\", "
                                                                "\"year\": 2025, \"publication_kind\": \"guide\"}",
                    "propertyNames": {"enum": list(validation.FILTER_KEYS)},
                    "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "integer"},
                                                       {"type": "array", "items": {"type": ["string", "integer"]}}]}},
    },
}
SEARCH_SCHEMA = {
    "type": "object", "required": ["query"], "additionalProperties": False,
    "properties": {
        "query": {"type": "string"},
        "k": {"type": "integer", "minimum": 1, "maximum": validation.MAX_K, "default": 5},
        "filters": ASK_SCHEMA["properties"]["filters"],
        "history": ASK_SCHEMA["properties"]["history"],
    },
}


def wait_until_healthy(url: str, timeout: float, alive: Callable[[], bool] = lambda: True) -> bool:
    """Poll `url`/healthz until it answers 200 (True), the time runs out or `alive()` turns False (False).

    For scripts and tests that start a server and must not send requests before it is ready.
    """
    import httpx

    deadline = time.monotonic() + timeout
    while alive() and time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def check_host(host: str, auth: str | None, no_auth: bool) -> None:
    """Refuse to listen beyond this machine without a password, unless told explicitly."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not auth and not no_auth:
        raise SettingsError(
            f"refusing to listen on {host} without a password: set ASSISTANT_AUTH=user:password, "
            "or pass --no-auth if this network is trusted"
        )


def gradio_concurrency() -> int:
    """Gradio events run at once: enough to keep every core busy while others wait on Gradio's queue and
    event stream (an answer is ~20 ms of CPU, and onnxruntime, Chroma and numpy release the GIL)."""
    return max(8, 4 * (os.cpu_count() or 1))


def _error(status: int, message: str, headers: dict[str, str] | None = None):
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": message}, status_code=status, headers=headers)


MAX_NUMBER_CHARS = 24  # no number this API takes is longer (k is at most 100, a year has four digits)


def _number(text: str, kind: Callable[[str], Any]) -> Any:
    """A JSON number, refused (400) when it is too long to be one this API takes, or not finite."""
    if len(text) > MAX_NUMBER_CHARS:
        raise BadInputError(f"the request holds a number {len(text):,} characters long; no number here is longer "
                            f"than {MAX_NUMBER_CHARS} (k is at most {validation.MAX_K})")
    value = kind(text)
    if isinstance(value, float) and not math.isfinite(value):
        raise BadInputError(f"the request holds the number {text[:30]}, which is too large; send a finite number")
    return value


def _not_a_number(name: str) -> Any:
    raise BadInputError(f"the request holds {name}, which JSON does not allow; send a number or leave it out")


async def _read_body(request) -> bytes:
    """The request body, read in pieces and refused (BadInputError) as soon as it is over MAX_BODY_BYTES: a
    declared Content-Length is checked before anything is read."""
    declared = request.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BadInputError(f"the request body is {int(declared):,} bytes; keep it under {MAX_BODY_BYTES:,}")
    raw = bytearray()
    async for piece in request.stream():
        raw += piece
        if len(raw) > MAX_BODY_BYTES:
            raise BadInputError(f"the request body is more than {MAX_BODY_BYTES:,} bytes; keep it under "
                                f"{MAX_BODY_BYTES:,}")
    return bytes(raw)


def _body_fields(raw: bytes, allowed: tuple[str, ...], required: str) -> dict[str, Any]:
    """The request body as a JSON object with only `allowed` fields; BadInputError otherwise."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadInputError(f"the request body is {len(raw):,} bytes; keep it under {MAX_BODY_BYTES:,}")
    if not raw.strip():
        raise BadInputError(f"the request body is empty; send a JSON object like {{\"{required}\": \"...\"}}")
    try:
        body = json.loads(raw, parse_int=lambda t: _number(t, int), parse_float=lambda t: _number(t, float),
                          parse_constant=_not_a_number)
    except UnicodeDecodeError:
        raise BadInputError("the request body is not UTF-8 text; send JSON encoded as UTF-8") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        detail = f" ({exc.msg} at line {exc.lineno} column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise BadInputError(f"the request body is not valid JSON{detail}") from None
    if not isinstance(body, dict):
        raise BadInputError(f"the request body must be a JSON object like {{\"{required}\": \"...\"}}")
    unknown = [key for key in body if key not in allowed]
    if unknown:
        raise BadInputError(f"unknown field '{validation.shown(unknown[0], 40)}'; use {', '.join(allowed)}")
    if required not in body:
        raise BadInputError(f"the request has no \"{required}\"; send {{\"{required}\": \"...\"}}")
    return body


async def _answer(request, auth: tuple[str, str] | None, allowed: tuple[str, ...], required: str, work):
    """One JSON API request: the password, the body (streamed, capped, checked), then `work(body)` in a thread."""
    from fastapi.responses import JSONResponse, Response
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import ClientDisconnect

    if not _authorised(request, auth):
        return _error(401, "this API needs the user name and password of ASSISTANT_AUTH (HTTP Basic)",
                      {"WWW-Authenticate": 'Basic realm="assistant"'})
    try:
        body = _body_fields(await _read_body(request), allowed, required)
    except AssistantError as exc:
        return _error(status_for(exc), str(exc))
    except ClientDisconnect:  # one line, not a traceback: nobody is left to answer
        log.info("a client went away before sending all of its request to %s", request.url.path)
        return Response(status_code=400)
    status, result = await run_in_threadpool(respond, lambda: work(body), request.url.path)
    return JSONResponse(result, status_code=status)


def _authorised(request, auth: tuple[str, str] | None) -> bool:
    return authorised({"authorization": request.headers.get("authorization", "")}, auth)


def create_app(assistant, blocks=None, auth: tuple[str, str] | None = None, gradio_options: dict | None = None,
               on_shutdown=None, hosts: HostRule | None = None, login_attempts: int = 5):
    """The FastAPI application: the JSON API, /healthz, and (given `blocks`) the Gradio app at /, behind the
    `assistant.guard.Guard` (Host header, security headers, JSON only, body caps, login attempts).

    `hosts` says which Host headers it answers (default: loopback names). `on_shutdown` runs when the
    server stops gracefully (`serve` releases the index there: uvicorn ends a process stopped by a
    signal without running exit handlers).
    """
    from contextlib import asynccontextmanager

    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse
    from starlette.concurrency import run_in_threadpool

    from assistant import __version__

    @asynccontextmanager
    async def lifespan(_app):
        yield
        if on_shutdown is not None:
            await run_in_threadpool(on_shutdown)

    app = FastAPI(title="Probation Practice Assistant API", version=__version__, docs_url="/api/docs",
                  openapi_url="/api/openapi.json", redoc_url=None, lifespan=lifespan,
                  description="Answers and searches over HM Inspectorate of Probation's published effective "
                              f"practice. Not official guidance. {ATTRIBUTION}")

    async def answer(request: Request, allowed: tuple[str, ...], required: str, work):
        return await _answer(request, auth, allowed, required, work)

    def ask(body: dict) -> dict:
        return assistant.ask(body["question"], history=body.get("history"), filters=body.get("filters")).to_json()

    def search(body: dict) -> dict:
        k = body.get("k", assistant.settings.top_k)
        hits = assistant.search(body["query"], k=validation.top_k(k), filters=body.get("filters"),
                                history=body.get("history"))
        return {"query": redacted(body["query"]), "results": [hit.to_json() for hit in hits]}

    @app.post("/api/ask", summary="Answer a question, citing the examples behind every point",
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": ASK_SCHEMA}}}},
              responses={400: {"description": "Bad input: {\"error\": \"one line\"}"},
                         503: {"description": "The index is missing or damaged"}})
    async def api_ask(request: Request):
        """The same JSON as `assistant ask --json`."""
        return await answer(request, ("question", "history", "filters"), "question", ask)

    @app.post("/api/search", summary="The examples and sections that best match a query",
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": SEARCH_SCHEMA}}}},
              responses={400: {"description": "Bad input: {\"error\": \"one line\"}"},
                         503: {"description": "The index is missing or damaged"}})
    async def api_search(request: Request):
        """The same JSON as `assistant search --json`."""
        return await answer(request, ("query", "k", "filters", "history"), "query", search)

    @app.get("/healthz", summary="The index build in use and its state (its details only with the password)")
    async def healthz(request: Request):
        try:
            status = await run_in_threadpool(assistant.status)
        except AssistantError as exc:
            details = {"error": str(exc)} if _authorised(request, auth) else {}
            return JSONResponse({"status": "unavailable", **details}, status_code=503)
        return {"status": "ok", **status} if _authorised(request, auth) else {"status": "ok"}

    if blocks is not None:
        import gradio as gr

        accepted = set(inspect.signature(gr.mount_gradio_app).parameters)
        options = {k: v for k, v in (gradio_options or {}).items() if k in accepted}
        app = gr.mount_gradio_app(app, blocks, path="/", auth=auth, **options)
    app.add_middleware(Guard, hosts=hosts or HostRule("127.0.0.1"), auth=auth, login_attempts=login_attempts,
                       ask_fn_index=lambda: _ask_fn_index(blocks))
    return app


def _ask_fn_index(blocks) -> int | None:
    """The Gradio event id of the app's /ask endpoint (what a queue/join request names)."""
    if blocks is None:
        return None
    fns = blocks.fns.values() if isinstance(blocks.fns, dict) else blocks.fns
    return next((fn.id if hasattr(fn, "id") else i for i, fn in enumerate(fns) if getattr(fn, "api_name", None) == "ask"),
                None)


def unavailable_app(message: str, auth: tuple[str, str] | None, hosts: HostRule, login_attempts: int = 5):
    """What the server answers while the index cannot be used: 503 with the one line that says why and what to run
    (to a client without the password, only what to run), behind the same guard."""
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    public = "the index cannot be used yet; on the server, run `assistant index` (the server log says why)"

    @app.api_route("/{path:path}", methods=["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"])
    async def unavailable(request: Request):
        line = message if _authorised(request, auth) else public
        body = {"status": "unavailable", "error": line} if request.url.path == "/healthz" else {"error": line}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "10"})

    app.add_middleware(Guard, hosts=hosts, auth=auth, login_attempts=login_attempts)
    return app


INDEX_PROBLEMS = (IndexMissingError, IndexCorruptError, IndexStaleError, ChromaUnavailableError, StorageError)


def _uvicorn(app, settings: Settings):
    import uvicorn

    return uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                                         access_log=False, timeout_graceful_shutdown=5,
                                         http=guarded_protocol(settings.request_timeout)))


def _index_signature(settings: Settings) -> tuple:
    """What changes when `assistant index` writes a build (for noticing a repair cheaply)."""
    index_dir = settings.resolved("index_dir")
    try:
        manifest = (index_dir / "manifest.json").stat()
        return (manifest.st_mtime_ns, manifest.st_size, manifest.st_ino)
    except OSError as exc:
        return (type(exc).__name__,)


def _serve_unavailable(settings: Settings, message: str, auth, hosts: HostRule) -> bool:
    """Answer 503 until the index changes and opens; True when it opened, False when the server was stopped."""
    from assistant.api import Assistant

    server = _uvicorn(unavailable_app(message, auth, hosts, settings.login_attempts), settings)
    opened = threading.Event()

    def watch() -> None:
        seen = _index_signature(settings)
        while not server.should_exit:
            time.sleep(1.0)
            now = _index_signature(settings)
            if now == seen:
                continue
            seen = now
            try:
                Assistant.load(settings).close()
            except INDEX_PROBLEMS:
                continue
            opened.set()
            server.should_exit = True

    threading.Thread(target=watch, name="watch-index", daemon=True).start()
    server.run()
    return opened.is_set()


def serve(settings: Settings, no_auth: bool = False, say: Callable[[str], None] | None = None) -> None:
    """Launch the app and the HTTP API on settings.host:settings.port (loopback by default).

    An index that cannot be used (missing, damaged, unreadable) is no reason to exit: the server answers 503 with
    the line that says why and what to run, and starts the app once `assistant index` has made it usable. `say`
    hears those lines, and a pending change the last good build does not hold yet.
    """
    from assistant.api import Assistant

    say = say or log.warning
    auth_value = os.environ.get("ASSISTANT_AUTH")
    auth = validation.auth(auth_value)
    check_host(settings.host, auth_value, no_auth)
    hosts = HostRule(settings.host, settings.allowed_hosts)
    while True:
        try:
            assistant = Assistant.load(settings).warm_up()
            break
        except INDEX_PROBLEMS as exc:
            say(f"{exc} (answering 503 with this until the index can be used)")
            if not _serve_unavailable(settings, str(exc), auth, hosts):
                return
            say("the index can be used now: starting the app")
    if assistant.pending_change():
        say(assistant.pending_change())
    from assistant.web import build_app, launch_options

    blocks = build_app(assistant)
    blocks.queue(default_concurrency_limit=gradio_concurrency())
    app = create_app(assistant, blocks, auth, gradio_options=launch_options(), on_shutdown=assistant.close,
                     hosts=hosts, login_attempts=settings.login_attempts)
    _uvicorn(app, settings).run()
