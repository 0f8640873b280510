"""Ingestion: every publication, in every format, into examples and sections.

The stages show in the layout:

- ``readers/`` — one reader per format (``text``, ``markdown``, ``web`` for saved HTML,
  ``pdf``, ``word`` for .docx), each producing the same stream of `Block`s
  (``blocks.py``): headings with levels, paragraphs, list items, tables, and page furniture
  marked as such (``furniture.py``).
- ``families/`` — one recogniser per publication family (``spotlight``, ``guide``,
  ``youth``, ``report``, and a ``generic`` fallback), chosen by what the blocks contain;
  ``recognise.py`` is the structure walk they share, ``examples.py`` builds each example,
  ``people.py`` finds its person.
- ``vocabulary.toml`` — labels, person patterns, outcome labels, navigation lines and case
  cues, as data.
- ``documents.py`` — a file to a `Document`; the corpus read, skipping a bad document with
  its reason; the corpus hash; ``metadata.py`` — the meta file and what the document says.

Importing this package is cheap: pypdf and python-docx load only when such a file is read.
"""

from assistant.ingest.documents import (MAX_DOCUMENT_BYTES, PARSER_VERSION, REFERENCE_KINDS, CorpusRead,
                                        all_units, corpus_files, corpus_hash, document_paths, document_record,
                                        load_corpus, parse_document, read_corpus)
from assistant.ingest.metadata import read_metadata, safe_url, sidecar_path
from assistant.ingest.readers import SUPPORTED_SUFFIXES
from assistant.ingest.markers import slugify

__all__ = [
    "MAX_DOCUMENT_BYTES", "PARSER_VERSION", "REFERENCE_KINDS", "SUPPORTED_SUFFIXES", "CorpusRead", "all_units",
    "corpus_files", "corpus_hash", "document_paths", "document_record", "load_corpus", "parse_document",
    "read_corpus", "read_metadata", "safe_url", "sidecar_path", "slugify",
]
