"""Compose a grounded answer from retrieval results.

The default composer is extractive: every point in the answer is a sentence or bullet taken
verbatim from a cited example, chosen because it is relevant to the question (scored
against it, not copied in document order), grouped under short plain headings, and
marked [n]. Citations therefore cannot be invented: each [n] is built from the source it
names. A question the corpus cannot answer gets a fixed, polite refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant import facets as facet_vocab
from assistant.index import keyword_tokens, unit_chunks
from assistant.retrieve import Ranking, counted_thing
from assistant.types import Answer, Citation, Example, Hit, Unit

# Relevance: the closest passage's cosine similarity plus a little for questions whose words
# the corpus uses at all. Calibrated on the gold questions (docs/evaluation.md): the highest
# out-of-scope score was 0.199 and the lowest in-scope score 0.314.
CLOSE_MATCH = 0.26
LOOSE_MATCH = 0.20
KNOWN_WORDS_WEIGHT = 0.15

MAX_SOURCES = 3
MAX_POINTS = 7
MAX_SECTION_POINTS = 4  # a question about the documents themselves wants a short answer
MAX_POINTS_PER_SOURCE = 3  # when there are several sources; one source may give up to 5

NOT_GUIDANCE = ("_Not official guidance: this shows practice from inspected cases. Decisions rest with you, "
                "your SPO and policy._")
ATTRIBUTION = ("_Contains public sector information licensed under the Open Government Licence v3.0 "
               "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/). "
               "Source: HM Inspectorate of Probation. Names in examples are pseudonyms._")
REFUSAL = ("I can't find a close example in the effective practice documents for that. I can only answer "
           "questions about probation practice from HM Inspectorate of Probation's published examples and "
           "standards. Try describing the person, their sentence and what is getting in the way.")
DECISION_REMINDER = ("This shows practice from inspected cases, not a decision: whether to breach, recall or "
                     "change a risk level rests with you, your SPO and policy.")

_MANIPULATION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|rules|prompt|guidelines|above)\b"
    r"|\bsystem\s*prompt\b|^\s*system\s*:|\byou are now\b|\bjailbreak|\bpretend (?:to be|you are)\b"
    r"|\breply only with\b|\bdeveloper mode\b|\bDAN\b",
    re.I,
)
_CREATIVE_TASK = re.compile(
    r"^\s*(?:please\s+)?(?:write|compose|generate|make up|tell)(?: me)? (?:a |an |some )?"
    r"(?:poem|song|story|limerick|joke|haiku|essay|rap|recipe)\b|\brecipe\b",
    re.I,
)
_DECISION = re.compile(
    r"\b(?:should|shall|do|must|can|could|would)\s+(?:i|we)\b.{0,60}\b(?:breach|recall|revoke|activate|enforce|"
    r"risk level|rosh|re-?categori[sz]e|tier)"
    r"|\b(?:decide|decision|tell me)\b.{0,40}\b(?:breach|recall|risk level|high risk|low risk)",
    re.I,
)

# Checked in this order against a point's own words, then against its group's heading.
HEADINGS = (
    ("Keeping people safe", re.compile(
        r"risk|safeguard|MAPPA|police|victim|restraining|exclusion|disclos|harm|protect|child|safety", re.I)),
    ("Working with other agencies", re.compile(
        r"agenc|multi-agency|partner|liais|referr|services|\bGP\b|NACRO|\bCSC\b|collaborat|joint|network|professionals",
        re.I)),
    ("Assessment and planning", re.compile(
        r"assess|plan|\bPSR\b|report|sources|information|objective|review|identif", re.I)),
    ("Engaging the person", re.compile(
        r"engag|rapport|relationship|appointment|flexib|remind|respons|motivat|trust|tailor|adapt|boundar|contact|"
        r"session|toolkit|programme|placement", re.I)),
)
WHAT_HAPPENED = "What happened"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘'\"(])")


@dataclass(frozen=True)
class Passage:
    """A verbatim sentence or bullet of a unit, with where it sits."""

    text: str
    unit: Unit
    heading: str  # the practice-point group it belongs to ("" for none)
    chunk_id: str  # the indexed chunk that holds it
    is_outcome: bool = False


def relevance(ranking: Ranking) -> float:
    """How close the corpus comes to the question (see CLOSE_MATCH)."""
    return ranking.best_similarity + KNOWN_WORDS_WEIGHT * ranking.known_word_share


def is_manipulation(question: str) -> bool:
    """Prompt injection or an off-topic task ("write me a poem", "a recipe")."""
    return bool(_MANIPULATION.search(question) or _CREATIVE_TASK.search(question))


def asks_for_a_decision(question: str) -> bool:
    return bool(_DECISION.search(question))


_BULLET_PREFIX = re.compile(r"^(?:[-*•]|\d{1,2}[.)])\s+")
_HEADING_LINE = re.compile(r"^(?:#{1,6}\s.*|\*\*[^*]+\*\*:?|_[^_]+_)$")


def content_lines(markdown: str) -> list[str]:
    """The lines of an answer that make claims: bullets and paragraphs, not headings or notices."""
    lines = []
    for raw in markdown.splitlines():
        line = raw.strip()
        if not line or _HEADING_LINE.match(line):
            continue
        lines.append(_BULLET_PREFIX.sub("", line).strip())
    return [line for line in lines if line]


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


CITATION_MARKER = re.compile(r"\[(\d+)\]")


def cited_statements(markdown: str, by_sentence: bool = False) -> list[tuple[str, tuple[int, ...]]]:
    """The claims in an answer's Markdown, markers removed, each with the [n] numbers it cites.

    One claim per bullet or paragraph, or per sentence with `by_sentence`.
    """
    pieces = content_lines(markdown)
    if by_sentence:
        pieces = [sentence for line in pieces for sentence in split_sentences(line)]
    statements = []
    for piece in pieces:
        claim = CITATION_MARKER.sub("", piece).strip()
        if claim:
            statements.append((claim, tuple(dict.fromkeys(int(n) for n in CITATION_MARKER.findall(piece)))))
    return statements


def passages_of(unit: Unit) -> list[Passage]:
    """Every quotable passage of a unit: its practice points, outcome, or sentences."""
    chunks = unit_chunks(unit)
    passages: list[Passage] = []
    if isinstance(unit, Example):
        group_chunks = [c for c in chunks if c.granularity == "group"]
        for group, chunk in zip(unit.groups, group_chunks):
            for point in group.points:
                for sentence in split_sentences(point) if len(point) > 320 else [point]:
                    passages.append(Passage(sentence, unit, group.heading, chunk.id))
        summary = next(c for c in chunks if c.granularity == "summary")
        if unit.outcome:
            for sentence in split_sentences(unit.outcome):
                passages.append(Passage(sentence, unit, "Outcome", summary.id, is_outcome=True))
        if not unit.groups:
            for sentence in split_sentences(unit.intro):
                passages.append(Passage(sentence, unit, "", summary.id))
    else:
        section_chunk = chunks[0]
        parts = [c for c in chunks if c.granularity == "part"]
        for line in unit.text.split("\n"):
            body = line[2:] if line.startswith("• ") else line
            holder = next((c for c in parts if line in c.text), section_chunk)
            for sentence in split_sentences(body) if len(body) > 320 else [body]:
                passages.append(Passage(sentence, unit, "", holder.id))
    return [p for p in passages if len(p.text) >= 12]


_DEFINITION_QUESTION = re.compile(r"\b(?:what(?:'s| is| are| does)|meaning of|stand for|stands for|define|definition)\b", re.I)


def glossary_lines(question: str, glossary) -> list[str]:
    """For "what is a PSR?"-style questions, what the glossary says each term means, and where from."""
    if glossary is None or not _DEFINITION_QUESTION.search(question):
        return []
    meanings: dict[tuple[str, str], list[str]] = {}  # (term, meaning) -> sources, one line per meaning
    for term, _ in glossary.expand(question):
        for entry in glossary.lookup(term):
            if entry.term.lower() == term.lower():
                meanings.setdefault((entry.term, entry.meaning.lower()), [entry.meaning]).append(entry.source)
    # italic notes, not bullets: definitions are not practice points and carry no [n]
    return [f"_Glossary: {term} means {found[0]} (source: {'; '.join(dict.fromkeys(found[1:]))})._"
            for (term, _), found in meanings.items()]


class ExtractiveComposer:
    """The offline, deterministic composer: the corpus's own sentences, each cited."""

    def __init__(self, glossary=None):
        self.glossary = glossary

    def compose(self, question: str, ranking: Ranking, warnings: list[str]) -> Answer:
        """An answer to `question` (as the user asked it) from `ranking` (of the standalone query)."""
        hits = ranking.hits
        if is_manipulation(question) or not hits or relevance(ranking) < LOOSE_MATCH:
            return refusal(question, ranking, warnings, nearest=())
        if relevance(ranking) < CLOSE_MATCH:
            return refusal(question, ranking, warnings, nearest=hits[:3])

        sources = choose_sources(hits)
        chosen = choose_passages(sources, ranking)
        citations = tuple(
            Citation(n, hit.unit, tuple(p.text for p in chosen if p.unit.id == hit.unit.id))
            for n, hit in enumerate(sources, start=1)
        )
        number = {c.unit.id: c.n for c in citations}
        lines: list[str] = []
        definitions = glossary_lines(question, self.glossary)
        if definitions:
            lines += [*definitions, ""]
        for heading, passages in group_by_heading(chosen):
            lines.append(f"**{heading}**")
            lines.extend(f"- {p.text} [{number[p.unit.id]}]" for p in passages)
            lines.append("")
        lines.append("**Sources**")
        for citation in citations:
            lines.append(describe_source(citation))
        comparison = compare_facets(ranking, citations)
        if comparison:
            lines.append("")
            lines.append("**How these compare with your case**")
            lines.extend(comparison)
        if asks_for_a_decision(question):
            warnings.append(DECISION_REMINDER)
            lines.extend(["", f"_{DECISION_REMINDER}_"])
        lines.extend(["", NOT_GUIDANCE, ATTRIBUTION])
        return Answer(question, "\n".join(lines).strip(), False, "extractive", citations, tuple(warnings),
                      tuple(hits), ranking.query.text)


