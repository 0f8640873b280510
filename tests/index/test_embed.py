"""The query model's embedder: a text embedded lately is not run again, and gets the same vector."""

from __future__ import annotations

import numpy as np

from assistant.index import embed


def test_a_text_embedded_again_is_not_run_again_and_gets_the_same_vector(assistant, monkeypatch):
    embedder = embed.OnnxEmbedder(assistant.index.embedder.onnx_file)
    runs = []
    real_run = embedder._run
    monkeypatch.setattr(embedder, "_run", lambda ids: runs.append(ids) or real_run(ids))
    first = embedder.embed(["she is pregnant and on unpaid work", "ex-forces lad with PTSD"])
    assert len(runs) == 2
    again = embedder.embed(["ex-forces lad with PTSD", "a new question", "she is pregnant and on unpaid work"])
    assert len(runs) == 3  # only the new text ran
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[2], first[0])
    fresh = embed.OnnxEmbedder(embedder.onnx_file).embed(["ex-forces lad with PTSD"])
    assert np.array_equal(fresh[0], first[1])  # the same as a first embedding


def test_the_recent_vectors_are_bounded(assistant, monkeypatch):
    monkeypatch.setattr(embed, "RECENT_VECTORS", 3)
    embedder = embed.OnnxEmbedder(assistant.index.embedder.onnx_file)
    embedder.embed([f"question {i}" for i in range(5)])
    assert list(embedder._recent) == ["question 2", "question 3", "question 4"]
