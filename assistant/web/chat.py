"""The Ask tab: the chat, the evidence beside it (under the answer on a phone), filters, facets and feedback.

The handlers are plain functions of the assistant and the page's values that return a dict of
what changes on the page, keyed by component name (`AskTab`'s fields); tests call them without
a browser. `ask_tab` builds the components and wires the handlers to them.
"""

from __future__ import annotations

import html
import queue
import threading
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Iterator

from assistant.api import redacted
from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.render import filter_notice, markdown
from assistant.types import Answer
from assistant.web.shared import (MAX_ALSO_FOUND, MENUS, Choices, Update, card, filter_dropdowns, filters_from, mode_label,
                                  unticked, wire)

STARTERS = (
    "My client has ADHD and keeps missing appointments",
    "He's on a tag after prison and using drugs again - what helped in similar cases?",
    "How do I handle disclosure to a DA perpetrator's new partner?",
    "She's pregnant and has unpaid work hours to do",
    "Ex-forces lad with PTSD who drinks heavily",
    "What does the ASPIRE model stand for?",
)
FEEDBACK_REASONS = ("wrong example cited", "missed a better example", "not relevant", "unclear")
ENTER_HINT = "Enter sends · Shift+Enter starts a new line"
# Bounded sessions: what a browser tab keeps on the server, and for how long.
MAX_TURNS = 10  # conversation turns kept for follow-up questions (five questions and answers)
MAX_CHAT_MESSAGES = 20  # bubbles kept in the chat
SESSION_TTL_S = 3600  # a session's state is dropped an hour after its last use


# --- the answer in the chat --------------------------------------------------------------------


def render_answer(answer: Answer, notes: tuple[str, ...] | list[str] = ()) -> str:
    """The answer for the chat: warnings and notes on top, [n] markers linked to the evidence cards;
    the notice and licence are left to the page's footer."""
    text = markdown(answer, notice=False, marker=lambda n: f"[[{n}]](#card-{n})")
    top = "".join(f"> ⚠️ {html.escape(w)}\n\n" for w in (*answer.warnings, *notes))
    return top + following_line(answer) + text


def following_line(answer: Answer) -> str:
    """"Following on from: …" when a follow-up carried the conversation's topic forward (a line, or nothing)."""
    carried = answer.carried
    if carried is None:
        return ""
    examples = "; ".join(title for _, title in carried.examples)
    return (f"_Following on from: “{html.escape(carried.question)}”"
            + (f" and {html.escape(examples)}" if examples else "") + "_\n\n")


def render_evidence(answer: Answer | None) -> str:
    """The evidence panel: a card per cited example (quoted points highlighted), then the other
    close examples the search found, collapsed."""
    if answer is None:
        return '<p class="placeholder">The examples behind each answer appear here.</p>'
    if answer.refused:
        if answer.not_covered:
            return ("<p class=\"not-covered\">The documents here don't cover "
                    f"{html.escape(', '.join(answer.not_covered))}, so there is no evidence to show.</p>")
        if not answer.hits:
            return "<p>No example in the corpus is close to this question.</p>"
        cards = "".join(card(None, h.unit, open_=False) for h in answer.hits)
        return f'<p class="nearest">Nearest examples — not a close match:</p>{cards}'
    cited = {c.unit.id for c in answer.citations}
    cards = "".join(card(c.n, c.unit, c.quotes, also=c.also) for c in answer.citations)
    others = [h for h in answer.hits if h.unit.id not in cited][:MAX_ALSO_FOUND]
    if others:
        cards += '<p class="also-heading">Also found, not cited:</p>'
        cards += "".join(card(None, h.unit, open_=False, extra_class="also") for h in others)
    return cards


def answer_notes(assistant, answer: Answer, filters: dict | None) -> list[str]:
    """Notes above an answer beyond its own warnings: filters that leave nothing close."""
    if filters and answer.refused:
        return [filter_notice(assistant.count_matching(filters), filters)]
    return []


@dataclass
class ChatTurn:
    """What one answered question changes on the page."""

    answer: Answer
    bubble: str  # the answer as the chat shows it
    messages: list[dict]  # the chat, capped to MAX_CHAT_MESSAGES
    turns: list[dict]  # the conversation for follow-ups, capped to MAX_TURNS
    last: dict  # the latest answer, for refining and rating it
    evidence: str
    filters_excluded: bool  # the filters, not the question, kept everything out


