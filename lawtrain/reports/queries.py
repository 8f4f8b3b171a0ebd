"""Report aggregation in SQL: per-person facts, department roll-ups over the id_path tree, dashboards.

Every figure is computed by a GROUP BY in the database; a page runs a fixed number of statements whatever
the number of people. Departments roll up by joining the tree on the materialised path
(`member.id_path LIKE ancestor.id_path || '%'`), which SQLite and PostgreSQL both index-scan.
Medians are the one figure finished in Python, from one (department, score) query.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from lawtrain.auth.models import User, UserRole
from lawtrain.auth.roles import STAFF
from lawtrain.banks.models import Bank, Question, QuestionCitation, QuestionVersion
from lawtrain.certificates.models import Certificate
from lawtrain.courses.models import (
    AssignmentDepartment,
    AssignmentModule,
    AssignmentUser,
    CourseModule,
    Law,
    ModuleArticle,
    StudyRecord,
    StudyTimeEntry,
    TrainingAssignment,
)
from lawtrain.courses.queries import article_chapters
from lawtrain.exams.models import (
    SUBMITTED,
    Answer,
    Attempt,
    AttemptQuestion,
    Exam,
    ExamAssignee,
    ExamFixedQuestion,
    ExamRule,
)
from lawtrain.org.models import Department
from lawtrain.reports import stats
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


def _between(column, start, end) -> list:
    conds = []
    if start is not None:
        conds.append(column >= start)
    if end is not None:
        conds.append(column < end)
    return conds


def _in_subtree(dept_path_column, root: Department | None):
    return true() if root is None else dept_path_column.startswith(root.id_path)


def _staff_ids() -> Select:
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


def _live_certificates(start: datetime | None, end: datetime | None) -> list:
    """Conditions for the certificates a report counts: issued in [start, end) and not revoked."""
    return [Certificate.revoked_at.is_(None), *_between(Certificate.issued_at, start, end)]


def _passed_count():
    """The number of passed attempts among the rows of a GROUP BY (0, not NULL, when there are none)."""
    return func.coalesce(func.sum(case((Attempt.passed.is_(True), 1), else_=0)), 0)


def _attempt_conditions(f: ReportFilter) -> list:
    start, end = f.instants()
    conds = [Attempt.status == SUBMITTED, *_between(Attempt.submitted_at, start, end)]
    if f.exam_id:
        conds.append(Attempt.exam_id == f.exam_id)
    elif f.law:
        conds.append(Attempt.exam_id.in_(exams_on_law(f.law)))
    return conds


# ------------------------------------------------------------------ population and per-person facts


def population(f: ReportFilter, root: Department | None) -> Select:
    """(user_id, department_id) of the people a report counts as assigned, within `root`'s subtree."""
    d = aliased(Department, name="pd")
    stmt = (select(User.id.label("user_id"), User.department_id.label("department_id"))
            .join(d, d.id == User.department_id)
            .where(User.is_active_account.is_(True), _in_subtree(d.id_path, root)))
    if f.mode == MODE_ASSIGNMENT:
        ad = aliased(Department, name="ad")
        by_dept = exists(select(AssignmentDepartment.id).join(ad, ad.id == AssignmentDepartment.department_id)
                         .where(AssignmentDepartment.assignment_id == f.assignment_id,
                                d.id_path.startswith(ad.id_path)))
        named = select(AssignmentUser.user_id).where(AssignmentUser.assignment_id == f.assignment_id)
        return stmt.where(or_(User.id.in_(named), and_(by_dept, User.id.in_(_staff_ids()))))
    if f.mode == MODE_EXAM:
        ed = aliased(Department, name="ed")
        by_dept = exists(select(ExamAssignee.id).join(ed, ed.id == ExamAssignee.department_id)
                         .where(ExamAssignee.exam_id == f.exam_id, d.id_path.startswith(ed.id_path)))
        named = select(ExamAssignee.user_id).where(ExamAssignee.exam_id == f.exam_id,
                                                   ExamAssignee.user_id.is_not(None))
        sat = select(Attempt.user_id).where(Attempt.exam_id == f.exam_id)
        # Through a department only staff count (a leader in the subtree is not a candidate).
        return stmt.where(or_(User.id.in_(named), and_(by_dept, User.id.in_(_staff_ids())), User.id.in_(sat)))
    return stmt.where(User.id.in_(_staff_ids()))


@dataclass(frozen=True)
class Scope:
    """What the "studied" column measures: the modules in scope and how many a person must complete."""

    module_ids: Select
    required: int | None  # None: at least one module completed in the period
    due_passed: bool = False  # assignment past its due date / exam window closed


