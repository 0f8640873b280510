"""A commented gold-set template (`assistant eval --init-gold FILE`): one line of each kind an evaluator
writes, made from the corpus in the index so that it is valid, and passes the default gate, as written."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Sequence

from assistant.errors import BadInputError
from assistant.types import Example, Section

HEADER = """\
# Your own gold set, for `assistant eval --gold {name}` (or the Evaluate tab's upload).
#
# One JSON object a line. Lines starting with # are comments and blank lines are skipped, so keep or delete
# these notes as you like. Every line is checked before anything runs, and each bad line is named with its
# number. Example ids come from `assistant examples` (or `assistant examples --json`).
#
# Fields (evals/LABELS.md says how the project's own sets were labelled):
#   id            any name, unique in the file, e.g. "mine-001"
#   question      the question in your own words
#   kind          "example"      answered by a case or organisational example
#                 "section"      answered by a part of a publication (a standard, an introduction)
#                 "fact"         one fact; list the words the answer must hold in "facts"
#                 "filter"       asked with filters, e.g. "filters": {{"theme": ["Court work"]}}
#                 "followup"     asked after earlier turns: "history": [{{"role": "user", "content": "..."}}, ...]
#                 "out_of_scope" must be refused: the documents do not cover it (no "gold")
#   gold          the ids of every example that is a right answer; several ids when several are right
#   alternates    ids that may fairly come first too: they count for hit@k, not for recall@5
#   facts         words or numbers the answer must contain (for "fact" questions)
#   points        practice points of the gold examples that answer the question as asked, most direct first,
#                 each copied word for word from the example (a whole bullet, or one sentence of a paragraph)
#   key_passages  the same kind of copied passages, for the key-passage measures
#
# Run it, and hold it to the default gate in evals/thresholds.json (or --thresholds FILE):
#   assistant eval --gold {name} --gate
"""


def _first_points(example: Example, n: int = 2) -> list[str]:
    points = [p for group in example.groups for p in group.points]
    return points[:n]


def _line(comment: str, case: dict) -> list[str]:
    return ["", f"# {comment}", json.dumps(case, ensure_ascii=False)]


def gold_template(examples: Sequence[Example], sections: Sequence[Section] = (), name: str = "mine.jsonl") -> str:
    """The template's text: an in-scope question, one with several right examples (and the theme's own
    section as an alternate), one with practice-point labels, and two that must be refused, from the corpus
    in the index."""
    cases = [e for e in examples if e.kind == "case" and _first_points(e)]
    if len(cases) < 2:
        raise BadInputError("the index holds too few case examples for a template; add publications first")
    by_theme: dict[str, list[Example]] = defaultdict(list)
    for example in cases:
        by_theme[example.section].append(example)
    theme, shared = max(by_theme.items(), key=lambda item: len(item[1]))
    single, labelled = cases[0], cases[-1]
    lines = HEADER.format(name=name).splitlines()
    lines += _line("An in-scope question with one right example.",
                   {"id": "mine-001", "question": f"Any examples of {single.title[0].lower()}{single.title[1:]}?",
                    "kind": "example", "gold": [single.id]})
    several = {"id": "mine-002", "question": f"What good practice is there on {theme.lower()}?", "kind": "example",
               "gold": [e.id for e in shared[:3]]}
    alternates = [s.id for s in sections if s.title == theme and s.document_id == shared[0].document_id]
    lines += _line(f"Several right examples: every {theme} example answers it, so all are gold (any of them first "
                   "counts as a hit)" + (", and the theme's own section may fairly come first too (an alternate)."
                                         if alternates else "."), {**several, "alternates": alternates[:1]}
                   if alternates else several)
    person = labelled.person.name if labelled.person and labelled.person.name else "the person"
    lines += _line("Practice-point labels: the points of the gold example that answer the question, copied word "
                   "for word.",
                   {"id": "mine-003", "question": f"In '{labelled.title}', what did the practitioner do with {person}?",
                    "kind": "example", "gold": [labelled.id], "points": _first_points(labelled)})
    lines += _line("Must be refused: nothing to do with probation practice.",
                   {"id": "mine-004", "question": "What is a good recipe for lasagne?", "kind": "out_of_scope"})
    lines += _line("Must be refused: probation work the documents do not cover.",
                   {"id": "mine-005", "question": "How do polygraph conditions work for sex offenders on licence?",
                    "kind": "out_of_scope"})
    return "\n".join(lines) + "\n"


def write_gold_template(path: Path, examples: Sequence[Example], sections: Sequence[Section] = ()) -> Path:
    """Write the template to `path`; never over an existing file."""
    if path.exists():
        raise BadInputError(f"{path} already exists; choose a new file name for the template")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(gold_template(examples, sections, path.name), encoding="utf-8")
    except OSError as exc:
        raise BadInputError(f"cannot write {path} ({exc.strerror or exc})") from None
    return path
