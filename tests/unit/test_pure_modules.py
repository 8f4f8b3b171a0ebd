"""Pure domain modules never import Flask, SQLAlchemy or the app's extensions."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "lawtrain"
PURE = [
    "banks/formats/*.py",
    "courses/numerals.py", "courses/lawtext.py", "courses/modules.py",
    "exams/selection.py", "exams/scoring.py", "exams/timing.py", "exams/paper_text.py",
    "reports/stats.py", "reports/charts.py",
    "certificates/pdf.py", "certificates/seal.py", "reports/pdf.py", "reports/xlsx.py",
    "org/staff_import.py",
    "timeutil.py",
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


def test_pure_modules_import_no_framework():
    files = sorted({p for pattern in PURE for p in PACKAGE.glob(pattern)})
    assert any(p.name == "timeutil.py" for p in files)
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(n for n in _imports(p) if n.split(".")[0] in FORBIDDEN or n in FORBIDDEN)
        for p in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}