def study_scope(session: Session, f: ReportFilter, today: date, now: datetime) -> Scope:
    """The module set of the report: the assignment's, the exam gate's, else every module (of the law)."""
    every = select(CourseModule.id)
    if f.law:
        every = every.where(CourseModule.law_name == f.law)
    if f.mode == MODE_ASSIGNMENT:
        a = session.get(TrainingAssignment, f.assignment_id)
        if a is None:
            return Scope(select(CourseModule.id).where(false()), 0)
        ids = (select(CourseModule.id).where(CourseModule.law_name == a.law_name) if a.law_name
               else select(AssignmentModule.module_id).where(AssignmentModule.assignment_id == a.id))
        required = session.scalar(select(func.count()).select_from(ids.subquery())) or 0
        return Scope(ids, required, a.due_date is not None and a.due_date < today)
    if f.mode == MODE_EXAM:
        exam = session.get(Exam, f.exam_id)
        gate = [int(m) for m in ((exam.gate or {}).get("modules") or [])] if exam else []
        closed = exam is not None and exam.closes_at is not None and exam.closes_at < now
        if gate:
            return Scope(select(CourseModule.id).where(CourseModule.id.in_(gate)), len(gate), closed)
        return Scope(every, None, closed)
    return Scope(every, None)


def _overdue_assignment_users(f: ReportFilter, today: date) -> Select:
    """Ids of people with a training assignment due in the period, past due and not complete."""
    start, end = f.days()
    ta = aliased(TrainingAssignment, name="ta")
    due = [ta.due_date < today, *_between(ta.due_date, start, end)]
    ad, ud = aliased(Department, name="oad"), aliased(Department, name="oud")
    pairs = union(
        select(AssignmentUser.assignment_id.label("aid"), AssignmentUser.user_id.label("uid"))
        .join(ta, ta.id == AssignmentUser.assignment_id).where(*due),
        select(AssignmentDepartment.assignment_id, User.id)
        .join(ta, ta.id == AssignmentDepartment.assignment_id)
        .join(ad, ad.id == AssignmentDepartment.department_id)
        .join(ud, ud.id_path.startswith(ad.id_path))
        .join(User, User.department_id == ud.id)
        .where(*due, User.is_active_account.is_(True), User.id.in_(_staff_ids())),
    ).subquery("pairs")
    ta2 = aliased(TrainingAssignment, name="ta2")
    mods = union_all(
        select(AssignmentModule.assignment_id.label("aid"), AssignmentModule.module_id.label("mid")),
        select(ta2.id, CourseModule.id).join(CourseModule, CourseModule.law_name == ta2.law_name),
    ).subquery("mods")
    sr = aliased(StudyRecord, name="osr")
    incomplete = (select(pairs.c.uid)
                  .join(mods, mods.c.aid == pairs.c.aid)
                  .outerjoin(sr, and_(sr.user_id == pairs.c.uid, sr.module_id == mods.c.mid))
                  .group_by(pairs.c.aid, pairs.c.uid)
                  .having(func.count(sr.completed_at) < func.count(mods.c.mid)))
    return incomplete


