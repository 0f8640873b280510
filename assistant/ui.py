"""The web app. `build_app(assistant)` builds the Gradio Blocks; `assistant.server` launches it.

Tabs, each built by its own function: Ask (`ask_tab`: the chat with the evidence beside it,
or under the answer on a phone; filters, removable facets, one rating per answer), Find
examples (`finder_tab`: search that filters and ranks, one list to read and pick from, a
session pack), Glossary, Evaluate (`evaluate_tab`: the offline evaluation in a separate,
memory-capped process, one run at a time; `evaluate_tab = "off"` removes it) and About. A
named API endpoint `/ask` returns the same JSON as `assistant ask --json`.

Handlers are plain functions of the assistant and the inputs, so tests call them without a
browser; the tab builders only wire them to components.
"""

from __future__ import annotations

import html
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from assistant import compose
from assistant.compose import CITATION_MARKER
from assistant.config import Settings
from assistant.errors import AssistantError, BadInputError, SettingsError
from assistant.language import language_note
from assistant.links import source_link, with_source_links
from assistant.privacy import redact
from assistant.retrieve import passes_filters
from assistant.types import Answer, Example, publication

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
FILTER_KEYS = ("theme", "sentence", "need", "standard", "document", "region", "year", "publication_kind")
FILTER_LABELS = {"theme": "theme", "sentence": "sentence or requirement", "need": "need", "standard": "standard",
                 "document": "document", "region": "region", "year": "year", "publication_kind": "kind of publication"}
MAX_FILE_SIZE = "2mb"
ENTER_HINT = "Enter sends · Shift+Enter starts a new line"

# Bounded sessions: what a browser tab keeps on the server, and for how long.
MAX_TURNS = 10  # conversation turns kept for follow-up questions (five questions and answers)
MAX_CHAT_MESSAGES = 20  # bubbles kept in the chat
SESSION_TTL_S = 3600  # a session's state is dropped an hour after its last use

# Finder: a search lists the examples scoring at least this share of the best one.
MIN_RELATIVE_SCORE = 0.25
RELEVANCE_LABELS = ((0.75, "strong match"), (0.5, "good match"), (0.0, "partial match"))

# Session packs and evaluation reports are written to folders that are removed an hour later
# (by the next export), and Gradio's copies of them are deleted on the same schedule.
EXPORTS_TTL_S = 3600
EXPORTS_FOLDER = "probation-assistant-exports"

# Evaluate tab: its own process, so its memory goes back when it ends.
EVAL_MEMORY_BYTES = 4 * 1024 ** 3  # address space; a run peaks near 2.7 GB of it and 1 GB resident
EVAL_TIMEOUT_S = 900
_EVALUATION_RUNNING = threading.Lock()

CSS = """
#evidence .card{border:1px solid #a0aec0;border-radius:8px;padding:10px 12px;margin:0 0 10px;background:#fff;color:#1a202c}
#evidence .card>summary{font-weight:600;cursor:pointer}
#evidence .card.flash{outline:3px solid #2b6cb0;outline-offset:2px}
#evidence .card.also{border-style:dashed}
#evidence .who{font-weight:600;margin:6px 0 2px}
#evidence .meta,#evidence .tags{font-size:0.9em;margin:2px 0;color:#2d3748}
#evidence mark{background:#fefcbf;color:#1a202c}
#evidence .text{white-space:pre-wrap;font-size:0.92em}
#evidence .nearest,#evidence .also-heading{font-style:italic;margin:12px 0 6px}
#finder-list .pick-card{display:flex;gap:10px;align-items:flex-start;border:1px solid #a0aec0;border-radius:8px;
  padding:8px 12px;margin:0 0 8px;color:#1a202c;background:#fff}
#finder-list .pick-card.picked{border-color:#2b6cb0;box-shadow:0 0 0 1px #2b6cb0}
#finder-list .pick-card input{width:1.2em;height:1.2em;margin-top:.25em;flex:none}
#finder-list .pick-card details{flex:1;min-width:0}
#finder-list .pick-card summary{cursor:pointer;font-weight:600}
#finder-list .pick-card .who,#finder-list .pick-card .meta{font-weight:400;font-size:.9em;color:#2d3748;margin:2px 0}
#finder-list .pick-card summary .who{display:block}
#finder-list .relevance{display:inline-block;font-size:.8em;font-weight:600;border-radius:10px;padding:0 8px;
  margin-left:6px;background:#ebf4ff;color:#1a365d;white-space:nowrap}
#finder-list .bar{display:block;height:4px;border-radius:2px;background:#2b6cb0;margin:4px 0 0}
#finder-list .earlier{font-style:italic;margin:12px 0 6px}
#finder-counts table{width:100%;border-collapse:collapse;font-size:.9em}
#finder-counts th,#finder-counts td{padding:2px 4px;text-align:left;border-bottom:1px solid #e2e8f0;
  word-break:normal;overflow-wrap:normal;hyphens:none}
#finder-counts th.n,#finder-counts td.n{text-align:right;white-space:nowrap;width:1%}
#finder-picked{display:none}
#glossary-table table{table-layout:auto}
#footer{font-size:.85em;color:#2d3748}
@media (max-width: 767px){
  #ask-row{flex-direction:column !important;flex-wrap:nowrap !important}
  #ask-main{display:contents !important}
  #ask-main>*{order:3}
  #ask-main>#chat{order:1}
  #evidence-col{order:2;min-width:0 !important;width:100% !important}
  #finder-row{flex-direction:column !important}
}
"""

