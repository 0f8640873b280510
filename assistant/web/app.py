"""The app: `build_app(assistant)` builds the Gradio Blocks from the tabs; `assistant.server` launches it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from assistant.api import respond
from assistant.feedback import FeedbackStore
from assistant.notices import APP_ATTRIBUTION, APP_NOTICE
from assistant.web.about import about_markdown, glossary_rows, glossary_tab  # noqa: F401 (glossary_rows: for tests)
from assistant.web.chat import ask_tab
from assistant.web.evaluate_tab import evaluate_tab
from assistant.web.finder import finder_tab
from assistant.web.refresh import follow_builds
from assistant.web.shared import MENUS, Choices, EXPORTS_TTL_S


MAX_FILE_SIZE = "2mb"
STATIC = Path(__file__).with_name("static")  # the page's CSS and JS


def api_ask(assistant, question: str, history: list | None = None, filters: dict | None = None) -> dict:
    """The `/ask` endpoint: the same JSON as `assistant ask --json`, or {"error": one line} as `/api/ask` gives.

    Never raises: bad input (wrong types, sizes or characters, unknown filters) and a damaged
    index come back as the one-line message naming what was wrong (`assistant.api.respond`).
    """
    _status, body = respond(lambda: assistant.ask(question, history=history or None, filters=filters or None).to_json(),
                            "the /ask endpoint")
    return body


def build_app(assistant, feedback_store=None):
    """The Gradio Blocks for `assistant`, not launched."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    store = feedback_store or FeedbackStore(assistant.settings.resolved("feedback_db"))
    choices = Choices.of(assistant)

    with gr.Blocks(title="Probation Practice Assistant", delete_cache=(EXPORTS_TTL_S, EXPORTS_TTL_S)) as app:
        gr.Markdown("# Probation Practice Assistant\nPractice from HM Inspectorate of Probation's inspected cases, "
                    "with the examples behind every answer.")
        with gr.Tab("Ask", id="ask"):
            asking = ask_tab(gr, assistant, store, choices)
        with gr.Tab("Find examples", id="finder"):
            finding = finder_tab(gr, assistant, choices)
        with gr.Tab("Glossary", id="glossary"):
            glossary = glossary_tab(gr, assistant)
        if assistant.settings.evaluate_tab != "off":
            with gr.Tab("Evaluate", id="evaluate"):
                evaluate_tab(gr, assistant)
        with gr.Tab("About", id="about"):
            about = gr.Markdown(about_markdown(assistant), elem_id="about")
        gr.Markdown(f"<small>{APP_NOTICE}<br>{APP_ATTRIBUTION}</small>", elem_id="footer")
        # after `assistant index`, `add` or `remove` elsewhere, an open page shows the new corpus
        follow_builds(gr, app, assistant, {**{f"filter-{key}": menu for key, menu in zip(MENUS, asking.filters)},
                                           **finding, **glossary, "about": about})

        def ask(question: str, history: list | None = None, filters: dict | None = None) -> dict:
            """Answer a question from the corpus: the same JSON as `assistant ask --json`."""
            return api_ask(assistant, question, history, filters)

        gr.api(ask, api_name="ask")
    return app


def launch_options() -> dict[str, Any]:
    """Options for `launch()`: Gradio 6 takes the theme, CSS and JS there."""
    import gradio as gr

    return {"css": STATIC.joinpath("app.css").read_text(encoding="utf-8"),
            "js": STATIC.joinpath("app.js").read_text(encoding="utf-8"), "theme": gr.themes.Default(), "footer_links": ["api"],
            "max_file_size": MAX_FILE_SIZE, "share": False, "show_error": False}
