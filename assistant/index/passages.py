"""Passages: the whole practice points of a unit that an answer may quote, and their vectors.

A passage is a bullet, or a sentence with its subject (a sentence leaning on the one before
stays with it), never a bare label or diagram residue. The build embeds every passage once
(`passages.npz` beside the builds), so an answer embeds only its question."""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from assistant.errors import storage_error
from assistant.index.embed import DIMENSIONS, reuse_or_embed
from assistant.index.manifest import PASSAGE_VECTORS
from assistant.index.chunks import unit_chunks
from assistant.types import Example, Unit


WHAT_HAPPENED = "Outcome"
# a full stop after an abbreviation ("Phillips et al. (2022)", "e.g. RAR") ends no sentence
_SENTENCE_END = re.compile(r"(?<!\bal\.)(?<!\b[Ee]\.g\.)(?<!\b[Ii]\.e\.)(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)"
                           r"(?<!\bvs\.)(?<=[.!?])\s+(?=[A-Z‘'\"(])")
# a sentence opening like this leans on the one before it, so the two stay together
_ANAPHORA = re.compile(r"^(?:It|Its|This|These|Those|They|Their|Them|He|His|She|Her|Such|That|There|Both|Each|Which|"
                       r"As a result|In addition|Additionally|However|Also|Further|Furthermore|Despite this)\b")
_DIAGRAM = re.compile(r"(?:\s[-–>→]\s*(?:arrow\s*[-–>→]\s*)?\S.*){2,}|\barrow\b", re.I)
_LABEL_ONLY = re.compile(r"^[^.!?]{0,80}:\s*$")


@dataclass(frozen=True)
class Passage:
    """A whole practice point (or a sentence with its subject) of a unit, with where it sits.

    `pieces` are the verbatim parts of the source it is made of: one, or a lead-in and a list
    item ("Key features included:" + "disclosure to the new partner").
    """

    text: str
    unit: Unit
    heading: str  # the example's own sub-heading ("" for none)
    chunk_id: str
    is_outcome: bool = False
    pieces: tuple[str, ...] = ()
    order: int = 0
    is_intro: bool = False  # the opening description of a case (who the person is)

    @property
    def quotes(self) -> tuple[str, ...]:
        return self.pieces or (self.text,)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def whole_sentences(text: str, limit: int = 320) -> list[str]:
    """`text` as one point, or, when long, its sentences with anaphoric ones kept with their subject."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for sentence in split_sentences(text):
        if pieces and _ANAPHORA.match(sentence):
            pieces[-1] = f"{pieces[-1]} {sentence}"
        else:
            pieces.append(sentence)
    return pieces


def is_fragment(text: str) -> bool:
    """A label with nothing after it ("Key features included:"), diagram residue, or too short to stand alone."""
    stripped = text.strip()
    return (len(stripped) < 12 or bool(_LABEL_ONLY.match(stripped)) or bool(_DIAGRAM.search(stripped))
            or len(stripped.split()) < 3)


def _continues(item: str) -> bool:
    """A list item that continues a lead-in: it starts in lower case ("disclosure to the new partner")."""
    return item[:1].islower()


def passages_of(unit: Unit) -> list[Passage]:
    """Every quotable point of a unit: its practice points, outcome sentences, intro sentences, or section lines."""
    chunks = unit_chunks(unit)
    passages: list[Passage] = []

    def add(text: str, heading: str, chunk_id: str, is_outcome: bool = False, pieces: tuple[str, ...] = (),
            is_intro: bool = False) -> None:
        passages.append(Passage(text, unit, heading, chunk_id, is_outcome, pieces, len(passages), is_intro))

    if isinstance(unit, Example):
        group_chunks = [c for c in chunks if c.granularity == "group"]
        summary = next(c for c in chunks if c.granularity == "summary")
        # a case's opening says who the person is; an organisational example's says what the practice was
        opening = whole_sentences(unit.intro, limit=0)
        lead_in = ""
        if opening and opening[-1].rstrip().endswith(":") and unit.groups and not unit.groups[0].heading:
            # "This approach:" leads the list that follows it (the sentence it leaned on stays a point)
            *before, lead_in = split_sentences(opening.pop())
            opening += [" ".join(before)] if before else []
        for sentence in opening:
            add(sentence, "", summary.id, is_intro=bool(unit.groups) and unit.kind == "case")
        for n, (group, chunk) in enumerate(zip(unit.groups, group_chunks)):
            _add_points([lead_in, *group.points] if (lead_in and n == 0) else list(group.points), group.heading,
                        chunk.id, add)
        if unit.outcome:
            for sentence in whole_sentences(unit.outcome, limit=220):
                add(sentence, WHAT_HAPPENED, summary.id, is_outcome=True)
    else:
        section_chunk = chunks[0]
        parts = [c for c in chunks if c.granularity == "part"]
        lines = unit.text.split("\n")
        items = [(line[2:] if line.startswith("• ") else line) for line in lines]
        holder = [next((c.id for c in parts if line in c.text), section_chunk.id) for line in lines]
        grouped: list[tuple[list[str], str]] = []
        for item, chunk_id in zip(items, holder):
            grouped.append(([item], chunk_id))
        index = 0
        while index < len(grouped):
            item, chunk_id = grouped[index][0][0], grouped[index][1]
            following = []
            if item.rstrip().endswith(":"):
                j = index + 1
                while j < len(grouped) and _continues(grouped[j][0][0]):
                    following.append(grouped[j][0][0])
                    j += 1
            if following:
                _add_points([item, *following], "", chunk_id, add)
                index += 1 + len(following)
            else:
                _add_points([item], "", chunk_id, add)
                index += 1
    return [p for p in passages if not is_fragment(p.text)]


def _add_points(points: list[str], heading: str, chunk_id: str, add: Callable) -> None:
    """Add a group's points; a lead-in ending in ':' is joined to each lower-case item that continues it."""
    lead = ""
    for point in points:
        if point.rstrip().endswith(":") and len(point) < 400:
            # "…plan struck a balance… Key features included:" — its own sentences stand alone,
            # the label at its end leads the items that follow
            sentences = whole_sentences(point, limit=0)
            *before, lead = split_sentences(sentences.pop()) if sentences else [point]
            for sentence in [*sentences, *([" ".join(before)] if before else [])]:
                add(sentence, heading, chunk_id)
            continue
        if lead and _continues(point):
            add(f"{lead} {point}", heading, chunk_id, pieces=(lead, point))
            continue
        lead = ""
        for sentence in whole_sentences(point):
            add(sentence, heading, chunk_id)


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:16]


