#!/usr/bin/env bash
# Regenerate the single initial migration from the models (pre-release: nothing deployed yet).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f lawtrain/migrations/versions/*.py
LAWTRAIN_INSTANCE=$tmp DATABASE_URL="sqlite:///$tmp/m.db" FLASK_APP=app flask db migrate -m "initial schema" >/dev/null 2>&1
ls lawtrain/migrations/versions/
rm -rf "$tmp"
