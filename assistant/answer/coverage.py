"""What the documents cover: the terms a question asks about, and which of them the corpus lacks.

A question names things: acronyms ("ROTL", "MARAC", "CAS3"), names ("Parole Board", "Sexual Harm
Prevention Order", "Sarah's Law"), and terms that end in a word like order, scheme, report,
court or requirement ("attendance centre requirement", "bail information report"). A term is
covered when the corpus uses it as a phrase (stemmed, so "registration"/"register" differ but
"reports"/"report" do not), when the glossary maps it to a phrase the corpus uses ("DV" →
"domestic violence"), or when a retrieved passage means the same (embedding similarity). A
glossary entry alone is not coverage: the glossary also explains acronyms the documents never
discuss.

A missing acronym, multi-word name or term is *central*: the answer says plainly that the
documents don't cover it, with no points, instead of quoting practice about something else. A
single capitalised word ("Dave", "Leeds") is central only when the question asks about it
(it sits in the clause that holds the question). The words practitioners use every day (PoP,
SPO, DNA'd, on the gear, a Polish or Traveller heritage: `assistant/vocab/practitioner.toml`)
are always understood and never terms; other words the corpus does not use (slang, typos, case
details) never refuse a question either.

Topics described in everyday words rather than by a named term ("keeps setting fires", "his mum
has just died": `assistant/vocab/uncovered.toml`) are central when they are the question's core
(in the clause that asks, or the clause that asks names nothing else) and the corpus does not
hold the topic's own phrases. `not_covered` names the central concepts only.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from assistant.question.asks import points_back
from assistant.vocab import VOCAB_FILE
from assistant.vocab.everyday import practitioner, topics
from assistant.vocab.tags import negated_spans

# Calibrated on evals/adjacent.jsonl (dev split) against every in-scope question (none may be refused),
# with the int8 embedding model the index uses by default; docs/evaluation.md.
NAME_SUPPORT = 0.64  # a retrieved passage this close to an acronym or a name covers it in other words…
TERM_SUPPORT = 0.55  # …and this close to a term
CLEARLY_MISSING = 0.42  # a term with no passage closer than this is missing whatever else the corpus holds…
BEST_PASSAGE = 0.70  # …one between this and TERM_SUPPORT is missing only when no point answers better than this
# (the best point's relevance probability (answer.scoring.Weights); an in-scope question was refused from 0.75)
NAMED_CATEGORIES = {"order", "report", "tool"}  # practitioner words that name a thing a question can ask about
WEAK_REQUEST = 0.45  # a clause that asks, no closer than this to any retrieved passage, leaves the topic it sits beside as the core

_WORD = re.compile(r"[^\W\d_][\w'’]*(?:-[\w'’]+)*|\d+")
_ACRONYM = re.compile(r"^(?:[A-Z][A-Z0-9]{1,7}|[A-Z][a-z]?[A-Z][A-Za-z0-9]*|[A-Z]{2,}[a-z]{1,3}[A-Z]*)(?:s|ing|ed)?$")
_TOKEN = re.compile(r"\b\w\w+\b")
_QUESTION_WORDS = re.compile(r"\b(?:how|what|what's|whats|which|who|whom|when|where|why|can|could|may|should|would|"
                             r"is|are|does|do|did|will)\b", re.I)
_CLAUSE = re.compile(r"(?<=[.?!;:])\s+|\s+[-–—]\s+")
_JOINERS = {"of", "and"}
_REDUPLICATED = re.compile(r"\b(\w+) (?:to|by|on) \1\b", re.IGNORECASE)
# heads that name an activity rather than a thing: "a thinking skills group course" is covered where the
# documents speak of thinking skills
_ACTIVITY_HEADS = {"course", "courses", "group", "groups", "session", "sessions", "programme", "programmes", "class",
                   "classes", "module", "modules", "work"}
# what redaction put in place of case details, with the label written before it ("CRN [CRN]")
_PLACEHOLDER = re.compile(r"(?:\b[A-Za-z.]{2,5}\s*[:#]?\s*)?\[[A-Z][A-Z ]+\]")


def _vocab_words(key: str) -> frozenset[str]:
    data = tomllib.loads(VOCAB_FILE.read_text(encoding="utf-8"))
    return frozenset(data["question"][key].split())


FUNCTION_WORDS = _vocab_words("function_words")
TERM_HEADS = _vocab_words("term_heads")
GENERIC_MODIFIERS = _vocab_words("generic_modifiers")


@dataclass(frozen=True)
class Term:
    """Something the question names."""

    text: str  # as written
    kind: str  # "acronym" | "name" | "term" | "word"
    in_request: bool  # in the clause that holds the question
    support: float = 0.0  # the closest retrieved passage's similarity

    @property
    def strong(self) -> bool:
        """An acronym, a name of more than one word, or a term: naming it says what the question is about."""
        return self.kind in ("acronym", "term") or (self.kind == "name" and len(self.text.split()) > 1)


@dataclass(frozen=True)
class Coverage:
    """The outcome of the check."""

    missing: tuple[Term, ...]  # named things the corpus lacks, in question order
    central: tuple[Term, ...]  # the missing things the question is about

    @property
    def not_covered(self) -> list[str]:
        """What the question is about that the documents do not cover: its central concepts only."""
        return list(dict.fromkeys(t.text for t in self.central))


class CorpusPhrases:
    """Whether the corpus uses a phrase: stemmed tokens, looked up through the keyword index's postings."""

    def __init__(self, keyword_index, chunk_units: Sequence[str], unit_text: Callable[[str], str]):
        from bm25s.stopwords import STOPWORDS_EN
        from Stemmer import Stemmer

        self.keyword = keyword_index  # assistant.index.keyword.KeywordIndex
        self.chunk_units = chunk_units
        self.unit_text = unit_text
        self._stem = Stemmer("english").stemWord
        self._stopwords = frozenset(STOPWORDS_EN)
        self._normalised: dict[str, str] = {}

    @classmethod
    def for_index(cls, index) -> "CorpusPhrases":
        chunk_units = [index.chunk_unit[c] for c in index.chunk_ids]
        return cls(index.keyword_index, chunk_units,
                   lambda unit_id: (lambda u: f"{u.title}\n{u.text}")(index.units[unit_id]))

    def tokens(self, text: str) -> list[str]:
        return [self._stem(t) for t in (m.group(0).lower() for m in _TOKEN.finditer(text)) if t not in self._stopwords]

    def has_word(self, word: str) -> bool:
        return any(self.keyword.knows(t) for t in self.tokens(word))

    def contains(self, phrase: str) -> bool:
        """Whether some unit's text holds `phrase` (its stemmed tokens, in order)."""
        tokens = self.tokens(phrase)
        if not tokens or not all(self.keyword.knows(t) for t in tokens):
            return False
        if len(tokens) == 1:
            return True
        rarest = min(tokens, key=self.keyword.count)
        units = {self.chunk_units[i] for i in self.keyword.chunks_with(rarest)}
        needle = f" {' '.join(tokens)} "
        return any(needle in self._normalised_text(u) for u in units)

    def mentions(self, phrases: Sequence[str]) -> bool:
        """Whether any unit's text holds one of `phrases` word for word (ignoring case; no stemming, so
        "reporter" is not "report")."""
        if not phrases:
            return False
        pattern = re.compile(r"\b(?:" + "|".join(r"\s+".join(map(re.escape, p.split())) for p in phrases) + r")\b", re.I)
        return any(pattern.search(self.unit_text(unit_id)) for unit_id in dict.fromkeys(self.chunk_units))

    def _normalised_text(self, unit_id: str) -> str:
        if unit_id not in self._normalised:
            self._normalised[unit_id] = f" {' '.join(self.tokens(self.unit_text(unit_id)))} "
        return self._normalised[unit_id]


