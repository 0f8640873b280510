"""Facets: sentence/requirement, need/risk and standard tags, and the person facets of a question.

The same vocabulary tags examples at parse time and reads facets from a question at query
time, so a question that says "on an SSO with an alcohol tag" lines up with examples tagged
"suspended sentence order" and "AAMR". Everyday words are mapped to these terms by the
glossary's query expansion before facets are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from assistant.types import Group

# label -> patterns (case-insensitive unless the pattern is an all-caps acronym, see _compile)
SENTENCE_TERMS: dict[str, tuple[str, ...]] = {
    "community order": (r"community order", r"\bCO\b"),
    "suspended sentence order": (r"suspended sentence", r"\bSSO\b", r"\bsuspended\b"),
    "custody": (r"custodial sentence", r"sentenced to custody", r"\bcustody for\b",
                r"\bprison sentence", r"\bin (?:prison|custody)\b", r"\bjail\b"),
    "licence": (r"\blicen[cs]e\b", r"\breleased\b", r"\brelease\b", r"post-release"),
    "home detention curfew": (r"home detention curfew", r"\bHDC\b"),
    "RAR": (r"rehabilitati\w+ activity requirement", r"\bRAR\b"),
    "unpaid work": (r"unpaid work", r"\bUPW\b", r"community payback"),
    "AAMR": (r"alcohol abstinence monitoring", r"\bAAMR\b"),
    "ATR": (r"alcohol treatment requirement", r"\bATR\b"),
    "accredited programme": (r"accredited programme", r"\bTSP\b", r"\bBBR\b",
                             r"Thinking Skills Programme", r"Building Better Relationships"),
    "Thinking Skills Programme": (r"Thinking Skills Programme", r"\bTSP\b"),
    "Building Better Relationships": (r"Building Better Relationships", r"\bBBR\b"),
    "approved premises": (r"approved premises", r"\bAP\b"),
    "MAPPA": (r"\bMAPPA\b", r"multi-agency public protection"),
    "restraining order": (r"restraining order",),
    "exclusion zone": (r"exclusion zone",),
    "hospital order": (r"hospital order",),
    "pre-sentence report": (r"pre-sentence report", r"\bPSR\b"),
}

NEED_TERMS: dict[str, tuple[str, ...]] = {
    "domestic abuse": (r"domestic abuse", r"\bDA\b", r"intimate partner", r"coercive control",
                       r"Clare's Law", r"\bex-partner\b", r"domestic violence"),
    "mental health": (r"mental health", r"\bPTSD\b", r"post-traumatic", r"psychosis", r"anxiety",
                      r"dissociation", r"panic attack", r"psychiatr", r"emotional wellbeing",
                      r"personality disorder"),
    "substance misuse": (r"substance misuse", r"\bdrugs?\b", r"drug-related", r"cannabis",
                         r"heroin", r"cocaine", r"\brecovery\b"),
    "alcohol": (r"alcohol", r"binge drinking", r"\bAAMR\b", r"\bATR\b", r"abstinence", r"drinking"),
    "ADHD and neurodiversity": (r"\bADHD\b", r"attention-deficit", r"neurodiver", r"dyslexi",
                                r"learning disabilit", r"autis", r"concentration difficult",
                                r"memory difficult"),
    "accommodation": (r"accommodation", r"homeless", r"housing", r"\brefuge\b", r"approved premises"),
    "child safeguarding": (r"\bchild(?:ren)?\b", r"children's social care", r"\bCSC\b", r"\bson\b",
                           r"\bdaughter\b"),
    "maturity": (r"maturity", r"young adult", r"\byoung man\b", r"\byoung woman\b"),
    "culture and faith": (r"cultur", r"religio", r"\bMuslim\b", r"\bfaith\b", r"Ramadan",
                          r"\bEid\b", r"mosque", r"heritage", r"\bprayer"),
    "pregnancy": (r"pregnan",),
    "sexual offending": (r"sexual offen", r"sexual risk", r"sexual preoccupation"),
    "violence": (r"violen", r"weapon", r"threats to kill", r"robbery", r"bladed article"),
    "trauma": (r"trauma",),
    "self-harm": (r"self-harm",),
    "employment and education": (r"employment", r"\bETE\b", r"qualification", r"\bjob\b"),
    "veterans": (r"veteran", r"armed forces", r"ex-forces"),
    "victims": (r"victim liaison", r"victim contact", r"\bVLO\b"),
    "non-compliance": (r"non-compliance", r"non-engagement", r"disengag", r"missed appointments",
                       r"enforcement", r"\bbreach"),
    "physical health": (r"epilepsy", r"physical"),
}

# Standards an example illustrates: read from its group headings first, then its text.
STANDARD_TERMS: dict[str, tuple[str, ...]] = {
    "1.1 Leadership": (r"leadership", r"strateg", r"director", r"governance"),
    "1.2 Staffing": (r"\bstaff\b", r"training", r"practitioners", r"development day"),
    "1.3 Services": (r"commissioned", r"services", r"forum", r"peer mentor"),
    "2.1 Assessment": (r"assess", r"\bPSR\b", r"information gathering", r"risk understanding"),
    "2.2 Planning": (r"plan",),
    "2.3 Implementation and delivery": (r"intervention", r"delivery", r"engagement", r"support",
                                        r"responsiv", r"implement", r"communication",
                                        r"liaison", r"multi-agency", r"programme"),
    "2.4 Reviewing": (r"review",),
}

STANDARD_NAMES = tuple(STANDARD_TERMS)


def _compile(patterns: tuple[str, ...]) -> re.Pattern[str]:
    # All-caps acronyms are matched case-sensitively so that "co" or "ap" in ordinary words
    # never count; everything else is case-insensitive.
    parts = []
    for p in patterns:
        letters = re.sub(r"\\b|[^A-Za-z]", "", p)
        parts.append(p if letters.isupper() and len(letters) <= 6 else f"(?i:{p})")
    return re.compile("|".join(parts))


_SENTENCE_RE = {label: _compile(p) for label, p in SENTENCE_TERMS.items()}
_NEED_RE = {label: _compile(p) for label, p in NEED_TERMS.items()}
_STANDARD_RE = {label: _compile(p) for label, p in STANDARD_TERMS.items()}


# Requirements and conditions that an example may only mention after its opening paragraph.
REQUIREMENT_LABELS = frozenset({
    "home detention curfew", "approved premises", "MAPPA", "restraining order", "exclusion zone",
    "hospital order", "Thinking Skills Programme", "Building Better Relationships",
    "accredited programme", "AAMR", "ATR", "unpaid work", "licence",
})

# "no DA or safeguarding concerns", "without breaching": a cue shortly before a match negates it
_NEGATION = re.compile(r"\b(?:no|not|without|never|nor|neither)\b[^.;:]{0,25}$", re.I)


def _mentions(rx: re.Pattern[str], text: str) -> bool:
    return any(not _NEGATION.search(text[max(0, m.start() - 40):m.start()]) for m in rx.finditer(text))


def tag_sentence(text: str) -> tuple[str, ...]:
    """Sentence and requirement labels mentioned (and not negated) in `text`, in vocabulary order."""
    return tuple(label for label, rx in _SENTENCE_RE.items() if _mentions(rx, text))


def tag_needs(text: str) -> tuple[str, ...]:
    """Need and risk labels mentioned (and not negated) in `text`, in vocabulary order."""
    return tuple(label for label, rx in _NEED_RE.items() if _mentions(rx, text))


@dataclass(frozen=True)
class ExampleTags:
    """What an example is tagged with: the sentence imposed, the person's needs, the standards shown."""

    sentence: tuple[str, ...]
    needs: tuple[str, ...]
    standards: tuple[str, ...]