def passage_texts(units) -> list[str]:
    """Every text the point scorer embeds for these units: each passage, each passage's heading and each title."""
    texts: dict[str, None] = {}
    for unit in units:
        texts[unit.title] = None
        for passage in passages_of(unit):
            texts[passage.text] = None
            texts[passage.heading or passage.unit.title] = None
    return list(texts)


def store_passage_vectors(index_dir: Path, units, model_sha256: str, onnx_file: Path,
                          progress: Callable[[str, int, int], None], texts: list[str] | None = None) -> int:
    """Embed the passages of `units` that `passages.npz` lacks, keep only these units' passages; returns
    how many were embedded. A cache beside the builds (not part of one): a damaged or stale file is
    simply made again, and a reader that finds none embeds passages as questions need them. `texts`: the
    units' `passage_texts`, when the caller has them already."""
    texts = passage_texts(units) if texts is None else texts
    keys = [text_key(t) for t in texts]
    vectors = np.zeros((len(texts), DIMENSIONS), np.float32)
    embedded = reuse_or_embed(vectors, keys, load_passage_vectors(index_dir, model_sha256), texts.__getitem__,
                              onnx_file, progress, "passages")
    tmp = index_dir / ".passages.tmp"
    try:
        with open(tmp, "wb") as out:
            np.savez(out, keys=np.array(keys, dtype="S16"), vectors=vectors, model=np.array(model_sha256))
        os.replace(tmp, index_dir / PASSAGE_VECTORS)
    except OSError as exc:  # np.savez names no file: a full device would be "cannot use a file"
        tmp.unlink(missing_ok=True)
        raise storage_error(OSError(exc.errno, exc.strerror, str(index_dir / PASSAGE_VECTORS)), "write") from None
    except BaseException:  # Ctrl-C while writing: the previous file stays
        tmp.unlink(missing_ok=True)
        raise
    return embedded


def passages_to_embed(index_dir: Path, texts: list[str], model_sha256: str) -> list[str]:
    """The passage texts (`passage_texts`) that `passages.npz` lacks: what `store_passage_vectors` will embed."""
    try:
        with np.load(index_dir / PASSAGE_VECTORS, allow_pickle=False) as data:
            known = set(_keys(data["keys"])) if str(data["model"]) == model_sha256 else set()
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        known = set()
    return [text for text in texts if text_key(text) not in known]


def load_passage_vectors(index_dir: Path, model_sha256: str) -> dict[bytes, np.ndarray]:
    """{text key: vector} from `passages.npz`, or {} when it is missing, damaged or from another model."""
    try:
        with np.load(index_dir / PASSAGE_VECTORS, allow_pickle=False) as data:
            keys, vectors, model = data["keys"], data["vectors"], str(data["model"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return {}
    if model != model_sha256 or vectors.ndim != 2 or vectors.shape != (len(keys), DIMENSIONS):
        return {}
    return dict(zip(_keys(keys), vectors))


def _keys(stored: np.ndarray) -> list[bytes]:
    """The text keys as `text_key` makes them: numpy's "S16" drops a key's trailing zero bytes, so they are put back
    (without them about one passage in 256 was never found, and embedded again by every build)."""
    return [key.ljust(16, b"\0") for key in stored.tolist()]
