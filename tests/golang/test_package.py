"""The Go compatibility rules live in one package: these checks keep it so.

Each rule (how Go spells NaN, which package formats dive's numbers) used to be written in
several modules that drifted apart; a new copy outside ``layerscope/golang`` fails here.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import layerscope

PACKAGE = Path(layerscope.__file__).parent
GOLANG = PACKAGE / "golang"


def _modules(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def test_go_nonfinite_spellings_only_in_the_golang_package():
    spelled = {"+Inf", "-Inf"}
    copies = [
        str(p.relative_to(PACKAGE))
        for p in _modules(PACKAGE)
        if GOLANG not in p.parents and spelled & _string_constants(p)
    ]
    assert copies == []


def test_golang_package_imports_nothing_else_of_layerscope():
    # a leaf package: every face may use it, and it can be read and tested on its own
    found = []
    for p in _modules(GOLANG):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level >= 2 or (node.module or "").startswith("layerscope")):
                found.append(f"{p.name}: {node.module}")
    assert found == []


def test_old_go_modules_are_gone():
    for name in ("layerscope.export.gofmt", "layerscope.analysis.gosort"):
        assert importlib.util.find_spec(name) is None, name
