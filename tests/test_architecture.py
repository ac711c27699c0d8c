"""Dependencies point inward: ``surveys/`` uses only the standard library, PyYAML and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SURVEYS = Path(__file__).resolve().parent.parent / "surveys"
ALLOWED = frozenset(sys.stdlib_module_names) | {"yaml", "surveys"}


def _imported_modules(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports (relative imports count as surveys)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("surveys" if node.level else (node.module or "").split(".")[0])
    return found


def _modules() -> list[Path]:
    return sorted(SURVEYS.rglob("*.py"))


def test_surveys_package_has_modules() -> None:
    names = {p.name for p in _modules()}
    assert {"__init__.py", "model.py", "engine.py", "rules.py", "schedule.py"} <= names


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(SURVEYS).as_posix())
def test_surveys_imports_only_stdlib_yaml_and_itself(path: Path) -> None:
    outside = _imported_modules(path) - ALLOWED
    assert not outside, f"{path.name} imports {sorted(outside)}"


def test_import_checker_sees_forbidden_imports(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text(
        "import os\nimport telegram.ext\nfrom sqlalchemy import select\nfrom . import model\n"
        "def f():\n    import storage.db\n",
        encoding="utf-8",
    )
    assert _imported_modules(module) - ALLOWED == {"telegram", "sqlalchemy", "storage"}


def test_test_modules_have_names_of_their_own() -> None:
    """pytest imports test folders without packages by file name: two files of one name in
    different folders stop the whole run at collection."""
    tests = Path(__file__).resolve().parent
    names = [p.name for p in tests.rglob("*.py") if p.name not in {"conftest.py", "__init__.py"}]
    assert sorted({n for n in names if names.count(n) > 1}) == []