# Clicking a citation marker [n] opens its card and scrolls to it; a new answer is shown from
# its top (not scrolled to its end); on a phone the cards under the answer start collapsed.
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
  const narrow = window.matchMedia('(max-width: 767px)');
  let shownAnswer = '';
  let shownEvidence = '';
  const settle = () => {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    const last = bots[bots.length - 1];
    const key = last ? bots.length + ':' + last.innerText.slice(0, 80) : '';
    if (last && key !== shownAnswer && !last.innerText.trim().endsWith('…')) {
      shownAnswer = key;
      const box = last.closest('.bubble-wrap');
      if (box) box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
      const top = last.getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight - 80) window.scrollBy(0, top - 8);
    }
    const evidence = document.querySelector('#evidence');
    const evidenceKey = evidence ? evidence.textContent.slice(0, 300) : '';  // the same whether cards are open or not
    if (evidence && evidenceKey !== shownEvidence) {
      shownEvidence = evidenceKey;
      if (narrow.matches) evidence.querySelectorAll('details.card').forEach((card) => { card.open = false; });
    }
  };
  new MutationObserver(() => window.requestAnimationFrame(settle))
    .observe(document.body, {childList: true, subtree: true, characterData: true});
  // The finder's list: ticking an example adds it to the pack (kept in a hidden field).
  document.addEventListener('change', (event) => {
    const box = event.target.closest('#finder-list input.pick');
    if (!box) return;
    const field = document.querySelector('#finder-picked textarea, #finder-picked input');
    if (!field) return;
    let picked = [];
    try { picked = JSON.parse(field.value || '[]'); } catch (error) { picked = []; }
    picked = picked.filter((id) => id !== box.value);
    if (box.checked) picked.push(box.value);
    box.closest('.pick-card').classList.toggle('picked', box.checked);
    field.value = JSON.stringify(picked);
    field.dispatchEvent(new Event('input', {bubbles: true}));
  });
}
"""

# --- the answer in the chat ----------------------------------------------------------------


def mode_label(assistant) -> str:
    llm = assistant.settings.llm
    if llm:
        return f"**Answer mode:** LLM: {html.escape(llm)} — every sentence checked against the sources"
    return "**Answer mode:** offline answers from the corpus — every point is quoted from an inspected case"


def chat_text(answer: Answer) -> str:
    """The answer's Markdown without the notice and licence lines (the page shows those once, in its footer)."""
    text = answer.answer
    for line in (compose.NOT_GUIDANCE, compose.ATTRIBUTION):
        text = text.replace(line, "")
    return text.strip()


def render_answer(answer: Answer, notes: tuple[str, ...] | list[str] = ()) -> str:
    """The answer for the chat: warnings and notes on top, [n] markers linked to the evidence cards,
    whole-word source links; the notice and licence are left to the footer."""
    text = with_source_links(chat_text(answer), [c.unit for c in answer.citations] + [h.unit for h in answer.hits])
    if not answer.refused:
        body, sep, rest = text.partition("**Sources**")
        text = CITATION_MARKER.sub(lambda m: f"[[{m.group(1)}]](#card-{m.group(1)})", body) + sep + rest
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


def _highlight(text: str, quotes: tuple[str, ...]) -> str:
    escaped = html.escape(text)
    for quote in sorted(set(quotes), key=len, reverse=True):
        target = html.escape(quote)
        escaped = escaped.replace(target, f"<mark>{target}</mark>")
    return escaped


def _link(unit, label: str = "Read it in the source document") -> str:
    """A link to the source, only for an http(s) address (never a javascript: URL)."""
    url = source_link(unit)
    if not url:
        return ""
    return f'<p><a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">{html.escape(label)}</a></p>'


def _card_body(unit, quotes: tuple[str, ...] = (), also: tuple = (), person_line: bool = True) -> str:
    example = unit if isinstance(unit, Example) else None
    parts = []
    if example and example.person and person_line:
        parts.append(f'<p class="who">{html.escape(example.person_summary())}</p>')
    meta = [f"From: {html.escape(publication(unit))}", f"Theme: {html.escape(unit.section)}"]
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
    parts.append(_link(unit))
    if also:
        links = [f'{html.escape(publication(u))}' + (f' (<a href="{html.escape(source_link(u))}" target="_blank" '
                                                        f'rel="noopener noreferrer">source</a>)' if source_link(u) else "")
                 for u in also]
        parts.append(f'<p class="also-in">Also published in: {"; ".join(links)}</p>')
    return "".join(parts)


def _card(n: int | None, unit, quotes: tuple[str, ...] = (), open_: bool = True, extra_class: str = "",
          also: tuple = ()) -> str:
    label = f"[{n}] " if n else ""
    attributes = f' id="card-{n}"' if n else ""
    classes = f"card {extra_class}".strip()
    return (f'<details class="{classes}"{attributes}{" open" if open_ else ""}>'
            f"<summary>{html.escape(label + unit.title)}</summary>{_card_body(unit, quotes, also)}</details>")


MAX_ALSO_FOUND = 3


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
        cards = "".join(_card(None, h.unit, open_=False) for h in answer.hits)
        return f'<p class="nearest">Nearest examples — not a close match:</p>{cards}'
    cited = {c.unit.id for c in answer.citations}
    cards = "".join(_card(c.n, c.unit, c.quotes, also=c.also) for c in answer.citations)
    others = [h for h in answer.hits if h.unit.id not in cited][:MAX_ALSO_FOUND]
    if others:
        cards += '<p class="also-heading">Also found, not cited:</p>'
        cards += "".join(_card(None, h.unit, open_=False, extra_class="also") for h in others)
    return cards


