"""The small dataclasses at the centre of the assistant.

Parsing produces `Document`s holding `Example`s and `Section`s; retrieval returns `Hit`s.
Frameworks (Chroma, LangChain, Gradio) never leak past the module that talks to them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Literal

Progress = Callable[[str, int, int], None]  # (stage, done, total): how long work reports how far it has got


@dataclass(frozen=True)
class Person:
    """The person on probation an example is about (names are pseudonyms)."""

    name: str | None
    age: int | None
    gender: str | None  # "male" | "female" | None

    def summary(self) -> str:
        """One short line, e.g. "Gary, 22, male"."""
        parts = [self.name or "Unnamed person"]
        if self.age is not None:
            parts.append(str(self.age))
        if self.gender:
            parts.append(self.gender)
        return ", ".join(parts)


@dataclass(frozen=True)
class Group:
    """A sub-headed group of practice points inside an example."""

    heading: str
    points: tuple[str, ...]

    def text(self) -> str:
        lines = [self.heading] if self.heading else []
        lines.extend(f"• {p}" for p in self.points)
        return "\n".join(lines)


@dataclass(frozen=True)
class Example:
    """One "Example of effectiveness" (or an older guide's case block)."""

    id: str
    kind: Literal["case", "organisational"]
    title: str
    document: str  # document title
    document_id: str
    section: str  # the theme: the heading the example sits under
    person: Person | None
    sentence: tuple[str, ...]
    needs: tuple[str, ...]
    standards: tuple[str, ...]
    intro: str
    groups: tuple[Group, ...]
    outcome: str | None
    text: str
    url: str
    order: int = 0
    document_year: int | None = None  # publication metadata, from the meta file or the document
    document_region: str | None = None
    document_kind: str | None = None  # the publication family: "spotlight", "guide", "youth guide", "report", …

    def person_summary(self) -> str:
        """A one-line person summary, e.g. "Paul, 31, male · community order, RAR"."""
        if self.person is None:
            return ""
        summary = self.person.summary()
        if self.sentence:
            summary += " · " + ", ".join(self.sentence[:4])
        return summary

    def to_json(self) -> dict[str, Any]:
        """The stable `assistant examples --json` shape."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "document": self.document,
            "section": self.section,
            "person": asdict(self.person) if self.person else None,
            "sentence": list(self.sentence),
            "needs": list(self.needs),
            "standards": list(self.standards),
            "outcome": self.outcome,
            "text": self.text,
            "url": self.url,
        }


@dataclass(frozen=True)
class Section:
    """A headed part of a document that is not an example (summary, methodology, a standard…)."""

    id: str
    title: str
    document: str
    document_id: str
    path: tuple[str, ...]  # headings above it, outermost first
    text: str
    url: str
    order: int = 0
    document_year: int | None = None
    document_region: str | None = None
    document_kind: str | None = None

    @property
    def section(self) -> str:
        """The theme shown beside the section: its parent heading, or itself."""
        return self.path[-1] if self.path else self.title


Unit = Example | Section


@dataclass
class Document:
    """A parsed source document."""

    id: str
    title: str
    path: str
    meta: dict[str, Any]
    examples: list[Example] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # where the text went (characters kept, dropped by reason) and where each metadata field was
    # read: plain data, see assistant/ingest/accounting.py
    accounting: dict[str, Any] = field(default_factory=dict)


def publication(unit: Unit) -> str:
    """The publication a unit comes from, with its year: "Effective Practice Spotlight: … (2025)"."""
    year = getattr(unit, "document_year", None)
    return f"{unit.document} ({year})" if year and str(year) not in unit.document else unit.document


def also_in_json(units: tuple[Unit, ...]) -> list[dict[str, Any]]:
    return [{"id": u.id, "document": u.document, "year": getattr(u, "document_year", None), "url": u.url} for u in units]


@dataclass(frozen=True)
class Hit:
    """One ranked search result: an example or a section, never the same unit twice.

    `also` holds near-identical units from other publications (the same case published twice),
    shown once with both sources.
    """

    rank: int
    unit: Unit
    score: float
    matched: tuple[str, ...]
    also: tuple[Unit, ...] = ()

    @property
    def id(self) -> str:
        return self.unit.id

    @property
    def kind(self) -> Literal["example", "section"]:
        return "example" if isinstance(self.unit, Example) else "section"

    def to_json(self) -> dict[str, Any]:
        """The stable `assistant search --json` result shape."""
        unit = self.unit
        return {
            "rank": self.rank,
            "id": unit.id,
            "kind": self.kind,
            "title": unit.title,
            "document": unit.document,
            "section": unit.section,
            "score": round(self.score, 4),
            "text": unit.text,
            "url": unit.url,
            "matched": list(self.matched),
            "also_in": also_in_json(self.also),
        }


def unit_from_json(data: dict[str, Any]) -> Unit:
    """Rebuild an Example or Section from the index's units file (older files lack the document_* fields)."""
    meta = {name: data.get(name) for name in ("document_year", "document_region", "document_kind")}
    if data["unit"] == "example":
        person = Person(**data["person"]) if data["person"] else None
        groups = tuple(Group(g["heading"], tuple(g["points"])) for g in data["groups"])
        return Example(
            id=data["id"], kind=data["kind"], title=data["title"], document=data["document"],
            document_id=data["document_id"], section=data["section"], person=person,
            sentence=tuple(data["sentence"]), needs=tuple(data["needs"]),
            standards=tuple(data["standards"]), intro=data["intro"], groups=groups,
            outcome=data["outcome"], text=data["text"], url=data["url"], order=data["order"], **meta,
        )
    return Section(
        id=data["id"], title=data["title"], document=data["document"],
        document_id=data["document_id"], path=tuple(data["path"]), text=data["text"],
        url=data["url"], order=data["order"], **meta,
    )


def unit_to_json(unit: Unit) -> dict[str, Any]:
    """Serialise an Example or Section for the index's units file (no pickles)."""
    data = asdict(unit)
    data["unit"] = "example" if isinstance(unit, Example) else "section"
    return data


@dataclass(frozen=True)
class Citation:
    """A source an answer cites as [n], with the exact passages it uses."""

    n: int
    unit: Unit
    quotes: tuple[str, ...]
    also: tuple[Unit, ...] = ()  # the same example in other publications

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "id": self.unit.id,
            "title": self.unit.title,
            "document": self.unit.document,
            "section": self.unit.section,
            "url": self.unit.url,
            "quotes": list(self.quotes),
            "also_in": also_in_json(self.also),
        }


