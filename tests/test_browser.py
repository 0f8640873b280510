"""The app in a real browser (Debian's chromium via Playwright), as a practitioner and a trainer use it."""

from __future__ import annotations


import pytest

from assistant.feedback import FeedbackStore
from conftest import ARTIFACTS, free_port

KAI_TITLE = "Professional curiosity and cultural responsivity in practice"
EMILY_TITLE = "Effective, safe, and tailored delivery of UPW for a pregnant woman"


@pytest.fixture(scope="module")
def app_url(assistant, tmp_path_factory):
    from assistant.ui import build_app, launch_options

    store = FeedbackStore(tmp_path_factory.mktemp("feedback") / "feedback.sqlite3")
    app = build_app(assistant, store)
    app.queue()
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options())
    yield f"http://127.0.0.1:{port}/", store
    app.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(app_url[0])
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


def ask(page, text: str) -> None:
    answers_before = page.locator('#chat [data-testid="bot"]').count()
    page.fill("#question textarea", text)
    page.click("#ask-button")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat [data-testid=\"bot\"]').length > n && "
        "!document.querySelector('#chat').innerText.trim().endsWith('…')", arg=answers_before, timeout=30000)
    page.wait_for_selector("#evidence .card", timeout=30000)


def card_titles(page) -> list[str]:
    return [t.strip() for t in page.locator("#evidence .card > summary").all_inner_texts()]


def test_ask_and_see_the_answer_with_markers_and_evidence_cards(page):
    ask(page, "My client has ADHD and keeps missing appointments")
    bot = page.locator('#chat [data-testid="bot"]').last
    assert bot.locator('a[href^="#card-"]').count() >= 2  # the example's heading and its points
    assert bot.inner_text().startswith("[1] ")  # each group of points is led by the example it comes from
    titles = card_titles(page)
    assert titles and titles[0].startswith("[1] ")
    assert page.locator("#evidence mark").count() >= 1  # the quoted points are highlighted
    assert page.locator("#mode").inner_text().startswith("Answer mode: offline answers from the corpus")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat.png"))


def test_clicking_a_marker_brings_its_card_into_view(page):
    ask(page, "My client has ADHD and keeps missing appointments")
    count = page.locator("#evidence .card").count()
    target = f"#card-{count}"
    page.evaluate(f"() => {{ const c = document.querySelector('{target}'); c.open = false; window.scrollTo(0, 0); }}")
    page.set_viewport_size({"width": 1400, "height": 500})
    page.locator(f'#chat a[href="{target}"]').last.click()
    page.wait_for_timeout(300)
    state = page.locator(target).evaluate(
        "e => { const r = e.getBoundingClientRect(); return {open: e.open, top: r.top, bottom: r.top + 40, h: innerHeight, flash: e.classList.contains('flash')}; }")
    assert state["open"] and state["flash"]
    assert 0 <= state["top"] and state["bottom"] <= state["h"]
    assert page.url.endswith("/")  # handled in the page, not a navigation


def wait_for_cards(page, titles: list[str]) -> None:
    page.wait_for_function(
        "expected => Array.from(document.querySelectorAll('#evidence .card > summary'))"
        ".map(e => e.innerText.trim()).join('|') === expected", arg="|".join(titles), timeout=20000)


def test_apply_and_remove_a_filter(page):
    ask(page, "keeping him engaged when he keeps missing appointments")
    before = card_titles(page)
    assert f"[1] {EMILY_TITLE}" not in before
    page.click("#filters .label-wrap")
    theme = page.locator("#filter-theme input")
    theme.click()
    theme.fill("Unpaid work")
    theme.press("Enter")
    page.keyboard.press("Escape")
    wait_for_cards(page, [f"[1] {EMILY_TITLE}"])
    page.locator("#filter-theme .token .token-remove").click()
    wait_for_cards(page, before)


def test_facets_from_the_question_are_preset_and_removable(page):
    ask(page, "22 year old lad on an SSO with ADHD")
    facets = page.locator("#facets label")
    assert "age 22" in facets.all_inner_texts()
    assert page.locator("#facets input:checked").count() == facets.count()
    page.locator("#facets label", has_text="age 22").click()
    page.wait_for_timeout(1500)
    assert page.locator("#facets input:checked").count() == facets.count() - 1


def test_follow_up_uses_the_conversation(page):
    ask(page, "Any examples of good practice with a Muslim client on licence?")
    ask(page, "how did the PP handle his exclusion zone?")
    assert card_titles(page)[0] == f"[1] {KAI_TITLE}"
    assert "mosque attendance" in page.locator('#chat [data-testid="bot"]').last.inner_text()


def test_feedback_is_stored(page, app_url):
    store = app_url[1]
    before = len(store.rows())
    ask(page, "ex-forces lad with PTSD who drinks")
    page.locator("#feedback-reasons label", has_text="missed a better example").click()
    page.fill("#feedback-comment textarea", "I expected the veteran example higher")
    page.click("#thumbs-down")
    page.wait_for_function("() => document.querySelector('#feedback-status').innerText.includes('Thank you')")
    rows = store.rows()
    assert len(rows) == before + 1
    row = rows[-1]
    assert row["rating"] == -1 and row["reasons"] == ["missed a better example"]
    assert row["question"] == "ex-forces lad with PTSD who drinks"
    assert row["comment"] == "I expected the veteran example higher" and row["citations"]