def person_facts(session: Session, f: ReportFilter, root: Department | None, today: date, now: datetime,
                 department_id: int | None = None):
    """A CTE with one row per person in scope: studied, modules_done, seconds, sittings, attempted, passed,
    best (percent), certificates, overdue (0/1 columns sum to counts)."""
    scope = study_scope(session, f, today, now)
    pop_stmt = population(f, root)
    if department_id is not None:
        pop_stmt = pop_stmt.where(User.department_id == department_id)
    pop = pop_stmt.subquery("pop")
    start, end = f.instants()
    day_start, day_end = f.days()
    study_conds = [StudyRecord.module_id.in_(scope.module_ids), StudyRecord.completed_at.is_not(None)]
    if f.mode == MODE_YEAR:
        study_conds += _between(StudyRecord.completed_at, start, end)
    study = (select(StudyRecord.user_id.label("uid"), func.count(StudyRecord.id).label("done"))
             .where(StudyRecord.user_id.in_(select(pop.c.user_id)), *study_conds)
             .group_by(StudyRecord.user_id).subquery("study"))
    time_conds = _between(StudyTimeEntry.day, day_start, day_end)
    if f.law:
        time_conds.append(StudyTimeEntry.law_name == f.law)
    minutes = (select(StudyTimeEntry.user_id.label("uid"), func.sum(StudyTimeEntry.seconds).label("seconds"))
               .where(StudyTimeEntry.user_id.in_(select(pop.c.user_id)), *time_conds)
               .group_by(StudyTimeEntry.user_id).subquery("minutes"))
    att = (select(Attempt.user_id.label("uid"), func.count(Attempt.id).label("sittings"),
                  func.max(Attempt.percent).label("best"),
                  func.max(case((Attempt.passed.is_(True), 1), else_=0)).label("passed"))
           .where(Attempt.user_id.in_(select(pop.c.user_id)), *_attempt_conditions(f))
           .group_by(Attempt.user_id).subquery("att"))
    cert_conds = _live_certificates(start, end)
    if f.exam_id:
        cert_conds.append(Certificate.exam_id == f.exam_id)
    elif f.law:
        on_law = certificate_laws(f.law).subquery("certs_on_law")
        cert_conds.append(Certificate.id.in_(select(on_law.c.certificate_id)))
    certs = (select(Certificate.user_id.label("uid"), func.count(Certificate.id).label("n"))
             .where(Certificate.user_id.in_(select(pop.c.user_id)), *cert_conds)
             .group_by(Certificate.user_id).subquery("certs"))

    done = func.coalesce(study.c.done, 0)
    studied = case((done >= scope.required, 1), else_=0) if scope.required else case((done > 0, 1), else_=0)
    if scope.required == 0:
        studied = literal(0)
    attempted = case((func.coalesce(att.c.sittings, 0) > 0, 1), else_=0)
    if f.mode != MODE_YEAR and not scope.due_passed:
        overdue = literal(0)
    elif f.mode == MODE_ASSIGNMENT:
        overdue = case((done < (scope.required or 0), 1), else_=0)
    elif f.mode == MODE_EXAM:
        overdue = case((func.coalesce(att.c.sittings, 0) == 0, 1), else_=0)
    else:
        overdue = case((pop.c.user_id.in_(_overdue_assignment_users(f, today)), 1), else_=0)
    return (select(pop.c.user_id, pop.c.department_id, studied.label("studied"), done.label("modules_done"),
                   func.coalesce(minutes.c.seconds, 0).label("seconds"),
                   func.coalesce(att.c.sittings, 0).label("sittings"), attempted.label("attempted"),
                   func.coalesce(att.c.passed, 0).label("passed"), att.c.best.label("best"),
                   func.coalesce(certs.c.n, 0).label("certificates"), overdue.label("overdue"))
            .outerjoin(study, study.c.uid == pop.c.user_id)
            .outerjoin(minutes, minutes.c.uid == pop.c.user_id)
            .outerjoin(att, att.c.uid == pop.c.user_id)
            .outerjoin(certs, certs.c.uid == pop.c.user_id)
            .cte("facts"))


# ------------------------------------------------------------------ completion rows


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class CompletionRow:
    """Figures for one department (everyone below it) or one person."""

    key: int
    name: str
    assigned: int = 0
    studied: int = 0
    minutes: int = 0
    attempted: int = 0
    passed: int = 0
    average: float | None = None
    median: float | None = None
    certificates: int = 0
    overdue: int = 0
    path: str = ""
    staff_no: str = ""
    has_children: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.studied, self.assigned)

    @property
    def participation_rate(self) -> float | None:
        return _rate(self.attempted, self.assigned)

    @property
    def pass_rate(self) -> float | None:
        return _rate(self.passed, self.attempted)


@dataclass
class CompletionReport:
    filter: ReportFilter
    node: Department | None  # the department drilled into (None: every top-level department)
    breadcrumbs: list[Department]
    total: CompletionRow
    departments: list[CompletionRow]
    people: list[CompletionRow]
    required_modules: int | None
    scores: list[float] = field(default_factory=list)  # everyone's best percent, for the histogram


@dataclass
class Rolled:
    """A department's figures summed over the (department, best score) groups below it."""

    values: list = field(default_factory=lambda: [0, 0, 0, 0, 0, 0, 0])  # assigned studied seconds attempted
    scores: list[tuple[float, int]] = field(default_factory=list)  # passed certificates overdue; (best, people)

    def add(self, best, sums) -> None:
        for i, v in enumerate(sums):
            self.values[i] += int(v or 0)
        if best is not None:
            self.scores.append((float(best), int(sums[3])))

    def expanded_scores(self) -> list[float]:
        return [best for best, n in sorted(self.scores) for _ in range(n)]

    def as_tuple(self) -> tuple:
        assigned, studied, seconds, attempted, passed, certs, overdue = self.values
        people = sum(n for _b, n in self.scores)
        avg = sum(b * n for b, n in self.scores) / people if people else None
        return assigned, studied, seconds, attempted, passed, avg, certs, overdue

    @property
    def median(self) -> float | None:
        scores = self.expanded_scores()
        return round(statistics.median(scores), 1) if scores else None


def _sums(facts):
    return (func.count(facts.c.user_id), func.sum(facts.c.studied), func.sum(facts.c.seconds),
            func.sum(facts.c.attempted), func.sum(facts.c.passed), func.sum(facts.c.certificates),
            func.sum(facts.c.overdue))


