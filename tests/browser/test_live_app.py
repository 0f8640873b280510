"""The app stays live: with the page open, `assistant add` and then `assistant remove` run in another
process, and the page shows the new corpus each time without being reloaded — the finder's list, the
filter choices of both tabs (a menu's values, and the region menu that shows once there are two
regions), and the About tab with its list of documents."""

from __future__ import annotations


import pytest

from assistant.api import Assistant
from assistant.feedback import FeedbackStore
from conftest import ROOT, cli_env, free_port, private_copy, run_cli

pytestmark = pytest.mark.browser

SPOTLIGHT = ROOT / "tests" / "fixtures" / "publications" / "spotlight-eastmoor-2024.txt"
ADDED_ID = "spotlight-eastmoor-2024"
ADDED_TITLE = "Effective Practice Spotlight: The Probation Service – Eastmoor region"
ADDED_EXAMPLE = "Keeping a curfew workable"
SWITCH_S = 90  # the re-index is done when the command returns; then the server opens the build and the page checks


@pytest.fixture(scope="module")
def live(settings, tmp_path_factory):
    """(page address, settings): the app over a private copy of the corpus and index, following its builds."""
    from assistant.web.app import build_app, launch_options

    base = tmp_path_factory.mktemp("live")
    private = private_copy(settings, base)
    assistant = Assistant(private).warm_up()
    app = build_app(assistant, FeedbackStore(base / "feedback.sqlite3"))
    app.queue()
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options())
    yield f"http://127.0.0.1:{port}/", private
    app.close()
    assistant.close()


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    page.wait_for_timeout(300)


def menu_values(page, menu_id: str) -> list[str]:
    """The values a filter menu offers, as a person sees them when they open it."""
    page.click(f"#{menu_id} input")
    page.wait_for_selector("[data-testid=dropdown-option]")
    values = page.locator("[data-testid=dropdown-option]").evaluate_all("items => items.map(i => i.getAttribute('aria-label'))")
    page.keyboard.press("Escape")
    page.locator(f"#{menu_id} input").blur()
    page.wait_for_selector("[data-testid=dropdown-option]", state="detached")
    return values


def see_the_corpus(page, added: bool) -> None:
    """The page shows the corpus with the Eastmoor spotlight (`added`) or without it, in every place."""
    open_tab(page, "Find examples")
    page.wait_for_function(f"() => document.querySelector('#finder-list').innerText.includes({ADDED_EXAMPLE!r}) === "
                           f"{'true' if added else 'false'}", timeout=SWITCH_S * 1000)
    assert (ADDED_ID in menu_values(page, "finder-document")) is added
    assert page.locator("#finder-region").is_visible() is added  # one region before, two with Eastmoor's
    if added:
        assert "Eastmoor" in menu_values(page, "finder-region")
    open_tab(page, "Ask")
    if not page.locator("#filter-document").is_visible():
        page.click("#filters .label-wrap")  # open the Filters accordion
        page.wait_for_timeout(300)
    assert (ADDED_ID in menu_values(page, "filter-document")) is added
    assert page.locator("#filter-region").is_visible() is added
    open_tab(page, "About")
    about = page.locator("#about").inner_text()
    assert (ADDED_TITLE in about) is added  # the list of documents
    assert ("31 examples and" in about) is added and ("21 examples and" in about) is not added  # the counts


def test_the_open_page_follows_add_and_remove_without_a_reload(browser, live):
    url, private = live
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.goto(url)
    page.wait_for_selector("#question textarea")
    page.evaluate("window.openedOnce = true")  # a reload would lose it
    see_the_corpus(page, added=False)

    result = run_cli("add", str(SPOTLIGHT), "--region", "Eastmoor", env=cli_env(private), timeout=300)
    assert result.returncode == 0, result.stderr
    see_the_corpus(page, added=True)

    result = run_cli("remove", ADDED_ID, env=cli_env(private), timeout=300)
    assert result.returncode == 0, result.stderr
    see_the_corpus(page, added=False)
    assert page.evaluate("window.openedOnce") is True
    page.context.close()
