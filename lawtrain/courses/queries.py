"""Read-side queries of the training area: the law library, modules with progress, assignments, the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from lawtrain.auth.models import User
from lawtrain.courses.assignments import assigned_user_ids, assignment_module_ids
from lawtrain.courses.models import (
    STUDY_CHANNELS,
    Article,
    AssignmentDepartment,
    AssignmentUser,
    CourseModule,
    Law,
    LawRevision,
    StudyRecord,
    StudyTimeEntry,
    TrainingAssignment,
)
from lawtrain.display import percent as percent_of
from lawtrain.org.models import Department


def laws_with_counts(session: Session) -> list[tuple[Law, LawRevision | None, int]]:
    """Every law with its current revision and that revision's article count."""
    counts = dict(session.execute(
        select(Article.revision_id, func.count(Article.id)).group_by(Article.revision_id)).all())
    out = []
    for law in session.scalars(select(Law).order_by(Law.id)):
        current = next((r for r in law.revisions if r.is_current), None)
        out.append((law, current, counts.get(current.id, 0) if current else 0))
    return out


def articles_by_chapter(session: Session, revision: LawRevision) -> list[tuple[str, list[Article]]]:
    """(chapter title, articles) in order, sections kept on the articles."""
    groups: list[tuple[str, list[Article]]] = []
    for article in session.scalars(select(Article).where(Article.revision_id == revision.id).order_by(Article.number)):
        title = article.chapter or ""
        if not groups or groups[-1][0] != title:
            groups.append((title, []))
        groups[-1][1].append(article)
    return groups


def article_chapters() -> Select:
    """(law_name, article_no, chapter) of every article in the current revision of each law; the chapter is ""
    for a law without chapters. Reports join question citations to it to roll articles up by chapter."""
    return (select(Law.short_name.label("law_name"), Article.number.label("article_no"),
                   func.coalesce(Article.chapter, "").label("chapter"))
            .join(LawRevision, LawRevision.law_id == Law.id).join(Article, Article.revision_id == LawRevision.id)
            .where(LawRevision.is_current.is_(True)))


def chapter_article_numbers(session: Session, law: str, chapter: str) -> list[int]:
    """Numbers of the articles in a chapter of a law's current revision, in order."""
    articles = article_chapters().subquery()
    return list(session.scalars(select(articles.c.article_no)
                                .where(articles.c.law_name == law, articles.c.chapter == chapter)
                                .order_by(articles.c.article_no)))


def article_search(q: str) -> Select:
    """Current-revision articles (with their law loaded) whose text contains `q` or whose number is `q`."""
    from lawtrain.courses.numerals import parse_article_label

    q = (q or "").strip()
    stmt = (select(Article).join(LawRevision, Article.revision_id == LawRevision.id)
            .join(Law, LawRevision.law_id == Law.id).where(LawRevision.is_current.is_(True))
            .options(joinedload(Article.revision).joinedload(LawRevision.law)))
    conditions = [Article.text.contains(q, autoescape=True)]
    try:
        number = int(q) if q.isdigit() else parse_article_label(q if q.endswith("条") else q + "条")
        conditions.append(Article.number == number)
    except ValueError:
        pass
    return stmt.where(or_(*conditions)).order_by(Law.id, Article.number)


def articles_for_module(session: Session, module: CourseModule) -> list[Article]:
    """The cited articles' current text (empty when the law is not imported)."""
    if not module.articles:
        return []
    return list(session.scalars(
        select(Article).join(LawRevision, Article.revision_id == LawRevision.id).join(Law)
        .where(LawRevision.is_current.is_(True), Law.short_name == module.law_name,
               Article.number.in_(module.articles)).order_by(Article.number)))


def modules_select(law_name: str | None = None) -> Select:
    stmt = select(CourseModule).order_by(CourseModule.law_name, CourseModule.sort_order, CourseModule.id)
    if law_name:
        stmt = stmt.where(CourseModule.law_name == law_name)
    return stmt


def records_for(session: Session, user_id: int, module_ids=None) -> dict[int, StudyRecord]:
    stmt = select(StudyRecord).where(StudyRecord.user_id == user_id)
    if module_ids is not None:
        stmt = stmt.where(StudyRecord.module_id.in_(list(module_ids)))
    return {r.module_id: r for r in session.scalars(stmt)}


@dataclass(frozen=True)
class LawProgress:
    law_name: str
    modules: list[CourseModule]
    done: int
    minutes: int

    @property
    def total(self) -> int:
        return len(self.modules)

    @property
    def percent(self) -> int:
        return percent_of(self.done, self.total)