def tag_example(kind: str, title: str, intro: str, groups: Sequence[Group], outcome: str | None) -> ExampleTags:
    """The tags of one parsed example; every publication family's recogniser calls this.

    `kind` is "case" or "organisational"; `intro` is the opening text before the groups of
    practice points; `outcome` is the outcome text, if any.
    """
    text = "\n\n".join([intro, *(g.text() for g in groups), f"Outcome: {outcome}" if outcome else ""]).strip()
    # sentence: what the person was given, read from the intro (and the outcome, which
    # is where a court's decision is reported); needs: from the whole example.
    sentence: tuple[str, ...] = ()
    if kind == "case":
        stated = set(tag_sentence(intro + " " + (outcome or "")))
        stated |= set(tag_sentence(text)) & REQUIREMENT_LABELS
        sentence = tuple(label for label in SENTENCE_TERMS if label in stated)
    needs = tag_needs(text) if kind == "case" else tag_needs(intro)
    standards = tag_standards([title, *(g.heading for g in groups)], text, organisational=kind == "organisational")
    return ExampleTags(sentence, needs, standards)


def tag_standards(headings: list[str], text: str, organisational: bool) -> tuple[str, ...]:
    """The standards an example illustrates, judged from its group headings (or its text)."""
    domain = "1." if organisational else "2."
    candidates = {k: v for k, v in _STANDARD_RE.items() if k.startswith(domain)}
    joined = " ".join(headings)
    found = [label for label, rx in candidates.items() if rx.search(joined)]
    if not found:
        found = [label for label, rx in candidates.items() if rx.search(text)]
    return tuple(found)


