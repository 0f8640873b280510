"""The web app. `build_app(assistant)` builds the Gradio Blocks; `serve()` launches it.

Tabs: Ask (chat with the evidence beside it, filters, removable facets, feedback), Find
examples (browse and filter, pick examples, export a session pack), Glossary, Evaluate,
About. A named API endpoint `/ask` returns the same JSON as `assistant ask --json`.

Handlers are plain functions of the assistant and the inputs (the `*_handler` and
`render_*` functions below), so tests call them without a browser. `assistant.server`
launches the app.
"""

from __future__ import annotations

import html
import os
import queue
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from assistant.compose import CITATION_MARKER
from assistant.config import Settings
from assistant.errors import AssistantError, SettingsError
from assistant.retrieve import passes_filters
from assistant.types import Answer, Example

ATTRIBUTION = (
    "Contains public sector information licensed under the "
    "[Open Government Licence v3.0](https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/). "
    "Source: HM Inspectorate of Probation. Names in examples are pseudonyms."
)
NOT_GUIDANCE = ("This assistant is not official guidance and is not endorsed by HM Inspectorate of Probation or "
                "HM Prison and Probation Service. Decisions rest with you, your SPO and policy. "
                "Do not enter real case details.")
STARTERS = (
    "My client has ADHD and keeps missing appointments",
    "He's on a tag after prison and using drugs again - what helped in similar cases?",
    "How do I handle disclosure to a DA perpetrator's new partner?",
    "She's pregnant and has unpaid work hours to do",
    "Ex-forces lad with PTSD who drinks heavily",
    "What does the ASPIRE model stand for?",
)
FEEDBACK_REASONS = ("wrong example cited", "missed a better example", "not relevant", "unclear")
FILTER_KEYS = ("theme", "sentence", "need", "standard", "document")
MAX_FILE_SIZE = "2mb"

CSS = """
#evidence .card{border:1px solid #a0aec0;border-radius:8px;padding:10px 12px;margin:0 0 10px;background:#fff;color:#1a202c}
#evidence .card>summary{font-weight:600;cursor:pointer}
#evidence .card.flash{outline:3px solid #2b6cb0;outline-offset:2px}
#evidence .who{font-weight:600;margin:6px 0 2px}
#evidence .meta,#evidence .tags{font-size:0.9em;margin:2px 0;color:#2d3748}
#evidence mark{background:#fefcbf;color:#1a202c}
#evidence .text{white-space:pre-wrap;font-size:0.92em}
#evidence .nearest{font-style:italic}
#finder-cards .card{border:1px solid #a0aec0;border-radius:8px;padding:8px 12px;margin:0 0 8px;color:#1a202c;background:#fff}
"""

# Clicking a citation marker [n] in the answer opens its evidence card and scrolls to it.
JS = """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#card-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const card = document.getElementById(link.getAttribute('href').slice(1));
    if (!card) return;
    card.open = true;
    card.scrollIntoView({behavior: 'instant', block: 'center'});
    card.classList.add('flash');
    setTimeout(() => card.classList.remove('flash'), 2000);
  }, true);
}
"""

# --- plain handlers (tested without a browser) ------------------------------------------------


def mode_label(assistant) -> str:
    llm = assistant.settings.llm
    if llm:
        return f"**Answer mode:** LLM: {html.escape(llm)} — every sentence checked against the sources"
    return "**Answer mode:** offline answers from the corpus — every point is quoted from an inspected case"


def render_answer(answer: Answer) -> str:
    """The answer for the chat: [n] markers become links to the evidence cards; warnings on top."""
    text = answer.answer
    if not answer.refused:
        body, sep, rest = text.partition("**Sources**")
        text = CITATION_MARKER.sub(lambda m: f"[[{m.group(1)}]](#card-{m.group(1)})", body) + sep + rest
    notes = "".join(f"> ⚠️ {html.escape(w)}\n\n" for w in answer.warnings)
    return notes + text


def _highlight(text: str, quotes: tuple[str, ...]) -> str:
    escaped = html.escape(text)
    for quote in sorted(set(quotes), key=len, reverse=True):
        target = html.escape(quote)
        escaped = escaped.replace(target, f"<mark>{target}</mark>")
    return escaped