@dataclass(frozen=True)
class Carried:
    """What a follow-up question carried forward from the conversation."""

    question: str  # the earlier question the follow-up builds on
    examples: tuple[tuple[str, str], ...] = ()  # (id, title) of the examples the previous answer cited

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "examples": [{"id": i, "title": t} for i, t in self.examples]}


@dataclass(frozen=True)
class Point:
    """One point of an answer: a practice point quoted verbatim (or a checked LLM sentence), with what it cites.

    `cites` are the citation numbers [n] it rests on (one for a quoted point); `heading` is the
    cited example's own sub-heading the point sits under ("" for none).
    """

    text: str
    cites: tuple[int, ...]
    heading: str = ""
    part: int = 0  # which ask of a question with several parts it answers (`Answer.asks`)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "cites": list(self.cites), "heading": self.heading, "part": self.part}


@dataclass(frozen=True)
class Ask:
    """One ask of a question with several parts, and whether the documents cover it."""

    text: str
    covered: bool = True
    note: str = ""  # for an ask they don't cover: what the answer says instead of points

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "covered": self.covered, "note": self.note}


SHAPES = ("points", "examples", "compare", "refused", "not_covered", "llm")


@dataclass(frozen=True)
class Answer:
    """A grounded answer as data: what every face renders (Markdown, terminal, HTML, JSON).

    - `shape`: "points" (practice points under each example), "examples" (a list of examples, a
      point each), "llm" (checked LLM sentences), "refused" or "not_covered";
    - `lead`: the line on top (for a refusal, its message); `notes`: notes above the points
      (a correction of how the question was put, glossary definitions);
    - `points` in the order shown, each citing `citations` by number; `outcomes`: what came of each
      cited case, one quoted line each (not a point: a practitioner copies the practice); `see_also`: related
      examples not quoted; `comparison`: how each cited example is like the case or differs;
      `reminder`: the decision reminder, when the question asks for a decision;
    - `nearest` and `nearest_label`: for a refusal, the nearest units, labelled as no match.

    `answer` is the Markdown rendering, with [n] markers (the stable JSON's "answer").
    """

    question: str
    refused: bool
    mode: Literal["extractive", "llm"]
    shape: str = "points"
    lead: str = ""
    notes: tuple[str, ...] = ()
    points: tuple[Point, ...] = ()
    outcomes: tuple[Point, ...] = ()  # one line per cited case: what came of it, quoted
    citations: tuple[Citation, ...] = ()
    asks: tuple[Ask, ...] = ()  # a question with several parts: each part, its points carry its number
    table: tuple[tuple[str, ...], ...] = ()  # a comparison: a header row, then one row per field
    see_also: tuple[Hit, ...] = ()
    comparison: tuple[str, ...] = ()
    reminder: str = ""
    nearest: tuple[Hit, ...] = ()
    nearest_label: str = ""
    warnings: tuple[str, ...] = ()
    hits: tuple[Hit, ...] = ()  # what retrieval found (for the evidence panel), not part of the JSON
    search_query: str = ""  # the standalone query that was searched
    not_covered: tuple[str, ...] = ()  # concepts of the question the documents do not cover
    carried: Carried | None = None  # what a follow-up carried forward ("Following on from: …")
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)  # per stage, for evaluation

    @property
    def answer(self) -> str:
        """The answer as Markdown with [n] markers, the notice and the licence (`assistant.render`)."""
        from assistant.render import markdown

        return markdown(self)

    def to_json(self) -> dict[str, Any]:
        """The stable `assistant ask --json` shape (also the HTTP API's); fields are only ever added."""
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "mode": self.mode,
            "citations": [c.to_json() for c in self.citations],
            "warnings": list(self.warnings),
            "not_covered": list(self.not_covered),
            "following_on_from": self.carried.to_json() if self.carried else None,
            "shape": self.shape,
            "lead": self.lead,
            "notes": list(self.notes),
            "points": [p.to_json() for p in self.points],
            "outcomes": [p.to_json() for p in self.outcomes],
            "asks": [a.to_json() for a in self.asks],
            "table": [list(row) for row in self.table],
        }
