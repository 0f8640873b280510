"""LLM answers: the real langchain-openai client over HTTP to a scripted server on loopback."""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest

from assistant.api import Assistant
from assistant.evaluation.answers import citation_problems
from conftest import free_port
from fake_llm import FakeLLM

QUESTION = "pregnant woman doing unpaid work - how do we keep her placement safe?"
EMILY = "ne-2025:effective-safe-and-tailored-delivery-of-upw-for-a-pregnant"
GOOD = ("- As the pregnancy progressed, Emily was offered independent work sessions. [1]\n"
        "- The report author liaised with the UPW team before sentencing so her pregnancy could be accommodated "
        "through light duties. [1]")


@pytest.fixture
def fake():
    with FakeLLM() as server:
        yield server


def llm_assistant(assistant, base_url: str, timeout: float = 5.0) -> Assistant:
    settings = replace(assistant.settings, llm="openai:fake-model", llm_base_url=base_url, llm_timeout=timeout)
    return Assistant(settings, index=assistant.index)


def test_a_good_answer_is_kept_and_streamed(assistant, fake):
    fake.reply(GOOD)
    answer = llm_assistant(assistant, fake.base_url).ask(QUESTION)
    assert answer.mode == "llm", answer.warnings
    assert [c.unit.id for c in answer.citations] == [EMILY]
    assert citation_problems(answer) == []
    assert "independent work sessions" in answer.answer and answer.warnings == ()
    assert fake.requests[0]["stream"] is True and fake.requests[0]["model"] == "fake-model"
    prompt = fake.requests[0]["messages"][-1]["content"]
    assert "[1] Effective, safe, and tailored delivery of UPW" in prompt and QUESTION in prompt


def test_an_invented_citation_falls_back(assistant, fake):
    fake.reply(GOOD + "\n- Independent placements suit every pregnant woman. [7]")
    answer = llm_assistant(assistant, fake.base_url).ask(QUESTION)
    assert answer.mode == "extractive"
    assert any("cites [7]" in w and "offline answer" in w for w in answer.warnings)
    assert citation_problems(answer) == []


def test_an_uncited_claim_is_removed(assistant, fake):
    fake.reply(GOOD + "\n- You should also arrange a taxi to every placement.")
    answer = llm_assistant(assistant, fake.base_url).ask(QUESTION)
    assert answer.mode == "llm"
    assert "taxi" not in answer.answer
    assert any(w.startswith("Removed from the LLM answer: uncited") for w in answer.warnings)


def test_a_number_not_in_the_sources_is_removed(assistant, fake):
    fake.reply(GOOD + "\n- Emily completed 240 hours of unpaid work. [1]")
    answer = llm_assistant(assistant, fake.base_url).ask(QUESTION)
    assert answer.mode == "llm"
    assert "240" not in answer.answer
    assert any("number 240 is not in the cited source" in w for w in answer.warnings)


def test_a_name_not_in_the_sources_is_removed(assistant, fake):
    fake.reply(GOOD + "\n- Dr Patel from Durham supervised her placement. [1]")
    answer = llm_assistant(assistant, fake.base_url).ask(QUESTION)
    assert "Patel" not in answer.answer
    assert any("Patel" in w for w in answer.warnings)


def test_an_unsupported_answer_falls_back(assistant, fake):
    fake.reply("- Pregnant people on probation should be given extra money for maternity clothes. [1]\n"
               "- The court should cancel unpaid work for anyone expecting a baby. [1]")
    answer = llm_assistant(assistant, fake.base_url).ask(QUESTION)
    assert answer.mode == "extractive"
    assert any("failed validation" in w for w in answer.warnings)


def test_a_server_that_is_down_falls_back(assistant):
    answer = llm_assistant(assistant, f"http://127.0.0.1:{free_port()}/v1").ask(QUESTION)
    assert answer.mode == "extractive" and not answer.refused
    assert any("cannot reach the LLM (openai:fake-model)" in w for w in answer.warnings)
    assert answer.citations[0].unit.id == EMILY


def test_a_slow_server_falls_back(assistant, fake):
    fake.reply(GOOD, delay=3.0)
    answer = llm_assistant(assistant, fake.base_url, timeout=1.0).ask(QUESTION)
    assert answer.mode == "extractive"
    assert any("took longer than 1 s" in w for w in answer.warnings)


def test_a_missing_backend_package_gives_an_install_hint(assistant, monkeypatch):
    monkeypatch.setitem(sys.modules, "langchain_ollama", None)  # as if not installed
    answer = Assistant(replace(assistant.settings, llm="ollama:llama3"), index=assistant.index).ask(QUESTION)
    assert answer.mode == "extractive"
    assert any("pip install -e '.[llm]'" in w for w in answer.warnings)


def test_personal_data_never_reaches_the_llm(assistant, fake):
    fake.reply(GOOD)
    llm_assistant(assistant, fake.base_url).ask("Jane Doe DOB 01/02/1991 CRN X654321 is pregnant and doing unpaid work")
    sent = str(fake.requests)
    assert "01/02/1991" not in sent and "X654321" not in sent and "Jane Doe" not in sent
    assert "[DATE OF BIRTH]" in sent


def test_the_llm_rewrites_follow_ups_before_retrieval(assistant, fake):
    fake.reply("Muslim man on licence with an exclusion zone that covers his mosque")
    fake.reply("- The PP reviewed the exclusion zone to enable mosque attendance, with senior oversight. [1]")
    history = [{"role": "user", "content": "Any examples with a Muslim client on licence?"}]
    answer = llm_assistant(assistant, fake.base_url).ask("what did they do about it?", history=history)
    assert answer.search_query == "Muslim man on licence with an exclusion zone that covers his mosque"
    assert answer.citations[0].unit.id.endswith("cultural-responsivity-in-practice")
    assert answer.mode == "llm", answer.warnings
