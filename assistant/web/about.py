"""What the Glossary and About tabs show, read from the build in use (again after a switch: `web.refresh`)."""

from __future__ import annotations

from assistant.notices import APP_ATTRIBUTION, APP_NOTICE


def glossary_rows(assistant, term: str | None) -> list[list[str]]:
    """The glossary table's rows for `term` (whole terms first, …), or every entry in order when there is none."""
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
    """The About tab: each indexed document, the counts, the build and the model, the licence and the notice."""
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


def glossary_tab(gr, assistant) -> dict:
    """The term box and the table of matches; returns them by name."""
    term = gr.Textbox(label="Look up an acronym or everyday word", elem_id="glossary-term",
                      info="Whole terms first, then terms starting with it, then meanings holding it")
    table = gr.Dataframe(glossary_rows(assistant, ""), headers=["term", "meaning", "kind", "source"],
                         interactive=False, elem_id="glossary-table", wrap=True, column_widths=["16%", "40%", "12%", "32%"])
    term.change(lambda t: glossary_rows(assistant, t), [term], [table], api_visibility="private")
    return {"glossary-term": term, "glossary-table": table}