def describe_filters(filters: dict[str, list[str]] | None) -> str:
    """"theme: Court work; need: pregnancy" — the filters as a person chose them."""
    return "; ".join(f"{FILTER_LABELS.get(key, key)}: {', '.join(values)}"
                     for key, values in (filters or {}).items() if values)


def filter_notice(assistant, filters: dict[str, list[str]] | None) -> str:
    """Why a filtered question found nothing close: the filters, not the question, and how to clear them."""
    wanted = assistant.retriever.check_filters(filters)
    matching = sum(passes_filters(unit, wanted) for unit in [*assistant.examples(), *assistant.sections()])
    chosen = describe_filters(filters)
    if matching == 0:
        return (f"No example matches all of these filters together ({chosen}). Clear the filters, or choose "
                "fewer, to search everything.")
    return (f"None of the {matching} example{'s' if matching != 1 else ''} matching your filters ({chosen}) is close "
            "to this question. Clear the filters to search everything.")


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


def answer_notes(assistant, question: str, answer: Answer, filters: dict | None) -> list[str]:
    """Notes above an answer: a question not in English; filters that leave nothing close."""
    notes = []
    language = language_note(question)
    if language and language not in answer.warnings:  # the composer may have said so already
        notes.append(language)
    if filters and answer.refused:
        notes.append(filter_notice(assistant, filters))
    return notes


def finish_turn(assistant, question: str, answer: Answer, messages: list[dict], conversation: list[dict],
                filters: dict | None) -> ChatTurn:
    """The chat after `answer`: the user's bubble shows the question as searched (case details
    redacted), the answer's bubble shows it from its top; state stays bounded."""
    notes = answer_notes(assistant, question, answer, filters)
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
                                        {"role": "assistant", "content": chat_text(answer).split("**Sources**")[0],
                                         "cited": [c.unit.id for c in answer.citations]}]
    last = {"question": answer.question, "history": list(conversation or [])[-MAX_TURNS:],
            "answer": answer.to_json(), "rating_id": None}
    return ChatTurn(answer, bubble, shown[-MAX_CHAT_MESSAGES:], turns[-MAX_TURNS:], last, render_evidence(answer),
                    excluded)


def chat_turn(assistant, question: str, messages: list[dict], conversation: list[dict], filters: dict | None,
              ignore_facets: list[str] | tuple[str, ...] = ()) -> ChatTurn:
    """Answer `question` in the chat (offline mode): the plain function behind the Ask button."""
    shown = list(messages or []) + [{"role": "user", "content": redact(question).text}]
    answer = ask_handler(assistant, question, (conversation or [])[-MAX_TURNS:], filters, ignore_facets)
    return finish_turn(assistant, question, answer, shown, conversation, filters)


# --- feedback ------------------------------------------------------------------------------


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
            last = {**last, "rating_id": store.record(last["answer"], rating, reasons, comment or "",
                                                      settings=_public_settings(settings))}
            changed = False
    except AssistantError as exc:
        return f"**{exc}**", last
    verdict = "👍 helpful" if rating > 0 else "👎 not helpful"
    if changed:
        return f"Your rating of this answer is now {verdict}.", {**last, "rating": rating}
    thanks = "Thank you — your feedback was saved" + (
        "." if rating > 0 else " and will help the evaluators improve the answers.")
    return f"{thanks} You can change it until you ask again.", {**last, "rating": rating}


def _public_settings(settings: Settings) -> dict[str, Any]:
    return {name: str(value) for name, value, _ in settings.public_items()}


# --- finder --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """An example the finder lists, with how well it matches the search (None: no search)."""

    example: Example
    relevance: float | None = None

    @property
    def label(self) -> str:
        if self.relevance is None:
            return ""
        return next(label for floor, label in RELEVANCE_LABELS if self.relevance >= floor)


def finder_handler(assistant, query: str, filters: dict | None) -> tuple[list[Found], str]:
    """The examples matching the filters, and for a search only those close to it, best first with
    their relevance (a share of the best match); plus the counts per theme and standard (HTML)."""
    if query and query.strip():
        from assistant.compose import LOOSE_MATCH, relevance

        ranking = assistant.retriever.rank(query, k=100, filters={**(filters or {}), "kind": ["case", "organisational"]})
        hits = [h for h in ranking.hits if isinstance(h.unit, Example)]
        if not hits or relevance(ranking) < LOOSE_MATCH or hits[0].score <= 0:
            found: list[Found] = []
        else:
            best = hits[0].score
            found = [Found(h.unit, h.score / best) for h in hits if h.score / best >= MIN_RELATIVE_SCORE]
    else:
        wanted = assistant.retriever.check_filters(filters)
        found = [Found(e) for e in assistant.examples() if passes_filters(e, wanted)]
    return found, counts_html([f.example for f in found])


def counts_html(examples: list[Example]) -> str:
    """How many examples per theme and per standard, as two small tables that fit a narrow column."""
    def table(heading: str, counts: Counter) -> str:
        rows = "".join(f"<tr><td>{html.escape(name)}</td><td class=\"n\">{n}</td></tr>" for name, n in sorted(counts.items()))
        return f'<table><thead><tr><th>{heading}</th><th class="n">n</th></tr></thead><tbody>{rows}</tbody></table>'

    total = f"<p><strong>{len(examples)} example{'s' if len(examples) != 1 else ''}</strong></p>"
    if not examples:
        return total
    return (total + table("theme", Counter(e.section for e in examples)) + "<br>"
            + table("standard", Counter(s for e in examples for s in e.standards)))