def finish_turn(assistant, answer: Answer, messages: list[dict], conversation: list[dict],
                filters: dict | None) -> ChatTurn:
    """The chat after `answer`: the user's bubble shows the question as searched (case details
    redacted), the answer's bubble shows it from its top; state stays bounded."""
    notes = answer_notes(assistant, answer, filters)
    excluded = bool(filters) and answer.refused
    bubble = render_answer(answer, notes)
    if excluded:  # the refusal blames the question; here the filters are the reason
        bubble = "".join(f"> ⚠️ {html.escape(n)}\n\n" for n in (*answer.warnings, *notes))
        if answer.hits:
            bubble += "The nearest examples within your filters, **not a close match**:\n\n"
            bubble += "\n".join(f"- {h.unit.title} ({h.unit.section})" for h in answer.hits)
    shown = list(messages or [])
    if shown and shown[-1].get("role") == "assistant":
        shown = shown[:-1]
    if shown and shown[-1].get("role") == "user":
        shown[-1] = {"role": "user", "content": answer.question}
    shown.append({"role": "assistant", "content": bubble})
    turns = list(conversation or []) + [{"role": "user", "content": answer.question},
                                        {"role": "assistant", "content": markdown(answer, notice=False, sources=False),
                                         "cited": [c.unit.id for c in answer.citations]}]
    last = {"question": answer.question, "history": list(conversation or [])[-MAX_TURNS:],
            "answer": answer.to_json(), "rating_id": None}
    return ChatTurn(answer, bubble, shown[-MAX_CHAT_MESSAGES:], turns[-MAX_TURNS:], last, render_evidence(answer),
                    excluded)


def chat_turn(assistant, question: str, messages: list[dict], conversation: list[dict], filters: dict | None,
              ignore_facets: list[str] | tuple[str, ...] = ()) -> ChatTurn:
    """Answer `question` in the chat (offline mode): the plain function behind the Ask button."""
    shown = list(messages or []) + [{"role": "user", "content": redacted(question)}]
    answer = assistant.ask(question, history=(conversation or [])[-MAX_TURNS:] or None, filters=filters,
                           ignore_facets=ignore_facets)
    return finish_turn(assistant, answer, shown, conversation, filters)


# --- feedback ----------------------------------------------------------------------------------


def record_feedback(store, last: dict | None, rating: int, reasons: list[str] | None, comment: str | None,
                    settings: Settings) -> tuple[str, dict | None]:
    """Save or change the rating of the latest answer: one rating per answer.

    Reasons say what was wrong, so a 👍 keeps none. Returns the message to show and the
    latest answer's state, now holding the rating's id.
    """
    if not last or not last.get("answer"):
        return "Ask a question first, then rate its answer.", last
    reasons = list(reasons or []) if rating < 0 else []
    try:
        if last.get("rating_id"):
            store.change(last["rating_id"], rating, reasons, comment or "")
            changed = True
        else:
            public = {name: str(value) for name, value, _ in settings.public_items()}
            last = {**last, "rating_id": store.record(last["answer"], rating, reasons, comment or "", settings=public)}
            changed = False
    except AssistantError as exc:
        return f"**{exc}**", last
    verdict = "👍 helpful" if rating > 0 else "👎 not helpful"
    if changed:
        return f"Your rating of this answer is now {verdict}.", {**last, "rating": rating}
    thanks = "Thank you — your feedback was saved" + (
        "." if rating > 0 else " and will help the evaluators improve the answers.")
    return f"{thanks} You can change it until you ask again.", {**last, "rating": rating}


# --- the handlers: what each event changes, by component name -----------------------------------


def _answered(turn: ChatTurn, facets_now: list[str] | None = None, ignored: list[str] = ()) -> dict[str, Any]:
    """The page after an answer: the chat, the evidence, the conversation, and a fresh feedback form."""
    changes: dict[str, Any] = {"chat": turn.messages, "turns": turn.turns, "last": turn.last,
                               "evidence": turn.evidence, "clear_filters": Update(visible=turn.filters_excluded),
                               "reasons": [], "comment": "", "feedback_status": "",
                               "following": Update(visible=turn.answer.carried is not None)}
    if facets_now is not None:
        changes |= {"facet_box": Update(choices=facets_now, value=[f for f in facets_now if f not in ignored]),
                    "facet_state": facets_now}
    return changes