class CoverageChecker:
    """Checks questions against one corpus: its phrases, its glossary and its retrieved passages."""

    def __init__(self, phrases: CorpusPhrases, glossary, embed: Callable[[list[str]], np.ndarray]):
        self.phrases = phrases
        self.glossary = glossary
        self.embed = embed
        self._topics_known: dict[str, bool] = {}

    def covers(self, term: str) -> bool:
        """The corpus uses the term, or what the glossary or the practitioner vocabulary says it means, as a phrase."""
        if self.phrases.contains(term):
            return True
        everyday = practitioner()
        spelled = everyday.spelled_out(term)
        if spelled != term and self.phrases.contains(spelled):
            return True  # "PoPs" -> "persons on probation"
        words = term.split()
        if len(words) > 2 and term.islower() and words[-1] in _ACTIVITY_HEADS and not any(w.isdigit() for w in words) \
                and any(self.phrases.contains(" ".join(words[:n])) for n in range(max(2, len(words) - 2), len(words))):
            return True  # "a thinking skills group course": the documents speak of thinking skills
        if self.glossary is None:
            return False
        expanded = term
        for found, _ in self.glossary.expand(term):
            meaning = self._meaning(found)
            if meaning:
                expanded = re.sub(rf"\b{re.escape(found)}\b", meaning, expanded)
        if expanded != term and self.phrases.contains(expanded):
            return True  # "cat 2 level" -> "category 2 level"
        for found, _ in self.glossary.expand(term):
            if len(found) < 0.6 * len(term):
                continue
            for entry in self.glossary.lookup(found) + self.glossary.lookup(re.sub(r"(?:s|ing|ed)$", "", found)):
                if entry.term.lower() not in (found.lower(), re.sub(r"(?:s|ing|ed)$", "", found).lower()):
                    continue
                meanings = [re.sub(r"\s*\(.*?\)", "", entry.meaning), *re.findall(r"\((.*?)\)", entry.meaning)]
                if any(m.strip() and self.phrases.contains(m) for m in meanings):
                    return True
        return False

    def _meaning(self, found: str) -> str | None:
        entries = [e for e in self.glossary.lookup(found) if e.term.lower() == found.lower()]
        return re.sub(r"\s*\(.*?\)", "", entries[0].meaning) if len(entries) == 1 else None

    def terms(self, question: str, weak_request: bool = False) -> list[Term]:
        """The acronyms, names and terms a question names, each marked if it is in the clause that asks.
        With `weak_request` (the clause that asks matches nothing retrieved and points back at what came
        before it) the orders, reports and tools named by an acronym beside it are what it is about,
        everyday or not ("The EM contractor… how do I get the equipment checked?")."""
        question = _PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), question)  # "[DATE OF BIRTH]" is not a term
        # "face to face", "one to one", "day to day": one word written in three, same length
        question = _REDUPLICATED.sub(lambda m: m.group(0).replace(" ", "-"), question)
        request = _request_span(question)
        if _ANAPHORA.search(question[request[0]:request[1]]):
            request = (0, len(question))  # "does that sit alongside…?": what "that" names is asked about too
        words = list(_WORD.finditer(question))
        found: list[Term] = []
        used: set[int] = set()

        def add(start: int, end: int, kind: str, indices: range) -> None:
            used.update(indices)
            found.append(Term(question[start:end], kind, request[0] <= start < request[1]))

        for i, match in enumerate(words):  # acronyms
            word = match.group(0)
            if _ACRONYM.match(word) and word.lower() not in FUNCTION_WORDS and word not in ("I", "OK", "A"):
                add(match.start(), match.end(), "acronym", range(i, i + 1))
        i = 0
        while i < len(words):  # capitalised names, "Rehabilitation of Offenders Act", "Section 117"
            first = words[i].group(0)
            starts = _sentence_start(question, words[i].start())
            if i in used or not _capitalised(first) or (starts and not (
                    _adjacent(question, words, i) and _capitalised(words[i + 1].group(0))) and everyday_frequency(first) >= 3.0):
                i += 1
                continue
            j = i
            while _adjacent(question, words, j) and (_capitalised(words[j + 1].group(0)) or words[j + 1].group(0).isdigit() or (
                    words[j + 1].group(0).lower() in ("of", "and") and _adjacent(question, words, j + 1)
                    and _capitalised(words[j + 2].group(0)))):
                j += 1
            if any(k in used for k in range(i, j + 1)):
                i = j + 1
                continue
            name = question[words[i].start():words[j].end()]
            if name.lower() not in FUNCTION_WORDS:
                add(words[i].start(), words[j].end(), "name", range(i, j + 1))
            i = j + 1
        for i, match in enumerate(words):  # terms ending in a head noun: "attendance centre requirement"
            if i in used or match.group(0).lower() not in TERM_HEADS:
                continue
            if _adjacent(question, words, i) and _modifier(words[i + 1].group(0)) and not words[i + 1].group(0).isdigit() \
                    and words[i + 1].group(0).lower() not in _JOINERS \
                    and self.phrases.contains(f"{match.group(0)} {words[i + 1].group(0)}"):
                continue  # "sentence plan objectives": the term the corpus knows goes on
            j = i
            while j - 1 >= 0 and j - 1 not in used and _adjacent(question, words, j - 1) \
                    and _modifier(words[j - 1].group(0)) and i - (j - 1) < 4:
                j -= 1
            while j < i and (words[j].group(0).lower() in _JOINERS or words[j].group(0).lower() in GENERIC_MODIFIERS):
                j += 1  # "a strong pre-sentence report" names a pre-sentence report
            if j == i:
                continue
            add(words[j].start(), match.end(), "term", range(j, i + 1))
        everyday = practitioner()
        taken = [(question.index(t.text), question.index(t.text) + len(t.text)) for t in found]
        # a named order, report, tool or service the clause asks about, the longest first ("post-sentence
        # supervision", not the "sentence" inside it)
        for start, end, form in sorted(everyday.spans(question), key=lambda span: span[0] - span[1]):
            if (request[0] <= start < request[1] or (weak_request and _ACRONYM.match(form))) \
                    and everyday.categories.get(form.lower()) in NAMED_CATEGORIES \
                    and not any(s < end and start < e for s, e in taken):
                found.append(Term(question[start:end], "acronym" if _ACRONYM.match(form) else "term",
                                  request[0] <= start < request[1]))
                taken.append((start, end))
        found.sort(key=lambda t: question.index(t.text))
        # an everyday probation word outside the clause that asks is understood, whatever the corpus holds
        return [t for t in found if t.in_request or not everyday.covers(t.text)
                or (weak_request and t.kind == "acronym" and everyday.categories.get(t.text.lower()) in NAMED_CATEGORIES)]

    def check(self, question: str, passages: Sequence[str] = (), passage_vectors: np.ndarray | None = None,
              best_passage: float = 1.0) -> Coverage:
        """The named things of `question` the corpus lacks, judged against the retrieved `passages` too,
        and the everyday-worded topics it is about that the corpus does not deal with.

        `best_passage` is how likely the composer's best point answers the question (0..1).
        """
        if len(passages) and passage_vectors is None:
            passage_vectors = self.embed(list(passages))
        request = _request_span(question)
        asked = question[request[0]:request[1]]
        weak = (not _content_words(asked) or bool(_ANAPHORA.search(asked)) or
                (len(passages) > 0 and self._support(asked, passages, passage_vectors) < WEAK_REQUEST))
        # a weak ask that points back ("how do I get the equipment checked?") is about what it points at
        missing = [t for t in self.terms(question, weak and points_back(asked)) if not self.covers(t.text)]
        if missing and len(passages):
            best = (self.embed([t.text for t in missing]) @ passage_vectors.T).max(axis=1)
            missing = [Term(t.text, t.kind, t.in_request, round(float(b), 4)) for t, b in zip(missing, best)]
        missing = [t for t in missing if t.support < (NAME_SUPPORT if t.kind in ("acronym", "name") else TERM_SUPPORT)]
        central = [t for t in missing if (t.strong or t.in_request) and self._unsupported(t, best_passage)]
        topics_missing = self.uncovered_topics(question, weak)
        central += [t for t in topics_missing if t.text not in {c.text for c in central}]
        return Coverage(tuple(missing) + tuple(topics_missing), tuple(central))

    def _unsupported(self, term: Term, best_passage: float) -> bool:
        """A missing term is central when no passage comes near it, or no point answers the question well."""
        far, weak = term.support < CLEARLY_MISSING, best_passage < BEST_PASSAGE
        if not term.in_request:  # the case described beside the question: missing only when nothing comes near it
            return far
        if practitioner().covers(term.text):  # an everyday probation word ("programme team") is missing only
            return weak                       # when nothing answers the question well either
        return far or weak

    def _support(self, text: str, passages: Sequence[str], passage_vectors: np.ndarray | None) -> float:
        vectors = passage_vectors if passage_vectors is not None else self.embed(list(passages))
        return float((self.embed([text]) @ vectors.T).max())

    def uncovered_topics(self, question: str, weak_request: bool = False) -> list[Term]:
        """The everyday-worded topics (uncovered.toml) the question is about that this corpus does not hold.

        A topic is what the question is about when it sits in the clause that asks, or, when it is not an
        offence the person committed, when the clause that asks says little the documents support
        (`weak_request`: "is he allowed?", "what should I do?").
        """
        breaks = [m.start() for m in _CLAUSE.finditer(question)] + [len(question)]
        spans = [(low, min(high, next(b for b in breaks if b >= low))) for low, high in negated_spans(question)]
        request = _request_span(question)
        # an offence is asked about when it comes after the asking words ("what work is there on his
        # fire-setting?"), not when it says what the person did ("on licence for fraud, how do I…?")
        first = _QUESTION_WORDS.search(question, request[0], request[1])
        asking = first.start() if first else request[0]
        found: list[Term] = []
        for topic in topics():
            for match in topic.pattern.finditer(question):
                if any(low <= match.start() < high for low, high in spans):
                    continue
                asked = request[0] <= match.start() < request[1] and (not topic.offence or match.start() > asking)
                if not (asked or (weak_request and not topic.offence)):
                    continue
                if not self._topic_in_corpus(topic):
                    found.append(Term(topic.name, "topic", True))
                break
        return found

    def _topic_in_corpus(self, topic) -> bool:
        known = self._topics_known.get(topic.name)
        if known is None:
            known = self._topics_known[topic.name] = self.phrases.mentions(topic.corpus)
        return known

    def _glossary_knows(self, word: str, question: str) -> bool:
        if self.glossary is None:
            return False
        return any(word.lower() in found.lower() for found, _ in self.glossary.expand(question))


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not _ACRONYM.match(word) and word.lower() not in FUNCTION_WORDS