def _pick_card(found: Found, picked: bool) -> str:
    example = found.example
    person = example.person_summary() or "organisational example"
    cue = ""
    if found.relevance is not None:
        percent = round(100 * found.relevance)
        cue = (f'<span class="relevance" title="{percent}% of the best match">{found.label}</span>'
               f'<span class="bar" style="width:{percent}%" aria-hidden="true"></span>')
    return (f'<div class="pick-card{" picked" if picked else ""}" data-id="{html.escape(example.id)}">'
            f'<input type="checkbox" class="pick" value="{html.escape(example.id)}"{" checked" if picked else ""} '
            f'aria-label="Pick {html.escape(example.title)} for the session pack">'
            f'<details><summary><span class="title">{html.escape(example.title)}</span>{cue}'
            f'<span class="who">{html.escape(person)} · {html.escape(example.section)}</span></summary>'
            f"{_card_body(example, person_line=False)}</details></div>")


def render_finder_list(found: list[Found], picked: list[str], assistant=None, searched: bool = False) -> str:
    """One list: each example can be opened to read and ticked to pick; picks from earlier
    searches stay listed at the end."""
    chosen = set(picked or [])
    if found:
        parts = [_pick_card(f, f.example.id in chosen) for f in found]
    elif searched:
        parts = ["<p>No example is close to that search. Try other words, or clear the search to list them all.</p>"]
    else:
        parts = ["<p>No example matches these filters. Remove a filter to see more.</p>"]
    shown = {f.example.id for f in found}
    earlier = [assistant.example(i) for i in (picked or []) if i not in shown] if assistant else []
    earlier = [e for e in earlier if e is not None]
    if earlier:
        parts.append('<p class="earlier">Picked earlier:</p>')
        parts += [_pick_card(Found(e), True) for e in earlier]
    return "".join(parts)


def picked_ids(value: str | None) -> list[str]:
    """The picked example ids from the hidden field (a JSON list); anything else counts as none."""
    try:
        ids = json.loads(value or "[]")
    except json.JSONDecodeError:
        return []
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []


def picked_summary(ids: list[str]) -> str:
    if not ids:
        return "No examples picked yet: tick the ones you want in the list."
    return f"**{len(ids)} example{'s' if len(ids) != 1 else ''} picked** for the pack."


def export_folder(prefix: str) -> Path:
    """A new folder for one export, under one temp folder whose exports older than EXPORTS_TTL_S are removed."""
    root = Path(tempfile.gettempdir()) / EXPORTS_FOLDER
    root.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - EXPORTS_TTL_S
    for old in root.iterdir():
        try:
            if old.is_dir() and old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:  # another process removed it first
            continue
    return Path(tempfile.mkdtemp(prefix=prefix, dir=root))


def pack_handler(assistant, ids: list[str], details=None, folder: Path | None = None) -> list[str]:
    """Write the session pack for the chosen example ids as Markdown and Word; return the paths.

    The files are named from the session title in `details` (a `pack.SessionDetails`).
    """
    from assistant.pack import write_pack

    examples = [assistant.example(i) for i in ids or []]
    folder = Path(folder) if folder else export_folder("session-pack-")
    markdown, docx = write_pack([e for e in examples if e is not None], folder, details)
    return [str(markdown), str(docx)]


# --- glossary and about ---------------------------------------------------------------------


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
    return Answer(question if echo else "", message, True, "extractive", warnings=(message,)).to_json()


# --- evaluate -------------------------------------------------------------------------------


def gold_files(assistant) -> list[str]:
    from assistant.config import project_root

    folder = project_root() / "evals"
    # the gold sets evals/gold_sets.json describes; the other labelled files (adjacent questions,
    # conversations, facets…) are measured with the gold set, not offered as gold sets themselves
    try:
        described = [name for name in json.loads((folder / "gold_sets.json").read_text(encoding="utf-8")) if name != "_comment"]
    except (OSError, ValueError):
        described = []
    return sorted(name for name in described if (folder / name).is_file())


def measures_markdown(gold_name: str) -> str:
    """What every measure means and its threshold for this gold set, before any run."""
    from assistant.evaluate import RETRIEVAL_METRICS
    from assistant.report import ANSWER_METRICS, MEASURES, gold_note, thresholds_for

    thresholds = thresholds_for(gold_name) if gold_name else {}
    ours = thresholds.get("retrieval", {}).get("ours", {})
    answers = thresholds.get("answers", {})
    lines = [f"**{gold_name}**: {gold_note(gold_name)}" if gold_name else "", "",
             "| measure | what it means | threshold (ours) |", "|---|---|---|"]
    for metric in (*RETRIEVAL_METRICS, *ANSWER_METRICS):
        minimum = ours.get(metric, answers.get(metric))
        lines.append(f"| {metric} | {MEASURES[metric]} | {'≥ ' + str(minimum) if minimum is not None else '—'} |")
    return "\n".join(lines)


