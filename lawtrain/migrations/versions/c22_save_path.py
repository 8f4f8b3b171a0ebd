"""The answer save in one statement: the database logs each stored answer's `saved` event (triggers).

Revision ID: c22_save_path
Revises: c15_integrity

An AFTER INSERT and an AFTER UPDATE OF seq trigger on `answers` append the `saved` event to
`attempt_events` and raise `attempts.last_seq`, in the save's own transaction (SQLite triggers; on
PostgreSQL one plpgsql function and two triggers). The SQL is copied here on purpose (a revision never
changes with the code): it is the text of lawtrain/exams/save_triggers.py at this revision.
"""

from alembic import op

revision = "c22_save_path"
down_revision = "c15_integrity"
branch_labels = None
depends_on = None

_SQLITE_BODY = """
BEGIN
    INSERT INTO attempt_events (attempt_id, at, kind, detail)
    VALUES (NEW.attempt_id, NEW.saved_at, 'saved', json_object('question_id', NEW.question_id, 'seq', NEW.seq));
    UPDATE attempts SET last_seq = NEW.seq WHERE id = NEW.attempt_id AND last_seq < NEW.seq;
END"""

SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS answers_saved_insert AFTER INSERT ON answers FOR EACH ROW" + _SQLITE_BODY,
    "CREATE TRIGGER IF NOT EXISTS answers_saved_update AFTER UPDATE OF seq ON answers FOR EACH ROW "
    "WHEN NEW.seq <> OLD.seq" + _SQLITE_BODY,
)

POSTGRESQL = (
    """CREATE OR REPLACE FUNCTION answers_saved_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO attempt_events (attempt_id, at, kind, detail)
    VALUES (NEW.attempt_id, NEW.saved_at, 'saved', json_build_object('question_id', NEW.question_id, 'seq', NEW.seq));
    UPDATE attempts SET last_seq = NEW.seq WHERE id = NEW.attempt_id AND last_seq < NEW.seq;
    RETURN NULL;
END $$""",
    "DROP TRIGGER IF EXISTS answers_saved_insert ON answers",
    "CREATE TRIGGER answers_saved_insert AFTER INSERT ON answers FOR EACH ROW EXECUTE FUNCTION answers_saved_event()",
    "DROP TRIGGER IF EXISTS answers_saved_update ON answers",
    "CREATE TRIGGER answers_saved_update AFTER UPDATE OF seq ON answers FOR EACH ROW "
    "WHEN (NEW.seq IS DISTINCT FROM OLD.seq) EXECUTE FUNCTION answers_saved_event()",
)

DROP_SQLITE = ("DROP TRIGGER IF EXISTS answers_saved_insert", "DROP TRIGGER IF EXISTS answers_saved_update")
DROP_POSTGRESQL = ("DROP TRIGGER IF EXISTS answers_saved_insert ON answers",
                   "DROP TRIGGER IF EXISTS answers_saved_update ON answers",
                   "DROP FUNCTION IF EXISTS answers_saved_event()")


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for sql in POSTGRESQL if postgresql else SQLITE:
        op.execute(sql)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for sql in DROP_POSTGRESQL if postgresql else DROP_SQLITE:
        op.execute(sql)