def refusal(question: str, ranking: Ranking, warnings: list[str], nearest: tuple[Hit, ...] | list[Hit]) -> Answer:
    """The fixed refusal; loosely related examples are offered but clearly not cited."""
    lines = [REFUSAL]
    if nearest:
        lines += ["", "The nearest examples, **not a close match**:"]
        lines += [f"- {h.unit.title} ({h.unit.section}) — {h.unit.url}" for h in nearest]
    lines += ["", NOT_GUIDANCE, ATTRIBUTION]
    return Answer(question, "\n".join(lines), True, "extractive", (), tuple(warnings), tuple(nearest),
                  ranking.query.text)


def choose_sources(hits: list[Hit]) -> list[Hit]:
    """The top hit, and the next ones that score close to it (up to MAX_SOURCES)."""
    top = hits[0].score
    chosen = [hits[0]]
    for hit in hits[1:]:
        if len(chosen) == MAX_SOURCES:
            break
        if hit.score >= 0.75 * top and hit.kind == hits[0].kind:
            chosen.append(hit)
    return chosen


def choose_passages(sources: list[Hit], ranking: Ranking) -> list[Passage]:
    """The passages most relevant to the question, at least one per source."""
    query = ranking.query
    asked = keyword_tokens([query.text])[0]
    extra = keyword_tokens([" ".join(w for _, words in query.expansions for w in words)])[0]
    weights = {t: 0.5 for t in extra} | {t: 1.0 for t in asked}
    total = sum(weights.values()) or 1.0
    stated = set(query.facets.needs) | set(query.facets.sentence)
    counted = counted_thing(query.text)

    scored: list[tuple[float, int, Passage]] = []
    for rank, hit in enumerate(sources):
        passages = passages_of(hit.unit)
        tokens = keyword_tokens([p.text for p in passages]) if passages else []
        for order, (passage, words) in enumerate(zip(passages, tokens)):
            lexical = sum(weights.get(t, 0.0) for t in set(words)) / total
            dense = ranking.chunk_similarity.get(passage.chunk_id, 0.0)
            facet = 0.08 * len(stated & (set(facet_vocab.tag_needs(passage.text)) | set(facet_vocab.tag_sentence(passage.text))))
            count = 0.3 if counted and counted.search(passage.text) else 0.0
            score = 0.5 * lexical + 0.5 * dense + facet + count - 0.04 * rank - (0.05 if passage.is_outcome else 0.0)
            scored.append((score, rank * 1000 + order, passage))
    scored.sort(key=lambda item: (-item[0], item[1]))

    chosen: list[Passage] = []
    per_source: dict[str, int] = {}
    outcomes: set[str] = set()  # at most one outcome sentence per source
    for hit in sources:  # the best passage of every source first
        best = next((p for _, _, p in scored if p.unit.id == hit.unit.id), None)
        if best:
            chosen.append(best)
            per_source[hit.unit.id] = 1
            if best.is_outcome:
                outcomes.add(hit.unit.id)
    limit = MAX_POINTS if isinstance(sources[0].unit, Example) else MAX_SECTION_POINTS
    per_source_cap = MAX_POINTS_PER_SOURCE if len(sources) > 1 else 5
    for _, _, passage in scored:
        if len(chosen) >= limit:
            break
        if passage in chosen or per_source.get(passage.unit.id, 0) >= per_source_cap:
            continue
        if passage.is_outcome and passage.unit.id in outcomes:
            continue
        chosen.append(passage)
        per_source[passage.unit.id] = per_source.get(passage.unit.id, 0) + 1
        if passage.is_outcome:
            outcomes.add(passage.unit.id)
    rank_of = {p: i for i, (_, _, p) in enumerate(scored)}
    return sorted(chosen, key=lambda p: rank_of[p])