def results_markdown(results: dict[str, Any]) -> str:
    """A run's results for the tab: whether each measure with a threshold passes, then the systems."""
    from assistant.evaluate import RETRIEVAL_METRICS
    from assistant.report import gold_note, measure_rows, shown_value, verdict

    details = results["details"]
    rows = measure_rows(results)
    checked = [r for r in rows if r["threshold"] is not None]
    failed = [r for r in checked if not r["passes"]]
    overall = (f"**All {len(checked)} measures with a threshold pass.**" if not failed else
               f"**{len(failed)} of {len(checked)} measures are below their threshold:** "
               + ", ".join(r["measure"] for r in failed) + ".")
    lines = [f"### {details['gold']}: {results['n_questions']} in-scope questions ({details['n_cases']} in all), "
             f"{details['seconds']} s", "", gold_note(details["gold"]), "", overall, "",
             "| measure | value | threshold | result |", "|---|---|---|---|"]
    lines += [f"| {r['measure']} | {shown_value(r['value'])} | ≥ {r['threshold']} | {verdict(r)} |" for r in checked]
    lines += ["", "| system | " + " | ".join(RETRIEVAL_METRICS) + " |", "|---" * (len(RETRIEVAL_METRICS) + 1) + "|"]
    for system, metrics in results["systems"].items():
        lines.append(f"| {system} | " + " | ".join(f"{metrics[m]:.3f}" for m in RETRIEVAL_METRICS) + " |")
    lines += ["", "Every measure is defined in the table above the button and in the report."]
    return "\n".join(lines)


def _evaluation_environment(settings: Settings) -> dict[str, str]:
    """The environment for the evaluation process: this app's settings, spelled as ASSISTANT_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") or k in (
        "ASSISTANT_HOME", "ASSISTANT_CONFIG", "ASSISTANT_LLM_API_KEY")}
    for name, value, _ in settings.public_items():
        if value is not None:
            env[f"ASSISTANT_{name.upper()}"] = str(settings.resolved(name) if isinstance(value, Path) else value)
    env.update({"MALLOC_ARENA_MAX": "2", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1",
                "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False"})
    return env


def evaluation_job(argv: list[str]) -> None:
    """The evaluation process: `gold systems out`; progress and the results path as JSON lines on stdout."""
    from assistant.api import Assistant
    from assistant.config import load_settings, project_root
    from assistant.evaluate import run_evaluation
    from assistant.report import write_reports

    gold, systems, out = Path(argv[0]), [s for s in argv[1].split(",") if s], Path(argv[2])

    def progress(stage: str, done: int, total: int) -> None:
        print(json.dumps({"stage": stage, "done": done, "total": total}), flush=True)

    try:
        assistant = Assistant.load(load_settings()).warm_up()
        results = run_evaluation(assistant, gold, systems, support_labels=project_root() / "evals" /
                                 "support_labels.jsonl", progress=progress)
        paths = write_reports(results, out)
    except AssistantError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return
    except MemoryError:
        print(json.dumps({"error": "the evaluation ran out of its memory allowance"}), flush=True)
        return
    print(json.dumps({"results": str(paths["json"]), "html": str(paths["html"])}), flush=True)


def evaluate_handler(assistant, gold_name: str, systems: list[str], out: Path,
                     progress: Callable[[str, int, int], None] | None = None) -> tuple[str, str]:
    """Run the evaluation in its own memory-capped process, one run at a time.

    Returns (Markdown: each measure against its threshold, and the systems; report.html path).
    """
    from assistant.config import project_root

    if not gold_name:
        raise SettingsError("choose a gold file")
    gold = project_root() / "evals" / Path(gold_name).name
    if not gold.is_file():
        raise BadInputError(f"there is no gold file {gold.name} in evals/")
    if not systems:
        raise BadInputError("choose at least one system to evaluate")
    if not _EVALUATION_RUNNING.acquire(blocking=False):
        raise BadInputError("an evaluation is already running; try again when it has finished")
    try:
        outcome = _run_evaluation_process(assistant.settings, gold, systems, out, progress)
    finally:
        _EVALUATION_RUNNING.release()
    if "error" in outcome:
        raise BadInputError(outcome["error"])
    results = json.loads(Path(outcome["results"]).read_text(encoding="utf-8"))
    return results_markdown(results), outcome["html"]


def _run_evaluation_process(settings: Settings, gold: Path, systems: list[str], out: Path,
                            progress: Callable[[str, int, int], None] | None) -> dict[str, Any]:
    # the shell sets the memory cap and then becomes Python (no preexec_fn: the server has threads)
    command = ["/bin/sh", "-c", f'ulimit -v {EVAL_MEMORY_BYTES // 1024} && exec "$0" "$@"', sys.executable, "-c",
               "import sys; from assistant.ui import evaluation_job; evaluation_job(sys.argv[1:])",
               str(gold), ",".join(systems), str(out)]
    outcome: dict[str, Any] = {}
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as stderr:  # a file: a full pipe would block the child
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True,
                                   env=_evaluation_environment(settings))
        timer = threading.Timer(EVAL_TIMEOUT_S, process.kill)
        timer.start()
        try:
            for line in process.stdout:
                try:
                    message = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if "stage" in message and progress:
                    progress(message["stage"], message["done"], message["total"])
                elif "stage" not in message:
                    outcome = message
            process.wait()
        finally:
            timer.cancel()
        stderr.seek(0)
        errors = stderr.read()
    if not outcome:
        if re.search(r"MemoryError|bad_alloc|Cannot allocate memory|out of memory", errors) or \
                process.returncode in (-9, 137):
            return {"error": f"the evaluation stopped: it ran out of its memory or time allowance "
                             f"({EVAL_MEMORY_BYTES // 1024 ** 3} GiB, {EVAL_TIMEOUT_S // 60} minutes)"}
        last = errors.strip().splitlines()[-1] if errors.strip() else f"exit status {process.returncode}"
        return {"error": f"the evaluation failed ({last})"}
    return outcome


# --- the Blocks: one builder per tab --------------------------------------------------------


def filter_dropdowns(gr, prefix: str, themes: list[str], values: dict[str, list[str]], documents: list[str]) -> list:
    """Multi-select dropdowns (shown as removable chips), one per FILTER_KEYS entry, in that order.

    The publication filters (document, region, year, kind of publication) are shown once the
    corpus has more than one value to choose between.
    """
    choices = {**values, "theme": themes, "document": documents, "year": sorted(values["year"], reverse=True)}
    publication = {"document", "region", "year", "publication_kind"}
    return [gr.Dropdown(choices[key], multiselect=True, label=FILTER_LABELS[key].capitalize(), elem_id=f"{prefix}-{key}",
                        visible=key not in publication or len(choices[key]) > 1)
            for key in FILTER_KEYS]


@dataclass
class Choices:
    """The filter values every tab offers, read once from the index."""

    themes: list[str]
    values: dict[str, list[str]]
    documents: list[str]

    @classmethod
    def of(cls, assistant) -> "Choices":
        examples = assistant.examples()
        return cls(sorted({e.section for e in examples}), assistant.retriever.filter_values(),
                   sorted({u.document_id for u in examples + assistant.sections()}))


@dataclass
class AskTab:
    """The Ask tab's components that other parts of the app use."""

    chat: Any
    question: Any
    evidence: Any
    filters: list = field(default_factory=list)