def _sentence_start(text: str, position: int) -> bool:
    before = text[:position].rstrip()
    return not before or before[-1] in ".!?:;\"'“‘(-–—\n"


def _modifier(word: str) -> bool:
    """A word that can be part of a term's name: not a function word (but "of", "and")."""
    lower = word.lower()
    return lower not in FUNCTION_WORDS or lower in _JOINERS


def _adjacent(text: str, words: list, i: int) -> bool:
    """Whether word i+1 follows word i with only spaces between (a name never spans punctuation)."""
    return i + 1 < len(words) and not text[words[i].end():words[i + 1].start()].strip()


def _request_span(question: str) -> tuple[int, int]:
    """The span of the clause that asks (with a question word or a question mark), else the whole question."""
    clauses = []
    start = 0
    for match in _CLAUSE.finditer(question):
        clauses.append((start, match.start()))
        start = match.end()
    clauses.append((start, len(question)))
    for low, high in clauses:
        text = question[low:high]
        if "?" in text or _QUESTION_WORDS.match(text.strip()):
            return low, high
    return 0, len(question)


def everyday_frequency(word: str) -> float:
    """How common a word is in everyday English, on the Zipf scale (0 unknown … 7 "the"); wordfreq's data."""
    from wordfreq import zipf_frequency

    lower = word.lower().replace("’", "'")
    value = zipf_frequency(lower, "en")
    if value == 0 and "-" in lower:  # "first-timer": as common as its parts
        parts = [zipf_frequency(p, "en") for p in lower.split("-") if p]
        value = sum(parts) / len(parts) if parts else 0.0
    return value


