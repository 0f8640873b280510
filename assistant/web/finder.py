"""The Find examples tab: search and filter the examples, read and pick them in one list, make a session pack."""

from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path

from assistant.api import Found
from assistant.errors import AssistantError
from assistant.pack import MAX_FIELD_CHARS, SessionDetails, write_pack
from assistant.types import Example
from assistant.web.shared import MENUS, Choices, card_body, export_folder, filter_dropdowns, filters_from

RELEVANCE_LABELS = ((0.75, "strong match"), (0.5, "good match"), (0.0, "partial match"))
# A search lists first the examples scoring at least half the best one (a good or strong match); the partial
# matches (down to the API's floor, a quarter of the best) follow under "Less close", collapsed. Half is where
# the scores of most searches fall away: substance misuse 0.66 then 0.33, leadership 0.64 then 0.35.
CLOSE_MATCH = 0.5


def match_label(found: Found) -> str:
    """"strong match", "good match" or "partial match" for a search result; "" when nothing was searched."""
    if found.relevance is None:
        return ""
    return next(label for floor, label in RELEVANCE_LABELS if found.relevance >= floor)


def finder_handler(assistant, query: str, filters: dict | None) -> tuple[list[Found], str]:
    """The examples matching the filters, and for a search only those close to it, best first with
    their relevance (a share of the best match); plus the counts per theme and standard of the close
    ones (HTML)."""
    found = assistant.find_examples(query, filters)
    close = [f.example for f in found if is_close(f)]
    return found, counts_html(close, len(found) - len(close))


def is_close(found: Found) -> bool:
    """Listed first: every example when nothing was searched, else a good or strong match."""
    return found.relevance is None or found.relevance >= CLOSE_MATCH


def counts_html(examples: list[Example], less_close: int = 0) -> str:
    """How many examples per theme and per standard, as two small tables that fit a narrow column."""
    def table(heading: str, counts: Counter) -> str:
        rows = "".join(f"<tr><td>{html.escape(name)}</td><td class=\"n\">{n}</td></tr>" for name, n in sorted(counts.items()))
        return f'<table><thead><tr><th>{heading}</th><th class="n">n</th></tr></thead><tbody>{rows}</tbody></table>'

    total = (f"<p><strong>{len(examples)} example{'s' if len(examples) != 1 else ''}</strong>"
             + (f" (and {less_close} less close)" if less_close else "") + "</p>")
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
        cue = (f'<span class="relevance" title="{percent}% of the best match">{match_label(found)}</span>'
               f'<span class="bar" style="width:{percent}%" aria-hidden="true"></span>')
    return (f'<div class="pick-card{" picked" if picked else ""}" data-id="{html.escape(example.id)}">'
            f'<input type="checkbox" class="pick" value="{html.escape(example.id)}"{" checked" if picked else ""} '
            f'aria-label="Pick {html.escape(example.title)} for the session pack">'
            f'<details><summary><span class="title">{html.escape(example.title)}</span>{cue}'
            f'<span class="who">{html.escape(person)} · {html.escape(example.section)}</span></summary>'
            f"{card_body(example, person_line=False)}</details></div>")


def render_finder_list(found: list[Found], picked: list[str], assistant=None, searched: bool = False) -> str:
    """One list: each example can be opened to read and ticked to pick. A search's close examples come
    first; the less close ones follow under "Less close", collapsed; picks from earlier searches stay
    listed at the end."""
    chosen = set(picked or [])
    close = [f for f in found if is_close(f)]
    weaker = [f for f in found if not is_close(f)]
    if found:
        parts = [_pick_card(f, f.example.id in chosen) for f in close]
        if weaker:
            parts.append(f'<details class="less-close"><summary>Less close ({len(weaker)}): partial matches, '
                         f'less than half as close as the best</summary>'
                         + "".join(_pick_card(f, f.example.id in chosen) for f in weaker) + "</details>")
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


def pack_handler(assistant, ids: list[str], details=None, folder: Path | None = None) -> list[str]:
    """Write the facilitator's pack and the participants' handout for the chosen example ids, each as Word
    and Markdown; return the paths (Word first).

    The files are named from the session title in `details` (a `pack.SessionDetails`).
    """
    examples = [assistant.example(i) for i in ids or []]
    folder = Path(folder) if folder else export_folder("session-pack-")
    files = write_pack([e for e in examples if e is not None], folder, details)
    return [str(path) for path in files.all()]


def finder_tab(gr, assistant, choices: Choices) -> dict:
    """Search and filter the examples, read and pick them in one list, and make a session pack.

    Returns the components that show the corpus, by their elem_id (for `web.refresh`)."""
    gr.Markdown("Search or filter the examples, open one to read it, tick the ones you want, and make a session "
                "pack for a PDD session: a facilitator's pack and a participants' handout. A search lists the examples "
                "close to it, best first; weaker matches wait under *Less close*.")
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
            pack_files = gr.File(label="Facilitator's pack and participants' handout (Word and Markdown)",
                                 file_count="multiple", elem_id="pack-files", interactive=False)
            pack_status = gr.Markdown(elem_id="pack-status")

    def on_find(text, chosen_picks, *chosen):
        try:
            found, table = finder_handler(assistant, text, filters_from(dict(zip(MENUS, chosen))))
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
        names = "\n".join(f"- `{Path(p).name}`" for p in paths)
        return paths, (f"Session pack with {len(ids)} example{'s' if len(ids) != 1 else ''} is ready to download: "
                       f"the facilitator's pack (aims, timings, notes, prompts and suggested answers) and the "
                       f"participants' handout (the examples and questions only), each as Word and Markdown:\n\n{names}")

    pack_button.click(on_pack, [picked, title, aims, timings, notes], [pack_files, pack_status],
                      api_visibility="private")
    return {"finder-query": finder_query, "finder-picked": picked, "finder-list": listing, "finder-counts": counts,
            **{f"finder-{key}": menu for key, menu in zip(MENUS, finder_filters)}}