def ask_tab(gr, assistant, store, choices: Choices) -> AskTab:
    """The chat, the evidence beside it (under the answer on a phone), filters, facets and feedback."""
    turns = gr.State([], time_to_live=SESSION_TTL_S)  # the conversation as {"role", "content"} turns
    last = gr.State(None, time_to_live=SESSION_TTL_S)  # the latest answer: question, history, answer, rating id
    facet_state = gr.State([], time_to_live=SESSION_TTL_S)  # every facet read from the latest question

    gr.Markdown(mode_label(assistant), elem_id="mode")
    with gr.Row(elem_id="ask-row"):
        with gr.Column(scale=3, elem_id="ask-main"):
            chat = gr.Chatbot(label="Conversation", show_label=False, elem_id="chat", height=520, autoscroll=False,
                              feedback_options=None, buttons=["copy"],
                              placeholder="Ask about a case in your own words.")
            following = gr.Button("Start afresh: answer the last question on its own", elem_id="drop-following",
                                  visible=False, size="sm")
            question = gr.Textbox(label="Your question", elem_id="question", lines=1, max_lines=6, info=ENTER_HINT,
                                  placeholder="e.g. my client has ADHD and keeps missing appointments")
            with gr.Row():
                ask_button = gr.Button("Ask", variant="primary", elem_id="ask-button")
                clear_button = gr.Button("New conversation", elem_id="clear-button")
            gr.Examples([[s] for s in STARTERS], inputs=[question], label="Try one of these")
            facet_box = gr.CheckboxGroup([], label="Read from your question (untick to ignore)", elem_id="facets")
            clear_filters = gr.Button("Clear the filters", elem_id="clear-filters", visible=False, size="sm")
            with gr.Accordion("Filters", open=False, elem_id="filters"):
                filter_inputs = filter_dropdowns(gr, "filter", choices.themes, choices.values, choices.documents)
            with gr.Group(elem_id="feedback"):
                gr.Markdown("**Was the last answer useful?** One rating per answer; you can change it.")
                reasons = gr.CheckboxGroup(list(FEEDBACK_REASONS), label="What was wrong (optional, with 👎)",
                                           elem_id="feedback-reasons")
                comment = gr.Textbox(label="Comment (optional; no case details)", elem_id="feedback-comment",
                                     max_lines=4)
                with gr.Row():
                    up = gr.Button("👍 Helpful", elem_id="thumbs-up", size="sm")
                    down = gr.Button("👎 Not helpful", elem_id="thumbs-down", size="sm")
                feedback_status = gr.Markdown(elem_id="feedback-status")
        with gr.Column(scale=2, elem_id="evidence-col"):
            gr.Markdown("### Evidence")
            evidence = gr.HTML(render_evidence(None), elem_id="evidence", js_on_load=None)

    def current_filters(*chosen):
        return filters_from(dict(zip(FILTER_KEYS, chosen)))

    # outputs of an answer: chat, turns, last, evidence, question, facets, facet state, clear-filters, and the
    # feedback form (reasons, comment, status), reset for the new answer
    skip_all = (gr.skip(),) * 12

    def on_ask(text, chat_messages, conversation, facet_values, facet_choices, *chosen):
        text = (text or "").strip()
        if not text:
            gr.Warning("Type a question first.")
            yield skip_all
            return
        filters = current_filters(*chosen)
        ignored = unticked(facet_values, facet_choices)
        try:
            facets_now = assistant.facets(text, conversation)
        except AssistantError as exc:
            gr.Warning(str(exc))
            yield skip_all
            return
        messages = list(chat_messages or []) + [{"role": "user", "content": redact(text).text},
                                                {"role": "assistant", "content": "…"}]
        yield (messages, gr.skip(), gr.skip(), gr.skip(), "") + (gr.skip(),) * 7
        try:
            answer = yield from _streamed(text, (conversation or [])[-MAX_TURNS:], filters, ignored, messages)
        except AssistantError as exc:
            messages[-1] = {"role": "assistant", "content": f"**{exc}**"}
            yield (messages, gr.skip(), gr.skip(), gr.skip(), text) + (gr.skip(),) * 7
            return
        turn = finish_turn(assistant, text, answer, messages, conversation, filters)
        facet_update = gr.update(choices=facets_now, value=[f for f in facets_now if f not in ignored])
        yield (turn.messages, turn.turns, turn.last, turn.evidence, "", facet_update, facets_now,
               gr.update(visible=turn.filters_excluded), [], "", "", gr.update(visible=answer.carried is not None))

    def _streamed(text, conversation, filters, ignored, messages) -> Iterator:
        if not assistant.settings.llm:
            return ask_handler(assistant, text, conversation, filters, ignored)
        tokens: queue.Queue = queue.Queue()
        outcome: dict[str, Any] = {}

        def work():
            try:
                outcome["answer"] = ask_handler(assistant, text, conversation, filters, ignored, tokens.put)
            except AssistantError as exc:
                outcome["error"] = exc
            finally:
                tokens.put(None)

        threading.Thread(target=work, daemon=True).start()
        partial = ""
        while (token := tokens.get()) is not None:
            partial += token
            messages[-1] = {"role": "assistant", "content": partial + " ▌"}
            yield (messages,) + (gr.skip(),) * 11
        if "error" in outcome:
            raise outcome["error"]
        return outcome["answer"]

    def on_refine(chat_messages, state, facet_values, facet_choices, *chosen):
        """Filters or facets changed: answer the last question again with them."""
        if not state:
            return (gr.skip(),) * 5
        ignored = unticked(facet_values, facet_choices)
        filters = current_filters(*chosen)
        try:
            answer = ask_handler(assistant, state["question"], state["history"], filters, ignored)
        except AssistantError as exc:
            gr.Warning(str(exc))
            return (gr.skip(),) * 5
        messages = list(chat_messages or [])
        turn = finish_turn(assistant, state["question"], answer, messages, state["history"], filters)
        return turn.messages, turn.last, turn.evidence, gr.update(visible=turn.filters_excluded), ""

    ask_inputs = [question, chat, turns, facet_box, facet_state] + filter_inputs
    ask_outputs = [chat, turns, last, evidence, question, facet_box, facet_state, clear_filters, reasons, comment,
                   feedback_status, following]
    for trigger in (ask_button.click, question.submit):
        trigger(on_ask, ask_inputs, ask_outputs, api_visibility="private")
    refine_inputs = [chat, last, facet_box, facet_state] + filter_inputs
    refine_outputs = [chat, last, evidence, clear_filters, feedback_status]
    for component in filter_inputs:
        component.change(on_refine, refine_inputs, refine_outputs, api_visibility="private")
    facet_box.input(on_refine, refine_inputs, refine_outputs, api_visibility="private")
    clear_filters.click(lambda: [[] for _ in filter_inputs], None, filter_inputs, api_visibility="private")
    clear_button.click(lambda: ([], [], None, render_evidence(None), gr.update(choices=[], value=[]), [],
                                gr.update(visible=False), [], "", "", gr.update(visible=False)), None,
                       [chat, turns, last, evidence, facet_box, facet_state, clear_filters, reasons, comment,
                        feedback_status, following], api_visibility="private")

    def on_fresh(chat_messages, state, facet_values, facet_choices, *chosen):
        """Drop what the last answer carried forward: answer its question on its own, and start the
        conversation again from it."""
        if not state:
            return (gr.skip(),) * 7
        filters = current_filters(*chosen)
        try:
            answer = ask_handler(assistant, state["question"], [], filters, unticked(facet_values, facet_choices))
            facets_now = assistant.facets(state["question"])
        except AssistantError as exc:
            gr.Warning(str(exc))
            return (gr.skip(),) * 7
        turn = finish_turn(assistant, state["question"], answer, list(chat_messages or []), [], filters)
        return (turn.messages, turn.turns, turn.last, turn.evidence, gr.update(choices=facets_now, value=facets_now),
                facets_now, gr.update(visible=False))

    following.click(on_fresh, [chat, last, facet_box, facet_state] + filter_inputs,
                    [chat, turns, last, evidence, facet_box, facet_state, following], api_visibility="private")

    def rate(state, why, note, rating):
        message, state = record_feedback(store, state, rating, why, note, assistant.settings)
        return message, state, (why if rating < 0 else [])

    up.click(lambda s, w, n: rate(s, w, n, 1), [last, reasons, comment], [feedback_status, last, reasons],
             api_visibility="private")
    down.click(lambda s, w, n: rate(s, w, n, -1), [last, reasons, comment], [feedback_status, last, reasons],
               api_visibility="private")
    return AskTab(chat, question, evidence, filter_inputs)


