"""Every slow test is marked, so that `make check` (the fast tier) stays fast."""

from __future__ import annotations

from conftest import UNMARKED_HEAVY, heavy_reason


def test_every_test_that_builds_serves_or_spawns_is_marked(request):
    unmarked = request.config.stash[UNMARKED_HEAVY]
    assert unmarked == [], "mark these @pytest.mark.slow (or move them to tests/slow/):\n" + "\n".join(unmarked)


def test_the_check_sees_what_makes_a_test_slow(tmp_path):
    (tmp_path / "sample_tests.py").write_text(
        "def builds(settings):\n    from assistant.api import build" "_index\n    build" "_index(settings)\n\n"
        "def reads(assistant):\n    return assistant.search('tag')\n", encoding="utf-8")
    import importlib.util

    spec = importlib.util.spec_from_file_location("sample_tests", tmp_path / "sample_tests.py")
    sample = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sample)
    assert heavy_reason(sample.builds) == "build" "_index"
    assert heavy_reason(sample.reads) is None
