"""An open page following the server's builds, as plain handlers (tests/browser/test_live_app.py drives a
real page through `add` and `remove`)."""

from __future__ import annotations

from assistant.web.refresh import MENU_PREFIXES, on_check, on_new_build
from assistant.web.shared import MENUS, Update

EMILY = "ne-2025:effective-safe-and-tailored-delivery-of-upw-for-a-pregnant"


def test_nothing_changes_while_the_page_shows_the_build_in_use(assistant):
    assert on_check(assistant, assistant.status()["build_id"], {}) == {}


def test_after_a_switch_every_menu_list_and_text_is_read_again(assistant):
    changes = on_check(assistant, "an-older-build", {})
    assert changes["build"] == assistant.status()["build_id"]
    menus = {f"{prefix}-{key}" for prefix in MENU_PREFIXES for key in MENUS}
    assert set(changes) == menus | {"build", "finder-list", "finder-counts", "glossary-table", "about"}
    assert all(isinstance(changes[name], Update) and "value" not in changes[name] for name in menus)
    assert changes["filter-document"]["choices"] == ["ne-2025", "standards"]
    assert changes["finder-region"] == Update(choices=["North East"], visible=False)  # one region: nothing to choose
    assert "21 examples and" in changes["about"] and "<strong>21 examples</strong>" in changes["finder-counts"]
    assert any(row[0] == "AP" for row in changes["glossary-table"])


def test_choices_the_new_corpus_lacks_are_dropped_and_the_finder_keeps_its_search_and_picks(assistant):
    values = {"finder-document": ["a-removed-guide", "ne-2025"], "filter-theme": ["A theme no longer there"],
              "finder-query": "pregnant woman doing unpaid work", "finder-picked": f'["{EMILY}"]',
              "glossary-term": "hostel", "filter-need": []}
    changes = on_new_build(assistant, values)
    assert changes["finder-document"]["value"] == ["ne-2025"]
    assert changes["filter-theme"]["value"] == []
    assert "value" not in changes["filter-need"]  # unchanged: sending it would fire the menu's change event
    listing = changes["finder-list"]
    assert 'class="relevance"' in listing  # still the search's list, with how well each matches
    assert f'value="{EMILY}" checked' in listing  # still picked
    assert changes["glossary-table"] and all("hostel" in " ".join(row).lower() for row in changes["glossary-table"])
