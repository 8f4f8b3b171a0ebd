"""Per-person facts in SQL: who a report counts (population), what "studied" means, one row per person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    Select,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from lawtrain.auth.models import User
from lawtrain.certificates.models import Certificate
from lawtrain.courses.models import (
    AssignmentDepartment,
    AssignmentModule,
    AssignmentUser,
    CourseModule,
    StudyRecord,
    StudyTimeEntry,
    TrainingAssignment,
)
from lawtrain.exams.models import (
    Attempt,
    Exam,
    ExamAssignee,
)
from lawtrain.org.models import Department
from lawtrain.reports.queries.filters import (
    MODE_ASSIGNMENT,
    MODE_EXAM,
    MODE_YEAR,
    ReportFilter,
    assignment_laws,
    attempt_conditions,
    between,
    certificate_laws,
    in_subtree,
    live_certificates,
    passed_count,
    staff_ids,
)

# ------------------------------------------------------------------ population and per-person facts


def population(f: ReportFilter, root: Department | None) -> Select:
    """(user_id, department_id) of the people a report counts as assigned, within `root`'s subtree."""
    d = aliased(Department, name="pd")
    stmt = (select(User.id.label("user_id"), User.department_id.label("department_id"))
            .join(d, d.id == User.department_id)
            .where(User.is_active_account.is_(True), in_subtree(d.id_path, root)))
    if f.mode == MODE_ASSIGNMENT:
        ad = aliased(Department, name="ad")
        by_dept = exists(select(AssignmentDepartment.id).join(ad, ad.id == AssignmentDepartment.department_id)
                         .where(AssignmentDepartment.assignment_id == f.assignment_id,
                                d.id_path.startswith(ad.id_path)))
        named = select(AssignmentUser.user_id).where(AssignmentUser.assignment_id == f.assignment_id)
        return stmt.where(or_(User.id.in_(named), and_(by_dept, User.id.in_(staff_ids()))))
    if f.mode == MODE_EXAM:
        ed = aliased(Department, name="ed")
        by_dept = exists(select(ExamAssignee.id).join(ed, ed.id == ExamAssignee.department_id)
                         .where(ExamAssignee.exam_id == f.exam_id, d.id_path.startswith(ed.id_path)))
        named = select(ExamAssignee.user_id).where(ExamAssignee.exam_id == f.exam_id,
                                                   ExamAssignee.user_id.is_not(None))
        sat = select(Attempt.user_id).where(Attempt.exam_id == f.exam_id)
        # Through a department only staff count (a leader in the subtree is not a candidate).
        return stmt.where(or_(User.id.in_(named), and_(by_dept, User.id.in_(staff_ids())), User.id.in_(sat)))
    return stmt.where(User.id.in_(staff_ids()))


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


def _due_pairs(f: ReportFilter, today: date | None) -> Select:
    """(aid, uid): each person and training assignment of theirs due in the period (and before `today`, if
    given) — named people, and the active staff of a named department's subtree."""
    start, end = f.days()
    ta = aliased(TrainingAssignment, name="ta")
    due = [ta.due_date.is_not(None), *between(ta.due_date, start, end)]
    if today is not None:
        due.append(ta.due_date < today)
    if f.law:  # only assignments teaching the law
        teaching = assignment_laws(f.law).subquery("due_on_law")
        due.append(ta.id.in_(select(teaching.c.assignment_id)))
    ad, ud = aliased(Department, name="oad"), aliased(Department, name="oud")
    return union(
        select(AssignmentUser.assignment_id.label("aid"), AssignmentUser.user_id.label("uid"))
        .join(ta, ta.id == AssignmentUser.assignment_id).where(*due),
        select(AssignmentDepartment.assignment_id, User.id)
        .join(ta, ta.id == AssignmentDepartment.assignment_id)
        .join(ad, ad.id == AssignmentDepartment.department_id)
        .join(ud, ud.id_path.startswith(ad.id_path))
        .join(User, User.department_id == ud.id)
        .where(*due, User.is_active_account.is_(True), User.id.in_(staff_ids())),
    )


def _incomplete_users(pairs_stmt: Select, law: str | None) -> Select:
    """Ids of the people in (aid, uid) pairs with a required module of that assignment (of `law`, if given)
    not yet completed."""
    pairs = pairs_stmt.subquery("pairs")
    ta2 = aliased(TrainingAssignment, name="ta2")
    listed = (select(AssignmentModule.assignment_id.label("aid"), AssignmentModule.module_id.label("mid"))
              .join(CourseModule, CourseModule.id == AssignmentModule.module_id))
    whole = select(ta2.id, CourseModule.id).join(CourseModule, CourseModule.law_name == ta2.law_name)
    if law:
        listed, whole = listed.where(CourseModule.law_name == law), whole.where(CourseModule.law_name == law)
    mods = union_all(listed, whole).subquery("mods")
    sr = aliased(StudyRecord, name="osr")
    return (select(pairs.c.uid)
            .join(mods, mods.c.aid == pairs.c.aid)
            .outerjoin(sr, and_(sr.user_id == pairs.c.uid, sr.module_id == mods.c.mid))
            .group_by(pairs.c.aid, pairs.c.uid)
            .having(func.count(sr.completed_at) < func.count(mods.c.mid)))


def completed_assignments(f: ReportFilter, uid_column):
    """1 when the person had training assignments due in the period and completed every required module of
    each (glossary: 学习完成人数), else 0."""
    pairs = _due_pairs(f, None)
    due = select(pairs.subquery("due_any").c.uid)
    return case((and_(uid_column.in_(due), uid_column.not_in(_incomplete_users(pairs, f.law))), 1), else_=0)