def on_ask(assistant, text: str, chat: list, turns: list, facet_values: list, facet_choices: list,
           filters: dict | None, warn: Callable[[str], None]) -> Iterator[dict[str, Any]]:
    """The Ask button: the question shows at once, then (streamed with an LLM) its answer."""
    text = (text or "").strip()
    if not text:
        warn("Type a question first.")
        yield {}
        return
    ignored = unticked(facet_values, facet_choices)
    try:
        facets_now = assistant.facets(text, turns)
    except AssistantError as exc:
        warn(str(exc))
        yield {}
        return
    messages = list(chat or []) + [{"role": "user", "content": redacted(text)}, {"role": "assistant", "content": "…"}]
    yield {"chat": messages, "question": ""}
    conversation = (turns or [])[-MAX_TURNS:]
    try:
        if assistant.settings.llm:
            answer = yield from _streamed(assistant, text, conversation, filters, ignored, messages)
        else:
            answer = assistant.ask(text, history=conversation or None, filters=filters, ignore_facets=ignored)
    except AssistantError as exc:
        messages[-1] = {"role": "assistant", "content": f"**{exc}**"}
        yield {"chat": messages, "question": text}
        return
    yield _answered(finish_turn(assistant, answer, messages, turns, filters), facets_now, ignored)


def _streamed(assistant, text, conversation, filters, ignored, messages) -> Iterator[dict[str, Any]]:
    """An LLM answer token by token into the last bubble; returns the checked answer."""
    tokens: queue.Queue = queue.Queue()
    outcome: dict[str, Any] = {}

    def work():
        try:
            outcome["answer"] = assistant.ask(text, history=conversation or None, filters=filters,
                                              ignore_facets=ignored, on_token=tokens.put)
        except AssistantError as exc:
            outcome["error"] = exc
        finally:
            tokens.put(None)

    threading.Thread(target=work, daemon=True).start()
    partial = ""
    while (token := tokens.get()) is not None:
        partial += token
        messages[-1] = {"role": "assistant", "content": partial + " ▌"}
        yield {"chat": messages}
    if "error" in outcome:
        raise outcome["error"]
    return outcome["answer"]


def on_refine(assistant, chat: list, last: dict | None, facet_values: list, facet_choices: list,
              filters: dict | None, warn: Callable[[str], None]) -> dict[str, Any]:
    """Filters or facets changed: answer the last question again with them."""
    if not last:
        return {}
    try:
        answer = assistant.ask(last["question"], history=last["history"] or None, filters=filters,
                               ignore_facets=unticked(facet_values, facet_choices))
    except AssistantError as exc:
        warn(str(exc))
        return {}
    turn = finish_turn(assistant, answer, list(chat or []), last["history"], filters)
    return {"chat": turn.messages, "last": turn.last, "evidence": turn.evidence,
            "clear_filters": Update(visible=turn.filters_excluded), "feedback_status": ""}


def on_fresh(assistant, chat: list, last: dict | None, facet_values: list, facet_choices: list,
             filters: dict | None, warn: Callable[[str], None]) -> dict[str, Any]:
    """Drop what the last answer carried forward: answer its question on its own, and start the
    conversation again from it."""
    if not last:
        return {}
    try:
        answer = assistant.ask(last["question"], filters=filters, ignore_facets=unticked(facet_values, facet_choices))
        facets_now = assistant.facets(last["question"])
    except AssistantError as exc:
        warn(str(exc))
        return {}
    turn = finish_turn(assistant, answer, list(chat or []), [], filters)
    return {"chat": turn.messages, "turns": turn.turns, "last": turn.last, "evidence": turn.evidence,
            "facet_box": Update(choices=facets_now, value=facets_now), "facet_state": facets_now,
            "following": Update(visible=False)}


def on_clear() -> dict[str, Any]:
    """A new conversation: everything the last one left on the page goes."""
    return {"chat": [], "turns": [], "last": None, "evidence": render_evidence(None),
            "facet_box": Update(choices=[], value=[]), "facet_state": [], "clear_filters": Update(visible=False),
            "reasons": [], "comment": "", "feedback_status": "", "following": Update(visible=False)}


def on_rate(store, settings: Settings, last: dict | None, reasons: list, comment: str, rating: int) -> dict[str, Any]:
    message, last = record_feedback(store, last, rating, reasons, comment, settings)
    return {"feedback_status": message, "last": last, "reasons": reasons if rating < 0 else []}


# --- the tab -------------------------------------------------------------------------------------


@dataclass
class AskTab:
    """The Ask tab's components, by the names the handlers use."""

    chat: Any
    question: Any
    evidence: Any
    turns: Any  # the conversation as {"role", "content"} turns
    last: Any  # the latest answer: question, history, answer, rating id
    facet_box: Any
    facet_state: Any  # every facet read from the latest question
    clear_filters: Any
    following: Any
    reasons: Any
    comment: Any
    feedback_status: Any
    filters: list = field(default_factory=list)

    def by_name(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "filters"}