# --- facets stated in a question -------------------------------------------------------

_FEMALE = re.compile(r"\b(she|her|hers|herself|woman|women|female|girl|lady|mum|mother|wife)\b", re.I)
_MALE = re.compile(r"\b(he|him|his|himself|man|men|male|boy|lad|bloke|guy|dad|father|husband)\b", re.I)
_AGE = re.compile(
    r"\b(\d{2})\s*(?:-|\s)?\s*(?:years?[- ]old|yrs?[- ]old|yo\b|y/o\b|year old)"
    r"|\baged\s+(\d{2})\b|\bage\s+(\d{2})\b|\b(\d{2})\s*(?:yrs|years)\b"
    r"|\b(?:she|he|they)(?:'s| is| are)\s+(\d{2})\b",
    re.I,
)
_DECADE = re.compile(r"\b(?:in (?:his|her|their) |early |mid |late |mid-|early-|late-)?(teens|twenties|thirties|forties|fifties|sixties)\b", re.I)
_DECADES = {"teens": (13, 19), "twenties": (20, 29), "thirties": (30, 39), "forties": (40, 49),
            "fifties": (50, 59), "sixties": (60, 69)}
_YOUNG = re.compile(r"\b(young adult|young man|young woman|young lad|teenager|under 25|18 to 25|18-25)\b", re.I)


@dataclass(frozen=True)
class QueryFacets:
    """What a question says about the person and the case."""

    age: int | None = None
    age_range: tuple[int, int] | None = None
    gender: str | None = None
    sentence: frozenset[str] = field(default_factory=frozenset)
    needs: frozenset[str] = field(default_factory=frozenset)

    def is_empty(self) -> bool:
        return not (self.age or self.age_range or self.gender or self.sentence or self.needs)

    def without(self, labels: "set[str] | frozenset[str]") -> "QueryFacets":
        """These facets minus the ones named in `labels` (as `describe()` names them)."""
        if not labels:
            return self
        age_label = self.describe()[0] if (self.age is not None or self.age_range) else None
        return QueryFacets(
            age=None if age_label in labels else self.age,
            age_range=None if age_label in labels else self.age_range,
            gender=None if self.gender in labels else self.gender,
            sentence=frozenset(self.sentence - labels),
            needs=frozenset(self.needs - labels),
        )

    def describe(self) -> list[str]:
        """Human-readable facet labels, for "why it matched"."""
        out = []
        if self.age is not None:
            out.append(f"age {self.age}")
        elif self.age_range:
            out.append(f"age {self.age_range[0]}–{self.age_range[1]}")
        if self.gender:
            out.append(self.gender)
        out.extend(sorted(self.sentence))
        out.extend(sorted(self.needs))
        return out


def read_facets(question: str, expanded: str = "") -> QueryFacets:
    """Facets stated in a question; `expanded` adds glossary expansions (tag → HDC, …)."""
    age = None
    age_range = None
    match = _AGE.search(question)
    if match:
        value = int(next(g for g in match.groups() if g))
        if 10 <= value <= 99:
            age = value
    if age is None:
        decade = _DECADE.search(question)
        if decade:
            age_range = _DECADES[decade.group(1).lower()]
        elif _YOUNG.search(question):
            age_range = (18, 25)

    female = len(_FEMALE.findall(question))
    male = len(_MALE.findall(question))
    gender = "female" if female > male else "male" if male > female else None

    text = question + " " + expanded
    return QueryFacets(
        age=age,
        age_range=age_range,
        gender=gender,
        sentence=frozenset(tag_sentence(text)),
        needs=frozenset(tag_needs(text)),
    )