def _fill(row: CompletionRow, values) -> CompletionRow:
    assigned, studied, seconds, attempted, passed, avg, certs, overdue = values
    row.assigned, row.studied, row.minutes = int(assigned), int(studied), int(seconds or 0) // 60
    row.attempted, row.passed = int(attempted), int(passed)
    row.average = round(float(avg), 1) if avg is not None else None
    row.certificates, row.overdue = int(certs), int(overdue)
    return row


def rollup(session: Session, facts, dept_ids: list[int]) -> dict[int, Rolled]:
    """Figures per department, each including everything below it, in one statement.

    The statement groups by (ancestor department, best score): the sums add up over the groups and the same
    rows are the score distribution that medians and histograms need, so the per-person facts are evaluated
    once per page. Only attempters have a best score, so a group's people count is its attempted sum.
    """
    out: dict[int, Rolled] = {}
    if not dept_ids:
        return out
    member, anc = aliased(Department, name="member"), aliased(Department, name="anc")
    stmt = (select(anc.id, facts.c.best, *_sums(facts)).select_from(facts)
            .join(member, member.id == facts.c.department_id)
            .join(anc, member.id_path.startswith(anc.id_path))
            .where(anc.id.in_(dept_ids)).group_by(anc.id, facts.c.best))
    for dept_id, best, *sums in session.execute(stmt):
        out.setdefault(dept_id, Rolled()).add(best, sums)
    return out


def totals(session: Session, facts) -> Rolled:
    """The same figures over everyone in the facts (no department roll-up), in one statement."""
    total = Rolled()
    for best, *sums in session.execute(select(facts.c.best, *_sums(facts)).select_from(facts)
                                       .group_by(facts.c.best)):
        total.add(best, sums)
    return total


def people_select(facts, *, department_id: int | None = None, root: Department | None = None) -> Select:
    """Per-person rows (with name, staff number, department path): directly in a department, or in a subtree."""
    stmt = (select(facts, User.display_name, User.staff_no, Department.name_path)
            .join(User, User.id == facts.c.user_id).join(Department, Department.id == facts.c.department_id))
    if department_id is not None:
        stmt = stmt.where(facts.c.department_id == department_id)
    elif root is not None:
        stmt = stmt.where(Department.id_path.startswith(root.id_path))
    return stmt.order_by(Department.name_path, User.staff_no, User.id)


def person_row(m) -> CompletionRow:
    row = CompletionRow(m.user_id, m.display_name, path=m.name_path or "", staff_no=m.staff_no or "")
    row.assigned, row.studied, row.minutes = 1, int(m.studied), int(m.seconds or 0) // 60
    row.attempted, row.passed = int(m.attempted), int(m.passed)
    row.average = row.median = round(float(m.best), 1) if m.best is not None else None
    row.certificates, row.overdue = int(m.certificates), int(m.overdue)
    row.extra = {"modules_done": int(m.modules_done), "sittings": int(m.sittings)}
    return row


def report_node(session: Session, f: ReportFilter, root: Department | None) -> Department | None:
    """The department a report is drilled into: the filter's, else the viewer's root, else the only top one."""
    if f.department_id:
        return session.get(Department, f.department_id)
    if root is not None:
        return root
    tops = session.scalars(select(Department).where(Department.parent_id.is_(None)).limit(2)).all()
    return tops[0] if len(tops) == 1 else None


def _children(session: Session, node: Department | None) -> list[Department]:
    """The departments a report lists below `node`: its children, or the top-level departments."""
    parent = Department.parent_id == node.id if node is not None else Department.parent_id.is_(None)
    return list(session.scalars(select(Department).where(parent).order_by(Department.sort_order, Department.id)))


def completion_report(session: Session, f: ReportFilter, *, root: Department | None, today: date, now: datetime,
                      people: str = "direct") -> CompletionReport:
    """The completion report at one node of the tree: its row, its children's rows, its people.

    `people`: "direct" (people attached to the node itself), "all" (everyone in the subtree), "none".
    """
    node = report_node(session, f, root)
    facts = person_facts(session, f, node, today, now)
    scope_required = study_scope(session, f, today, now).required if f.mode != MODE_YEAR else None
    children = _children(session, node)
    listed = [node, *children] if node is not None else children
    has_kids = set(session.scalars(select(Department.parent_id).where(
        Department.parent_id.in_([d.id for d in children] or [0])).distinct()))
    rolled = rollup(session, facts, [d.id for d in listed])

    def dept_row(d: Department) -> CompletionRow:
        r = rolled.get(d.id, Rolled())
        row = _fill(CompletionRow(d.id, d.name, path=d.name_path, has_children=d.id in has_kids), r.as_tuple())
        row.median = r.median
        return row

    if node is not None:
        total = dept_row(node)
        total.has_children = bool(children)
        distribution = rolled.get(node.id, Rolled())
    else:
        distribution = totals(session, facts)
        total = _fill(CompletionRow(0, "全部"), distribution.as_tuple())
        total.median = distribution.median
    person_rows: list[CompletionRow] = []
    if people == "all":
        person_rows = [person_row(m) for m in session.execute(people_select(facts))]
    elif people == "direct" and node is not None:
        # Only the node's own members: a population of a few people, cheap to evaluate again.
        direct = person_facts(session, f, node, today, now, department_id=node.id)
        person_rows = [person_row(m) for m in session.execute(people_select(direct))]
    crumbs = []
    if node is not None:
        ids = [int(p) for p in node.id_path.strip("/").split("/") if p]
        by_id = {d.id: d for d in session.scalars(select(Department).where(Department.id.in_(ids)))}
        crumbs = [by_id[i] for i in ids if i in by_id]
    return CompletionReport(f, node, crumbs, total, [dept_row(d) for d in children], person_rows,
                            scope_required, distribution.expanded_scores())


