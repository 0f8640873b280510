"""Serving the app: where it listens, who may use it, the HTTP API beside the Gradio app, the launch.

`create_app(assistant, blocks, auth)` is one FastAPI application:

    POST /api/ask       {"question", "history"?, "filters"?}      -> the JSON of `assistant ask --json`
    POST /api/search    {"query", "k"?, "filters"?, "history"?}   -> the JSON of `assistant search --json`
    GET  /healthz       the build in use and its state (for load balancers)
    GET  /api/docs      OpenAPI docs (the schema at /api/openapi.json)
    /                   the Gradio app (`assistant.web.build_app`), mounted

The HTTP API answers without Gradio's queue, in a thread pool, so other tools and load
balancers get plain JSON quickly. Bad input gets status 400 and {"error": "<one line>"}; a
damaged or missing index 503; nothing ever sends a traceback. `serve()` runs it with uvicorn
on 127.0.0.1 by default, never with a public share link, and refuses a non-loopback address
without a password unless told the network is trusted. With ASSISTANT_AUTH=user:password
the app asks for it at a login page and the API as HTTP Basic authentication.
"""

# no `from __future__ import annotations`: FastAPI reads the handlers' annotations at run time
import base64
import binascii
import inspect
import ipaddress
import json
import logging
import os
import secrets
import time
from typing import Any, Callable

from assistant.api import redacted, respond, status_for, validation
from assistant.config import Settings
from assistant.errors import AssistantError, BadInputError, SettingsError
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


def _body_fields(raw: bytes, allowed: tuple[str, ...], required: str) -> dict[str, Any]:
    """The request body as a JSON object with only `allowed` fields; BadInputError otherwise."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadInputError(f"the request body is {len(raw):,} bytes; keep it under {MAX_BODY_BYTES:,}")
    if not raw.strip():
        raise BadInputError(f"the request body is empty; send a JSON object like {{\"{required}\": \"...\"}}")
    try:
        body = json.loads(raw)
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


def _authorised(request, auth: tuple[str, str] | None) -> bool:
    if auth is None:
        return True
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return secrets.compare_digest(user.encode(), auth[0].encode()) & secrets.compare_digest(password.encode(),
                                                                                           auth[1].encode())


def create_app(assistant, blocks=None, auth: tuple[str, str] | None = None, gradio_options: dict | None = None,
               on_shutdown=None):
    """The FastAPI application: the JSON API, /healthz, and (given `blocks`) the Gradio app at /.

    `on_shutdown` runs when the server stops gracefully (`serve` releases the index there:
    uvicorn ends a process stopped by a signal without running exit handlers).
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
    unauthorised = {"WWW-Authenticate": 'Basic realm="assistant"'}

    async def answer(request: Request, allowed: tuple[str, ...], required: str, work):
        if not _authorised(request, auth):
            return _error(401, "this API needs the user name and password of ASSISTANT_AUTH (HTTP Basic)", unauthorised)
        try:
            body = _body_fields(await request.body(), allowed, required)
        except AssistantError as exc:
            return _error(status_for(exc), str(exc))
        status, result = await run_in_threadpool(respond, lambda: work(body), request.url.path)
        return JSONResponse(result, status_code=status)

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

    @app.get("/healthz", summary="The index build in use and its state")
    async def healthz():
        try:
            status = await run_in_threadpool(assistant.status)
        except AssistantError as exc:
            return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)
        return {"status": "ok", **status}

    if blocks is not None:
        import gradio as gr

        accepted = set(inspect.signature(gr.mount_gradio_app).parameters)
        options = {k: v for k, v in (gradio_options or {}).items() if k in accepted}
        app = gr.mount_gradio_app(app, blocks, path="/", auth=auth, **options)
    return app


def serve(assistant, settings: Settings, no_auth: bool = False) -> None:
    """Launch the app and the HTTP API on settings.host:settings.port (loopback by default)."""
    auth_value = os.environ.get("ASSISTANT_AUTH")
    auth = validation.auth(auth_value)
    check_host(settings.host, auth_value, no_auth)
    from assistant.web import build_app, launch_options

    blocks = build_app(assistant)
    blocks.queue(default_concurrency_limit=gradio_concurrency())
    app = create_app(assistant, blocks, auth, gradio_options=launch_options(), on_shutdown=assistant.close)
    import uvicorn

    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=5)
