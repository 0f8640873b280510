"""The naive baseline: the LangChain tutorial pipeline, its chunk vectors kept per corpus under the index folder."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest

from assistant.evaluation.baselines import NAIVE_CACHE, NaiveBaseline
from assistant.evaluation.gold import GoldCase

pytestmark = pytest.mark.slow  # each test builds the naive pipeline's in-memory Chroma store

CASE = GoldCase("t", "pregnant woman doing unpaid work", "example",
                ("ne-2025:effective-safe-and-tailored-delivery-of-upw-for-a-pregnant",))


def test_the_chunk_vectors_are_kept_and_a_second_run_embeds_only_its_questions(assistant, tmp_path, monkeypatch):
    # the session index is shared: the cache goes to a folder of the test's own
    own = SimpleNamespace(settings=replace(assistant.settings, index_dir=tmp_path / "index"), index=assistant.index)
    first = NaiveBaseline(own)
    first.warm_up()
    [cached] = (tmp_path / "index" / NAIVE_CACHE).glob("*.npz")
    assert first.cache_file() == cached
    ranked = first.rank(CASE)
    assert ranked[0] == CASE.gold[0]

    embedded = []
    real = assistant.index.embedder.embed_many
    monkeypatch.setattr(assistant.index.embedder, "embed_many", lambda texts, *a, **k: embedded.append(texts) or real(texts))
    second = NaiveBaseline(own)
    second.warm_up()
    assert embedded == []  # every chunk's vector came from the cache
    assert second.rank(CASE) == ranked


def test_a_changed_chunking_or_a_damaged_cache_file_embeds_again(assistant, tmp_path):
    own = SimpleNamespace(settings=replace(assistant.settings, index_dir=tmp_path / "index"), index=assistant.index)
    assert NaiveBaseline(own).cache_file() != NaiveBaseline(own, chunk_size=500).cache_file()
    damaged = NaiveBaseline(own)
    damaged.cache_file().parent.mkdir(parents=True)
    damaged.cache_file().write_bytes(b"not a numpy file")
    damaged.warm_up()  # the damaged file is ignored and replaced
    assert damaged.rank(CASE)[0] == CASE.gold[0]
    import numpy as np

    with np.load(damaged.cache_file(), allow_pickle=False) as data:
        assert len(data["digests"]) == len(data["vectors"]) > 10