def finder_tab(gr, assistant, choices: Choices) -> None:
    """Search and filter the examples, read and pick them in one list, and make a session pack."""
    from assistant.pack import MAX_FIELD_CHARS, SessionDetails

    gr.Markdown("Search or filter the examples, open one to read it, tick the ones you want, and make a session "
                "pack for a PDD session. A search lists only the examples close to it, best first.")
    with gr.Row():
        finder_query = gr.Textbox(label="Search examples (optional)", elem_id="finder-query", scale=3,
                                  info="Enter searches")
        finder_button = gr.Button("Search", elem_id="finder-search", scale=1)
    with gr.Row():
        finder_filters = filter_dropdowns(gr, "finder", choices.themes, choices.values, choices.documents)
    initial, initial_counts = finder_handler(assistant, "", None)
    with gr.Row(elem_id="finder-row"):
        with gr.Column(scale=3):
            listing = gr.HTML(render_finder_list(initial, []), elem_id="finder-list", js_on_load=None)
            picked = gr.Textbox("[]", elem_id="finder-picked", label="Picked example ids", visible="hidden")
        with gr.Column(scale=1, min_width=240):
            counts = gr.HTML(initial_counts, elem_id="finder-counts", js_on_load=None)
            picked_note = gr.Markdown(picked_summary([]), elem_id="picked-note")
            title = gr.Textbox(label="Session title (names the files)", elem_id="pack-title",
                               max_length=MAX_FIELD_CHARS["title"])
            aims = gr.Textbox(label="Aims", elem_id="pack-aims", lines=2, max_length=MAX_FIELD_CHARS["aims"])
            timings = gr.Textbox(label="Timings", elem_id="pack-timings", lines=2,
                                 max_length=MAX_FIELD_CHARS["timings"], placeholder="10:00 welcome\n10:15 first example")
            notes = gr.Textbox(label="Facilitator notes", elem_id="pack-notes", lines=3,
                               max_length=MAX_FIELD_CHARS["notes"])
            pack_button = gr.Button("Create session pack", variant="primary", elem_id="make-pack")
            pack_files = gr.File(label="Session pack (Markdown and Word)", file_count="multiple",
                                 elem_id="pack-files", interactive=False)
            pack_status = gr.Markdown(elem_id="pack-status")

    def on_find(text, chosen_picks, *chosen):
        try:
            found, table = finder_handler(assistant, text, filters_from(dict(zip(FILTER_KEYS, chosen))))
        except AssistantError as exc:
            gr.Warning(str(exc))
            return gr.skip(), gr.skip()
        searched = bool(text and text.strip())
        return render_finder_list(found, picked_ids(chosen_picks), assistant, searched), table

    finder_inputs = [finder_query, picked, *finder_filters]
    for trigger in (finder_button.click, finder_query.submit):
        trigger(on_find, finder_inputs, [listing, counts], api_visibility="private")
    for component in finder_filters:
        component.change(on_find, finder_inputs, [listing, counts], api_visibility="private")
    picked.change(lambda value: picked_summary(picked_ids(value)), [picked], [picked_note], api_visibility="private")

    def on_pack(chosen_picks, session_title, session_aims, session_timings, session_notes):
        ids = picked_ids(chosen_picks)
        try:
            details = SessionDetails(session_title or "", session_aims or "", session_timings or "",
                                     session_notes or "")
            paths = pack_handler(assistant, ids, details)
        except AssistantError as exc:
            return None, f"**{exc}**"
        return paths, f"Session pack with {len(ids)} example{'s' if len(ids) != 1 else ''} is ready to download."

    pack_button.click(on_pack, [picked, title, aims, timings, notes], [pack_files, pack_status],
                      api_visibility="private")


