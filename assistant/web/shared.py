"""What the tabs share: evidence cards, filter menus and their choices, export folders."""

from __future__ import annotations

import html
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from assistant.links import source_link
from assistant.render import FILTER_LABELS
from assistant.types import Example, publication

MENUS = tuple(key for key in FILTER_LABELS if key != "kind")  # the filter menus, in the order the page shows them
MAX_ALSO_FOUND = 3
# Session packs and evaluation reports are written to folders that are removed an hour later
# (by the next export), and Gradio's copies of them are deleted on the same schedule.
EXPORTS_TTL_S = 3600
EXPORTS_FOLDER = "probation-assistant-exports"


def highlight(text: str, quotes: tuple[str, ...]) -> str:
    escaped = html.escape(text)
    for quote in sorted(set(quotes), key=len, reverse=True):
        target = html.escape(quote)
        escaped = escaped.replace(target, f"<mark>{target}</mark>")
    return escaped


def source_paragraph(unit, label: str = "Read it in the source document") -> str:
    """A link to the source, only for an http(s) address (never a javascript: URL)."""
    url = source_link(unit)
    if not url:
        return ""
    return f'<p><a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">{html.escape(label)}</a></p>'


def card_body(unit, quotes: tuple[str, ...] = (), also: tuple = (), person_line: bool = True) -> str:
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
                 f"{highlight(unit.text, quotes)}</div></details>")
    parts.append(source_paragraph(unit))
    if also:
        links = [f'{html.escape(publication(u))}' + (f' (<a href="{html.escape(source_link(u))}" target="_blank" '
                                                        f'rel="noopener noreferrer">source</a>)' if source_link(u) else "")
                 for u in also]
        parts.append(f'<p class="also-in">Also published in: {"; ".join(links)}</p>')
    return "".join(parts)


def card(n: int | None, unit, quotes: tuple[str, ...] = (), open_: bool = True, extra_class: str = "",
          also: tuple = ()) -> str:
    label = f"[{n}] " if n else ""
    attributes = f' id="card-{n}"' if n else ""
    classes = f"card {extra_class}".strip()
    return (f'<details class="{classes}"{attributes}{" open" if open_ else ""}>'
            f"<summary>{html.escape(label + unit.title)}</summary>{card_body(unit, quotes, also)}</details>")


def unticked(values: list[str] | None, choices: list[str] | None) -> list[str]:
    """The facets read from the question that the user has switched off."""
    return [f for f in (choices or []) if f not in (values or [])]


def filters_from(values: dict[str, list[str] | None]) -> dict[str, list[str]] | None:
    chosen = {key: list(value) for key, value in values.items() if value}
    return chosen or None


def menu_properties(themes: list[str], values: dict[str, list[str]], documents: list[str]) -> dict[str, dict[str, Any]]:
    """Each filter menu's (`MENUS`) choices and whether it shows: the publication filters (document, region,
    year, kind of publication) show once the corpus has more than one value to choose between."""
    choices = {**values, "theme": themes, "document": documents, "year": sorted(values["year"], reverse=True)}
    publication = {"document", "region", "year", "publication_kind"}
    return {key: {"choices": choices[key], "visible": key not in publication or len(choices[key]) > 1} for key in MENUS}


def filter_dropdowns(gr, prefix: str, themes: list[str], values: dict[str, list[str]], documents: list[str]) -> list:
    """Multi-select dropdowns (shown as removable chips), one per filter menu (`MENUS`), in that order, each
    named `<prefix>-<menu>` (its elem_id)."""
    return [gr.Dropdown(menu["choices"], multiselect=True, label=FILTER_LABELS[key].capitalize(),
                        elem_id=f"{prefix}-{key}", visible=menu["visible"])
            for key, menu in menu_properties(themes, values, documents).items()]


@dataclass
class Choices:
    """The filter values every tab offers, read from the build in use (again after a switch)."""

    themes: list[str]
    values: dict[str, list[str]]
    documents: list[str]

    @classmethod
    def of(cls, assistant) -> "Choices":
        examples = assistant.examples()
        return cls(sorted({e.section for e in examples}), assistant.filter_values(),
                   sorted({u.document_id for u in examples + assistant.sections()}))


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


def mode_label(assistant) -> str:
    llm = assistant.settings.llm
    if llm:
        return f"**Answer mode:** LLM: {html.escape(llm)} — every sentence checked against the sources"
    return "**Answer mode:** offline answers from the corpus — every point is quoted from an inspected case"


class Update(dict):
    """A change to a component's properties (its choices, whether it shows) rather than to its value."""

    def __init__(self, **properties: Any):
        super().__init__(properties)


def wire(gr, components: dict[str, Any], changes: dict[str, Any] | Iterable[dict[str, Any]]):
    """A handler's changes (by component name) as Gradio takes them ({component: value}); a generator's
    changes one by one."""
    def converted(one: dict[str, Any]) -> dict[Any, Any]:
        return {components[name]: gr.update(**value) if isinstance(value, Update) else value
                for name, value in one.items()}

    if isinstance(changes, dict):
        return converted(changes)
    return (converted(one) for one in changes)