def _overdue(f: ReportFilter, scope: Scope, today: date, uid_column, done, sittings):
    """1 for a person past a deadline of the report with work left undone (glossary: 逾期人数)."""
    if f.mode != MODE_YEAR and not scope.due_passed:
        return literal(0)
    if f.mode == MODE_ASSIGNMENT:
        return case((done < (scope.required or 0), 1), else_=0)
    if f.mode == MODE_EXAM:
        return case((sittings == 0, 1), else_=0)
    return case((uid_column.in_(_incomplete_users(_due_pairs(f, today), f.law)), 1), else_=0)


def _studied(f: ReportFilter, scope: Scope, uid_column, done):
    """学习完成: every module of the report's assignment or exam gate, else of the assignments due in the period."""
    if scope.required == 0:
        return literal(0)
    if scope.required:
        return case((done >= scope.required, 1), else_=0)
    return completed_assignments(f, uid_column)


def person_facts(session: Session, f: ReportFilter, root: Department | None, today: date, now: datetime,
                 department_id: int | None = None):
    """A CTE with one row per person in scope: trained, studied, modules_done, seconds, sittings,
    passed_sittings, attempted, passed, best (percent), certificates, overdue (0/1 columns sum to counts).

    The columns are the glossary's figures per person (`lawtrain.reports.glossary`)."""
    scope = study_scope(session, f, today, now)
    pop_stmt = population(f, root)
    if department_id is not None:
        pop_stmt = pop_stmt.where(User.department_id == department_id)
    pop = pop_stmt.subquery("pop")
    people = select(pop.c.user_id)
    study, minutes, att, certs = (_study(f, scope, people), _minutes(f, people), _sittings(f, people),
                                  _certificates(f, people))
    done = func.coalesce(study.c.done, 0)
    seconds = func.coalesce(minutes.c.seconds, 0)
    sittings = func.coalesce(att.c.sittings, 0)
    return (select(pop.c.user_id, pop.c.department_id,
                   case((or_(seconds > 0, done > 0), 1), else_=0).label("trained"),
                   _studied(f, scope, pop.c.user_id, done).label("studied"), done.label("modules_done"),
                   seconds.label("seconds"), sittings.label("sittings"),
                   func.coalesce(att.c.passed_sittings, 0).label("passed_sittings"),
                   case((sittings > 0, 1), else_=0).label("attempted"),
                   func.coalesce(att.c.passed, 0).label("passed"), att.c.best.label("best"),
                   func.coalesce(certs.c.n, 0).label("certificates"),
                   _overdue(f, scope, today, pop.c.user_id, done, sittings).label("overdue"))
            .outerjoin(study, study.c.uid == pop.c.user_id)
            .outerjoin(minutes, minutes.c.uid == pop.c.user_id)
            .outerjoin(att, att.c.uid == pop.c.user_id)
            .outerjoin(certs, certs.c.uid == pop.c.user_id)
            .cte("facts"))


def _study(f: ReportFilter, scope: Scope, people: Select):
    """Modules in scope each person completed (in the period, when the report is by period)."""
    start, end = f.instants()
    conds = [StudyRecord.module_id.in_(scope.module_ids), StudyRecord.completed_at.is_not(None)]
    if f.mode == MODE_YEAR:
        conds += between(StudyRecord.completed_at, start, end)
    return (select(StudyRecord.user_id.label("uid"), func.count(StudyRecord.id).label("done"))
            .where(StudyRecord.user_id.in_(people), *conds).group_by(StudyRecord.user_id).subquery("study"))


def _minutes(f: ReportFilter, people: Select):
    """Seconds of study each person logged on the period's days (of the law, with a law filter)."""
    day_start, day_end = f.days()
    conds = between(StudyTimeEntry.day, day_start, day_end)
    if f.law:
        conds.append(StudyTimeEntry.law_name == f.law)
    return (select(StudyTimeEntry.user_id.label("uid"), func.sum(StudyTimeEntry.seconds).label("seconds"))
            .where(StudyTimeEntry.user_id.in_(people), *conds)
            .group_by(StudyTimeEntry.user_id).subquery("minutes"))


def _sittings(f: ReportFilter, people: Select):
    """Per person: sittings, passed sittings, best percent, and 1 when the best attempt passed."""
    return (select(Attempt.user_id.label("uid"), func.count(Attempt.id).label("sittings"),
                   passed_count().label("passed_sittings"), func.max(Attempt.percent).label("best"),
                   func.max(case((Attempt.passed.is_(True), 1), else_=0)).label("passed"))
            .where(Attempt.user_id.in_(people), *attempt_conditions(f))
            .group_by(Attempt.user_id).subquery("att"))


def _certificates(f: ReportFilter, people: Select):
    """Live certificates each person was issued in the period (of the exam or law filtered on)."""
    start, end = f.instants()
    conds = live_certificates(start, end)
    if f.exam_id:
        conds.append(Certificate.exam_id == f.exam_id)
    elif f.law:
        on_law = certificate_laws(f.law).subquery("certs_on_law")
        conds.append(Certificate.id.in_(select(on_law.c.certificate_id)))
    return (select(Certificate.user_id.label("uid"), func.count(Certificate.id).label("n"))
            .where(Certificate.user_id.in_(people), *conds)
            .group_by(Certificate.user_id).subquery("certs"))