def test_finder_filter_pick_and_download_packs(page, tmp_path):
    page.get_by_role("tab", name="Find examples").click()
    need = page.locator("#finder-need input")
    need.click()
    need.fill("domestic abuse")
    need.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.querySelectorAll('#finder-picks label').length < 21", timeout=20000)
    counts = page.locator("#finder-counts").inner_text()
    picks = page.locator("#finder-picks label")
    assert f"{picks.count()} examples" in counts and "theme" in counts and "standard" in counts
    assert picks.count() >= 2
    chosen = [picks.nth(0).inner_text().split(" — ")[0], picks.nth(1).inner_text().split(" — ")[0]]
    picks.nth(0).click()
    picks.nth(1).click()
    page.click("#make-pack")
    page.wait_for_selector("#pack-files a", timeout=30000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "finder.png"), full_page=False)
    files = {}
    for name in ("session-pack.docx", "session-pack.md"):
        with page.expect_download() as download:
            page.locator(f'#pack-files a[href$="{name}"]').first.click()
        files[name] = tmp_path / name
        download.value.save_as(files[name])

    from docx import Document

    document = Document(str(files["session-pack.docx"]))
    text = "\n".join(p.text for p in document.paragraphs)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[1:3] == [f"1. {chosen[0]}", "The example (verbatim)"] or f"1. {chosen[0]}" in headings
    assert f"2. {chosen[1]}" in headings
    assert "Discussion questions" in headings and "Facilitator notes" in headings
    assert "Contains public sector information licensed under the Open Government Licence v3.0." in text
    assert "Theme: " in text and "Standards: " in text and "Source: https://hmiprobation" in text
    markdown = files["session-pack.md"].read_text(encoding="utf-8")
    assert f"## 1. {chosen[0]}" in markdown and f"## 2. {chosen[1]}" in markdown
    assert "Open Government Licence v3.0" in markdown


def test_glossary_and_about_tabs(page):
    page.get_by_role("tab", name="Glossary").click()
    page.fill("#glossary-term textarea", "hostel")
    page.wait_for_function("() => document.querySelector('#glossary-table').innerText.includes('approved premises')",
                           timeout=10000)
    page.get_by_role("tab", name="About").click()
    about = page.locator("#about").inner_text()
    assert "21 examples and 21 sections" in about and "not official guidance" in about.lower()


def test_usable_by_keyboard_alone(page):
    page.focus("#question textarea")
    page.keyboard.type("ex-forces lad with PTSD who drinks")
    for _ in range(6):  # Tab from the question to the Ask button
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.closest('#ask-button') !== null"):
            break
    assert page.evaluate("() => document.activeElement.closest('#ask-button') !== null")
    page.keyboard.press("Enter")
    page.wait_for_selector("#evidence .card", timeout=30000)
    assert card_titles(page)[0] == "[1] Multi-agency information sharing and joint working"


def test_every_control_has_a_label(page):
    unlabelled = page.evaluate("""() => Array.from(document.querySelectorAll('input, textarea, select'))
        .filter(e => e.type !== 'hidden' && e.offsetParent !== null)
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.closest('label'))
        .map(e => e.outerHTML.slice(0, 80))""")
    assert unlabelled == []


def test_llm_mode_is_shown_and_its_validated_answer_streams_in(browser, assistant):
    """With an LLM configured, the page says so and shows the checked answer (the real
    langchain-openai client talking to a scripted OpenAI-compatible server on loopback)."""
    from dataclasses import replace

    from assistant.api import Assistant
    from assistant.ui import build_app, launch_options
    from fake_llm import FakeLLM

    with FakeLLM() as fake:
        fake.reply("- As the pregnancy progressed, Emily was offered independent work sessions. [1]\n"
                   "- Emily completed 240 hours of unpaid work. [1]")
        llm_assistant = Assistant(replace(assistant.settings, llm="openai:fake-model", llm_base_url=fake.base_url,
                                          llm_timeout=10.0), index=assistant.index)
        app = build_app(llm_assistant)
        app.queue()
        port = free_port()
        app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options())
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/")
            assert page.locator("#mode").inner_text().startswith("Answer mode: LLM: openai:fake-model")
            ask(page, "she's pregnant and has unpaid work hours to do")
            bot = page.locator('#chat [data-testid="bot"]').last
            points = bot.locator("li").all_inner_texts()
            assert any("independent work sessions" in p for p in points)
            assert not any("240" in p for p in points)  # the unsupported number was removed…
            assert "Removed from the LLM answer: number 240" in bot.locator("blockquote").inner_text()  # …and said so
            assert card_titles(page) == [f"[1] {EMILY_TITLE}"]
            assert fake.requests[-1]["stream"] is True
            page.close()
        finally:
            app.close()
