"""The question-visibility policy: which questions a person may get no key, explanation or verdict for.

One rule, used by practice (every mode), the end-of-module checks, the wrong-answer book, the review pages
and the JSON API: a question is *withheld* from a person while it could appear on a paper they can still
start (an exam assigned to them that is open, locked by its training gate or upcoming, with attempts left —
its rule pools or its fixed paper), or while it is on one of their papers that is live or not yet released.
Read side only: nothing here writes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select, union
from sqlalchemy.orm import Session

from lawtrain.auth.models import User
from lawtrain.banks.models import Question
from lawtrain.banks.queries import pool_conditions
from lawtrain.exams.availability import exams_for_user, hidden_question_ids
from lawtrain.exams.models import Exam, ExamFixedQuestion, PaperMode, PaperPregen

# Standings whose exam a person can still start (or is sitting): its questions stay withheld.
STILL_TO_SIT = frozenset({"open", "locked", "upcoming"})


def exam_pool_ids(exam: Exam) -> Select:
    """Ids of every question that could appear on a paper of this exam: its fixed paper or its rules' pools
    (all statuses: a question flagged for review today may be restored before the exam)."""
    if exam.paper_mode == PaperMode.FIXED:
        return select(ExamFixedQuestion.question_id).where(ExamFixedQuestion.exam_id == exam.id)
    selects = [select(Question.id).where(*pool_conditions(
        type=rule.type, bank_ids=[int(b) for b in rule.banks or ()], law=rule.law_name,
        articles=[int(a) for a in rule.articles or ()], tags=rule.tags or (),
        difficulty_min=rule.difficulty_min, difficulty_max=rule.difficulty_max, active_only=False))
        for rule in exam.rules]
    if not selects:
        return select(Question.id).where(Question.id.is_(None))  # no rules yet: nothing can be drawn
    return union(*selects) if len(selects) > 1 else selects[0]


def _pregen_ids(session: Session, exam_id: int, user_id: int) -> set[int]:
    papers = session.scalars(select(PaperPregen.paper).where(PaperPregen.exam_id == exam_id,
                                                             PaperPregen.user_id == user_id))
    return {int(row["question_id"]) for paper in papers for row in paper or []}


def withheld_question_ids(session: Session, user: User, now: datetime) -> set[int]:
    """Every question this person may not see a key, explanation or verdict for now."""
    ids = set(session.scalars(hidden_question_ids(user.id, now)))
    for standing in exams_for_user(session, user, now):
        if standing.status not in STILL_TO_SIT:
            continue
        ids.update(session.scalars(exam_pool_ids(standing.exam)))
        ids.update(_pregen_ids(session, standing.exam.id, user.id))
    return ids


def is_withheld(session: Session, user: User, question_id: int, now: datetime) -> bool:
    """May this person not be told the key of this question now?"""
    return question_id in withheld_question_ids(session, user, now)
