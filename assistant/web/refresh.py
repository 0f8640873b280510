"""An open page follows the server's builds: after `assistant index`, `add` or `remove` in another process,
the filter choices of every tab, the finder's list and counts, the glossary, and the About tab with its list
of documents show the new corpus, without a reload.

Every `CHECK_EVERY_S` seconds, and when it loads, the page asks which build the server answers from
(`Assistant.status()`, which is also what makes a server notice a new build and switch to it). While that is
the build the page shows, nothing changes. After a switch, `on_new_build` reads every menu and list again
from the new build, keeping what the person had chosen, searched and picked wherever it still exists.
"""

from __future__ import annotations

from typing import Any

from assistant.errors import AssistantError
from assistant.web.about import about_markdown, glossary_rows
from assistant.web.chat import SESSION_TTL_S
from assistant.web.finder import finder_handler, picked_ids, render_finder_list
from assistant.web.shared import MENUS, Choices, Update, filters_from, menu_properties, wire

CHECK_EVERY_S = 2.0
MENU_PREFIXES = ("filter", "finder")  # the Ask tab's filters and the finder's, named "<prefix>-<menu>"
READ = (*(f"{prefix}-{key}" for prefix in MENU_PREFIXES for key in MENUS), "finder-query", "finder-picked",
        "glossary-term")  # what the page sends with each check: what the person has chosen


def on_check(assistant, shown: str | None, values: dict[str, Any]) -> dict[str, Any]:
    """Nothing while the page shows the build in use; after a switch, the new build's id ("build") and every
    component that shows the corpus, read from it (`values`: the page's choices, by component name)."""
    build_id = assistant.status()["build_id"]
    if build_id == shown:
        return {}
    return {"build": build_id, **on_new_build(assistant, values)}


def on_new_build(assistant, values: dict[str, Any]) -> dict[str, Any]:
    """Every menu's choices, the finder's list and counts, the glossary table and the About text, from the build
    in use. A chosen filter value the new corpus lacks is dropped; the finder keeps its search and picks."""
    choices = Choices.of(assistant)
    changes: dict[str, Any] = {}
    finder_filters: dict[str, list[str]] = {}
    for prefix in MENU_PREFIXES:
        for key, menu in menu_properties(choices.themes, choices.values, choices.documents).items():
            name = f"{prefix}-{key}"
            chosen = list(values.get(name) or [])
            kept = [value for value in chosen if value in menu["choices"]]
            # the value is sent only when it changed: sending it would fire the menu's change event
            changes[name] = Update(choices=menu["choices"], visible=menu["visible"],
                                   **({"value": kept} if kept != chosen else {}))
            if prefix == "finder":
                finder_filters[key] = kept
    query = values.get("finder-query") or ""
    try:
        found, counts = finder_handler(assistant, query, filters_from(finder_filters))
    except AssistantError:  # the search no longer fits this corpus: the list waits for the next search
        pass
    else:
        changes["finder-list"] = render_finder_list(found, picked_ids(values.get("finder-picked")), assistant,
                                                    searched=bool(query.strip()))
        changes["finder-counts"] = counts
    changes["glossary-table"] = glossary_rows(assistant, values.get("glossary-term"))
    changes["about"] = about_markdown(assistant)
    return changes


def follow_builds(gr, app, assistant, components: dict[str, Any]) -> None:
    """Wire the check to a timer and to the page's load. `components`, by name: every menu ("filter-theme",
    "finder-theme", …), "finder-query", "finder-picked", "finder-list", "finder-counts", "glossary-term",
    "glossary-table" and "about"."""
    shown = gr.State(assistant.status()["build_id"], time_to_live=SESSION_TTL_S)  # the build the page was made from
    named = {**components, "build": shown}
    read = [name for name in READ if name in components]

    def check(build: str | None, *values: Any):
        changes = on_check(assistant, build, dict(zip(read, values)))
        return wire(gr, named, changes or {"build": gr.skip()})  # Gradio reads an empty dict as one value

    timer = gr.Timer(CHECK_EVERY_S)
    for trigger in (timer.tick, app.load):
        trigger(check, [shown, *(components[name] for name in read)], list(named.values()),
                api_visibility="private", show_progress="hidden")
