"""Shared helpers for the exams tests (plain functions, no fixtures)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, select

from lawtrain.banks.models import Question
from lawtrain.exams import attempts
from lawtrain.exams.models import AttemptQuestion
from lawtrain.exams.scoring import LETTERS
from lawtrain.extensions import db
from lawtrain.timeutil import to_local, utcnow
from tests import factories

TF_STEM = "判断：生产经营单位的主要负责人对本单位安全生产工作全面负责。"


def exam_bank(session, singles=10, multiples=4, tfs=4, fills=2):
    """A bank with every question type; single answers 'A' (甲), multiple 'A,B', true_false 'true', fill '三十'."""
    bank = factories.make_bank(session)
    for i in range(singles):
        factories.make_question(session, bank, type="single", difficulty=1 + i % 5, explanation=f"解析单选{i}",
                                options=[f"正确选项{i}", f"干扰一{i}", f"干扰二{i}", f"干扰三{i}"])
    for i in range(multiples):
        factories.make_question(session, bank, type="multiple", difficulty=1 + i % 5, explanation=f"解析多选{i}",
                                options=[f"多选对一{i}", f"多选对二{i}", f"多选错一{i}", f"多选错二{i}"])
    for i in range(tfs):
        factories.make_question(session, bank, type="true_false", difficulty=2, stem=f"{TF_STEM}{i}")
    for i in range(fills):
        factories.make_question(session, bank, type="fill_blank", answer=[["30", "三十"]], stem=f"期限为____日{i}")
    return bank


# A mixed paper (22 points of single/multiple/true-false/fill-blank rules) the page tests sit.
OPEN_EXAM_RULES = (("single", 3, 5.0), ("multiple", 2, 10.0), ("true_false", 2, 5.0), ("fill_blank", 1, 10.0))


def open_exam(session, bank, *users, **overrides):
    """An exam over OPEN_EXAM_RULES assigned to the users, open from yesterday to tomorrow (overrides win)."""
    now = utcnow()
    fields = dict(opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
    fields.update(overrides)
    return factories.make_exam(session, bank=bank, rules=OPEN_EXAM_RULES, users=list(users), **fields)


def exam_form_data(**fields) -> dict:
    """What the trainer's exam form posts: open from an hour ago for three days, then `fields`."""
    local = to_local(utcnow()).replace(tzinfo=None)
    form = {
        "title": "测试考试", "instructions": "",
        "opens_at": (local - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (local + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "30",
        "attempts_allowed": "1", "counting": "best", "pass_percent": "60", "multiple_scoring": "all_or_nothing",
        "release": "immediate", "review": "full", "shuffle_questions": "y", "shuffle_options": "y",
        "people": "", "gate_minutes": "",
    }
    form.update(fields)
    return form


def paper(session, attempt) -> list[AttemptQuestion]:
    return list(session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
                                .order_by(AttemptQuestion.position)))


def sit(session, exam, user, now, answer_for):
    """Start, answer every question with answer_for(row, type) and submit five minutes later."""
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    qtypes = {q.id: q.type for q in session.scalars(select(Question))}
    for seq, row in enumerate(paper(session, attempt), start=1):
        attempts.save_answer(session, attempt, row.question_id, answer_for(row, qtypes[row.question_id]), seq, now)
    return attempts.submit_attempt(session, attempt, now + timedelta(minutes=5))


def right_response(row: AttemptQuestion, qtype: str) -> list[str]:
    """The correct response in the keys this person saw."""
    if qtype == "single":
        return [LETTERS[row.option_order.index(0)]]
    if qtype == "multiple":
        return sorted(LETTERS[row.option_order.index(i)] for i in (0, 1))
    if qtype == "true_false":
        return ["true"]
    return ["三十"]


def wrong_response(row: AttemptQuestion, qtype: str) -> list[str]:
    if qtype in ("single", "multiple"):
        return [LETTERS[row.option_order.index(3)]]
    return ["false"] if qtype == "true_false" else ["四十"]


@contextmanager
def count_statements():
    """Count SQL statements sent to the database inside the block."""
    counter = {"n": 0, "sql": []}

    def before(conn, cursor, statement, parameters, context, executemany):
        counter["n"] += 1
        counter["sql"].append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)