def _card(n: int | None, unit, quotes: tuple[str, ...] = (), open_: bool = True) -> str:
    example = unit if isinstance(unit, Example) else None
    label = f"[{n}] " if n else ""
    parts = [f'<details class="card" id="card-{n}"{" open" if open_ else ""}>' if n else
             '<details class="card">',
             f"<summary>{html.escape(label + unit.title)}</summary>"]
    if example and example.person:
        parts.append(f'<p class="who">{html.escape(example.person_summary())}</p>')
    meta = [f"Theme: {html.escape(unit.section)}"]
    if example and example.standards:
        meta.append("Standards: " + html.escape(", ".join(example.standards)))
    parts.append(f'<p class="meta">{" · ".join(meta)}</p>')
    if example and (example.sentence or example.needs):
        tags = []
        if example.sentence:
            tags.append("Sentence: " + html.escape(", ".join(example.sentence)))
        if example.needs:
            tags.append("Needs: " + html.escape(", ".join(example.needs)))
        parts.append(f'<p class="tags">{" · ".join(tags)}</p>')
    if example and example.outcome:
        parts.append(f'<p class="outcome"><strong>Outcome:</strong> {html.escape(example.outcome)}</p>')
    parts.append(f'<details class="full"><summary>Full text</summary><div class="text">'
                 f"{_highlight(unit.text, quotes)}</div></details>")
    if unit.url:
        parts.append(f'<p><a href="{html.escape(unit.url)}" target="_blank" rel="noopener">'
                     "Read it in the source document</a></p>")
    parts.append("</details>")
    return "".join(parts)


def render_evidence(answer: Answer | None) -> str:
    """The evidence panel: a card per cited example, quoted points highlighted."""
    if answer is None:
        return '<p class="placeholder">The examples behind each answer appear here.</p>'
    if answer.refused:
        if not answer.hits:
            return "<p>No example in the corpus is close to this question.</p>"
        cards = "".join(_card(None, h.unit, open_=False) for h in answer.hits)
        return f'<p class="nearest">Nearest examples — not a close match:</p>{cards}'
    return "".join(_card(c.n, c.unit, c.quotes) for c in answer.citations)


def unticked(values: list[str] | None, choices: list[str] | None) -> list[str]:
    """The facets read from the question that the user has switched off."""
    return [f for f in (choices or []) if f not in (values or [])]


def filters_from(values: dict[str, list[str] | None]) -> dict[str, list[str]] | None:
    chosen = {key: list(value) for key, value in values.items() if value}
    return chosen or None


def ask_handler(assistant, question: str, turns: list[dict], filters: dict | None,
                ignore_facets: list[str] | tuple[str, ...] = (), on_token=None) -> Answer:
    """One chat turn: the answer to `question` given the conversation so far."""
    return assistant.ask(question, history=turns or None, filters=filters, ignore_facets=ignore_facets,
                         on_token=on_token)


def record_feedback(store, answer_json: dict | None, rating: int, reasons: list[str] | None, comment: str | None,
                    settings: Settings) -> str:
    """Save a rating of the last answer; returns the message to show."""
    if not answer_json:
        return "Ask a question first, then rate its answer."
    try:
        store.record(answer_json, rating, list(reasons or []), comment or "", settings=_public_settings(settings))
    except AssistantError as exc:
        return f"**{exc}**"
    return "Thank you — your feedback was saved." if rating > 0 else \
        "Thank you — your feedback was saved and will help the evaluators improve the answers."


def _public_settings(settings: Settings) -> dict[str, Any]:
    return {name: str(value) for name, value, _ in settings.public_items()}


def finder_handler(assistant, query: str, filters: dict | None) -> tuple[list[Example], str]:
    """Examples matching the search and filters, and Markdown counts per theme and standard."""
    if query and query.strip():
        hits = assistant.search(query, k=100, filters={**(filters or {}), "kind": ["case", "organisational"]})
        examples = [h.unit for h in hits if isinstance(h.unit, Example)]
    else:
        wanted = assistant.retriever.check_filters(filters)
        examples = [e for e in assistant.examples() if passes_filters(e, wanted)]
    themes = Counter(e.section for e in examples)
    standards = Counter(s for e in examples for s in e.standards)
    lines = [f"**{len(examples)} example{'s' if len(examples) != 1 else ''}**", "",
             "| theme | examples |", "|---|---|", *(f"| {t} | {n} |" for t, n in sorted(themes.items())),
             "", "| standard | examples |", "|---|---|", *(f"| {s} | {n} |" for s, n in sorted(standards.items()))]
    return examples, "\n".join(lines)


