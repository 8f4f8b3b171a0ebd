"""A person's drill-down, the filter form's choices, and the viewer's scope check."""

from __future__ import annotations

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from lawtrain.auth.models import User
from lawtrain.courses.models import (
    CourseModule,
    StudyRecord,
    TrainingAssignment,
)
from lawtrain.exams.models import (
    Attempt,
    Exam,
    ExamKind,
)
from lawtrain.org.models import Department
from lawtrain.reports.queries.filters import (
    ReportFilter,
    attempt_conditions,
)

# ------------------------------------------------------------------ person drill-down and filter choices


def person_attempts(session: Session, user_id: int, f: ReportFilter) -> list[tuple[Attempt, str]]:
    return [(a, title) for a, title in session.execute(
        select(Attempt, Exam.title).join(Exam, Exam.id == Attempt.exam_id)
        .where(Attempt.user_id == user_id, *attempt_conditions(f))
        .order_by(Attempt.submitted_at.desc()))]


def person_study(session: Session, user_id: int) -> list[tuple[StudyRecord, CourseModule]]:
    return [(r, m) for r, m in session.execute(
        select(StudyRecord, CourseModule).join(CourseModule, CourseModule.id == StudyRecord.module_id)
        .where(StudyRecord.user_id == user_id).order_by(CourseModule.law_name, CourseModule.sort_order))]


def filter_choices(session: Session) -> dict[str, list]:
    """Exams, assignments and laws for the filter form (three statements)."""
    return {
        "exams": session.execute(select(Exam.id, Exam.title).where(Exam.status != "draft", Exam.kind == ExamKind.EXAM)
                                 .order_by(Exam.created_at.desc()).limit(200)).all(),
        "assignments": session.execute(select(TrainingAssignment.id, TrainingAssignment.title)
                                       .order_by(TrainingAssignment.created_at.desc()).limit(200)).all(),
        "laws": list(session.scalars(select(CourseModule.law_name).distinct().order_by(CourseModule.law_name))),
    }


def in_scope(session: Session, root: Department | None, department_id: int | None = None,
             user_id: int | None = None) -> bool:
    """Is a department (or a person's department) inside the viewer's subtree?"""
    if department_id is not None:
        path = session.scalar(select(Department.id_path).where(Department.id == department_id))
    else:
        path = session.scalar(select(Department.id_path).join(User, User.department_id == Department.id)
                              .where(User.id == user_id))
        if path is None and user_id is not None and root is None:
            return session.get(User, user_id) is not None
    if path is None:
        return False
    return root is None or path.startswith(root.id_path)