# ------------------------------------------------------------------ dashboard


def _scoped_attempts(f: ReportFilter, root: Department | None):
    """A function adding "submitted attempts matching `f` by people in `root`'s subtree" to a Select."""
    d = aliased(Department, name="sd")

    def scoped(stmt: Select) -> Select:
        if root is None:  # everyone: no join needed
            return stmt.where(*_attempt_conditions(f))
        return (stmt.join(User, User.id == Attempt.user_id).join(d, d.id == User.department_id)
                .where(_in_subtree(d.id_path, root), *_attempt_conditions(f)))

    return scoped


def monthly_trend(session: Session, year: int, f: ReportFilter, root: Department | None) -> list[tuple[int, int]]:
    """(sittings, passed) per local calendar month of `year`, in one statement."""
    edges = [from_local(datetime(year + (m // 12), m % 12 + 1, 1)) for m in range(13)]
    cols = []
    for m in range(12):
        in_month = and_(Attempt.submitted_at >= edges[m], Attempt.submitted_at < edges[m + 1])
        cols.append(func.coalesce(func.sum(case((in_month, 1), else_=0)), 0))
        cols.append(func.coalesce(func.sum(case((and_(in_month, Attempt.passed.is_(True)), 1), else_=0)), 0))
    year_filter = replace(f, year=year, date_from=None, date_to=None)
    row = session.execute(_scoped_attempts(year_filter, root)(select(*cols).select_from(Attempt))).one()
    return [(int(row[2 * m]), int(row[2 * m + 1])) for m in range(12)]


@dataclass
class Dashboard:
    year: int
    report: CompletionReport
    histogram: list[int]
    trend: list[tuple[int, int]]


def dashboard(session: Session, *, year: int, root: Department | None, today: date, now: datetime,
              department_id: int | None = None) -> Dashboard:
    f = ReportFilter(year=year, department_id=department_id)
    report = completion_report(session, f, root=root, today=today, now=now, people="none")
    return Dashboard(year, report, stats.histogram(report.scores), monthly_trend(session, year, f, report.node))


# ------------------------------------------------------------------ weak articles


@dataclass
class WeakCell:
    answered: int
    correct: int

    @property
    def rate(self) -> float | None:
        return _rate(self.correct, self.answered)


WEAK_BY_ARTICLE, WEAK_BY_CHAPTER = "article", "chapter"
# A heat-map column: (law short name, article number) or (law short name, chapter title; "" = in no chapter).
WeakKey = tuple[str, int | str]


@dataclass
class WeakArticles:
    """Departments (the node and its children) by columns (articles, or chapters) of the laws examined."""

    node: Department | None
    departments: list[Department]
    by: str  # WEAK_BY_ARTICLE or WEAK_BY_CHAPTER
    columns: list[WeakKey]  # in law order, then article / chapter order
    cells: dict[tuple[int, str, int | str], WeakCell]  # (department id, law, article or chapter)
    overall: dict[WeakKey, WeakCell]
    modules: dict[WeakKey, int]  # column -> number of modules teaching it (any article of a chapter)


def weak_articles(session: Session, f: ReportFilter, *, root: Department | None, by: str = WEAK_BY_ARTICLE,
                  limit: int | None = 20, min_answers: int = 1) -> WeakArticles:
    """Correct-answer rate per (department rolled up, law article or chapter): rows are the node and its children.

    Columns are the `limit` weakest overall; see `_question_columns` for what a chapter counts.
    """
    node = report_node(session, f, root)
    depts = [node, *_children(session, node)] if node is not None else _children(session, None)
    # Answers are counted per (department, question) first, over attempts alone; only those few rows meet the
    # questions' columns and the department tree, so no database has to plan the big join around citations.
    own = aliased(Department, name="own")
    per_question = (
        select(User.department_id.label("department_id"), AttemptQuestion.question_id,
               func.count(AttemptQuestion.id).label("answered"),
               func.sum(case((AttemptQuestion.is_correct.is_(True), 1), else_=0)).label("correct"))
        .select_from(AttemptQuestion)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(User, User.id == Attempt.user_id)
        .join(own, own.id == User.department_id)
        .where(*_attempt_conditions(f), _in_subtree(own.id_path, node), AttemptQuestion.is_voided.is_(False),
               AttemptQuestion.is_correct.is_not(None))
        .group_by(User.department_id, AttemptQuestion.question_id)).subquery("per_question")
    columns = _question_columns(by, f.law).subquery("question_columns")
    member, anc = aliased(Department, name="member"), aliased(Department, name="anc")
    stmt = (select(anc.id, columns.c.law_name, columns.c.key, func.sum(per_question.c.answered),
                   func.sum(per_question.c.correct))
            .select_from(per_question)
            .join(columns, columns.c.question_id == per_question.c.question_id)
            .join(member, member.id == per_question.c.department_id)
            .join(anc, member.id_path.startswith(anc.id_path))
            .where(anc.id.in_([d.id for d in depts] or [0]))
            .group_by(anc.id, columns.c.law_name, columns.c.key))
    cells: dict[tuple[int, str, int | str], WeakCell] = {}
    for dept_id, law, key, n, c in session.execute(stmt):
        cells[(dept_id, law, key)] = WeakCell(int(n), int(c))
    overall: dict[WeakKey, WeakCell] = {}
    top_ids = {node.id} if node is not None else {d.id for d in depts}
    for (dept_id, law, key), cell in cells.items():
        if dept_id in top_ids:
            acc = overall.setdefault((law, key), WeakCell(0, 0))
            acc.answered += cell.answered
            acc.correct += cell.correct
    keys = [k for k, c in overall.items() if c.answered >= min_answers]
    if limit is not None:
        keys = sorted(keys, key=lambda k: (overall[k].correct / overall[k].answered, k))[:limit]
    laws = sorted({law for law, _key in keys})
    if by == WEAK_BY_CHAPTER:
        first, modules = _chapter_modules(session, laws)
    else:
        first, modules = {}, _article_modules(session, laws)
    law_order = _law_order(session)

    def place(k: WeakKey) -> tuple:
        # A chapter sits at its first article; chapter "" (no chapter, or not in the library) after the rest.
        return law_order.get(k[0], 99), k[0], first.get(k, 10**9) if by == WEAK_BY_CHAPTER else k[1], str(k[1])

    return WeakArticles(node, depts, by, sorted(keys, key=place), cells, overall, modules)


def _question_columns(by: str, law: str | None) -> Select:
    """(question_id, law_name, key): the heat-map columns each question counts in, each once.

    By article, its citations. By chapter, the chapters of the articles it cites in the law library's current
    revision ("" for an article the library does not hold), distinct, so that a question citing two articles
    of one chapter counts once there.
    """
    if by == WEAK_BY_CHAPTER:
        chapters = article_chapters().subquery("chapters")
        stmt = (select(QuestionCitation.question_id, QuestionCitation.law_name,
                       func.coalesce(chapters.c.chapter, "").label("key"))
                .outerjoin(chapters, and_(chapters.c.law_name == QuestionCitation.law_name,
                                          chapters.c.article_no == QuestionCitation.article_no))
                .distinct())
    else:
        stmt = select(QuestionCitation.question_id, QuestionCitation.law_name,
                      QuestionCitation.article_no.label("key"))
    return stmt.where(QuestionCitation.law_name == law) if law else stmt


def _article_modules(session: Session, laws: list[str]) -> dict[WeakKey, int]:
    """(law, article) -> number of modules citing it."""
    return {(law, no): int(n) for law, no, n in session.execute(
        select(ModuleArticle.law_name, ModuleArticle.article_no, func.count(ModuleArticle.module_id))
        .where(ModuleArticle.law_name.in_(laws)).group_by(ModuleArticle.law_name, ModuleArticle.article_no))}


def _chapter_modules(session: Session, laws: list[str]) -> tuple[dict[WeakKey, int], dict[WeakKey, int]]:
    """For each chapter of the laws: its first article number, and how many modules teach any of its articles
    (a chapter titled "" gets no count: no remedial assignment can name it)."""
    chapters = article_chapters().subquery("lib")
    first: dict[WeakKey, int] = {}
    modules: dict[WeakKey, int] = {}
    for law, chapter, no, n in session.execute(
            select(chapters.c.law_name, chapters.c.chapter, func.min(chapters.c.article_no),
                   func.count(ModuleArticle.module_id.distinct()))
            .select_from(chapters)
            .outerjoin(ModuleArticle, and_(ModuleArticle.law_name == chapters.c.law_name,
                                           ModuleArticle.article_no == chapters.c.article_no))
            .where(chapters.c.law_name.in_(laws)).group_by(chapters.c.law_name, chapters.c.chapter)):
        first[(law, chapter)] = int(no)
        if chapter and n:
            modules[(law, chapter)] = int(n)
    return first, modules


def _law_order(session: Session) -> dict[str, int]:
    """Law short name -> its place in the library (the order laws were added), for ordering report lines."""
    return {name: i for i, name in enumerate(session.scalars(select(Law.short_name).order_by(Law.id)))}


def modules_teaching(session: Session, law: str, article_nos: list[int]) -> list[CourseModule]:
    return list(session.scalars(
        select(CourseModule).where(CourseModule.id.in_(
            select(ModuleArticle.module_id).where(ModuleArticle.law_name == law,
                                                  ModuleArticle.article_no.in_(article_nos))))
        .order_by(CourseModule.sort_order, CourseModule.id)))


# ------------------------------------------------------------------ item analysis


@dataclass
class ItemInfo:
    question_id: int
    stem: str
    type: str
    options: list[str]
    answer: list[Any]
    citations: list[tuple[str, int]]


def item_analysis(session: Session, exam_id: int, *, root: Department | None = None
                  ) -> tuple[stats.ExamStats, dict[int, ItemInfo]]:
    """Per-item results of an exam's submitted attempts (two statements), analysed by `stats.analyse`."""
    d = aliased(Department, name="iad")
    stmt = (select(AttemptQuestion.attempt_id, AttemptQuestion.question_id, AttemptQuestion.score,
                   AttemptQuestion.points, AttemptQuestion.option_order, Answer.response)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .outerjoin(Answer, and_(Answer.attempt_id == AttemptQuestion.attempt_id,
                                    Answer.question_id == AttemptQuestion.question_id))
            .where(Attempt.exam_id == exam_id, Attempt.status == SUBMITTED, AttemptQuestion.is_voided.is_(False)))
    if root is not None:
        stmt = (stmt.join(User, User.id == Attempt.user_id).join(d, d.id == User.department_id)
                .where(d.id_path.startswith(root.id_path)))
    responses = [stats.ItemResponse(aid, qid, float(score or 0), float(points or 0),
                                    stats.original_choices(response, order))
                 for aid, qid, score, points, order, response in session.execute(stmt)]
    question_ids = sorted({r.item for r in responses})
    info: dict[int, ItemInfo] = {}
    if question_ids:
        rows = session.execute(select(Question.id, QuestionVersion.stem, QuestionVersion.type,
                                      QuestionVersion.options, QuestionVersion.answer, QuestionVersion.basis)
                               .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                               .where(Question.id.in_(question_ids)))
        for qid, stem, qtype, options, answer, basis in rows:
            cites = [(str(b.get("law")), int(b.get("article"))) for b in (basis or [])
                     if isinstance(b, dict) and b.get("law") and str(b.get("article", "")).isdigit()]
            info[qid] = ItemInfo(qid, stem, qtype, list(options or []), list(answer or []), cites)
    counts = {qid: len(i.options) for qid, i in info.items() if i.type in ("single", "multiple")}
    return stats.analyse(responses, counts), info


def exams_for_analysis(session: Session, root: Department | None = None) -> list[tuple[Exam, int]]:
    """Exams with their number of submitted attempts, newest first: attempts by people in `root`'s subtree,
    so a department leader sees the same counts the item analysis behind each exam will show them."""
    counted = _scoped_attempts(ReportFilter(), root)(
        select(Attempt.exam_id, func.count(Attempt.id).label("n")).select_from(Attempt))
    counts = counted.group_by(Attempt.exam_id).subquery("submitted")
    return [(exam, int(count)) for exam, count in session.execute(
        select(Exam, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.exam_id == Exam.id)
        .where(Exam.status != "draft").order_by(Exam.created_at.desc(), Exam.id.desc()))]


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
        return _rate(self.passed_sittings, self.sittings)

    @property
    def correct_rate(self) -> float | None:
        return _rate(self.questions_correct, self.questions_answered)


@dataclass
class Annual:
    year: int
    node: Department | None
    staff: int
    trained: int
    seconds: int
    modules_completed: int
    exams_held: int
    sittings: int
    examinees: int
    passed_sittings: int
    passed_people: int
    certificates: int
    laws: list[LawFigures]

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 1)

    @property
    def pass_rate(self) -> float | None:
        return _rate(self.passed_sittings, self.sittings)


def annual(session: Session, year: int, *, root: Department | None, today: date, now: datetime) -> Annual:
    """The figures of a year's rule-of-law report for a subtree, in total and by law (eight statements)."""
    f = ReportFilter(year=year)
    node = report_node(session, f, root)
    facts = person_facts(session, f, node, today, now)
    staff, trained, seconds, modules_done, certs = session.execute(select(
        func.count(facts.c.user_id),
        func.coalesce(func.sum(case((or_(facts.c.seconds > 0, facts.c.modules_done > 0), 1), else_=0)), 0),
        func.coalesce(func.sum(facts.c.seconds), 0), func.coalesce(func.sum(facts.c.modules_done), 0),
        func.coalesce(func.sum(facts.c.certificates), 0)).select_from(facts)).one()
    scoped = _scoped_attempts(f, node)
    exams_held, sittings, examinees, passed_sittings, passed_people = session.execute(scoped(select(
        func.count(Attempt.exam_id.distinct()), func.count(Attempt.id), func.count(Attempt.user_id.distinct()),
        _passed_count(),
        func.count(case((Attempt.passed.is_(True), Attempt.user_id)).distinct())).select_from(Attempt))).one()

    people = select(facts.c.user_id)
    start, end = f.days()
    i_start, i_end = f.instants()
    laws: dict[str, LawFigures] = {}
    for law, learners, secs in session.execute(
            select(StudyTimeEntry.law_name, func.count(StudyTimeEntry.user_id.distinct()),
                   func.sum(StudyTimeEntry.seconds))
            .where(StudyTimeEntry.user_id.in_(people), *_between(StudyTimeEntry.day, start, end))
            .group_by(StudyTimeEntry.law_name)):
        laws[law] = LawFigures(law, int(learners), int(secs or 0))
    for law, n in session.execute(
            select(CourseModule.law_name, func.count(StudyRecord.id))
            .join(CourseModule, CourseModule.id == StudyRecord.module_id)
            .where(StudyRecord.user_id.in_(people), *_between(StudyRecord.completed_at, i_start, i_end))
            .group_by(CourseModule.law_name)):
        laws.setdefault(law, LawFigures(law)).modules_completed = int(n)
    answered_stmt = scoped(
        select(QuestionCitation.law_name, func.count(AttemptQuestion.id.distinct()),
               func.count(case((AttemptQuestion.is_correct.is_(True), AttemptQuestion.id)).distinct()))
        .select_from(Attempt)
        .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
        .join(QuestionCitation, QuestionCitation.question_id == AttemptQuestion.question_id)
    ).where(AttemptQuestion.is_voided.is_(False)).group_by(QuestionCitation.law_name)
    for law, n, c in session.execute(answered_stmt):
        figures = laws.setdefault(law, LawFigures(law))
        figures.questions_answered, figures.questions_correct = int(n), int(c)
    on_law = exam_laws().subquery("annual_exam_laws")
    for law, n, p in session.execute(scoped(
            select(on_law.c.law_name, func.count(Attempt.id), _passed_count())
            .select_from(Attempt).join(on_law, on_law.c.exam_id == Attempt.exam_id)).group_by(on_law.c.law_name)):
        figures = laws.setdefault(law, LawFigures(law))
        figures.sittings, figures.passed_sittings = int(n), int(p)
    cert_laws = certificate_laws().subquery("annual_cert_laws")
    for law, n in session.execute(
            select(cert_laws.c.law_name, func.count(Certificate.id))
            .join(cert_laws, cert_laws.c.certificate_id == Certificate.id)
            .where(Certificate.user_id.in_(people), *_live_certificates(i_start, i_end))
            .group_by(cert_laws.c.law_name)):
        laws.setdefault(law, LawFigures(law)).certificates = int(n)
    law_order = _law_order(session)
    ordered = sorted(laws.values(), key=lambda x: (law_order.get(x.law, 99), x.law))
    return Annual(year, node, int(staff), int(trained), int(seconds or 0), int(modules_done), int(exams_held),
                  int(sittings), int(examinees), int(passed_sittings), int(passed_people), int(certs), ordered)


# ------------------------------------------------------------------ person drill-down and filter choices


def person_attempts(session: Session, user_id: int, f: ReportFilter) -> list[tuple[Attempt, str]]:
    return [(a, title) for a, title in session.execute(
        select(Attempt, Exam.title).join(Exam, Exam.id == Attempt.exam_id)
        .where(Attempt.user_id == user_id, *_attempt_conditions(f))
        .order_by(Attempt.submitted_at.desc()))]


def person_study(session: Session, user_id: int) -> list[tuple[StudyRecord, CourseModule]]:
    return [(r, m) for r, m in session.execute(
        select(StudyRecord, CourseModule).join(CourseModule, CourseModule.id == StudyRecord.module_id)
        .where(StudyRecord.user_id == user_id).order_by(CourseModule.law_name, CourseModule.sort_order))]


def filter_choices(session: Session) -> dict[str, list]:
    """Exams, assignments and laws for the filter form (three statements)."""
    return {
        "exams": session.execute(select(Exam.id, Exam.title).where(Exam.status != "draft")
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
