"""Statuses the database enforces: CHECK constraints on the status-like columns.

Revision ID: c16_status_checks
Revises: c23_shared_storage

The strings stored stay the same; the constraints only refuse anything else. On SQLite a CHECK constraint
can only be added by rebuilding the table (batch mode). Rebuilding a table that others reference
(exams, attempts, questions) drops the old one, and with foreign keys on that drop would cascade into
the referencing rows: so foreign keys are off while the tables are rebuilt, checked afterwards with
PRAGMA foreign_key_check, and on again before the revision ends. PostgreSQL adds the constraints in place.
"""

import sqlalchemy as sa
from alembic import op

revision = "c16_status_checks"
down_revision = "c23_shared_storage"
branch_labels = None
depends_on = None


def _one_of(*values: str) -> str:
    return "{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


# table -> [(constraint name without the ck_<table>_ prefix, column, condition)]
CHECKS = {
    "exams": [
        ("status_valid", "status", _one_of("draft", "published", "archived")),
        ("paper_mode_valid", "paper_mode", _one_of("fixed", "rules")),
        ("release_valid", "release", _one_of("immediate", "after_close", "manual")),
        ("review_valid", "review", _one_of("score_only", "full")),
        ("counting_valid", "counting", _one_of("best", "last")),
        ("multiple_scoring_valid", "multiple_scoring", _one_of("all_or_nothing", "partial")),
    ],
    "attempts": [
        ("status_valid", "status", _one_of("in_progress", "expired", "submitted")),
        ("finish_reason_valid", "finish_reason",
         "finish_reason IS NULL OR " + _one_of("submitted", "timeout", "tab_limit")),
    ],
    "wrong_book_entries": [("source_valid", "source", _one_of("exam", "practice"))],
    "practice_answers": [("mode_valid", "mode", _one_of("law", "article", "module", "wrong_book", "check"))],
    "questions": [("status_valid", "status", _one_of("active", "needs_review", "retired"))],
}


def _refuse_bad_rows(bind) -> None:
    """Name the rows that would break a constraint, rather than fail on an anonymous CHECK error."""
    for table, checks in CHECKS.items():
        for _name, column, condition in checks:
            bad = bind.execute(sa.text(
                f"SELECT DISTINCT {column} FROM {table} WHERE NOT ({condition.format(column=column)})")).all()
            if bad:
                raise RuntimeError(f"{table}.{column} holds values outside the allowed set: {[r[0] for r in bad]}")


def _sqlite_foreign_keys(bind, on: bool) -> None:
    """PRAGMA foreign_keys only takes effect between transactions: end this one, switch, begin the next."""
    raw = bind.connection.dbapi_connection
    raw.execute("COMMIT")
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    raw.execute("BEGIN IMMEDIATE")


def upgrade():
    bind = op.get_bind()
    _refuse_bad_rows(bind)
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(bind, on=False)
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for name, column, condition in checks:
                batch_op.create_check_constraint(op.f(f"ck_{table}_{name}"), condition.format(column=column))
    if sqlite:
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"foreign keys broken by the table rebuild: {broken[:5]}")
        _sqlite_foreign_keys(bind, on=True)


def downgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(bind, on=False)
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for name, _column, _condition in checks:
                batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
    if sqlite:
        _sqlite_foreign_keys(bind, on=True)
