"""The web app. `build_app(assistant)` builds the Gradio Blocks; `serve()` launches it.

Handlers are plain functions of the assistant and the inputs, so tests call them directly.
The app listens on 127.0.0.1 by default and never makes a public share link.
"""

from __future__ import annotations

import html
import ipaddress
import os

from assistant.config import Settings
from assistant.errors import AssistantError, SettingsError
from assistant.types import Example, Hit

ATTRIBUTION = (
    "Contains public sector information licensed under the "
    "[Open Government Licence v3.0](https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/). "
    "Source: HM Inspectorate of Probation. Names in examples are pseudonyms."
)
NOT_GUIDANCE = ("This assistant is not official guidance and is not endorsed by HM Inspectorate of Probation or "
                "HM Prison and Probation Service. Decisions rest with you, your SPO and policy.")


def format_hits(hits: list[Hit]) -> str:
    """Ranked results as Markdown: title, person, theme, why it matched, outcome and link."""
    if not hits:
        return "No examples match. Remove a filter or describe the case differently."
    blocks = []
    for hit in hits:
        unit = hit.unit
        lines = [f"### {hit.rank}. {html.escape(unit.title)}"]
        meta = [f"*{hit.kind}*", html.escape(unit.section)]
        if isinstance(unit, Example) and unit.person:
            meta.insert(0, f"**{html.escape(unit.person_summary())}**")
        lines.append(" · ".join(meta))
        if isinstance(unit, Example):
            if unit.needs:
                lines.append("Needs: " + ", ".join(unit.needs))
            if unit.outcome:
                lines.append(f"> **Outcome:** {html.escape(unit.outcome)}")
        else:
            lines.append("> " + html.escape(unit.text[:400]) + ("…" if len(unit.text) > 400 else ""))
        lines.append(f"<small>Why: {html.escape('; '.join(hit.matched))}</small>")
        if unit.url:
            lines.append(f"[Read it in the source document]({unit.url})")
        blocks.append("\n\n".join(lines))
    return "\n\n---\n\n".join(blocks)


def search_handler(assistant, query: str, themes: list[str] | None, needs: list[str] | None, k: float = 5) -> str:
    """The search box: returns Markdown, or a one-line message saying what to fix."""
    filters = {key: value for key, value in (("theme", themes), ("need", needs)) if value}
    try:
        hits = assistant.search(query or "", k=int(k), filters=filters or None)
    except AssistantError as exc:
        return f"**{exc}**"
    return format_hits(hits)


def build_app(assistant):
    """The Gradio Blocks for `assistant`, not launched."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    values = assistant.retriever.filter_values()
    themes = sorted({e.section for e in assistant.examples()})
    with gr.Blocks(title="Probation Practice Assistant") as app:
        gr.Markdown("# Probation Practice Assistant\nFind inspected effective practice for a case. "
                    "Describe the person and the situation in your own words.")
        with gr.Row():
            query = gr.Textbox(label="Describe the case or ask a question", scale=4,
                               placeholder="e.g. my client has ADHD and keeps missing appointments",
                               elem_id="query")
            k = gr.Slider(1, 10, value=assistant.settings.top_k, step=1, label="Results", scale=1)
        with gr.Row():
            theme = gr.Dropdown(themes, multiselect=True, label="Theme", elem_id="theme-filter")
            need = gr.Dropdown(values["need"], multiselect=True, label="Need", elem_id="need-filter")
        button = gr.Button("Search", variant="primary", elem_id="search-button")
        results = gr.Markdown(elem_id="results")
        gr.Markdown(f"<small>{NOT_GUIDANCE}<br>{ATTRIBUTION}</small>")

        def run(q, t, n, kk):
            return search_handler(assistant, q, t, n, kk)

        button.click(run, [query, theme, need, k], results, api_name="search")
        query.submit(run, [query, theme, need, k], results, api_name=False)
    return app


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


def serve(assistant, settings: Settings, no_auth: bool = False) -> None:
    """Launch the app on settings.host:settings.port (loopback by default)."""
    auth_value = os.environ.get("ASSISTANT_AUTH")
    check_host(settings.host, auth_value, no_auth)
    auth = None
    if auth_value:
        if ":" not in auth_value:
            raise SettingsError("ASSISTANT_AUTH must look like user:password")
        auth = tuple(auth_value.split(":", 1))
    app = build_app(assistant)
    app.queue(default_concurrency_limit=8)
    app.launch(server_name=settings.host, server_port=settings.port, share=False, auth=auth,
               show_error=False, quiet=False, footer_links=["api"])