def example_choice(example: Example) -> tuple[str, str]:
    person = example.person_summary() or "organisational"
    return f"{example.title} — {person} ({example.section})", example.id


def pack_handler(assistant, ids: list[str], folder: Path | None = None) -> list[str]:
    """Write the session pack for the chosen example ids as Markdown and DOCX; return the paths."""
    from assistant.pack import build_pack, to_docx, to_markdown

    examples = [assistant.example(i) for i in ids or []]
    items = build_pack([e for e in examples if e is not None])
    folder = Path(folder or tempfile.mkdtemp(prefix="session-pack-"))
    folder.mkdir(parents=True, exist_ok=True)
    markdown = folder / "session-pack.md"
    markdown.write_text(to_markdown(items), encoding="utf-8")
    docx = to_docx(items, folder / "session-pack.docx")
    return [str(markdown), str(docx)]


def glossary_rows(assistant, term: str | None) -> list[list[str]]:
    entries = assistant.glossary.lookup(term) if term and term.strip() else assistant.glossary.entries
    return [[e.term, e.meaning, e.kind, e.source] for e in sorted(entries, key=lambda e: e.term.lower())]


def about_markdown(assistant) -> str:
    about = assistant.about()
    counts = about["counts"]
    docs = "\n".join(f"- **{d['title']}** ({d.get('publisher', '')}, {d.get('year', '')}): {d['examples']} examples, "
                     f"{d['sections']} sections — {d.get('url', '')}" for d in about["documents"])
    return f"""## What is indexed

{docs}

{counts['examples']} examples and {counts['sections']} sections from {counts['documents']} documents, indexed as
{counts['chunks']} passages. Index built {about['created']} (build {about['build_id']}).
Embedding model: {about['embedding']['model']} ({about['embedding']['package']}), run offline.

## Licence and attribution

{ATTRIBUTION}

## Not official guidance

{NOT_GUIDANCE}
"""


def api_ask(assistant, question: str, history: list | None = None, filters: dict | None = None) -> dict:
    """The `/ask` endpoint: the same JSON as `assistant ask --json`.

    Never raises: bad input (wrong types, sizes or characters, unknown filters) and a damaged
    index come back as a refusal whose warning is the one-line message naming what was wrong.
    """
    try:
        return assistant.ask(question, history=history or None, filters=filters or None).to_json()
    except AssistantError as exc:
        message = str(exc)
    except Exception:  # a bug: the traceback goes to the server log, never to the client
        import logging

        logging.getLogger("assistant.ui").exception("the /ask endpoint failed")
        message = "internal error while answering; the server log has the details"
    from assistant.validation import has_surrogates

    echo = isinstance(question, str) and not has_surrogates(question) and len(question) <= assistant.settings.max_query_chars
    return {"question": question if echo else "", "answer": message, "refused": True,
            "mode": "extractive", "citations": [], "warnings": [message]}


def gold_files(assistant) -> list[str]:
    from assistant.config import project_root

    folder = project_root() / "evals"
    return sorted(p.name for p in folder.glob("*.jsonl") if p.name not in ("candidates.jsonl", "support_labels.jsonl"))


def evaluate_handler(assistant, gold_name: str, systems: list[str], out: Path, progress=None) -> tuple[str, str]:
    """Run the evaluation for the Evaluate tab; returns (Markdown summary, report.html path)."""
    from assistant.config import project_root
    from assistant.evaluate import run_evaluation
    from assistant.report import markdown_summary, write_reports

    if not gold_name:
        raise SettingsError("choose a gold file")
    gold = project_root() / "evals" / Path(gold_name).name
    results = run_evaluation(assistant, gold, systems or ["ours"], support_labels=project_root() / "evals" /
                             "support_labels.jsonl", progress=progress)
    paths = write_reports(results, out)
    return markdown_summary(results), str(paths["html"])


# --- the Blocks ------------------------------------------------------------------------------