def group_by_heading(passages: list[Passage]) -> list[tuple[str, list[Passage]]]:
    """Short plain headings, in the order their best point appears."""
    groups: dict[str, list[Passage]] = {}
    for passage in passages:
        if passage.is_outcome:
            heading = WHAT_HAPPENED
        elif not isinstance(passage.unit, Example):
            heading = "From the documents"
        else:
            heading = next((name for name, rx in HEADINGS if rx.search(passage.text)), None) or \
                next((name for name, rx in HEADINGS if rx.search(passage.heading)), "What worked")
        groups.setdefault(heading, []).append(passage)
    # what the practitioner did comes first; what it led to, last
    return sorted(groups.items(), key=lambda item: item[0] == WHAT_HAPPENED)


def describe_source(citation: Citation) -> str:
    unit = citation.unit
    line = f"[{citation.n}] **{unit.title}**"
    if isinstance(unit, Example):
        details = [unit.person_summary()] if unit.person else ["organisational example"]
        details.append(unit.section)
        line += " — " + " · ".join(d for d in details if d)
        if unit.outcome:
            line += f"  \n    Outcome: {unit.outcome}"
    else:
        line += f" — {unit.document}"
    if unit.url:
        line += f"  \n    [Read it in the source]({unit.url})"
    return line


def compare_facets(ranking: Ranking, citations: tuple[Citation, ...]) -> list[str]:
    """For facets the question states, how each cited example matches or differs."""
    wanted = ranking.query.facets
    if wanted.is_empty():
        return []
    lines = []
    for citation in citations:
        unit = citation.unit
        if not isinstance(unit, Example):
            continue
        same, different = [], []
        person = unit.person
        if wanted.age is not None and person and person.age is not None:
            (same if person.age == wanted.age else different).append(f"age {person.age}")
        elif wanted.age_range and person and person.age is not None:
            low, high = wanted.age_range
            (same if low <= person.age <= high else different).append(f"age {person.age}")
        if wanted.gender and person and person.gender:
            (same if person.gender == wanted.gender else different).append(person.gender)
        for label in sorted(wanted.sentence | wanted.needs):
            if label in unit.sentence or label in unit.needs:
                same.append(label)
            else:
                different.append(f"{label} not mentioned")
        parts = []
        if same:
            parts.append("matches " + ", ".join(same))
        if different:
            parts.append("differs: " + ", ".join(different) if any(not d.endswith("not mentioned") for d in different)
                         else ", ".join(different))
        if parts:
            lines.append(f"- [{citation.n}] {'; '.join(parts)}")
    return lines
