"""Development only: build a scratch database with db.create_all() (no migrations) and seed the demo.

Usage: LAWTRAIN_INSTANCE=/tmp/lt python scripts/dev_db.py && LAWTRAIN_INSTANCE=/tmp/lt flask --app app run
Lets work in progress try new tables before their migration is written. Schema changes always ship as a
NEW Alembic revision (lawtrain/migrations/README); landed revisions are history and never regenerated.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lawtrain import create_app  # noqa: E402
from lawtrain.cli import print_accounts, run_demo_seed  # noqa: E402
from lawtrain.extensions import db  # noqa: E402

app = create_app()
with app.app_context():
    db.drop_all()
    db.create_all()
    print_accounts(run_demo_seed("lawtrain2025"))
