"""How long a build will take: the estimate's arithmetic, what a build records for the next one, and the
count of what is left to embed. (tests/test_cli.py runs `add` and `remove` and compares the estimate with
the time they took.)"""

from __future__ import annotations

import pytest

from assistant.index import read_manifest
from assistant.index.build import _previous_vectors
from assistant.index.chunks import make_chunks
from assistant.index.estimate import (CHARS_PER_TEXT, FALLBACK_OTHER_S_PER_CHUNK, FALLBACK_STORE_S_PER_CHUNK, FIXED_S,
                                      MODEL_LOAD_S, Estimate, Work, characters, estimate)
from assistant.index.files import read_jsonl
from assistant.index.passages import passage_texts, passages_to_embed
from assistant.types import unit_from_json


def test_the_estimate_is_the_text_at_the_rate_and_the_rest_at_the_last_builds_times_per_chunk():
    work = Work(chunks=100, passages=50, reused=900, characters=100_000, stored=120, total=1_000)
    made = estimate(work, 10_000.0, "the last build's rate",
                    previous={"timings": {"store_s_per_chunk": 0.004, "other_s_per_chunk": 0.002}})
    assert made.seconds == pytest.approx(100_000 / 10_000 + 2 * MODEL_LOAD_S + 0.004 * 120 + 0.002 * 1_000 + FIXED_S)
    assert made.describe() == ("Re-indexing: 100 chunks and 50 passages to embed (900 chunks reused); about 14 s "
                               "at 10,000 characters/s (the last build's rate).")
    older = estimate(work, 10_000.0, "measured just now", previous={"counts": {}})
    assert older.seconds == pytest.approx(10 + 2 * MODEL_LOAD_S + FALLBACK_STORE_S_PER_CHUNK * 120
                                          + FALLBACK_OTHER_S_PER_CHUNK * 1_000 + FIXED_S)


def test_nothing_to_embed_is_said_so_and_long_builds_in_minutes():
    nothing = estimate(Work(0, 0, 1_347, 0, 32, 1_347), 1.0, "the last build's rate",
                       {"timings": {"store_s_per_chunk": 0.001, "other_s_per_chunk": 0.003}})
    assert nothing.seconds == pytest.approx(0.001 * 32 + 0.003 * 1_347 + FIXED_S)
    assert nothing.describe() == "Re-indexing: nothing new to embed (1,347 chunks reused); about 5 s."
    long = Estimate(Work(40_000, 45_000, 0, 36_000_000, 40_000, 40_000), 9_800.0, "measured just now", 3_700.0)
    assert long.describe().endswith("about 62 min at 9,800 characters/s (measured just now).")


def test_a_text_counts_up_to_what_the_model_reads():
    assert characters(["short", "x" * 10_000]) == 5 + CHARS_PER_TEXT


def test_a_build_records_its_rate_and_time_per_chunk_for_the_next_estimate(settings):
    timings = read_manifest(settings.resolved("index_dir"))["timings"]
    assert timings["embedded_characters"] > 100_000  # the whole real corpus: enough to measure
    assert 500 < timings["characters_per_second"] < 1_000_000
    assert 0 < timings["store_s_per_chunk"] < 0.1  # the session's build stored every chunk
    assert 0 < timings["other_s_per_chunk"] < 0.1


def test_after_a_build_nothing_is_left_to_embed(settings):
    """Every chunk's and every passage's vector is found again (numpy drops a key's trailing zero bytes: the
    passages whose key ended in one were embedded again by every build)."""
    index_dir = settings.resolved("index_dir")
    manifest = read_manifest(index_dir)
    build = index_dir / "builds" / manifest["build_id"]
    units = [unit_from_json(row) for row in read_jsonl(build / "units.jsonl")]
    assert passages_to_embed(index_dir, passage_texts(units), manifest["embedding"]["onnx_sha256"]) == []
    reusable = _previous_vectors(build, read_jsonl(build / "chunks.jsonl"))
    assert all(chunk.text_key in reusable for chunk in make_chunks(units))
