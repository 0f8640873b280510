"""The LangChain retriever: LangChain's own standard retriever tests (langchain-tests), metadata,
filters, and the same results as `assistant search` on every in-scope gold question."""

from __future__ import annotations

import json

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests

from assistant.errors import BadInputError
from assistant.evaluation.gold import load_gold
from assistant.langchain import PracticeRetriever
from conftest import ROOT, cli_env, run_cli

METADATA = {"id", "title", "document", "section", "url", "person", "sentence", "needs", "standards"}


class TestPracticeRetrieverStandard(RetrieversIntegrationTests):
    """LangChain's standard retriever contract, run unchanged on the real index."""

    @pytest.fixture(autouse=True)
    def _real_index(self, assistant):
        self._assistant = assistant

    @property
    def retriever_constructor(self) -> type[PracticeRetriever]:
        return PracticeRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"assistant": self._assistant}

    @property
    def retriever_query_example(self) -> str:
        return "ex-forces lad with PTSD who drinks"


def test_it_is_a_langchain_retriever_returning_documents_with_the_metadata(assistant):
    retriever = PracticeRetriever(assistant=assistant, k=3)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("ex-forces lad with PTSD who drinks")
    assert len(docs) == 3 and all(isinstance(d, Document) for d in docs)
    assert all(METADATA <= set(d.metadata) for d in docs)
    top = docs[0].metadata
    assert top["id"] == "ne-2025:multi-agency-information-sharing-and-joint-working"
    assert top["person"] == "Tom, 39, male" and "veterans" in top["needs"] and top["standards"]
    assert top["url"].startswith("https://hmiprobation.justiceinspectorates.gov.uk/") and "#:~:text=" in top["url"]
    assert "veteran diagnosed with PTSD" in docs[0].page_content
    json.dumps([d.metadata for d in docs])  # plain JSON, so any vector store or tracer takes it


def test_filters_on_the_retriever_and_per_call(assistant):
    pregnant = PracticeRetriever(assistant=assistant, k=5, filters={"need": ["pregnancy"]}).invoke("keeping her engaged")
    assert [d.metadata["id"] for d in pregnant] == ["ne-2025:effective-safe-and-tailored-delivery-of-upw-for-a-pregnant"]
    sections = PracticeRetriever(assistant=assistant).invoke("reviewing", k=2, filters={"kind": ["section"]})
    assert len(sections) == 2 and all(d.metadata["kind"] == "section" and d.metadata["person"] is None for d in sections)
    with pytest.raises(BadInputError, match="unknown need 'unicorns'"):
        PracticeRetriever(assistant=assistant).invoke("risk", filters={"need": ["unicorns"]})
    with pytest.raises(BadInputError, match="unknown option"):
        PracticeRetriever(assistant=assistant).invoke("risk", top_k=3)


def test_it_composes_in_a_chain(assistant):
    from langchain_core.runnables import RunnableLambda

    chain = PracticeRetriever(assistant=assistant, k=2) | RunnableLambda(
        lambda docs: [f"{d.metadata['title']} ({d.metadata['url']})" for d in docs])
    lines = chain.invoke("she's pregnant and has unpaid work hours to do")
    assert lines[0].startswith("Effective, safe, and tailored delivery of UPW for a pregnant woman (https://")


@pytest.mark.slow
def test_the_same_results_as_assistant_search_on_every_gold_question(assistant, settings):
    """Every in-scope gold question (with its filters): the same ids in the same order as the search
    `assistant search` runs; and for a few, the real command in a new process."""
    cases = [c for c in load_gold(ROOT / "evals" / "gold.jsonl") if c.in_scope]
    assert len(cases) >= 90
    retriever = PracticeRetriever(assistant=assistant, k=assistant.settings.top_k)
    for case in cases:
        ours = [d.metadata["id"] for d in retriever.invoke(case.question, filters=case.filters or None)]
        search = [h.unit.id for h in assistant.search(case.question, k=assistant.settings.top_k,
                                                      filters=case.filters or None)]
        assert ours == search, case.id
    for case in cases[:3]:
        result = run_cli("search", case.question, "--json", env=cli_env(settings))
        assert result.returncode == 0, result.stderr
        cli_top = json.loads(result.stdout)["results"][0]["id"]
        assert retriever.invoke(case.question)[0].metadata["id"] == cli_top, case.id


@pytest.mark.slow
def test_importing_the_package_does_not_import_langchain():
    import subprocess
    import sys

    code = "import assistant, assistant.api, sys; print('langchain_core' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
