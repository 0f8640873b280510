"""The glossary: acronyms the corpus defines itself, plus a curated file of probation acronyms
and the everyday words practitioners use for the same things.

Each entry records where it came from. An acronym with several meanings keeps them all.
Query expansion uses the glossary to add the corpus's own words to a practitioner's
("he's on a tag" → "home detention curfew", "electronic monitoring").
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Sequence

from assistant.errors import CorpusError
from assistant.types import Document

GLOSSARY_FILE = "glossary.csv"
_STOPWORDS = {"of", "the", "and", "for", "in", "on", "to", "a", "an", "with", "at", "by"}


@dataclass(frozen=True)
class Entry:
    term: str
    meaning: str
    kind: str  # "acronym" | "everyday"
    source: str  # "curated (corpus/glossary.csv)" or "defined in <document id>"
    expands_to: tuple[str, ...] = ()

    def to_json(self) -> dict:
        data = asdict(self)
        data["expands_to"] = list(self.expands_to)
        return data


def read_curated(path: Path) -> list[Entry]:
    """The curated glossary CSV: term, kind, meaning, expands_to (';'-separated)."""
    if not path.exists():
        return []
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CorpusError(f"cannot read glossary {path} ({exc}); fix or remove it") from None
    entries = []
    for line_no, row in enumerate(rows, start=2):
        term, kind, meaning = ((row.get(k) or "").strip() for k in ("term", "kind", "meaning"))
        if not term or not meaning or kind not in ("acronym", "everyday"):
            raise CorpusError(
                f"{path}, line {line_no}: each row needs a term, a meaning and kind 'acronym' or 'everyday'"
            )
        expands = tuple(x.strip() for x in (row.get("expands_to") or "").split(";") if x.strip())
        entries.append(Entry(term, meaning, kind, f"curated ({path.name})", expands or (meaning,)))
    return entries


_DEFINITION = re.compile(r"\(([A-Z][A-Za-z0-9&]{1,9})\)")


def _initials_match(words: list[str], acronym: str) -> int | None:
    """How many trailing words spell `acronym` (Schwartz–Hearst style), or None."""
    letters = acronym.rstrip("s") if len(acronym) > 2 and acronym[-1] == "s" else acronym
    letters = letters.lower()
    # split hyphenated words so "pre-sentence report" spells P-S-R
    parts: list[tuple[int, str]] = []
    for index, word in enumerate(words):
        for piece in re.split(r"[-–]", word):
            if piece:
                parts.append((index, piece.lower()))
    target = len(letters) - 1
    pos = len(parts) - 1
    while target >= 0 and pos >= 0:
        index, piece = parts[pos]
        if piece[0] == letters[target]:
            target -= 1
        elif piece not in _STOPWORDS and not (target >= 0 and letters[target] in piece[1:]):
            return None
        pos -= 1
    if target >= 0:
        return None
    first_word = parts[pos + 1][0]
    return len(words) - first_word


def extract_definitions(documents: Iterable[Document]) -> list[Entry]:
    """Acronyms a document defines itself, as in "pre-sentence report (PSR)"."""
    found: dict[tuple[str, str], Entry] = {}
    for doc in documents:
        texts = [t for u in [*doc.examples, *doc.sections] for t in (u.title, u.text)]
        for text in texts:
            for match in _DEFINITION.finditer(text):
                acronym = match.group(1)
                if sum(c.isupper() for c in acronym) < 2:
                    continue
                before = re.findall(r"[A-Za-z’'&-]+", text[max(0, match.start() - 120):match.start()])
                window = before[-(len(acronym) + 4):]
                count = _initials_match(window, acronym)
                if not count:
                    continue
                meaning = " ".join(window[-count:])
                term = acronym[:-1] if acronym.endswith("s") and acronym[:-1].isupper() else acronym
                key = (term, meaning.lower())
                if key not in found:
                    found[key] = Entry(key[0], meaning, "acronym", f"defined in {doc.id}", (meaning,))
    return sorted(found.values(), key=lambda e: e.term.lower())


def is_acronym(term: str) -> bool:
    """A term written in capitals ("AP", "CAS3"; not "PQiP"): matched only as written."""
    letters = re.sub(r"[^A-Za-z]", "", term)
    return len(letters) >= 2 and letters.isupper()


def _same_meaning(entry: Entry) -> tuple[str, str]:
    return entry.term.lower(), " ".join(entry.meaning.lower().split()).rstrip(".")


def merge_duplicates(entries: Iterable[Entry]) -> list[Entry]:
    """One entry per term and meaning: the sources joined, the expansions combined, in order."""
    merged: dict[tuple[str, str], Entry] = {}
    for entry in entries:
        key = _same_meaning(entry)
        first = merged.get(key)
        if first is None:
            merged[key] = entry
            continue
        sources = list(dict.fromkeys([*first.source.split("; "), entry.source]))
        merged[key] = Entry(first.term, first.meaning, first.kind, "; ".join(sources),
                            tuple(dict.fromkeys([*first.expands_to, *entry.expands_to])))
    return list(merged.values())


# the word forms the glossary matches for an everyday word ("drinks", "tagged"); see Glossary.__init__
_WORD_FORMS = ("s", "es", "ed", "ing")


def curated_duplicates(entries: Sequence[Entry]) -> list[str]:
    """Warnings for curated rows that repeat another row: the same term and meaning, or an everyday
    word that is a form of another ("drinking" of "drink") with the same expansions."""
    warnings = []
    first_line: dict[tuple[str, str], tuple[int, Entry]] = {}
    by_term = {e.term.lower(): e for e in entries}
    for line_no, entry in enumerate(entries, start=2):
        key = _same_meaning(entry)
        if key in first_line:
            earlier_line, earlier = first_line[key]
            warnings.append(f"glossary: {earlier.term} '{earlier.meaning}' is given twice (lines {earlier_line} and "
                            f"{line_no}); remove one")
            continue
        first_line[key] = (line_no, entry)
        term = entry.term.lower()
        for ending in _WORD_FORMS:
            base = by_term.get(term[: -len(ending)]) if term.endswith(ending) else None
            if base is not None and entry.kind == base.kind == "everyday" and \
                    set(entry.expands_to) <= set(base.expands_to):
                warnings.append(f"glossary: '{entry.term}' (line {line_no}) repeats '{base.term}', which already "
                                f"matches '{entry.term}' with the same words; remove it")
                break
    return warnings


class Glossary:
    """All entries, with lookup and query expansion."""

    def __init__(self, entries: Iterable[Entry]):
        self.entries = list(entries)
        self._by_term: dict[str, list[Entry]] = {}
        for entry in self.entries:
            self._by_term.setdefault(entry.term.lower(), []).append(entry)
        # Acronyms ("AP", "ADD", "CAS3") match case-sensitively as whole words, so the verb "add"
        # or the word "ap" never count; other terms ignore case and also match their plural and
        # verb forms ("drinks", "tagged"). Longest terms first, so "alcohol tag" wins over "tag".
        acronyms = sorted({e.term for e in self.entries if is_acronym(e.term)}, key=len, reverse=True)
        words = sorted({t for t, found in self._by_term.items() if not all(is_acronym(e.term) for e in found)},
                       key=len, reverse=True)
        self._acronym_pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(t)}(?:s|ing|ed)?(?![\w-])"
                                                    for t in acronyms)) if acronyms else None
        self._pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(t)}(?:s|es|ed|ing)?(?![\w-])" for t in words),
                                   re.I) if words else None

    def _entries_for(self, found: str) -> list[Entry]:
        if is_acronym(found) or (found[:2].isupper() and re.fullmatch(r"[A-Z0-9]+(?:s|ing|ed)", found)):
            term = re.sub(r"(?<=[A-Z0-9])(?:s|ing|ed)$", "", found)  # "DNAing", "PSRs"
            return [e for e in self._by_term.get(term.lower(), []) if e.term == term]
        key = found.lower()
        candidates = self._by_term.get(key, [])
        if not candidates:
            for suffix in ("ing", "es", "ed", "s"):
                if key.endswith(suffix) and key[: -len(suffix)] in self._by_term:
                    candidates = self._by_term[key[: -len(suffix)]]
                    break
        return [e for e in candidates if not is_acronym(e.term)]

    warnings: list[str] = []  # duplicates found by `build`, for the build report

    @classmethod
    def build(cls, corpus_dir: Path, documents: Iterable[Document]) -> "Glossary":
        """The curated file and the documents' own definitions, one entry per term and meaning.

        A meaning given both by the curated file and by a document is one entry naming both
        sources. A curated row that repeats another (the same term and meaning, or a form the
        glossary already matches: "drinking" beside "drink") is reported in `warnings`.
        """
        curated = read_curated(corpus_dir / GLOSSARY_FILE)
        warnings = curated_duplicates(curated)
        glossary = cls(merge_duplicates([*curated, *extract_definitions(documents)]))
        glossary.warnings = warnings
        return glossary

    def lookup(self, term: str) -> list[Entry]:
        """Entries for `term` (case-insensitive): whole terms first, then terms starting with it
        ("host" → hostel) or holding it as whole words ("hostel" → bail hostel), then entries
        whose meaning holds it as whole words ("approved premises" → AP). Never part of a word."""
        needle = " ".join(term.lower().split())
        if not needle:
            return []
        whole_words = re.compile(rf"(?<![\w-]){re.escape(needle)}(?![\w-])")
        exact = [e for e in self.entries if e.term.lower() == needle]
        prefix = [e for e in self.entries if e not in exact and
                  (e.term.lower().startswith(needle) or whole_words.search(e.term.lower()))]
        meaning = [e for e in self.entries if e not in exact and e not in prefix and whole_words.search(e.meaning.lower())]
        return exact + prefix + meaning

    def expand(self, query: str) -> list[tuple[str, tuple[str, ...]]]:
        """(term as found in the query, words to add) for every glossary term in the query.

        Acronyms must be written as the glossary writes them ("AP", not "ap"; "ADD", not "add").
        """
        matches = []
        for pattern in (self._acronym_pattern, self._pattern):
            if pattern is not None:
                matches.extend(pattern.finditer(query))
        # overlapping matches: the earlier, then the longer, wins
        matches.sort(key=lambda m: (m.start(), -(m.end() - m.start())))
        found: list[tuple[str, tuple[str, ...]]] = []
        seen: set[str] = set()
        covered_to = -1
        for match in matches:
            if match.start() < covered_to:
                continue
            text = match.group(0)
            entries = self._entries_for(text)
            if not entries:
                continue
            covered_to = match.end()
            additions: list[str] = []
            for entry in entries:
                additions.extend(x for x in entry.expands_to if x.lower() not in query.lower())
            if text.lower() not in seen:
                seen.add(text.lower())
                found.append((text, tuple(dict.fromkeys(additions))))
        return found

    def to_json(self) -> list[dict]:
        return [e.to_json() for e in self.entries]

    @classmethod
    def from_json(cls, data: list[dict]) -> "Glossary":
        return cls(Entry(d["term"], d["meaning"], d["kind"], d["source"], tuple(d["expands_to"])) for d in data)
