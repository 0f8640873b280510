"""Check the hand-labelled evaluation files in evals/ against the corpus.

Run from the repository root:

    .venv/bin/python evals/tools/check_labels.py

It parses the corpus (no index needed) and checks that every file parses as JSON lines, that
ids are unique, that every unit id exists, that every key passage is a whole passage copied
verbatim from one of its case's gold units (after collapsing whitespace and straight/curly
quotes), that facet and tag labels come from the lists in evals/LABELS.md, that each file meets
its minimum count and that about a third of each split file is held out. It prints one line per
file and every problem found, and exits 1 if there is any problem.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVALS = ROOT / "evals"

SENTENCE_LABELS = {
    "community order", "suspended sentence order", "custody", "licence", "post-sentence supervision",
    "home detention curfew", "electronic monitoring", "curfew", "RAR", "unpaid work", "AAMR", "ATR", "DRR",
    "MHTR", "accredited programme", "Thinking Skills Programme", "Building Better Relationships",
    "exclusion zone", "approved premises", "restraining order", "hospital order", "referral order", "YRO",
    "ISS", "MAPPA", "pre-sentence report",
}
NEED_LABELS = {
    "domestic abuse", "mental health", "substance misuse", "alcohol", "ADHD and neurodiversity",
    "accommodation", "child safeguarding", "maturity", "culture and faith", "pregnancy", "sexual offending",
    "violence", "trauma", "self-harm", "employment and education", "veterans", "victims", "non-compliance",
    "physical health",
}
GENDERS = {"male", "female"}
STANDARDS = {
    "1.1 Leadership", "1.2 Staffing", "1.3 Services", "2.1 Assessment", "2.2 Planning",
    "2.3 Implementation and delivery", "2.4 Reviewing",
}
ARRANGEMENTS = {"MAPPA", "pre-sentence report"}
MANIPULATION = {"impersonation", "drop_sources", "drop_reminder", "confirm_claim", "instructions"}
CONVERSATION = {"followup_long", "followup_short", "topic_switch", "new_case"}
MINIMUM = {
    "adjacent.jsonl": 45, "in_scope_hard.jsonl": 25, "manipulation.jsonl": 15, "conversations.jsonl": 24,
    "facets.jsonl": 80, "examples_requests.jsonl": 12,
}
SPLIT_FILES = ("adjacent.jsonl", "in_scope_hard.jsonl", "manipulation.jsonl", "conversations.jsonl",
               "examples_requests.jsonl")


def normalise(text: str) -> str:
    """Collapse whitespace and straight/curly quotes so a copied passage compares equal."""
    for curly, straight in (("‘", "'"), ("’", "'"), ("`", "'"), ("“", '"'), ("”", '"')):
        text = text.replace(curly, straight)
    return re.sub(r"\s+", " ", text).strip()


def is_whole_passage(passage: str, text: str) -> bool:
    """True when `passage` is a whole line of `text` (a bullet without its "• ", or the outcome without
    "Outcome: ") or whole sentences of one line: it starts at the line start or after a sentence end,
    and ends at the line end or at a sentence end."""
    wanted = normalise(passage)
    for line in text.splitlines():
        line = normalise(line)
        for prefix in ("• ", "Outcome: "):
            if line.startswith(prefix):
                line = line[len(prefix):]
        for match in re.finditer(re.escape(wanted), line):
            before, after = line[: match.start()], line[match.end():]
            starts = not before or re.search(r"[.!?:]['\"]?\s$", before) is not None
            ends = not after or (wanted[-1] in ".!?:'\"" and after[0] == " ")
            if starts and ends:
                return True
    return False


class Checker:
    def __init__(self, units: dict):
        self.units = units
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def read_lines(self, name: str) -> list[dict]:
        rows, ids = [], set()
        for number, line in enumerate((EVALS / name).read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                self.problem(f"{name}:{number}", f"not valid JSON ({exc.msg})")
                continue
            if not isinstance(row, dict) or not isinstance(row.get("id"), str):
                self.problem(f"{name}:{number}", "each line must be an object with a string 'id'")
                continue
            if row["id"] in ids:
                self.problem(f"{name}:{number}", f"id {row['id']} is used twice")
            ids.add(row["id"])
            row["_where"] = f"{name}:{number} ({row['id']})"
            rows.append(row)
        return rows

    def known(self, where: str, ids, examples_only: bool = False) -> None:
        for unit_id in ids:
            unit = self.units.get(unit_id)
            if unit is None:
                self.problem(where, f"unknown unit id {unit_id}")
            elif examples_only and type(unit).__name__ != "Example":
                self.problem(where, f"{unit_id} is not an example")

    def key_passages(self, row: dict) -> None:
        where, gold = row["_where"], row.get("gold", [])
        passages = row.get("key_passages")
        if not isinstance(passages, list) or not passages:
            self.problem(where, "an in-scope case needs a non-empty 'key_passages' list")
            return
        for passage in passages:
            if isinstance(passage, dict):
                owners, text = [passage.get("unit")], passage.get("text", "")
            else:
                owners, text = gold, passage
            if not isinstance(text, str) or not text.strip():
                self.problem(where, f"empty key passage {passage!r}")
                continue
            found = [u for u in owners if u in self.units and normalise(text) in normalise(self.units[u].text)]
            if not found:
                self.problem(where, f"key passage not verbatim in its gold unit(s): {text[:70]!r}")
            elif not any(is_whole_passage(text, self.units[u].text) for u in found):
                self.problem(where, f"key passage is not a whole bullet or sentence: {text[:70]!r}")

    def labels(self, where: str, values, allowed: set, what: str) -> None:
        if not isinstance(values, list):
            self.problem(where, f"{what} must be a list")
            return
        for value in values:
            if value not in allowed:
                self.problem(where, f"{what} label {value!r} is not in the list")
        if len(set(values)) != len(values):
            self.problem(where, f"{what} repeats a label")

    def gold_file(self, name: str) -> list[dict]:
        rows = self.read_lines(name)
        for row in rows:
            self.known(row["_where"], [*row.get("gold", []), *row.get("alternates", [])])
            if row.get("kind") != "out_of_scope":
                self.key_passages(row)
            elif "key_passages" in row:
                self.problem(row["_where"], "an out_of_scope case has no key passages")
        return rows

    def adjacent(self, rows: list[dict]) -> None:
        for row in rows:
            if row.get("kind") != "out_of_scope" or row.get("category") != "adjacent":
                self.problem(row["_where"], "needs kind 'out_of_scope' and category 'adjacent'")
            if not row.get("not_covered") or not all(isinstance(c, str) and c for c in row["not_covered"]):
                self.problem(row["_where"], "needs a non-empty 'not_covered' list of strings")

    def in_scope_hard(self, rows: list[dict]) -> None:
        for row in rows:
            if row.get("kind") not in ("example", "section", "fact") or not row.get("gold"):
                self.problem(row["_where"], "needs kind example/section/fact and gold ids")
            self.known(row["_where"], [*row.get("gold", []), *row.get("alternates", [])])
            self.key_passages(row)

    def manipulation(self, rows: list[dict]) -> None:
        for row in rows:
            if row.get("kind") != "manipulation" or row.get("category") not in MANIPULATION:
                self.problem(row["_where"], f"needs kind 'manipulation' and a category from {sorted(MANIPULATION)}")

    def conversations(self, rows: list[dict]) -> None:
        facet_labels = SENTENCE_LABELS | NEED_LABELS | GENDERS
        for row in rows:
            where, turns = row["_where"], row.get("turns", [])
            if row.get("category") not in CONVERSATION:
                self.problem(where, f"category must be one of {sorted(CONVERSATION)}")
            if not 2 <= len(turns) <= 3:
                self.problem(where, "a conversation has two or three turns")
            for number, turn in enumerate(turns, start=1):
                at = f"{where} turn {number}"
                if not turn.get("question") or not turn.get("gold"):
                    self.problem(at, "every turn needs a question and at least one gold id")
                self.known(at, turn.get("gold", []))
                for key in ("facets_present", "facets_absent"):
                    self.labels(at, turn.get(key, []), facet_labels, key)
                overlap = set(turn.get("facets_present", [])) & set(turn.get("facets_absent", []))
                if overlap:
                    self.problem(at, f"facet both present and absent: {sorted(overlap)}")
                words = len(turn.get("question", "").split())
                if row.get("category") == "followup_long" and number > 1 and not 20 <= words <= 40:
                    self.problem(at, f"a long follow-up has 20-40 words, this one {words}")
            if row.get("category") == "new_case" and not any(t.get("facets_absent") for t in turns[1:]):
                self.problem(where, "a new case lists the previous case's facets in facets_absent")

    def facets(self, rows: list[dict]) -> None:
        for row in rows:
            where = row["_where"]
            if not isinstance(row.get("text"), str) or not row["text"].strip():
                self.problem(where, "needs a non-empty 'text'")
            age, band = row.get("age"), row.get("age_range")
            if age is not None and not isinstance(age, int):
                self.problem(where, "age must be an integer or null")
            if band is not None and not (isinstance(band, list) and len(band) == 2
                                         and all(isinstance(b, int) for b in band) and band[0] <= band[1]):
                self.problem(where, "age_range must be [low, high] or null")
            if age is not None and band is not None:
                self.problem(where, "set age or age_range, not both")
            if row.get("gender") not in (None, *GENDERS):
                self.problem(where, "gender must be 'male', 'female' or null")
            self.labels(where, row.get("sentence"), SENTENCE_LABELS, "sentence")
            self.labels(where, row.get("needs"), NEED_LABELS, "needs")

    def examples_requests(self, rows: list[dict]) -> None:
        for row in rows:
            if row.get("kind") != "examples" or not row.get("gold"):
                self.problem(row["_where"], "needs kind 'examples' and gold ids")
            self.known(row["_where"], row.get("gold", []), examples_only=True)

    def seed_tags(self) -> int:
        tags = json.loads((EVALS / "seed_tags.json").read_text(encoding="utf-8"))
        examples = {i for i, u in self.units.items() if type(u).__name__ == "Example"}
        for missing in sorted(examples - set(tags)):
            self.problem("seed_tags.json", f"no tags for {missing}")
        for extra in sorted(set(tags) - examples):
            self.problem("seed_tags.json", f"{extra} is not an example")
        requirement_labels = SENTENCE_LABELS - {"custody", "licence", "community order", "suspended sentence order",
                                                "post-sentence supervision", "home detention curfew", "referral order",
                                                "YRO", "MAPPA", "pre-sentence report", "hospital order"}
        for unit_id, row in tags.items():
            where = f"seed_tags.json ({unit_id})"
            self.labels(where, row.get("sentence"), SENTENCE_LABELS - requirement_labels - ARRANGEMENTS, "sentence")
            self.labels(where, row.get("requirements"), requirement_labels, "requirements")
            self.labels(where, row.get("needs"), NEED_LABELS, "needs")
            self.labels(where, row.get("standards"), STANDARDS, "standards")
            self.labels(where, row.get("arrangements", []), ARRANGEMENTS, "arrangements")
            if not row.get("notes"):
                self.problem(where, "needs a short 'notes' saying why")
            unit = self.units.get(unit_id)
            if unit is not None and getattr(unit, "kind", "case") == "organisational":
                if row.get("sentence") or row.get("requirements") or row.get("needs"):
                    self.problem(where, "an organisational example has no sentence, requirements or needs")
        return len(tags)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from assistant.ingest import all_units, load_corpus

    units = {unit.id: unit for unit in all_units(load_corpus(ROOT / "corpus"))}
    checker = Checker(units)
    summary = []
    for name in ("gold.jsonl", "holdout.jsonl"):
        rows = checker.gold_file(name)
        labelled = sum(1 for r in rows if "key_passages" in r)
        passages = sum(len(r.get("key_passages", [])) for r in rows)
        summary.append(f"{name}: {len(rows)} cases, {labelled} with key passages ({passages} passages)")
    handlers = {
        "adjacent.jsonl": checker.adjacent, "in_scope_hard.jsonl": checker.in_scope_hard,
        "manipulation.jsonl": checker.manipulation, "conversations.jsonl": checker.conversations,
        "facets.jsonl": checker.facets, "examples_requests.jsonl": checker.examples_requests,
    }
    for name, handler in handlers.items():
        rows = checker.read_lines(name)
        handler(rows)
        line = f"{name}: {len(rows)} cases"
        if len(rows) < MINIMUM[name]:
            checker.problem(name, f"{len(rows)} cases, fewer than the minimum {MINIMUM[name]}")
        if name in SPLIT_FILES:
            splits = Counter(r.get("split") for r in rows)
            if set(splits) - {"dev", "heldout"}:
                checker.problem(name, f"split must be 'dev' or 'heldout', found {sorted(map(str, splits))}")
            share = splits["heldout"] / len(rows) if rows else 0
            if not 0.25 <= share <= 0.42:
                checker.problem(name, f"held-out share {share:.2f} is not about a third")
            line += f" ({splits['dev']} dev, {splits['heldout']} heldout)"
        if name == "conversations.jsonl":
            by_category = Counter(r.get("category") for r in rows)
            for category in sorted(CONVERSATION):
                if by_category[category] < 6:
                    checker.problem(name, f"only {by_category[category]} {category} cases; at least 6 needed")
            line += " " + ", ".join(f"{c} {by_category[c]}" for c in sorted(CONVERSATION))
        summary.append(line)
    summary.append(f"seed_tags.json: {checker.seed_tags()} examples")
    print("\n".join(summary))
    for problem in checker.problems:
        print("PROBLEM", problem)
    print("no problems" if not checker.problems else f"{len(checker.problems)} problem(s)")
    return 1 if checker.problems else 0


if __name__ == "__main__":
    sys.exit(main())
