"""What the documents cover: the central concepts of a question, and which of them the corpus lacks.

A question's concepts are its runs of content words ("polygraph conditions", "Parole Board",
"ROTL"). A concept is covered when its words are in the corpus's own vocabulary (stems, with
inflections), when the glossary maps it to words the corpus uses ("sofa surfing" →
accommodation), or when a retrieved passage means the same (embedding similarity).

A concept that is none of these is *missing*. It is *specific* when it names a thing — an
acronym, a capitalised name, or a word that is rare in everyday English (word frequencies from
the `wordfreq` package; verb forms ending -ed/-ing count as less rare, since they usually
describe what happened in a case rather than a thing asked about). A specific missing concept is
*central* — the answer says plainly that the documents don't cover it, with no points — when it
is the topic of the question (the first run of content words of a question that opens with
"how", "what", "can"…) or when nothing in the corpus answers the rest of the question well
(the best passage scores below BEST_PASSAGE). Other missing concepts are reported in the
answer's `not_covered` list beside the points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from assistant.vocab import VOCAB_FILE

# Calibrated on evals/adjacent.jsonl (dev split) against the in-scope gold questions; docs/evaluation.md.
SUPPORT = 0.34  # a concept this close to a retrieved passage is covered in other words…
NAMED_SUPPORT = 0.60  # …and a named one must come this close
SPECIFIC_ZIPF = 3.9  # rarer than this in everyday English (Zipf scale) is specific
VERB_FORM_DISCOUNT = 0.8  # -ed/-ing forms count as this much more common
BEST_PASSAGE = 0.38  # below this, nothing in the corpus answers the rest of the question well
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z][A-Za-z'’]*)*|\d+")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]{1,7}(?:s|ing|ed)?$|^[A-Z][a-z]?[A-Z][A-Za-z0-9]*$")
_VERB_OBJECT = re.compile(r"\s+(?:the|a|an|his|her|their|my|your|our|its|him|them|it|this|that|these|those|someone|"
                          r"somebody|people|me|us)\b", re.I)
_INTERROGATIVE = re.compile(r"^\s*(?:so|and|but|ok|okay|please|hi|hello)?[\s,]*(?:how|what|what's|whats|which|can|could|may|"
                            r"might|is|are|does|do|did|should|would|will|who|when|where|why|tell me about|explain|"
                            r"any (?:idea|guidance|advice) (?:on|about))\b", re.I)


def _function_words() -> frozenset[str]:
    import tomllib

    data = tomllib.loads(VOCAB_FILE.read_text(encoding="utf-8"))
    return frozenset(data["question"]["function_words"].split())


FUNCTION_WORDS = _function_words()


@dataclass(frozen=True)
class Concept:
    """A run of content words in the question with words the corpus does not use."""

    text: str  # as written in the question
    named: bool  # an acronym or a capitalised name
    uncovered_words: int  # how many of its words the corpus does not use
    specificity: float  # the lowest everyday frequency of those words (Zipf; lower is rarer)
    topic: bool  # the first run of content words of a question, with a specific word that is not a verb
    support: float = 0.0  # the closest retrieved passage's similarity

    @property
    def specific(self) -> bool:
        return (self.named and self.specificity < 4.0) or self.specificity < SPECIFIC_ZIPF or _ACRONYM.match(self.text) is not None

    @property
    def missing(self) -> bool:
        return self.support < (NAMED_SUPPORT if self.named else SUPPORT)


@dataclass(frozen=True)
class Coverage:
    """The outcome of the check: the concepts the corpus lacks, and which of them the question is about."""

    content_words: int
    missing: tuple[Concept, ...]  # not covered, in question order
    central: tuple[Concept, ...]  # the missing concepts the question is about
    best_passage: float = 0.0

    @property
    def not_covered(self) -> list[str]:
        return [c.text for c in self.missing if c.specific]


class CoverageChecker:
    """Checks questions against one corpus: its stemmed vocabulary, its glossary and its passages."""

    def __init__(self, vocabulary: Sequence[str], glossary, embed):
        self.vocabulary = frozenset(vocabulary)
        self._prefixes: dict[str, list[str]] = {}
        for stem in self.vocabulary:
            if len(stem) >= 5 and stem.isalpha():
                self._prefixes.setdefault(stem[:5], []).append(stem)
        self.glossary = glossary
        self.embed = embed  # texts -> unit vectors
        from Stemmer import Stemmer

        self._stem = Stemmer("english").stemWord

    def covers_word(self, word: str) -> bool:
        """Whether the corpus uses this word, or another form of it ("threatened" ~ "threats")."""
        stem = self._stem(word.lower())
        if stem in self.vocabulary or word.lower() in self.vocabulary:
            return True
        if len(stem) < 5:
            return False
        for other in self._prefixes.get(stem[:5], ()):
            shared = len(_common_prefix(stem, other))
            if shared >= max(5, int(0.75 * min(len(stem), len(other)))):
                return True
        return False

    def _glossary_spans(self, question: str) -> list[tuple[int, int]]:
        """Spans of glossary terms whose meaning the corpus uses."""
        spans = []
        if self.glossary is None:
            return spans
        for term, additions in self.glossary.expand(question):
            words = [w for phrase in additions for w in _WORD.findall(phrase)]
            known = [w for w in words if w.lower() not in FUNCTION_WORDS and self.covers_word(w)]
            if words and len(known) * 2 >= len([w for w in words if w.lower() not in FUNCTION_WORDS]):
                for match in re.finditer(re.escape(term), question):
                    spans.append((match.start(), match.end()))
        return spans

    def check(self, question: str, passages: Sequence[str] = (), passage_vectors: np.ndarray | None = None,
              best_passage: float = 1.0) -> Coverage:
        """The concepts of `question` the corpus lacks, judged against the retrieved `passages`.

        `best_passage` is how well the best retrieved passage answers the question (the composer's score).
        """
        glossary_spans = self._glossary_spans(question)
        runs: list[list[tuple[re.Match[str], bool]]] = [[]]
        content = 0
        for match in _WORD.finditer(question):
            word = match.group(0)
            lower = word.lower().replace("’", "'")
            if lower in FUNCTION_WORDS or word.isdigit() or len(word) < 2:
                runs.append([])
                continue
            content += 1
            in_glossary = any(low <= match.start() < high for low, high in glossary_spans)
            parts = [p for p in word.split("-") if p]
            covered = in_glossary or all(self.covers_word(p) or p.lower() in FUNCTION_WORDS for p in parts)
            runs[-1].append((match, covered))
        runs = [run for run in runs if run]
        interrogative = bool(_INTERROGATIVE.match(question))
        concepts = []
        for position, run in enumerate(runs):
            if all(covered for _, covered in run):
                continue
            start, end = run[0][0].start(), run[-1][0].end()
            uncovered = [m for m, covered in run if not covered]
            named = any(_is_name(m, question) for m in uncovered)
            specificity = min(everyday_frequency(m.group(0)) for m in uncovered)
            # a verb ("steer the bench", "deport him") is what happens, not the thing asked about
            things = [m for m in uncovered if not _VERB_OBJECT.match(question, m.end())]
            topic = interrogative and position == 0 and any(
                _ACRONYM.match(m.group(0)) or everyday_frequency(m.group(0)) < SPECIFIC_ZIPF for m in things)
            concepts.append(Concept(question[start:end], named, len(uncovered), specificity, topic))
        if concepts and len(passages):
            vectors = passage_vectors if passage_vectors is not None else self.embed(list(passages))
            best = (self.embed([c.text for c in concepts]) @ vectors.T).max(axis=1)
            concepts = [Concept(c.text, c.named, c.uncovered_words, c.specificity, c.topic, round(float(b), 4))
                        for c, b in zip(concepts, best)]
        missing = tuple(c for c in concepts if c.missing)
        central = tuple(c for c in missing if c.specific and (c.topic or best_passage < BEST_PASSAGE))
        return Coverage(content, missing, central, best_passage)


def everyday_frequency(word: str) -> float:
    """How common a word is in everyday English, on the Zipf scale (0 unknown … 7 "the").

    Verb forms ending -ed/-ing count as more common: they describe what happened in a case.
    """
    from wordfreq import zipf_frequency

    lower = word.lower().replace("’", "'")
    value = zipf_frequency(lower, "en")
    if value == 0 and "-" in lower:  # "first-timer": as common as its parts
        parts = [zipf_frequency(p, "en") for p in lower.split("-") if p]
        value = sum(parts) / len(parts) if parts else 0.0
    if len(lower) > 5 and lower.endswith(("ed", "ing")):
        value += VERB_FORM_DISCOUNT
    return value


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]


def _is_name(match: re.Match[str], question: str) -> bool:
    """An acronym ("ROTL", "IPP", "OASys") or a capitalised word that does not start a sentence."""
    word = match.group(0)
    if _ACRONYM.match(word):
        return True
    if not word[:1].isupper():
        return False
    before = question[:match.start()].rstrip()
    return bool(before) and before[-1] not in ".!?:;\"'“‘(-–—\n"
