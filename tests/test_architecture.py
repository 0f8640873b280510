"""The layout holds: one package per stage, arrows one way, no face below the API, small modules.

The stages and the arrows allowed between them are the table in docs/architecture.md. This test
reads every import in the package (Python's `ast`, lazy imports inside functions included) and
fails on any import against the arrows, on a circle among modules, on a module over 600 lines and
on a function over 80.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "assistant"

# stage -> the modules in it (a name ending in ".*" is a package and everything in it)
STAGES = {
    "base": ["assistant.errors", "assistant.config", "assistant.types", "assistant.files", "assistant.links",
             "assistant.notices", "assistant.render"],
    "vocabulary": ["assistant.vocab.*"],
    "ingest": ["assistant.ingest.*"],
    "question": ["assistant.question.*"],
    "index": ["assistant.index.*"],
    "retrieve": ["assistant.retrieve.*"],
    "answer": ["assistant.answer.*"],
    "api": ["assistant.api", "assistant.live", "assistant.feedback", "assistant.pack"],
    "evaluation": ["assistant.evaluation.*"],
    "faces": ["assistant.cli", "assistant.cli_conversation", "assistant.cli_feedback", "assistant.terminal", "assistant.server", "assistant.guard", "assistant.langchain", "assistant.web.*",
              "assistant.__main__", "assistant"],  # the package's front door offers `Assistant` like a face
}
BELOW_API = {"base", "vocabulary", "ingest", "question", "index", "retrieve", "answer"}
ALLOWED = {  # stage -> the stages it may import (besides itself)
    "base": set(),
    "vocabulary": {"base"},
    "ingest": {"base", "vocabulary"},
    "question": {"base", "vocabulary"},
    "index": {"base", "vocabulary", "ingest"},
    "retrieve": {"base", "vocabulary", "question", "index"},
    "answer": {"base", "vocabulary", "question", "index", "retrieve"},
    "api": BELOW_API,
    "evaluation": BELOW_API | {"api"},
    "faces": {"base", "api", "evaluation"},
}
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def stage_of(module: str) -> str:
    for stage, members in STAGES.items():
        for member in members:
            if module == member or (member.endswith(".*") and (module == member[:-2] or
                                                                module.startswith(member[:-1]))):
                return stage
    raise AssertionError(f"{module} belongs to no stage: add it to STAGES here and to docs/architecture.md")


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, top_level_only: bool = False) -> list[tuple[int, str]]:
    """(line, module) for every import of an `assistant` module in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = []
    known = modules()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and \
                node.module.split(".")[0] == "assistant":
            for alias in node.names:  # `from assistant.index import embed` imports the module assistant.index.embed
                sub = f"{node.module}.{alias.name}"
                found.append((node.lineno, sub if sub in known else node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "assistant"]
    return found


def test_every_module_belongs_to_a_stage():
    for name in modules():
        stage_of(name)


def test_imports_follow_the_arrows():
    wrong = []
    for name, path in modules().items():
        mine = stage_of(name)
        for line, target in imports(path):
            theirs = stage_of(target)
            if theirs != mine and theirs not in ALLOWED[mine]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} {name} ({mine}) imports {target} ({theirs})")
    assert wrong == [], "imports against the arrows of docs/architecture.md:\n" + "\n".join(wrong)


def test_no_face_imports_below_the_api():
    faces = [name for name in modules() if stage_of(name) == "faces"]
    below = [(name, target) for name in faces for _, target in imports(modules()[name])
             if stage_of(target) in BELOW_API - {"base"}]
    assert faces and below == []


def test_no_import_circle_among_modules():
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules().items():
        for _, target in imports(path, top_level_only=True):
            if target != name:
                graph[name].add(target)
    state: dict[str, int] = {}
    path_so_far: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path_so_far.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path_so_far[path_so_far.index(nxt):] + [nxt]
            if nxt not in state:
                circle = visit(nxt)
                if circle:
                    return circle
        path_so_far.pop()
        state[node] = 2
        return None

    for node in sorted(modules()):
        if node not in state:
            circle = visit(node)
            assert circle is None, "import circle: " + " → ".join(circle)


@pytest.mark.parametrize("name", sorted(modules()))
def test_modules_and_functions_stay_small(name):
    path = modules()[name]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_MODULE_LINES, f"{name} has {len(lines)} lines; split it by job"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)" for node in ast.walk(ast.parse("\n".join(lines)))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == [], f"{name}: functions over {MAX_FUNCTION_LINES} lines: {', '.join(long)}"


def test_the_arrow_check_catches_a_wrong_import(tmp_path):
    """The check itself: an index module importing the answer stage is caught."""
    assert "answer" not in ALLOWED[stage_of("assistant.index.build")]
    assert stage_of("assistant.web.chat") == "faces" and "index" not in ALLOWED["faces"]
    source = tmp_path / "bad.py"
    source.write_text("def f():\n    from assistant.answer.compose import relevance\n", encoding="utf-8")
    assert imports(source) == [(2, "assistant.answer.compose")]
