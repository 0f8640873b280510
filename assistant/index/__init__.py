"""Build, check, repair and open the index: Chroma (dense), bm25s (keyword), vectors and a manifest.

Layout of ``index/``::

    manifest.json            the one switch: which build is live, how it was made, every file's checksum
    .lock                    held by the one `assistant index` running (see assistant.index.locking)
    onnx/                    the embedding model as ONNX (exported once, checked, sha256 recorded)
    cache/<key>.json         each document as parsed, keyed by its bytes, its metadata and the parser version
    builds/<id>/             one build: units.jsonl, chunks.jsonl, glossary.json, vectors.npy, bm25/,
                             chroma/ (local mode: this build's own Chroma store), manifest.json (a copy),
                             .lease (readers hold it shared while they use the build)
    readers/                 each reading process's private copy of a build's Chroma store

A build is written into ``builds/.tmp-<id>/``, renamed into place, and made live by replacing
manifest.json atomically. Readers take a lease on the build they open, so a new build never
deletes a build a running server or search still uses; the next clean-up does, once it is free.
Nothing of a build changes after it is made: Chroma writes to its store even when it only
reads, so every reader opens its own copy. That keeps every file of a build checksummable,
and lets `assistant index --check` name any damaged piece and `assistant index` repair it.

Incremental by construction: a document whose bytes did not change is not parsed again (the
parse cache); a chunk whose text did not change is not embedded again (its vector is read
from the previous build's vectors.npy); the previous build's Chroma store is copied and only
the changed chunks are deleted and added. With a Chroma server (``ASSISTANT_CHROMA_HOST/PORT``)
each build is a collection ``ppa-<index id>-<build id>`` on the server, filled from vectors.npy.
"""

from assistant.index.build import BuildReport, build_index
from assistant.index.model import ensure_query_model
from assistant.index.check import CheckReport, Damage, check_index
from assistant.index.chroma import chroma_client, chroma_client_local
from assistant.index.chunks import (SCALAR_PUBLICATION_FILTERS, Chunk, chunk_metadata, filter_fields, make_chunks,
                                    unit_chunks)
from assistant.index.cleanup import clean_index_folder, retire_unused_builds
from assistant.index.keyword import keyword_tokens
from assistant.index.manifest import INDEX_FORMAT, PASSAGE_VECTORS, current_build_id, read_manifest
from assistant.index.store import OpenIndex

__all__ = [
    "INDEX_FORMAT", "PASSAGE_VECTORS", "SCALAR_PUBLICATION_FILTERS", "BuildReport", "CheckReport", "Chunk", "Damage",
    "OpenIndex", "build_index", "check_index", "chroma_client", "chroma_client_local", "chunk_metadata",
    "clean_index_folder", "current_build_id", "ensure_query_model", "filter_fields", "keyword_tokens", "make_chunks",
    "read_manifest", "retire_unused_builds", "unit_chunks",
]
