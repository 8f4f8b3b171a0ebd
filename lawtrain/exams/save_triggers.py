"""The database writes the `saved` event of an answer save itself (pure: SQL text only).

A save is one guarded upsert into `answers` (exams.attempts.save_answer). Every row it writes — a first
answer, or a newer seq over an older one — fires a trigger, in the same transaction, that appends the
`saved` event ({"question_id", "seq"} at the save's time) to the attempt's log and raises the attempt's
`last_seq`. No second round trip from Python holds the write lock, and no writer of `answers` (the
no-JavaScript form, a script) can skip the audit trail. An upsert whose WHERE refuses a stale seq writes
no row and fires nothing.

The same text is created by migration c22_save_path and, for databases made with `create_all` (tests,
the bench), by the `after_create` listeners of exams.models.
"""

from __future__ import annotations

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


def create_statements(dialect: str) -> tuple[str, ...]:
    return POSTGRESQL if dialect == "postgresql" else SQLITE