def progress_by_law(session: Session, user: User) -> tuple[list[LawProgress], dict[int, StudyRecord]]:
    """Modules grouped by law with the person's completed count and studied minutes."""
    modules = list(session.scalars(modules_select()))
    records = records_for(session, user.id)
    groups: dict[str, list[CourseModule]] = {}
    for m in modules:
        groups.setdefault(m.law_name, []).append(m)
    out = []
    for law_name, mods in groups.items():
        done = sum(1 for m in mods if records.get(m.id) and records[m.id].completed_at)
        seconds = sum(records[m.id].seconds for m in mods if m.id in records)
        out.append(LawProgress(law_name, mods, done, seconds // 60))
    return out, records


@dataclass(frozen=True)
class AssignmentRow:
    """One person's progress on one assignment."""

    assignment: TrainingAssignment
    module_count: int
    done: int
    minutes: int
    overdue: bool

    @property
    def percent(self) -> int:
        return percent_of(self.done, self.module_count)


def _progress(session: Session, user_ids, module_ids) -> dict[int, tuple[int, int]]:
    """user_id -> (seconds, completed count) over the given modules, aggregated in SQL."""
    if not module_ids or not user_ids:
        return {}
    rows = session.execute(
        select(StudyRecord.user_id, func.coalesce(func.sum(StudyRecord.seconds), 0),
               func.count(StudyRecord.completed_at))
        .where(StudyRecord.user_id.in_(list(user_ids)), StudyRecord.module_id.in_(list(module_ids)))
        .group_by(StudyRecord.user_id))
    return {uid: (int(seconds), int(done)) for uid, seconds, done in rows}


def my_assignments(session: Session, user: User, today: date) -> list[AssignmentRow]:
    from lawtrain.courses.assignments import assignments_for_user

    out = []
    for a in assignments_for_user(session, user):
        module_ids = assignment_module_ids(session, a)
        seconds, done = _progress(session, [user.id], module_ids).get(user.id, (0, 0))
        overdue = a.due_date is not None and a.due_date < today and done < len(module_ids)
        out.append(AssignmentRow(a, len(module_ids), done, seconds // 60, overdue))
    return out


@dataclass(frozen=True)
class PersonProgress:
    user: User
    done: int
    total: int
    minutes: int
    overdue: bool

    @property
    def percent(self) -> int:
        return percent_of(self.done, self.total)


def assignment_progress(session: Session, assignment: TrainingAssignment, today: date,
                        root: Department | None = None) -> list[PersonProgress]:
    """Per person: completed modules, minutes, overdue; limited to `root`'s subtree when given."""
    module_ids = assignment_module_ids(session, assignment)
    user_ids = assigned_user_ids(session, assignment)
    stmt = select(User).where(User.id.in_(user_ids or [0])).order_by(User.department_id, User.username)
    if root is not None:
        stmt = stmt.join(Department, User.department_id == Department.id).where(
            Department.id_path.startswith(root.id_path))
    users = list(session.scalars(stmt))
    progress = _progress(session, [u.id for u in users], module_ids)
    out = []
    for u in users:
        seconds, done = progress.get(u.id, (0, 0))
        overdue = assignment.due_date is not None and assignment.due_date < today and done < len(module_ids)
        out.append(PersonProgress(u, done, len(module_ids), seconds // 60, overdue))
    return out


def assignments_select(root: Department | None = None) -> Select:
    """Assignments, newest first; with `root`, only those reaching someone in its subtree: a named department
    inside it or above it (the subtree inherits), or a named person in it."""
    stmt = select(TrainingAssignment).order_by(TrainingAssignment.created_at.desc(), TrainingAssignment.id.desc())
    if root is None:
        return stmt
    named = aliased(Department)
    reaches = or_(named.id_path.startswith(root.id_path), func.substr(root.id_path, 1, func.length(named.id_path))
                  == named.id_path)
    by_department = (select(AssignmentDepartment.assignment_id)
                     .join(named, named.id == AssignmentDepartment.department_id).where(reaches))
    by_person = (select(AssignmentUser.assignment_id).join(User, User.id == AssignmentUser.user_id)
                 .join(Department, Department.id == User.department_id)
                 .where(Department.id_path.startswith(root.id_path)))
    return stmt.where(or_(TrainingAssignment.id.in_(by_department), TrainingAssignment.id.in_(by_person)))


# ------------------------------------------------------------------ ledger


@dataclass(frozen=True)
class LedgerRow:
    user: User
    minutes: dict[tuple[str, str], int]  # (law, channel) -> minutes

    @property
    def total(self) -> int:
        return sum(self.minutes.values())

    def channel_total(self, channel: str) -> int:
        return sum(v for (_, ch), v in self.minutes.items() if ch == channel)


def ledger(session: Session, year: int, *, user_id: int | None = None,
           root: Department | None = None, everyone: bool = False) -> tuple[list[str], list[LedgerRow]]:
    """Minutes per person, law and channel for a calendar year, summed in SQL. `everyone` lists people with no
    time too (within `root`)."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    stmt = (select(StudyTimeEntry.user_id, StudyTimeEntry.law_name, StudyTimeEntry.channel,
                   func.sum(StudyTimeEntry.seconds))
            .where(StudyTimeEntry.day >= start, StudyTimeEntry.day < end)
            .group_by(StudyTimeEntry.user_id, StudyTimeEntry.law_name, StudyTimeEntry.channel))
    users_stmt = select(User).where(User.is_active_account.is_(True)).order_by(User.department_id, User.username)
    if user_id is not None:
        stmt = stmt.where(StudyTimeEntry.user_id == user_id)
        users_stmt = select(User).where(User.id == user_id)
    elif root is not None:
        in_root = select(User.id).join(Department, User.department_id == Department.id).where(
            Department.id_path.startswith(root.id_path))
        stmt = stmt.where(StudyTimeEntry.user_id.in_(in_root))
        users_stmt = users_stmt.where(User.id.in_(in_root))
    data: dict[int, dict[tuple[str, str], int]] = {}
    laws: set[str] = set()
    for uid, law, channel, seconds in session.execute(stmt):
        data.setdefault(uid, {})[(law, channel)] = round(int(seconds or 0) / 60)
        laws.add(law)
    if not (everyone or user_id is not None):
        users_stmt = users_stmt.where(User.id.in_(list(data) or [0]))
    law_order = [law.short_name for law in session.scalars(select(Law).order_by(Law.id))]
    laws_sorted = [ln for ln in law_order if ln in laws] + sorted(laws - set(law_order))
    rows = [LedgerRow(u, data.get(u.id, {})) for u in session.scalars(users_stmt)]
    return laws_sorted, rows


CHANNEL_ORDER = STUDY_CHANNELS
