"""Managing the corpus: add a publication (a file, or a URL to download), list documents, remove one.

Adding copies (or downloads) the publication into ``corpus/documents/`` with its
``.meta.json``: metadata read from the document where it says it (title, year, region,
kind), overridden by what the user gives. What was read, where it was read, what could not
be read and where the document's text went (kept, dropped by reason) come back with the
result (`Added`, `add_summary`), so the CLI can say so and ask only for what is missing. Nothing is left behind when an add fails: the
file is staged in a hidden folder and moved into place only once it has been read.
Re-indexing is the caller's step (`assistant.index.build_index`), so the CLI can show its
progress.

Downloads (`download.py`) have a total deadline, a size cap checked while streaming, a
content-type check (HTML, PDF, plain text, Markdown, Word) and at most a few redirects; every
failure is a one-line error that says what to do.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from assistant.errors import BadInputError, CorpusError
from assistant.ingest.cache import ParseCache, read_corpus_cached
from assistant.ingest import (MAX_DOCUMENT_BYTES, SUPPORTED_SUFFIXES, document_paths, document_record,
                              parse_document, read_corpus, read_metadata, sidecar_path, slugify)
from assistant.ingest.accounting import describe
from assistant.types import Document
from assistant.ingest.download import CONNECT_TIMEOUT_S, DEADLINE_S, READ_TIMEOUT_S, download  # noqa: F401 (offered here)

Progress = Callable[[str, int, int], None]


@dataclass
class Added:
    """A document that was added: where it went and what was read from it."""

    id: str
    file: str
    title: str
    examples: int
    sections: int
    meta: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    read: dict[str, tuple[Any, str]] = field(default_factory=dict)  # field -> (value, where it was read or given)
    missing: list[str] = field(default_factory=list)  # fields neither read nor given (title, year, region, kind)
    accounting: dict[str, Any] = field(default_factory=dict)  # where the text went (see ingest/accounting.py)


def is_url(source: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", source.strip())) or source.strip().lower().startswith(
        ("javascript:", "data:", "mailto:"))


def add_document(corpus_dir: Path, source: str, *, title: str | None = None, year: int | None = None,
                 region: str | None = None, kind: str | None = None, doc_id: str | None = None,
                 progress: Progress | None = None, max_bytes: int = MAX_DOCUMENT_BYTES,
                 timeout: tuple[float, float] = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S), deadline_s: float = DEADLINE_S,
                 cache: ParseCache | None = None, parse: Callable[[Path], Document] = parse_document) -> Added:
    """Copy or download `source` into the corpus with its meta file; the caller re-indexes.

    With the index's parse `cache`, the document as parsed with its meta file goes into it, so
    the build that follows does not parse it again.
    """
    docs_dir = corpus_dir / "documents"
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist; create it or set ASSISTANT_CORPUS_DIR")
    docs_dir.mkdir(exist_ok=True)
    if year is not None and not 1900 <= year <= 2100:
        raise BadInputError(f"--year must be a year such as 2025, got {year}")
    with tempfile.TemporaryDirectory(dir=docs_dir, prefix=".adding-") as staging_dir:
        staging = Path(staging_dir)
        url = None
        if is_url(source):
            url = source.strip()
            staged = download(url, staging, progress=progress, max_bytes=max_bytes, timeout=timeout,
                              deadline_s=deadline_s)
            original = staged.name
        else:
            path = Path(source).expanduser()
            if not path.is_file():
                raise BadInputError(f"{source} is not a file; give the path of a publication or an http(s) URL")
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise CorpusError(f"{path.name}: unsupported file type '{path.suffix.lower() or 'none'}'; "
                                  f"save it as one of {', '.join(SUPPORTED_SUFFIXES)} first")
            if path.stat().st_size > max_bytes:
                raise CorpusError(f"{path.name} is larger than {max_bytes // 2**20} MiB; split it first")
            original = path.name
            staged = staging / _file_name(path.stem, path.suffix.lower())
            shutil.copyfile(path, staged)

        target = docs_dir / staged.name
        if target.exists():
            raise CorpusError(f"{target.name} is already in the corpus; remove it first "
                              f"(`assistant remove {_id_of(target)}`) or rename the file")
        read = parse(staged)  # what the document says about itself (no meta file yet)
        known = {_id_of(p) for p in document_paths(corpus_dir)} if any(docs_dir.iterdir()) else set()
        wanted = doc_id or str(read.meta.get("id") or slugify(staged.stem, 40))
        if doc_id and doc_id in known:
            raise BadInputError(f"a document with id '{doc_id}' is already in the corpus; choose another --id")
        new_id = _unique(slugify(wanted, 40) if not doc_id else doc_id, known)
        meta = {
            "id": new_id,
            "title": title or read.title,
            "year": year if year is not None else read.meta.get("year"),
            "region": region or read.meta.get("region"),
            "kind": kind or read.meta.get("kind"),
            "url": url,
            "source": url or original,
            "added": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        meta = {k: v for k, v in meta.items() if v is not None}
        given = {"title": title, "year": year, "region": region, "kind": kind}
        found = read.accounting.get("metadata", {})
        sources: dict[str, tuple[Any, str]] = {}
        for name, value in given.items():
            entry = found.get(name) or {}
            if value is not None:
                sources[name] = (value, f"the --{name} option")
            elif entry.get("value") is not None:
                sources[name] = (entry["value"], entry.get("source") or "the document")
        missing = [name for name in given if name not in sources]
        sidecar = sidecar_path(staged)
        sidecar.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        parsed = parse(staged)
        os.replace(sidecar, sidecar_path(target))
        os.replace(staged, target)
        if cache is not None:
            cache.put(cache.key(target), parsed)
    return Added(id=parsed.id, file=target.name, title=parsed.title, examples=len(parsed.examples),
                 sections=len(parsed.sections), meta=meta, warnings=list(parsed.warnings), read=sources,
                 missing=missing, accounting=dict(parsed.accounting))


def add_summary(added: Added, corpus_dir: Path | None = None) -> list[str]:
    """What `assistant add` says: the counts, what was read and where, where the text went, and how to
    give what could not be read."""
    lines = [f"Added {added.id} ({added.file}): {added.examples} examples, {added.sections} sections"]
    if added.read:
        lines.append("Read:")
        lines += [f"  {name}: {value} (from {source})" for name, (value, source) in added.read.items()]
    lines += [f"Text: {line}" for line in describe(added.accounting)]
    if added.missing:
        options = " ".join(f"--{name} {name.upper()}" for name in added.missing)
        sidecar = sidecar_path((corpus_dir / "documents" / added.file) if corpus_dir else Path(added.file))
        lines.append(f"Could not read its {', '.join(added.missing)} from the document. To give "
                     f"{'it' if len(added.missing) == 1 else 'them'}: `assistant remove {added.id}`, then add it again "
                     f"with {options} (or edit {sidecar}).")
    return lines


def document_details(record: dict[str, Any]) -> list[str]:
    """A listed document's accounting and metadata sources, for `assistant documents --verbose`."""
    accounting = record.get("accounting") or {}
    lines = [f"text: {line}" for line in describe(accounting)]
    for name, entry in (accounting.get("metadata") or {}).items():
        value = entry.get("value")
        lines.append(f"{name}: {value} (from {entry.get('source')})" if value is not None else f"{name}: not read")
    return lines