def _layout(gr, assistant, choices: Choices) -> tuple[AskTab, dict[str, Any]]:
    """The tab's components; returns them and its buttons."""
    gr.Markdown(mode_label(assistant), elem_id="mode")
    states = {name: gr.State(value, time_to_live=SESSION_TTL_S) for name, value in
              (("turns", []), ("last", None), ("facet_state", []))}
    with gr.Row(elem_id="ask-row"):
        with gr.Column(scale=3, elem_id="ask-main"):
            chat = gr.Chatbot(label="Conversation", show_label=False, elem_id="chat", height=520, autoscroll=False,
                              feedback_options=None, buttons=["copy"], placeholder="Ask about a case in your own words.")
            following = gr.Button("Start afresh: answer the last question on its own", elem_id="drop-following",
                                  visible=False, size="sm")
            question = gr.Textbox(label="Your question", elem_id="question", lines=1, max_lines=6, info=ENTER_HINT,
                                  placeholder="e.g. my client has ADHD and keeps missing appointments")
            with gr.Row():
                buttons = {"ask": gr.Button("Ask", variant="primary", elem_id="ask-button"),
                           "clear": gr.Button("New conversation", elem_id="clear-button")}
            gr.Examples([[s] for s in STARTERS], inputs=[question], label="Try one of these")
            facet_box = gr.CheckboxGroup([], label="Read from your question (untick to ignore)", elem_id="facets")
            clear_filters = gr.Button("Clear the filters", elem_id="clear-filters", visible=False, size="sm")
            with gr.Accordion("Filters", open=False, elem_id="filters"):
                filter_inputs = filter_dropdowns(gr, "filter", choices.themes, choices.values, choices.documents)
            with gr.Group(elem_id="feedback"):
                gr.Markdown("**Was the last answer useful?** One rating per answer; you can change it.")
                reasons = gr.CheckboxGroup(list(FEEDBACK_REASONS), label="What was wrong (optional, with 👎)",
                                           elem_id="feedback-reasons")
                comment = gr.Textbox(label="Comment (optional; no case details)", elem_id="feedback-comment", max_lines=4)
                with gr.Row():
                    buttons["up"] = gr.Button("👍 Helpful", elem_id="thumbs-up", size="sm")
                    buttons["down"] = gr.Button("👎 Not helpful", elem_id="thumbs-down", size="sm")
                feedback_status = gr.Markdown(elem_id="feedback-status")
        with gr.Column(scale=2, elem_id="evidence-col"):
            gr.Markdown("### Evidence")
            evidence = gr.HTML(render_evidence(None), elem_id="evidence", js_on_load=None)
    tab = AskTab(chat, question, evidence, states["turns"], states["last"], facet_box, states["facet_state"],
                 clear_filters, following, reasons, comment, feedback_status, filter_inputs)
    return tab, buttons


def ask_tab(gr, assistant, store, choices: Choices) -> AskTab:
    """The chat, the evidence beside it (under the answer on a phone), filters, facets and feedback."""
    tab, buttons = _layout(gr, assistant, choices)
    components = tab.by_name()
    outputs = list(components.values())
    warn = gr.Warning

    def chosen(values) -> dict | None:
        return filters_from(dict(zip(MENUS, values)))

    def asked(text, chat, turns, facet_values, facet_choices, *menus):
        yield from wire(gr, components, on_ask(assistant, text, chat, turns, facet_values, facet_choices,
                                               chosen(menus), warn))

    def refined(chat, last, facet_values, facet_choices, *menus):
        return wire(gr, components, on_refine(assistant, chat, last, facet_values, facet_choices, chosen(menus), warn))

    def afresh(chat, last, facet_values, facet_choices, *menus):
        return wire(gr, components, on_fresh(assistant, chat, last, facet_values, facet_choices, chosen(menus), warn))

    private = {"api_visibility": "private"}  # the app's one public endpoint is /ask (app.py)
    for trigger in (buttons["ask"].click, tab.question.submit):
        trigger(asked, [tab.question, tab.chat, tab.turns, tab.facet_box, tab.facet_state, *tab.filters], outputs, **private)
    refine_inputs = [tab.chat, tab.last, tab.facet_box, tab.facet_state, *tab.filters]
    for component in tab.filters:
        component.change(refined, refine_inputs, outputs, **private)
    tab.facet_box.input(refined, refine_inputs, outputs, **private)
    tab.following.click(afresh, refine_inputs, outputs, **private)
    tab.clear_filters.click(lambda: [[] for _ in tab.filters], None, tab.filters, **private)
    buttons["clear"].click(lambda: wire(gr, components, on_clear()), None, outputs, **private)
    for button, rating in ((buttons["up"], 1), (buttons["down"], -1)):
        button.click(lambda last, why, note, rating=rating: wire(gr, components, on_rate(
            store, assistant.settings, last, why, note, rating)), [tab.last, tab.reasons, tab.comment], outputs, **private)
    return tab
