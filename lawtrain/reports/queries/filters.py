"""What a report covers (ReportFilter) and the SQL pieces every report shares: periods, scope, laws."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Select,
    String,
    case,
    cast,
    func,
    literal,
    select,
    true,
    union,
)
from sqlalchemy.orm import Session, aliased

from lawtrain.auth.models import User, UserRole
from lawtrain.auth.roles import STAFF
from lawtrain.banks.models import Bank, QuestionCitation
from lawtrain.certificates.models import Certificate
from lawtrain.courses.models import (
    AssignmentModule,
    CourseModule,
    Law,
    TrainingAssignment,
)
from lawtrain.exams.models import (
    SUBMITTED,
    Attempt,
    Exam,
    ExamFixedQuestion,
    ExamKind,
    ExamRule,
)
from lawtrain.org.models import Department
from lawtrain.timeutil import from_local

MODE_YEAR, MODE_EXAM, MODE_ASSIGNMENT = "year", "exam", "assignment"
# The years a report may cover: nothing in LawTrain predates 2000, and past 9998 `ReportFilter.days()` cannot
# build 1 January of the next year. Pages and exports refuse any other year before querying.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def is_report_year(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


# ------------------------------------------------------------------ filters


@dataclass(frozen=True)
class ReportFilter:
    """What a report covers. Dates are local (Asia/Shanghai) calendar days, both ends inclusive."""

    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    law: str | None = None
    exam_id: int | None = None
    assignment_id: int | None = None
    department_id: int | None = None

    @property
    def mode(self) -> str:
        if self.assignment_id:
            return MODE_ASSIGNMENT
        if self.exam_id:
            return MODE_EXAM
        return MODE_YEAR

    def days(self) -> tuple[date | None, date | None]:
        """[start, end) local days: the date range, else the year (year mode), else open."""
        start, end = self.date_from, (self.date_to + timedelta(days=1)) if self.date_to else None
        if self.year and start is None and end is None:
            start, end = date(self.year, 1, 1), date(self.year + 1, 1, 1)
        return start, end

    def instants(self) -> tuple[datetime | None, datetime | None]:
        """The same range as naive UTC instants, for *_at columns."""
        start, end = self.days()
        return (from_local(datetime.combine(start, time())) if start else None,
                from_local(datetime.combine(end, time())) if end else None)

    def params(self, **changes: Any) -> dict[str, Any]:
        """Query-string values (for links that carry the filters), with `changes` applied."""
        f = replace(self, **changes)
        values = {"year": f.year, "date_from": f.date_from and f.date_from.isoformat(),
                  "date_to": f.date_to and f.date_to.isoformat(), "law": f.law, "exam_id": f.exam_id,
                  "assignment_id": f.assignment_id, "department_id": f.department_id}
        return {k: v for k, v in values.items() if v not in (None, "")}


def between(column, start, end) -> list:
    conds = []
    if start is not None:
        conds.append(column >= start)
    if end is not None:
        conds.append(column < end)
    return conds


def in_subtree(dept_path_column, root: Department | None):
    return true() if root is None else dept_path_column.startswith(root.id_path)


def staff_ids() -> Select:
    return select(UserRole.user_id).where(UserRole.role == STAFF)


def exam_laws(law: str | None = None) -> CompoundSelect:
    """(exam_id, law_name) for each law an exam draws on: a rule naming it, or a fixed question citing it.

    The one definition of "an exam on a law", shared by the law filter and the annual per-law figures so that
    both count the same sittings. With `law`, only that law's pairs (filtered inside each branch, index-friendly).
    """
    rules = (select(ExamRule.exam_id.label("exam_id"), ExamRule.law_name.label("law_name"))
             .where(ExamRule.law_name.is_not(None)))
    fixed = (select(ExamFixedQuestion.exam_id, QuestionCitation.law_name)
             .join(QuestionCitation, QuestionCitation.question_id == ExamFixedQuestion.question_id))
    # A rule that names banks rather than a law draws on those banks' laws. The banks sit in a JSON list of ids:
    # finding ",<id>," in its text form ("[3, 5]" -> ",3,5,") reads the same on SQLite and PostgreSQL, and
    # rules and banks are small tables.
    listed = literal(",", String).concat(
        func.replace(func.replace(func.replace(cast(ExamRule.banks, String), "[", ""), "]", ""), " ", ""),
    ).concat(",")
    drawn = (select(ExamRule.exam_id, Bank.law_name)
             .join(Bank, listed.like(literal("%,", String).concat(cast(Bank.id, String)).concat(",%")))
             .where(Bank.law_name.is_not(None)))
    if law is not None:
        rules, fixed = rules.where(ExamRule.law_name == law), fixed.where(QuestionCitation.law_name == law)
        drawn = drawn.where(Bank.law_name == law)
    return union(rules, fixed, drawn)


def exams_on_law(law: str) -> Select:
    """Ids of exams drawing on a law (see `exam_laws`)."""
    pairs = exam_laws(law).subquery("exams_on_law")
    return select(pairs.c.exam_id)


def assignment_laws(law: str | None = None) -> CompoundSelect:
    """(assignment_id, law_name) for each law a training assignment teaches: the whole law it names, else the
    laws of its listed modules (as `assignment_module_ids` reads an assignment)."""
    whole = (select(TrainingAssignment.id.label("assignment_id"), TrainingAssignment.law_name.label("law_name"))
             .where(TrainingAssignment.law_name.is_not(None)))
    listed = (select(AssignmentModule.assignment_id, CourseModule.law_name)
              .join(CourseModule, CourseModule.id == AssignmentModule.module_id)
              .join(TrainingAssignment, TrainingAssignment.id == AssignmentModule.assignment_id)
              .where(TrainingAssignment.law_name.is_(None)))
    if law is not None:
        whole, listed = whole.where(TrainingAssignment.law_name == law), listed.where(CourseModule.law_name == law)
    return union(whole, listed)


def certificate_laws(law: str | None = None) -> CompoundSelect:
    """(certificate_id, law_name): an exam certificate belongs to its exam's laws, a training certificate to the
    laws its assignment teaches.

    These are the laws the certificate's `laws` snapshot was taken from; they are read through the relations
    because a JSON list cannot be grouped or searched alike on SQLite and PostgreSQL.
    """
    on_exam, on_assignment = exam_laws(law).subquery("cert_exam_laws"), assignment_laws(law).subquery("cert_a_laws")
    return union(
        select(Certificate.id.label("certificate_id"), on_exam.c.law_name)
        .join(on_exam, on_exam.c.exam_id == Certificate.exam_id),
        select(Certificate.id, on_assignment.c.law_name)
        .join(on_assignment, on_assignment.c.assignment_id == Certificate.assignment_id),
    )


def live_certificates(start: datetime | None, end: datetime | None) -> list:
    """Conditions for the certificates a report counts: issued in [start, end) and not revoked."""
    return [Certificate.revoked_at.is_(None), *between(Certificate.issued_at, start, end)]


def passed_count():
    """The number of passed attempts among the rows of a GROUP BY (0, not NULL, when there are none)."""
    return func.coalesce(func.sum(case((Attempt.passed.is_(True), 1), else_=0)), 0)


def attempt_conditions(f: ReportFilter) -> list:
    start, end = f.instants()
    conds = [Attempt.status == SUBMITTED, *between(Attempt.submitted_at, start, end)]
    if f.exam_id:
        conds.append(Attempt.exam_id == f.exam_id)
    else:  # a contest's hidden exam is not an exam sat for the programme: its papers count in its own rankings
        conds.append(Attempt.exam_id.not_in(select(Exam.id).where(Exam.kind != ExamKind.EXAM)))
        if f.law:
            conds.append(Attempt.exam_id.in_(exams_on_law(f.law)))
    return conds


def rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None

def report_node(session: Session, f: ReportFilter, root: Department | None) -> Department | None:
    """The department a report is drilled into: the filter's, else the viewer's root, else the only top one."""
    if f.department_id:
        return session.get(Department, f.department_id)
    if root is not None:
        return root
    tops = session.scalars(select(Department).where(Department.parent_id.is_(None)).limit(2)).all()
    return tops[0] if len(tops) == 1 else None


def child_departments(session: Session, node: Department | None) -> list[Department]:
    """The departments a report lists below `node`: its children, or the top-level departments."""
    parent = Department.parent_id == node.id if node is not None else Department.parent_id.is_(None)
    return list(session.scalars(select(Department).where(parent).order_by(Department.sort_order, Department.id)))


def scoped_attempts(f: ReportFilter, root: Department | None):
    """A function adding "submitted attempts matching `f` by people in `root`'s subtree" to a Select."""
    d = aliased(Department, name="sd")

    def scoped(stmt: Select) -> Select:
        if root is None:  # everyone: no join needed
            return stmt.where(*attempt_conditions(f))
        return (stmt.join(User, User.id == Attempt.user_id).join(d, d.id == User.department_id)
                .where(in_subtree(d.id_path, root), *attempt_conditions(f)))

    return scoped


def law_ranks(session: Session) -> dict[str, int]:
    """Law short name -> its place in the library (the order laws were added), for ordering report lines."""
    return {name: i for i, name in enumerate(session.scalars(select(Law.short_name).order_by(Law.id)))}
