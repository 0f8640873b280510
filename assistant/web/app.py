"""The app: `build_app(assistant)` builds the Gradio Blocks from the tabs; `assistant.server` launches it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from assistant.api import respond
from assistant.feedback import FeedbackStore
from assistant.notices import APP_ATTRIBUTION, APP_NOTICE
from assistant.web.chat import ask_tab
from assistant.web.evaluate_tab import evaluate_tab
from assistant.web.finder import finder_tab
from assistant.web.shared import Choices, EXPORTS_TTL_S


MAX_FILE_SIZE = "2mb"
STATIC = Path(__file__).with_name("static")  # the page's CSS and JS


def glossary_rows(assistant, term: str | None) -> list[list[str]]:
    entries = assistant.glossary.lookup(term) if term and term.strip() else \
        sorted(assistant.glossary.entries, key=lambda e: e.term.lower())
    return [[e.term, e.meaning, e.kind, e.source] for e in entries]


def _document_line(d: dict) -> str:
    """One indexed document, as `assistant documents` lists it: counts, kind, year, region, warnings, link."""
    facts = [str(d[k]) for k in ("kind", "year", "region") if d.get(k)]
    line = f"- **{d['title']}** ({', '.join(facts) or d.get('file', '')}): {d['examples']} examples, {d['sections']} sections"
    if d.get("added"):
        line += f", added {str(d['added'])[:10]}"
    if d.get("warnings"):
        line += f"; {len(d['warnings'])} warning(s): " + "; ".join(d["warnings"])
    return line + (f" — {d['url']}" if d.get("url") else "")


def about_markdown(assistant) -> str:
    about = assistant.about()
    counts = about["counts"]
    docs = "\n".join(_document_line(d) for d in about["documents"])
    return f"""## What is indexed

{docs}

{counts['examples']} examples and {counts['sections']} sections from {counts['documents']} documents, indexed as
{counts['chunks']} passages. Index built {about['created']} (build {about['build_id']}).
Embedding model: {about['embedding']['model']} ({about['embedding']['package']}), run offline.

## Licence and attribution

{APP_ATTRIBUTION}

## Not official guidance

{APP_NOTICE}
"""


def api_ask(assistant, question: str, history: list | None = None, filters: dict | None = None) -> dict:
    """The `/ask` endpoint: the same JSON as `assistant ask --json`, or {"error": one line} as `/api/ask` gives.

    Never raises: bad input (wrong types, sizes or characters, unknown filters) and a damaged
    index come back as the one-line message naming what was wrong (`assistant.api.respond`).
    """
    _status, body = respond(lambda: assistant.ask(question, history=history or None, filters=filters or None).to_json(),
                            "the /ask endpoint")
    return body


def glossary_tab(gr, assistant) -> None:
    term = gr.Textbox(label="Look up an acronym or everyday word", elem_id="glossary-term",
                      info="Whole terms first, then terms starting with it, then meanings holding it")
    table = gr.Dataframe(glossary_rows(assistant, ""), headers=["term", "meaning", "kind", "source"],
                         interactive=False, elem_id="glossary-table", wrap=True, column_widths=["16%", "40%", "12%", "32%"])
    term.change(lambda t: glossary_rows(assistant, t), [term], [table], api_visibility="private")


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
            ask_tab(gr, assistant, store, choices)
        with gr.Tab("Find examples", id="finder"):
            finder_tab(gr, assistant, choices)
        with gr.Tab("Glossary", id="glossary"):
            glossary_tab(gr, assistant)
        if assistant.settings.evaluate_tab != "off":
            with gr.Tab("Evaluate", id="evaluate"):
                evaluate_tab(gr, assistant)
        with gr.Tab("About", id="about"):
            gr.Markdown(about_markdown(assistant), elem_id="about")
        gr.Markdown(f"<small>{APP_NOTICE}<br>{APP_ATTRIBUTION}</small>", elem_id="footer")

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
