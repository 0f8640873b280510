"""The keyword index: what retrieval and answers ask of it, without reading bm25s's arrays."""

from __future__ import annotations

from assistant.index import keyword_tokens


def test_the_keyword_index_answers_for_stemmed_tokens(assistant):
    keyword = assistant.index.keyword_index
    [pregnant] = keyword_tokens(["pregnancy"])[0]
    assert keyword.knows(pregnant) and not keyword.knows("zebrafish")
    held = keyword.count(pregnant)
    assert held >= 1 and len(keyword.chunks_with(pregnant)) == held
    assert keyword.document_frequency(pregnant) == held / len(assistant.index.chunk_ids)
    assert keyword.document_frequency("zebrafish") == 1 / len(assistant.index.chunk_ids)
    scores = keyword.scores([pregnant])
    assert len(scores) == len(assistant.index.chunk_ids) and scores.max() > 0
    assert set(scores.nonzero()[0]) == set(keyword.chunks_with(pregnant))
