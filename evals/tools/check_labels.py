"""Check the hand-labelled evaluation files in evals/ against the corpus.

Run from the repository root:

    .venv/bin/python evals/tools/check_labels.py

It parses the corpus (no index needed) and checks that every file parses as JSON lines, that
ids are unique, that every unit id exists, that every key passage is a whole passage copied
verbatim from one of its case's gold units (after collapsing whitespace and straight/curly
quotes), that facet and tag labels come from the lists in evals/LABELS.md, that each file meets
its minimum count and that about a third of each split file is held out. It prints one line per
file and every problem found, and exits 1 if there is any problem.

Issue 16 labels: every in-scope row of gold.jsonl, holdout.jsonl, in_scope_hard.jsonl and
fixtures_gold.jsonl carries `points` (whole passages of its gold or alternate units; empty for
out-of-scope rows), and the new files everyday.jsonl, uncovered.jsonl, falsification.jsonl,
request_shapes.jsonl and conversations_switch.jsonl are checked for their fields, minimum counts
and exact held-out thirds (the 3rd, 6th, 9th ... line). The fixture questions name units that exist
only in the bigger corpus that evals/growth_eval.py builds (the project corpus plus the fixture
publications of tests/fixtures/publications/), so that corpus is built in a temporary folder and
parsed the same way.
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


SEED_PREFIXES = ("ne-2025:", "standards:")
SUGGESTED = (
    "My client has ADHD and keeps missing appointments",
    "He's on a tag after prison and using drugs again - what helped in similar cases?",
    "How do I handle disclosure to a DA perpetrator's new partner?",
    "She's pregnant and has unpaid work hours to do",
    "Ex-forces lad with PTSD who drinks heavily",
    "What does the ASPIRE model stand for?",
)
SWITCH = {"switch_after_suggestion", "followup_two_asks"}
SHAPES = {"count", "compare", "multipart"}
FALSIFY = {"falsify", "enforcement"}
NEW_MINIMUM = {
    "everyday.jsonl": 60, "uncovered.jsonl": 40, "falsification.jsonl": 20, "request_shapes.jsonl": 20,
    "conversations_switch.jsonl": 15,
}


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


def is_point(passage: str, text: str) -> bool:
    """True when `passage` is a whole passage of `text` (see is_whole_passage), or a list item read with
    its lead-in, as the composer reads it: "<lead ending with a colon>: <item>", where the lead ends a
    line of `text` and the item is a whole bullet line after it ("Key features included: disclosure to
    the new partner")."""
    if is_whole_passage(passage, text):
        return True
    wanted = normalise(passage)
    lines = [normalise(line) for line in text.splitlines()]
    for cut in [m.start() for m in re.finditer(r": ", wanted)]:
        lead, item = wanted[: cut + 1], wanted[cut + 2:]
        for number, line in enumerate(lines):
            if line.endswith(lead) and is_whole_passage(lead, line):
                rest = "\n".join(lines[number + 1:])
                if any(normalise(other.lstrip("• ")) == item for other in rest.splitlines()):
                    return True
    return False


class Checker:
    def __init__(self, units: dict, big_units: dict | None = None):
        self.units = units
        self.big_units = big_units if big_units is not None else units
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

    def points(self, row: dict, units: dict | None = None, where: str | None = None,
               owners: list | None = None, required: bool = True) -> int:
        """`points`: whole passages copied verbatim from the row's gold or alternate units, no repeats."""
        units = units if units is not None else self.units
        where = where or row["_where"]
        owners = owners if owners is not None else [*row.get("gold", []), *row.get("alternates", [])]
        points = row.get("points")
        if points is None:
            if required:
                self.problem(where, "needs a 'points' list")
            return 0
        if not isinstance(points, list) or not all(isinstance(p, str) and p.strip() for p in points):
            self.problem(where, "'points' must be a list of non-empty strings")
            return 0
        if len({normalise(p) for p in points}) != len(points):
            self.problem(where, "a point is repeated")
        for point in points:
            found = [u for u in owners if u in units and normalise(point) in normalise(units[u].text)]
            if not found and not any(u in units and is_point(point, units[u].text) for u in owners):
                self.problem(where, f"point not verbatim in its gold/alternate unit(s): {point[:70]!r}")
            elif not any(is_point(point, units[u].text) for u in owners if u in units):
                self.problem(where, f"point is not a whole passage: {point[:70]!r}")
        return len(points)

    def labelled_points(self, rows: list[dict], units: dict | None = None) -> None:
        for row in rows:
            if row.get("kind") == "out_of_scope":
                if row.get("points"):
                    self.problem(row["_where"], "an out_of_scope case has empty 'points'")
                elif "points" not in row:
                    self.problem(row["_where"], "needs 'points': [] (out of scope)")
                continue
            if not row.get("points"):
                self.problem(row["_where"], "an in-scope case needs a non-empty 'points' list")
            self.points(row, units)

    def exact_thirds(self, name: str, rows: list[dict]) -> str:
        for number, row in enumerate(rows, start=1):
            wanted = "heldout" if number % 3 == 0 else "dev"
            if row.get("split") != wanted:
                self.problem(row["_where"], f"split must be {wanted!r} (every third line is held out)")
        heldout = sum(1 for r in rows if r.get("split") == "heldout")
        return f"({len(rows) - heldout} dev, {heldout} heldout)"

    def seed_ids(self, where: str, ids, examples_only: bool = False) -> None:
        self.known(where, ids, examples_only)
        for unit_id in ids:
            if not str(unit_id).startswith(SEED_PREFIXES):
                self.problem(where, f"{unit_id} is not a seed corpus unit")

    def everyday(self, rows: list[dict]) -> None:
        for row in rows:
            where = row["_where"]
            if row.get("kind") not in ("example", "section") or not row.get("gold"):
                self.problem(where, "needs kind 'example' or 'section' and gold ids")
            if row.get("persona") not in ("practitioner", "trainer"):
                self.problem(where, "persona must be 'practitioner' or 'trainer'")
            if not isinstance(row.get("alternates"), list):
                self.problem(where, "needs an 'alternates' list")
            self.seed_ids(where, [*row.get("gold", []), *row.get("alternates", [])])
            if not row.get("points"):
                self.problem(where, "needs a non-empty 'points' list")
            self.points(row)
        trainers = sum(1 for r in rows if r.get("persona") == "trainer")
        if trainers < 8:
            self.problem("everyday.jsonl", f"only {trainers} trainer requests; at least 8 needed")

    def uncovered(self, rows: list[dict]) -> None:
        cores = Counter()
        for row in rows:
            where = row["_where"]
            if row.get("kind") != "out_of_scope" or row.get("category") != "uncovered":
                self.problem(where, "needs kind 'out_of_scope' and category 'uncovered'")
            core = row.get("core")
            if not isinstance(core, str) or not core.strip():
                self.problem(where, "needs a non-empty 'core'")
            else:
                cores[core.strip().lower()] += 1
            if row.get("gold") or row.get("points") or row.get("key_passages"):
                self.problem(where, "an uncovered question has no gold, points or key passages")
        for core, count in cores.items():
            if count > 1:
                self.problem("uncovered.jsonl", f"core {core!r} is used {count} times; topics must be distinct")

    def falsification(self, rows: list[dict]) -> None:
        for row in rows:
            if row.get("kind") != "falsification" or row.get("category") not in FALSIFY:
                self.problem(row["_where"], f"needs kind 'falsification' and a category from {sorted(FALSIFY)}")
        seen = {r.get("category") for r in rows}
        for category in sorted(FALSIFY - seen):
            self.problem("falsification.jsonl", f"no {category!r} requests")

    def request_shapes(self, rows: list[dict]) -> None:
        for row in rows:
            where, shape, gold = row["_where"], row.get("shape"), row.get("gold", [])
            if shape not in SHAPES:
                self.problem(where, f"shape must be one of {sorted(SHAPES)}")
                continue
            if shape == "count":
                count = row.get("count")
                if not isinstance(count, int) or count < 1:
                    self.problem(where, "a count request needs an integer 'count' >= 1")
                elif count > len(gold):
                    self.problem(where, f"count {count} is more than the {len(gold)} gold examples")
                self.seed_ids(where, gold, examples_only=True)
                if len(set(gold)) != len(gold):
                    self.problem(where, "gold repeats an id")
            elif shape == "compare":
                if len(set(gold)) < 2:
                    self.problem(where, "a compare request names at least two distinct gold ids")
                self.seed_ids(where, gold)
            else:
                parts = row.get("parts")
                if not isinstance(parts, list) or len(parts) < 2:
                    self.problem(where, "a multipart request needs at least two 'parts'")
                    continue
                covered = 0
                for number, part in enumerate(parts, start=1):
                    at = f"{where} part {number}"
                    if not isinstance(part.get("ask"), str) or not part["ask"].strip():
                        self.problem(at, "needs an 'ask'")
                    if part.get("core"):
                        if part.get("gold") or part.get("points"):
                            self.problem(at, "an uncovered part has 'gold': [] and no points")
                        continue
                    covered += 1
                    if not part.get("gold") or not part.get("points"):
                        self.problem(at, "a covered part needs gold ids and points (or a 'core' when uncovered)")
                    self.seed_ids(at, part.get("gold", []))
                    self.points(part, where=at, owners=part.get("gold", []))
                if not covered:
                    self.problem(where, "at least one part must be covered")
                union = [u for p in parts for u in p.get("gold", [])]
                if set(gold) != set(union):
                    self.problem(where, "row gold must be the union of the parts' gold")
        by_shape = Counter(r.get("shape") for r in rows)
        for shape in sorted(SHAPES):
            if by_shape[shape] < 6:
                self.problem("request_shapes.jsonl", f"only {by_shape[shape]} {shape} requests; at least 6 needed")

    def conversations_switch(self, rows: list[dict]) -> None:
        facet_labels = SENTENCE_LABELS | NEED_LABELS | GENDERS
        for row in rows:
            where, turns, category = row["_where"], row.get("turns", []), row.get("category")
            if category not in SWITCH:
                self.problem(where, f"category must be one of {sorted(SWITCH)}")
            wanted_turns = (3,) if category == "followup_two_asks" else (2, 3)
            if len(turns) not in wanted_turns:
                self.problem(where, f"a {category} conversation has {' or '.join(map(str, wanted_turns))} turns")
                continue
            if turns[0].get("question") not in SUGGESTED:
                self.problem(where, "turn 1 must be one of the suggested questions, word for word")
            for number, turn in enumerate(turns, start=1):
                at = f"{where} turn {number}"
                if not turn.get("question") or not turn.get("gold"):
                    self.problem(at, "every turn needs a question and at least one gold id")
                self.seed_ids(at, turn.get("gold", []))
                if turn.get("follow_up") is not (number == 3):
                    self.problem(at, f"follow_up must be {number == 3} "
                                     "(turn 2 is a different case, turn 3 its follow-up)")
                for key in ("facets_present", "facets_absent"):
                    self.labels(at, turn.get(key, []), facet_labels, key)
                overlap = set(turn.get("facets_present", [])) & set(turn.get("facets_absent", []))
                if overlap:
                    self.problem(at, f"facet both present and absent: {sorted(overlap)}")
                if turn.get("points") is not None:
                    self.points(turn, where=at, owners=turn.get("gold", []))
                asks = turn.get("asks")
                if asks is not None:
                    if not isinstance(asks, list) or len(asks) < 2:
                        self.problem(at, "'asks' lists at least two asks")
                        continue
                    for k, ask in enumerate(asks, start=1):
                        ask_at = f"{at} ask {k}"
                        if not ask.get("ask") or not ask.get("gold") or not ask.get("points"):
                            self.problem(ask_at, "each ask needs 'ask', 'gold' and 'points'")
                        self.seed_ids(ask_at, ask.get("gold", []))
                        self.points(ask, where=ask_at, owners=ask.get("gold", []))
            first, second = turns[0], turns[1]
            restated = set(second.get("facets_present", [])) | set(second.get("facets_absent", []))
            missing = set(first.get("facets_present", [])) - restated
            if missing:
                self.problem(f"{where} turn 2", f"a new case lists the previous facets it does not restate in "
                                                f"facets_absent: {sorted(missing)}")
            if category == "followup_two_asks":
                third = turns[2]
                if not third.get("asks") or len(third["asks"]) < 2:
                    self.problem(f"{where} turn 3", "a two-ask follow-up lists its asks")
                kept = set(second.get("facets_present", [])) - set(third.get("facets_present", []))
                if kept:
                    self.problem(f"{where} turn 3", f"a follow-up keeps the case's facets: {sorted(kept)}")
        by_category = Counter(r.get("category") for r in rows)
        for category in sorted(SWITCH):
            if by_category[category] < 5:
                self.problem("conversations_switch.jsonl",
                             f"only {by_category[category]} {category}; at least 5 needed")

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


def bigger_corpus_units() -> dict:
    """Units of the corpus that evals/growth_eval.py builds: the project corpus plus the fixture
    publications, parsed by the project's own reader in a temporary folder."""
    import shutil
    import tempfile

    sys.path.insert(0, str(EVALS))
    import growth_eval
    from assistant import ingest

    base = Path(tempfile.mkdtemp(prefix="check-labels-"))
    try:
        corpus = growth_eval.make_corpus(base / "corpus", growth_eval.fixture_publications())
        if hasattr(ingest, "read_corpus"):
            documents = ingest.read_corpus(corpus).documents
        else:
            documents = ingest.load_corpus(corpus)
        return {unit.id: unit for unit in ingest.all_units(documents)}
    finally:
        shutil.rmtree(base, ignore_errors=True)


def mean_points(rows: list[dict]) -> str:
    counted = [len(r.get("points", [])) for r in rows if r.get("kind") != "out_of_scope"]
    return f"{sum(counted) / len(counted):.2f}" if counted else "-"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from assistant.ingest import all_units, load_corpus

    units = {unit.id: unit for unit in all_units(load_corpus(ROOT / "corpus"))}
    big_units = bigger_corpus_units()
    checker = Checker(units, big_units)
    summary = []
    for name in ("gold.jsonl", "holdout.jsonl"):
        rows = checker.gold_file(name)
        checker.labelled_points(rows)
        labelled = sum(1 for r in rows if "key_passages" in r)
        passages = sum(len(r.get("key_passages", [])) for r in rows)
        summary.append(f"{name}: {len(rows)} cases, {labelled} with key passages ({passages} passages), "
                       f"mean points {mean_points(rows)}")
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
        if name == "in_scope_hard.jsonl":
            checker.labelled_points(rows)
            line += f", mean points {mean_points(rows)}"
        if name == "conversations.jsonl":
            by_category = Counter(r.get("category") for r in rows)
            for category in sorted(CONVERSATION):
                if by_category[category] < 6:
                    checker.problem(name, f"only {by_category[category]} {category} cases; at least 6 needed")
            line += " " + ", ".join(f"{c} {by_category[c]}" for c in sorted(CONVERSATION))
        summary.append(line)
    rows = checker.read_lines("fixtures_gold.jsonl")
    for row in rows:
        for unit_id in [*row.get("gold", []), *row.get("alternates", [])]:
            if unit_id not in big_units:
                checker.problem(row["_where"], f"unknown unit id {unit_id} (not in the bigger corpus)")
    checker.labelled_points(rows, big_units)
    summary.append(f"fixtures_gold.jsonl: {len(rows)} cases, mean points {mean_points(rows)} "
                   f"(against the bigger corpus, {len(big_units)} units)")
    new_handlers = {
        "everyday.jsonl": checker.everyday, "uncovered.jsonl": checker.uncovered,
        "falsification.jsonl": checker.falsification, "request_shapes.jsonl": checker.request_shapes,
        "conversations_switch.jsonl": checker.conversations_switch,
    }
    questions: dict[str, str] = {}
    for name, handler in new_handlers.items():
        rows = checker.read_lines(name)
        handler(rows)
        line = f"{name}: {len(rows)} cases {checker.exact_thirds(name, rows)}"
        if len(rows) < NEW_MINIMUM[name]:
            checker.problem(name, f"{len(rows)} cases, fewer than the minimum {NEW_MINIMUM[name]}")
        if name == "everyday.jsonl":
            line += f", mean points {mean_points(rows)}"
        if name == "request_shapes.jsonl":
            line += " " + ", ".join(f"{s} {sum(1 for r in rows if r.get('shape') == s)}" for s in sorted(SHAPES))
        if name == "conversations_switch.jsonl":
            line += " " + ", ".join(f"{c} {sum(1 for r in rows if r.get('category') == c)}" for c in sorted(SWITCH))
        texts = [r.get("question") for r in rows] + [t.get("question") for r in rows for t in r.get("turns", [])[1:]]
        for text in texts:
            if not text:
                continue
            key = normalise(text).lower()
            if key in questions:
                checker.problem(name, f"question also in {questions[key]}: {text[:60]!r}")
            questions[key] = name
        summary.append(line)
    summary.append(f"seed_tags.json: {checker.seed_tags()} examples")
    print("\n".join(summary))
    for problem in checker.problems:
        print("PROBLEM", problem)
    print("no problems" if not checker.problems else f"{len(checker.problems)} problem(s)")
    return 1 if checker.problems else 0


if __name__ == "__main__":
    sys.exit(main())
