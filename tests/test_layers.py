"""The package layering: the pipeline never imports the evaluation package.

``summarize`` (the pipeline, and ``summarize.facts`` below it) must work
without ``eval``; ``eval`` builds on ``summarize``. Only the command line,
which sits above both, may import either.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP_LAYER = {ROOT / "summarize" / "cli.py"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_pipeline_never_imports_the_evaluation_package():
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m == "eval" or m.startswith("eval."))
        for path in (ROOT / "summarize").rglob("*.py")
        if path not in TOP_LAYER
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_the_fact_layer_imports_nothing_of_the_pipeline_stages_above_it():
    stages = {"summarize.fuse", "summarize.pipeline", "summarize.render", "summarize.engines", "summarize.digest"}
    for path in (ROOT / "summarize" / "facts").rglob("*.py"):
        above = {m for m in imported_modules(path) if any(m == s or m.startswith(s + ".") for s in stages)}
        assert not above, f"{path.name} imports {above}"