def filter_dropdowns(gr, prefix: str, themes: list[str], values: dict[str, list[str]],
                     documents: list[str] | None = None) -> list:
    """Multi-select dropdowns (shown as removable chips), in FILTER_KEYS order."""
    specs = [("theme", "Theme", themes), ("sentence", "Sentence or requirement", values["sentence"]),
             ("need", "Need", values["need"]), ("standard", "Standard", values["standard"])]
    if documents is not None:
        specs.append(("document", "Document", documents))
    return [gr.Dropdown(choices, multiselect=True, label=label, elem_id=f"{prefix}-{key}")
            for key, label, choices in specs]


def build_app(assistant, feedback_store=None):
    """The Gradio Blocks for `assistant`, not launched."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from assistant.feedback import FeedbackStore

    store = feedback_store or FeedbackStore(assistant.settings.resolved("feedback_db"))
    values = assistant.retriever.filter_values()
    examples = assistant.examples()
    themes = sorted({e.section for e in examples})
    documents = sorted({e.document_id for e in assistant.examples() + assistant.sections()})

    with gr.Blocks(title="Probation Practice Assistant") as app:
        gr.Markdown("# Probation Practice Assistant\nPractice from HM Inspectorate of Probation's inspected cases, "
                    "with the examples behind every answer.")
        turns = gr.State([])  # the conversation as {"role", "content"} turns
        last = gr.State(None)  # {"question", "history", "answer"} of the latest answer
        facet_state = gr.State([])  # every facet read from the latest question (the box's choices)

        with gr.Tab("Ask", id="ask"):
            gr.Markdown(mode_label(assistant), elem_id="mode")
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(label="Conversation", elem_id="chat", height=520, feedback_options=None,
                                      buttons=["copy"], placeholder="Ask about a case in your own words.")
                    question = gr.Textbox(label="Your question", elem_id="question", lines=2, max_lines=6,
                                          placeholder="e.g. my client has ADHD and keeps missing appointments")
                    with gr.Row():
                        ask_button = gr.Button("Ask", variant="primary", elem_id="ask-button")
                        clear_button = gr.Button("New conversation", elem_id="clear-button")
                    gr.Examples([[s] for s in STARTERS], inputs=[question], label="Try one of these")
                    facet_box = gr.CheckboxGroup([], label="Read from your question (untick to ignore)",
                                                 elem_id="facets")
                    with gr.Accordion("Filters", open=False, elem_id="filters"):
                        filter_inputs = filter_dropdowns(gr, "filter", themes, values, documents)
                    with gr.Group(elem_id="feedback"):
                        gr.Markdown("**Was the last answer useful?**")
                        reasons = gr.CheckboxGroup(list(FEEDBACK_REASONS), label="What was wrong (optional)",
                                                   elem_id="feedback-reasons")
                        comment = gr.Textbox(label="Comment (optional; no case details)", elem_id="feedback-comment",
                                             max_lines=4)
                        with gr.Row():
                            up = gr.Button("👍 Helpful", elem_id="thumbs-up", size="sm")
                            down = gr.Button("👎 Not helpful", elem_id="thumbs-down", size="sm")
                        feedback_status = gr.Markdown(elem_id="feedback-status")
                with gr.Column(scale=2):
                    gr.Markdown("### Evidence")
                    evidence = gr.HTML(render_evidence(None), elem_id="evidence", js_on_load=None)
            gr.Markdown(f"<small>{NOT_GUIDANCE}<br>{ATTRIBUTION}</small>")


        def current_filters(*chosen):
            return filters_from(dict(zip(FILTER_KEYS, chosen)))

        def on_ask(text, chat_messages, conversation, facet_values, facet_choices, *chosen):
            text = (text or "").strip()
            if not text:
                gr.Warning("Type a question first.")
                yield (gr.skip(),) * 7
                return
            filters = current_filters(*chosen)
            ignored = unticked(facet_values, facet_choices)
            try:
                facets_now = assistant.facets(text, conversation)
            except AssistantError as exc:
                gr.Warning(str(exc))
                yield (gr.skip(),) * 7
                return
            messages = list(chat_messages or []) + [{"role": "user", "content": text},
                                                    {"role": "assistant", "content": "…"}]
            yield messages, gr.skip(), gr.skip(), gr.skip(), "", gr.skip(), gr.skip()
            try:
                answer = yield from _streamed(assistant, text, conversation, filters, ignored, messages)
            except AssistantError as exc:
                messages[-1] = {"role": "assistant", "content": f"**{exc}**"}
                yield messages, gr.skip(), gr.skip(), gr.skip(), text, gr.skip(), gr.skip()
                return
            messages[-1] = {"role": "assistant", "content": render_answer(answer)}
            history = list(conversation or [])
            new_turns = history + [{"role": "user", "content": answer.question},
                                   {"role": "assistant", "content": answer.answer.split("**Sources**")[0]}]
            state = {"question": text, "history": history, "answer": answer.to_json()}
            facet_update = gr.update(choices=facets_now, value=[f for f in facets_now if f not in ignored])
            yield messages, new_turns, state, render_evidence(answer), "", facet_update, facets_now

        def _streamed(assistant_, text, conversation, filters, ignored, messages) -> Iterator:
            if not assistant_.settings.llm:
                return ask_handler(assistant_, text, conversation, filters, ignored)
            tokens: queue.Queue = queue.Queue()
            outcome: dict[str, Any] = {}

            def work():
                try:
                    outcome["answer"] = ask_handler(assistant_, text, conversation, filters, ignored, tokens.put)
                except AssistantError as exc:
                    outcome["error"] = exc
                finally:
                    tokens.put(None)

            threading.Thread(target=work, daemon=True).start()
            partial = ""
            while (token := tokens.get()) is not None:
                partial += token
                messages[-1] = {"role": "assistant", "content": partial + " ▌"}
                yield messages, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            if "error" in outcome:
                raise outcome["error"]
            return outcome["answer"]

        def on_refine(chat_messages, state, facet_values, facet_choices, *chosen):
            """Filters or facets changed: answer the last question again with them."""
            if not state:
                return gr.skip(), gr.skip(), gr.skip()
            ignored = unticked(facet_values, facet_choices)
            try:
                answer = ask_handler(assistant, state["question"], state["history"], current_filters(*chosen), ignored)
            except AssistantError as exc:
                gr.Warning(str(exc))
                return gr.skip(), gr.skip(), gr.skip()
            messages = list(chat_messages or [])
            if messages:
                messages[-1] = {"role": "assistant", "content": render_answer(answer)}
            return messages, {**state, "answer": answer.to_json()}, render_evidence(answer)

        ask_inputs = [question, chat, turns, facet_box, facet_state] + filter_inputs
        ask_outputs = [chat, turns, last, evidence, question, facet_box, facet_state]
        for trigger in (ask_button.click, question.submit):
            trigger(on_ask, ask_inputs, ask_outputs, api_visibility="private")
        refine_inputs = [chat, last, facet_box, facet_state] + filter_inputs
        for component in filter_inputs:
            component.change(on_refine, refine_inputs, [chat, last, evidence], api_visibility="private")
        facet_box.input(on_refine, refine_inputs, [chat, last, evidence], api_visibility="private")
        clear_button.click(lambda: ([], [], None, render_evidence(None), gr.update(choices=[], value=[]), []), None,
                           [chat, turns, last, evidence, facet_box, facet_state], api_visibility="private")

        def rate(state, why, note, rating):
            return record_feedback(store, state["answer"] if state else None, rating, why, note, assistant.settings)

        up.click(lambda s, w, n: rate(s, w, n, 1), [last, reasons, comment], feedback_status, api_visibility="private")
        down.click(lambda s, w, n: rate(s, w, n, -1), [last, reasons, comment], feedback_status,
                   api_visibility="private")

        with gr.Tab("Find examples", id="finder"):
            gr.Markdown("Browse and filter every example, pick some, and export a session pack for a PDD session.")
            with gr.Row():
                finder_query = gr.Textbox(label="Search examples (optional)", elem_id="finder-query", scale=3)
                finder_button = gr.Button("Search", elem_id="finder-search", scale=1)
            with gr.Row():
                finder_filters = filter_dropdowns(gr, "finder", themes, values)
            initial, initial_counts = finder_handler(assistant, "", None)
            with gr.Row():
                with gr.Column(scale=3):
                    picks = gr.CheckboxGroup([example_choice(e) for e in initial], label="Pick examples for the pack",
                                             elem_id="finder-picks")
                    cards = gr.HTML("".join(_card(None, e, open_=False) for e in initial), elem_id="finder-cards",
                                    js_on_load=None)
                with gr.Column(scale=1):
                    counts = gr.Markdown(initial_counts, elem_id="finder-counts")
                    pack_button = gr.Button("Create session pack", variant="primary", elem_id="make-pack")
                    pack_files = gr.File(label="Session pack (Markdown and Word)", file_count="multiple",
                                         elem_id="pack-files", interactive=False)
                    pack_status = gr.Markdown(elem_id="pack-status")

            def on_find(text, chosen_picks, *chosen):
                try:
                    found, table = finder_handler(assistant, text, filters_from(dict(zip(FILTER_KEYS, chosen))))
                except AssistantError as exc:
                    gr.Warning(str(exc))
                    return gr.skip(), gr.skip(), gr.skip()
                keep = [p for p in (chosen_picks or [])]  # picks survive a new search
                choices = [example_choice(e) for e in found]
                shown = {value for _, value in choices}
                choices += [example_choice(assistant.example(p)) for p in keep if p not in shown and assistant.example(p)]
                return (gr.update(choices=choices, value=keep), "".join(_card(None, e, open_=False) for e in found),
                        table)

            finder_inputs = [finder_query, picks, *finder_filters]
            for trigger in (finder_button.click, finder_query.submit):
                trigger(on_find, finder_inputs, [picks, cards, counts], api_visibility="private")
            for component in finder_filters:
                component.change(on_find, finder_inputs, [picks, cards, counts], api_visibility="private")

            def on_pack(chosen_ids):
                try:
                    paths = pack_handler(assistant, chosen_ids)
                except AssistantError as exc:
                    return None, f"**{exc}**"
                return paths, f"Session pack with {len(chosen_ids)} example(s) is ready to download."

            pack_button.click(on_pack, [picks], [pack_files, pack_status], api_visibility="private")

        with gr.Tab("Glossary", id="glossary"):
            term = gr.Textbox(label="Look up an acronym or everyday word", elem_id="glossary-term")
            table = gr.Dataframe(glossary_rows(assistant, ""), headers=["term", "meaning", "kind", "source"],
                                 interactive=False, elem_id="glossary-table", wrap=True)
            term.change(lambda t: glossary_rows(assistant, t), [term], [table], api_visibility="private")

        with gr.Tab("Evaluate", id="evaluate"):
            gr.Markdown("Run the offline evaluation on a gold set and read the report. The same as "
                        "`assistant eval` on the command line.")
            files = gold_files(assistant)
            gold_choice = gr.Dropdown(files, value=files[0] if files else None, label="Gold file", elem_id="eval-gold")
            system_choice = gr.CheckboxGroup(["ours", "naive", "bm25", "dense"], value=["ours", "bm25"],
                                             label="Systems", elem_id="eval-systems")
            eval_button = gr.Button("Run evaluation", elem_id="eval-run")
            eval_summary = gr.Markdown(elem_id="eval-summary")
            eval_report = gr.File(label="HTML report", elem_id="eval-report", interactive=False)

            def on_evaluate(gold_name, systems, progress=gr.Progress()):
                out = Path(tempfile.mkdtemp(prefix="eval-report-"))
                try:
                    return evaluate_handler(assistant, gold_name, systems, out,
                                            progress=lambda stage, done, total: progress(done / total, desc=stage))
                except AssistantError as exc:
                    return f"**{exc}**", None

            eval_button.click(on_evaluate, [gold_choice, system_choice], [eval_summary, eval_report],
                              api_visibility="private")

        with gr.Tab("About", id="about"):
            gr.Markdown(about_markdown(assistant), elem_id="about")

        def ask(question: str, history: list | None = None, filters: dict | None = None) -> dict:
            """Answer a question from the corpus: the same JSON as `assistant ask --json`."""
            return api_ask(assistant, question, history, filters)

        gr.api(ask, api_name="ask")
    return app


def launch_options() -> dict[str, Any]:
    """Options for `launch()`: Gradio 6 takes the theme, CSS and JS there."""
    import gradio as gr

    return {"css": CSS, "js": JS, "theme": gr.themes.Default(), "footer_links": ["api"],
            "max_file_size": MAX_FILE_SIZE, "share": False, "show_error": False}
