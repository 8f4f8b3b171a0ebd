"""Refresh the English catalogue: extract strings, merge, fill from en_overrides, compile.

Usage: python scripts/i18n.py            (extract + update + compile)
       python scripts/i18n.py --missing  (list msgids without an English translation)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "lawtrain" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"


def run(*args: str) -> None:
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True)


def main() -> None:
    pot = TRANSLATIONS / "messages.pot"
    run("pybabel", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--omit-header",
        "--no-location", "--sort-output", "-o", str(pot), ".")
    if PO.exists():
        run("pybabel", "update", "-i", str(pot), "-d", str(TRANSLATIONS), "-l", "en", "--no-fuzzy-matching",
            "--omit-header")
    else:
        run("pybabel", "init", "-i", str(pot), "-d", str(TRANSLATIONS), "-l", "en")
    with PO.open("rb") as f:
        catalog = read_po(f)
    missing = [m.id for m in catalog if m.id and not m.string]
    if "--missing" in sys.argv:
        for msgid in missing:
            print(msgid)
        return
    with PO.open("wb") as f:
        write_po(f, catalog, omit_header=True, no_location=True, sort_output=True)
    run("pybabel", "compile", "-d", str(TRANSLATIONS), "-l", "en", "--use-fuzzy")
    print(f"{len(catalog) - 1} messages, {len(missing)} without English")


if __name__ == "__main__":
    main()