def list_documents(corpus_dir: Path, indexed: dict[str, Any] | None = None, cache: ParseCache | None = None,
                   parse: Callable[[Path], Document] = parse_document) -> list[dict[str, Any]]:
    """Every document in the corpus with its counts, dates and warnings, or why it cannot be read.

    `indexed` is the index manifest (if there is one): each record says whether the index
    holds the document with the same counts. With the index's parse `cache`, a document whose
    bytes did not change is not parsed again.
    """
    read = read_corpus(corpus_dir) if cache is None else read_corpus_cached(corpus_dir, cache, lambda *_: None, parse)
    in_index = {d.get("id"): d for d in (indexed or {}).get("documents", [])}
    records = []
    for doc in read.documents:
        record = document_record(doc)
        entry = in_index.get(doc.id)
        record["indexed"] = bool(entry) and (entry.get("examples"), entry.get("sections")) == (
            record["examples"], record["sections"])
        records.append(record)
    for name, why in read.skipped:
        records.append({"id": None, "file": name, "title": name, "skipped": why, "indexed": False,
                        "examples": 0, "sections": 0, "warnings": [why]})
    return records


def remove_document(corpus_dir: Path, ident: str) -> dict[str, Any]:
    """Take a document (by id or file name) and its meta file out of the corpus; the caller re-indexes."""
    paths = document_paths(corpus_dir)
    matches = [p for p in paths if ident in (_id_of(p), p.name, p.stem)]
    if not matches:
        known = ", ".join(sorted(_id_of(p) for p in paths))
        raise BadInputError(f"no document '{ident}' in the corpus; known ids: {known}")
    if len(paths) == 1:
        raise BadInputError(f"'{ident}' is the only document; add another before removing it")
    path = matches[0]
    removed = {"id": _id_of(path), "file": path.name}
    sidecar = sidecar_path(path)
    path.unlink()
    if sidecar.exists():
        sidecar.unlink()
    return removed


def _id_of(path: Path) -> str:
    """A document's id as parsing gives it: the meta file's "id", else the file name's slug."""
    try:
        meta = read_metadata(path)
    except CorpusError:
        meta = {}
    return str(meta.get("id") or slugify(path.stem, 40))


def _unique(base: str, known: set[str]) -> str:
    candidate, n = base, 2
    while candidate in known:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _file_name(stem: str, suffix: str) -> str:
    return f"{slugify(stem, 80)}{suffix}"
