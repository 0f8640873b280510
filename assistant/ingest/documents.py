"""Documents and the corpus: one file to a `Document`, every file to the corpus read, the corpus hash.

`parse_document` reads a file into blocks (its format's reader), picks the publication
family by what the blocks contain, and walks the blocks into examples and sections.
`read_corpus` parses every document and skips a bad one with a one-line reason, never
stopping the rest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from assistant.errors import CorpusError
from assistant.ingest import accounting, metadata
from assistant.ingest.families import choose_family
from assistant.ingest.readers import SUPPORTED_SUFFIXES, read_blocks, supported_list
from assistant.ingest.markers import slugify
from assistant.ingest.recognise import DocumentContext, Walk
from assistant.types import Document, Example, Section

PARSER_VERSION = "3.1"  # 3.1: a possible learning disability tags neurodiversity (vocab.toml); a new parse re-tags every example
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# reference documents (the standards summary, a glossary page) are not expected to hold examples
REFERENCE_KINDS = ("standards", "reference", "glossary")


def parse_document(path: Path) -> Document:
    """Parse one document file into examples and sections (a CorpusError says why it cannot be)."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise CorpusError(f"{path.name}: unsupported file type '{suffix or 'none'}'; "
                          f"save it as one of {supported_list()} or remove it")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot read {path} ({exc.strerror}); check its permissions or remove it") from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise CorpusError(f"{path.name} is larger than {MAX_DOCUMENT_BYTES // 2**20} MiB; split it or remove it")
    if not raw.strip():
        raise CorpusError(f"{path.name} is empty; add its text or remove it from the corpus")
    meta = metadata.read_metadata(path)
    reading = read_blocks(path, raw)
    blocks = reading.blocks
    warnings: list[str] = []

    doc_id = str(meta.get("id") or slugify(path.stem, 40))
    family = choose_family(blocks)
    fields = metadata.read_fields(meta, blocks, reading.properties, family.document_kind, path.stem)
    title = str(fields["title"].value)
    url = metadata.safe_url(meta.get("url"))
    if meta.get("url") and url is None:
        warnings.append(f"{doc_id}: ignored the meta file's url {str(meta.get('url'))[:60]!r}; "
                        "only http(s) links are kept")
    kind = fields["kind"].value or family.document_kind
    year = fields["year"].value
    region = fields["region"].value
    context = DocumentContext(doc_id=doc_id, doc_title=title, url=url or "", year=year, region=region, kind=kind,
                              expects_examples=kind not in REFERENCE_KINDS)
    result = Walk(blocks, family, context).run()
    if not result.examples and not result.sections:
        raise CorpusError(f"{path.name}: nothing could be read as sections or examples; check the file")
    ledger = accounting.account(doc_id, blocks, result.fates, examples=len(result.examples),
                                sections=len(result.sections), fields=fields)
    details = {"family": family.name, "kind": kind, "year": year, "region": region, "url": url}
    return Document(id=doc_id, title=title, path=path.name, meta={**meta, **{k: v for k, v in details.items() if v}},
                    examples=result.examples, sections=result.sections,
                    warnings=warnings + result.warnings + ledger["warnings"], accounting=ledger)


def document_paths(corpus_dir: Path) -> list[Path]:
    """The document files in the corpus (``corpus/documents/``), sorted by name."""
    docs_dir = corpus_dir / "documents"
    if corpus_dir.exists() and not corpus_dir.is_dir():
        raise CorpusError(f"the corpus folder {corpus_dir} is a file, not a folder; move the file or set "
                          "ASSISTANT_CORPUS_DIR (or --corpus) to a folder")
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist; create it or set ASSISTANT_CORPUS_DIR")
    if not docs_dir.is_dir():
        raise CorpusError(f"{docs_dir} does not exist; put the publications there (or use `assistant add`)")
    paths = sorted(p for p in docs_dir.iterdir()
                   if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".meta.json"))
    if not paths:
        raise CorpusError(f"no documents in {docs_dir}; add {supported_list()} files (or use `assistant add`)")
    return paths


@dataclass
class CorpusRead:
    """The documents that could be parsed, and a one-line reason for each that could not."""

    documents: list[Document]
    skipped: list[tuple[str, str]]  # (file name, why it was skipped)


def read_corpus(corpus_dir: Path) -> CorpusRead:
    """Parse every document; a bad document is skipped with its reason, never stopping the rest.

    Raises CorpusError only when the corpus folder is missing or no document can be read.
    """
    documents: list[Document] = []
    skipped: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for path in document_paths(corpus_dir):
        try:
            doc = parse_document(path)
        except CorpusError as exc:
            skipped.append((path.name, str(exc)))
            continue
        if doc.id in seen:
            skipped.append((path.name, f"{path.name} has the same id '{doc.id}' as {seen[doc.id]}; give one a "
                                       "different \"id\" in its .meta.json"))
            continue
        seen[doc.id] = doc.path
        documents.append(doc)
    if not documents:
        reasons = "; ".join(why for _, why in skipped)
        raise CorpusError(f"no document in {corpus_dir / 'documents'} could be read ({reasons})")
    return CorpusRead(documents, skipped)


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Parse every document in the corpus, strictly: the first bad document raises CorpusError."""
    read = read_corpus(corpus_dir)
    if read.skipped:
        raise CorpusError(read.skipped[0][1])
    return read.documents


def corpus_files(corpus_dir: Path) -> Iterator[Path]:
    """Every file whose content the index depends on (hidden files and folders, such as an add's staging
    folder or the corpus lock, are not content)."""
    yield from sorted(p for p in corpus_dir.rglob("*") if p.is_file()
                      and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts))


def corpus_hash(corpus_dir: Path) -> str:
    """SHA-256 over the corpus files' names and contents, plus the parser version."""
    digest = hashlib.sha256(f"parser {PARSER_VERSION}\n".encode())
    for path in corpus_files(corpus_dir):
        digest.update(str(path.relative_to(corpus_dir)).encode() + b"\0")
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError as exc:  # an unreadable file is skipped by the build with its reason; it still counts here
            digest.update(f"unreadable {exc.errno}".encode())
    return digest.hexdigest()


def all_units(documents: Iterable[Document]) -> list[Example | Section]:
    """Examples and sections of every document, in document order."""
    units: list[Example | Section] = []
    for doc in documents:
        units.extend(sorted([*doc.examples, *doc.sections], key=lambda u: u.order))
    return units


def document_record(doc: Document) -> dict:
    """One document as the index manifest, `assistant documents` and the About tab list it."""
    meta = doc.meta
    return {
        "id": doc.id, "title": doc.title, "file": doc.path, "kind": meta.get("kind"), "year": meta.get("year"),
        "region": meta.get("region"), "url": meta.get("url"), "publisher": meta.get("publisher"),
        "licence": meta.get("licence"), "added": meta.get("added"), "family": meta.get("family"),
        "examples": len(doc.examples), "sections": len(doc.sections), "warnings": list(doc.warnings),
        "accounting": dict(doc.accounting),
    }