_ASKING_WORDS = frozenset("""help helping support supporting do doing handle handling work working manage managing deal dealing
approach approaches tips ideas advice suggestions anything something best way ways can could should would need needs get
go going best practice practice good examples example anyone else other others tried try done did what worked works
happen happens happening advise start starting allowed permitted okay ok fine change changes affect affects apply applies
mean means stand position role part next now tell told inform liaise contact speak talk know handle sort
""".split())
# "how do I deal with that?": a clause that asks about what the sentence before it said leaves that as the core
_ANAPHORA = re.compile(r"\b(?:that|this|it)\s*[?!.]*\s*$"
                       r"|\b(?:does|do|did|would|will|can|could|should|is|was|has|might|may)\s+(?:that|this|it)\b(?!\s+(?:he|she|they)\b)",
                       re.I)


def _content_words(text: str) -> list[str]:
    """The words of `text` that say what it is about: not function words, not asking words, not everyday
    probation words (so "what can I do with him?" names nothing, "what about his gambling?" names gambling)."""
    everyday = practitioner()
    covered = [False] * len(text)
    for start, end, _ in everyday.spans(text):
        covered[start:end] = [True] * (end - start)
    words = []
    for match in _WORD.finditer(text):
        word = match.group(0).lower().strip("'’")
        if covered[match.start()] or word in FUNCTION_WORDS or word in _ASKING_WORDS or word.isdigit():
            continue
        if _QUESTION_WORDS.fullmatch(word):
            continue
        words.append(word)
    return words
