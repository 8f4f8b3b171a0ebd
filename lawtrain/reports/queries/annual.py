"""The annual summary: a year's figures for a subtree, in total and by law."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    case,
    func,
    select,
)
from sqlalchemy.orm import Session

from lawtrain.banks.models import QuestionCitation
from lawtrain.certificates.models import Certificate
from lawtrain.courses.models import (
    CourseModule,
    StudyRecord,
    StudyTimeEntry,
)
from lawtrain.exams.models import (
    Attempt,
    AttemptQuestion,
)
from lawtrain.org.models import Department
from lawtrain.reports.queries.completion import CompletionRow, totals
from lawtrain.reports.queries.facts import person_facts
from lawtrain.reports.queries.filters import (
    ReportFilter,
    attempt_conditions,
    between,
    certificate_laws,
    exam_laws,
    law_ranks,
    live_certificates,
    passed_count,
    rate,
    report_node,
)

# ------------------------------------------------------------------ annual summary


@dataclass
class LawFigures:
    """One law's line of the annual summary. Sittings and certificates count under every law their exam or
    assignment covers (`exam_laws`, `certificate_laws`), so the lines may add up to more than the year's total."""

    law: str
    learners: int = 0
    seconds: int = 0
    modules_completed: int = 0
    questions_answered: int = 0
    questions_correct: int = 0
    sittings: int = 0
    passed_sittings: int = 0
    certificates: int = 0

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 1)

    @property
    def pass_rate(self) -> float | None:
        return rate(self.passed_sittings, self.sittings)

    @property
    def correct_rate(self) -> float | None:
        return rate(self.questions_correct, self.questions_answered)


@dataclass
class Annual:
    """A year's figures: `total` is the completion report's row over the same people (the glossary's figures),
    plus what only the annual report counts (exams held, modules completed) and the lines by law."""

    year: int
    node: Department | None
    total: CompletionRow
    modules_completed: int
    exams_held: int
    laws: list[LawFigures]

    # The glossary's figures under the names the annual page has always used.
    staff = property(lambda self: self.total.assigned)
    trained = property(lambda self: self.total.trained)
    completed = property(lambda self: self.total.studied)
    seconds = property(lambda self: self.total.seconds)
    sittings = property(lambda self: self.total.sittings)
    examinees = property(lambda self: self.total.attempted)
    passed_sittings = property(lambda self: self.total.passed_sittings)
    passed_people = property(lambda self: self.total.passed)
    certificates = property(lambda self: self.total.certificates)

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 1)

    @property
    def pass_rate(self) -> float | None:
        """合格率（按人次）."""
        return rate(self.passed_sittings, self.sittings)


def annual(session: Session, year: int, *, root: Department | None, today: date, now: datetime) -> Annual:
    """The figures of a year's rule-of-law report for a subtree, in total and by law.

    Every count of people and sittings comes from the same per-person facts as the completion report, so
    the two agree; the lines by law count the same people's study, answers, sittings and certificates."""
    f = ReportFilter(year=year)
    node = report_node(session, f, root)
    facts = person_facts(session, f, node, today, now)
    total = totals(session, facts).fill(CompletionRow(0, node.name if node else ""))
    people = select(facts.c.user_id)
    modules_done = session.scalar(select(func.coalesce(func.sum(facts.c.modules_done), 0)))
    exams_held = session.scalar(select(func.count(Attempt.exam_id.distinct()))
                                .where(Attempt.user_id.in_(people), *attempt_conditions(f)))
    laws = _law_lines(session, f, people)
    law_order = law_ranks(session)
    ordered = sorted(laws.values(), key=lambda x: (law_order.get(x.law, 99), x.law))
    return Annual(year, node, total, int(modules_done or 0), int(exams_held or 0), ordered)


def _law_lines(session: Session, f: ReportFilter, people) -> dict[str, LawFigures]:
    """Each law's study, answers, sittings and certificates of `people` in the year (five statements)."""
    start, end = f.days()
    i_start, i_end = f.instants()
    laws: dict[str, LawFigures] = {}
    for law, learners, secs in session.execute(
            select(StudyTimeEntry.law_name, func.count(StudyTimeEntry.user_id.distinct()),
                   func.sum(StudyTimeEntry.seconds))
            .where(StudyTimeEntry.user_id.in_(people), *between(StudyTimeEntry.day, start, end))
            .group_by(StudyTimeEntry.law_name)):
        laws[law] = LawFigures(law, int(learners), int(secs or 0))
    for law, n in session.execute(
            select(CourseModule.law_name, func.count(StudyRecord.id))
            .join(CourseModule, CourseModule.id == StudyRecord.module_id)
            .where(StudyRecord.user_id.in_(people), *between(StudyRecord.completed_at, i_start, i_end))
            .group_by(CourseModule.law_name)):
        laws.setdefault(law, LawFigures(law)).modules_completed = int(n)
    counted = [Attempt.user_id.in_(people), *attempt_conditions(f)]
    for law, n, c in session.execute(
            select(QuestionCitation.law_name, func.count(AttemptQuestion.id.distinct()),
                   func.count(case((AttemptQuestion.is_correct.is_(True), AttemptQuestion.id)).distinct()))
            .select_from(Attempt)
            .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
            .join(QuestionCitation, QuestionCitation.question_id == AttemptQuestion.question_id)
            .where(*counted, AttemptQuestion.is_voided.is_(False)).group_by(QuestionCitation.law_name)):
        figures = laws.setdefault(law, LawFigures(law))
        figures.questions_answered, figures.questions_correct = int(n), int(c)
    on_law = exam_laws().subquery("annual_exam_laws")
    for law, n, p in session.execute(
            select(on_law.c.law_name, func.count(Attempt.id), passed_count())
            .select_from(Attempt).join(on_law, on_law.c.exam_id == Attempt.exam_id)
            .where(*counted).group_by(on_law.c.law_name)):
        figures = laws.setdefault(law, LawFigures(law))
        figures.sittings, figures.passed_sittings = int(n), int(p)
    cert_laws = certificate_laws().subquery("annual_cert_laws")
    for law, n in session.execute(
            select(cert_laws.c.law_name, func.count(Certificate.id))
            .join(cert_laws, cert_laws.c.certificate_id == Certificate.id)
            .where(Certificate.user_id.in_(people), *live_certificates(i_start, i_end))
            .group_by(cert_laws.c.law_name)):
        laws.setdefault(law, LawFigures(law)).certificates = int(n)
    return laws
