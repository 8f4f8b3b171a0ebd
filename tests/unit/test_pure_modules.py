"""Pure domain modules never import Flask, SQLAlchemy or the app's extensions."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "lawtrain"
PURE = [
    "banks/formats/*.py",
    "courses/numerals.py", "courses/lawtext.py", "courses/modules.py",
    "exams/selection.py", "exams/scoring.py", "exams/timing.py", "exams/paper_text.py", "exams/errors.py",
    "exams/save_triggers.py",
    "reports/stats.py", "reports/charts.py", "reports/glossary.py", "reports/word.py",
    "certificates/pdf.py", "certificates/seal.py", "reports/pdf.py", "reports/xlsx.py",
    "org/staff_import.py", "contests/online_rank.py", "contests/online_pdf.py",
    "contests/live_rules.py", "contests/live_export.py", "contests/live_pdf.py",
    "auth/names.py", "timeutil.py", "signals.py", "html.py", "spreadsheet.py", "reports/documents.py", "display.py",
]
FORBIDDEN = ("flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "sqlalchemy", "lawtrain.extensions")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _top_level_imports(path: Path) -> set[str]:
    """What importing the module imports (its body; not what its functions import when called)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _module_file(name: str) -> Path | None:
    """lawtrain.x.y -> its file (a package's __init__.py), None for anything outside the package."""
    if not name.startswith("lawtrain."):
        return None
    base = PACKAGE.joinpath(*name.split(".")[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def test_what_pure_modules_import_from_lawtrain_is_pure_too():
    """A pure module may lean on another of our modules only if that one is pure as well (followed through)."""
    pure = {p for pattern in PURE for p in PACKAGE.glob(pattern)}
    seen, todo, offenders = set(), sorted(pure), {}
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _top_level_imports(path):
            target = _module_file(name)
            if target is None:
                continue
            if target.name != "__init__.py" and target not in pure:
                offenders.setdefault(str(path.relative_to(PACKAGE)), []).append(name)
            todo.append(target)
    assert offenders == {}


def test_pure_modules_import_no_framework():
    files = sorted({p for pattern in PURE for p in PACKAGE.glob(pattern)})
    assert any(p.name == "timeutil.py" for p in files)
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(n for n in _imports(p) if n.split(".")[0] in FORBIDDEN or n in FORBIDDEN)
        for p in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}