def glossary_tab(gr, assistant) -> None:
    term = gr.Textbox(label="Look up an acronym or everyday word", elem_id="glossary-term",
                      info="Whole terms first, then terms starting with it, then meanings holding it")
    table = gr.Dataframe(glossary_rows(assistant, ""), headers=["term", "meaning", "kind", "source"],
                         interactive=False, elem_id="glossary-table", wrap=True, column_widths=["16%", "40%", "12%", "32%"])
    term.change(lambda t: glossary_rows(assistant, t), [term], [table], api_visibility="private")


def evaluate_tab(gr, assistant) -> None:
    """Run the offline evaluation (the same as `assistant eval`), with every measure explained."""
    from assistant.evaluate import SYSTEMS

    gr.Markdown("Run the offline evaluation on a gold set and read the report: the same as `assistant eval` on the "
                "command line, with the same four systems by default. It runs in a separate process, one run at a "
                "time, and takes about half a minute per gold set.")
    files = gold_files(assistant)
    gold_choice = gr.Dropdown(files, value=files[0] if files else None, label="Gold file", elem_id="eval-gold")
    system_choice = gr.CheckboxGroup(list(SYSTEMS), value=list(SYSTEMS), label="Systems", elem_id="eval-systems",
                                     info="ours: this assistant; naive: the LangChain tutorial pipeline; bm25: "
                                          "keywords only; dense: embeddings only")
    measures = gr.Markdown(measures_markdown(files[0]) if files else "", elem_id="eval-measures")
    eval_button = gr.Button("Run evaluation", elem_id="eval-run", variant="primary")
    eval_summary = gr.Markdown(elem_id="eval-summary")
    eval_report = gr.File(label="HTML report", elem_id="eval-report", interactive=False)
    gold_choice.change(measures_markdown, [gold_choice], [measures], api_visibility="private")

    def on_evaluate(gold_name, systems, progress=gr.Progress()):
        out = export_folder("eval-report-")
        progress(0, desc="starting the evaluation")
        try:
            return evaluate_handler(assistant, gold_name, systems, out,
                                    progress=lambda stage, done, total: progress(done / total, desc=stage))
        except AssistantError as exc:
            return f"**{exc}**", None

    eval_button.click(on_evaluate, [gold_choice, system_choice], [eval_summary, eval_report],
                      api_visibility="private", concurrency_limit=1)


def build_app(assistant, feedback_store=None):
    """The Gradio Blocks for `assistant`, not launched."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from assistant.feedback import FeedbackStore

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
        gr.Markdown(f"<small>{NOT_GUIDANCE}<br>{ATTRIBUTION}</small>", elem_id="footer")

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
