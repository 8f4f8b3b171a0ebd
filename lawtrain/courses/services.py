"""Training use cases: law import with revision impact, course import, study time, checks, assignments."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lawtrain import signals
from lawtrain.auth import audit
from lawtrain.auth.models import User, UserRole
from lawtrain.auth.roles import STAFF
from lawtrain.courses import clock
from lawtrain.courses.lawtext import Comparison, ParsedLaw, compare_articles
from lawtrain.courses.models import (
    MODULE_ACTIVE,
    MODULE_NEEDS_REVIEW,
    STUDY_CHANNELS,
    Article,
    AssignmentDepartment,
    AssignmentModule,
    AssignmentUser,
    CourseModule,
    Law,
    LawRevision,
    ModuleArticle,
    RevisionChange,
    StudyRecord,
    StudyTimeEntry,
    TrainingAssignment,
)
from lawtrain.courses.modules import ModuleFormatError, ModuleRecord, parse_module
from lawtrain.courses.numerals import article_label
from lawtrain.i18n import translate as _
from lawtrain.org.models import Department
from lawtrain.timeutil import local_date


class CourseError(Exception):
    """A training use case refused; the message is shown to the person."""


class LawImportError(CourseError):
    pass


class ModuleImportError(CourseError):
    pass


HEARTBEAT_MIN_INTERVAL = 10  # seconds: faster heartbeats credit nothing
HEARTBEAT_MAX_CREDIT = 20  # seconds credited per heartbeat at most
# Beats come every 15 s while the page is visible and the reader active; a longer silence means the page was
# hidden or the reader away, so the beat after it only restarts the clock.
HEARTBEAT_MAX_GAP = 45


# ------------------------------------------------------------------ law library


@dataclass
class LawImportReport:
    law: Law
    revision: LawRevision
    is_new_law: bool
    article_count: int
    comparison: Comparison | None = None
    affected_articles: set[int] = field(default_factory=set)
    flagged_modules: int = 0
    flagged_by_listeners: int = 0


def _labels(numbers) -> str:
    return "、".join(article_label(n) for n in sorted(numbers))


def import_law(session: Session, parsed: ParsedLaw, *, revision_date: date, effective_date: date | None = None,
               source: str | None = None, actor: User | None, now: datetime) -> LawImportReport:
    """Store a law text as a new law or as its newer current revision, flagging what cites changed articles."""
    law = session.scalar(select(Law).where(or_(Law.name == parsed.name, Law.short_name == parsed.short_name)))
    previous = None
    if law is not None:
        if any(r.revision_date == revision_date for r in law.revisions):
            raise LawImportError(_("《%(law)s》%(date)s 的版本已经导入过，不能重复导入",
                                   law=law.short_name, date=revision_date.isoformat()))
        previous = next((r for r in law.revisions if r.is_current), None)
        if previous is not None and previous.revision_date > revision_date:
            raise LawImportError(_("《%(law)s》已有更新的版本（%(date)s），不能把较早的版本导入为现行版本",
                                   law=law.short_name, date=previous.revision_date.isoformat()))
    is_new = law is None
    if law is None:
        law = Law(name=parsed.name[:128], short_name=parsed.short_name[:64])
        session.add(law)
    revision = LawRevision(law=law, revision_date=revision_date, effective_date=effective_date,
                           source=(source or parsed.filename or None) and (source or parsed.filename)[:255],
                           preamble=parsed.preamble, is_current=True, imported_at=now,
                           imported_by_id=getattr(actor, "id", None))
    revision.articles = [Article(number=a.number, label=a.label, chapter=a.chapter, section=a.section,
                                 text=a.text) for a in parsed.articles]
    session.add(revision)
    report = LawImportReport(law=law, revision=revision, is_new_law=is_new, article_count=len(parsed.articles))
    if previous is not None:
        previous.is_current = False
        comparison = compare_articles({a.number: a.text for a in previous.articles},
                                      {a.number: a.text for a in parsed.articles})
        revision.changes = [
            RevisionChange(kind=c.kind, old_number=c.old_number, new_number=c.new_number, old_text=c.old_text,
                           new_text=c.new_text, diff=[list(s) for s in c.diff], diff_text=c.diff_text)
            for c in comparison.changes
        ]
        report.comparison = comparison
        report.affected_articles = comparison.affected_old_numbers
    session.flush()
    for module in session.scalars(select(CourseModule).where(CourseModule.law_name == law.short_name,
                                                             CourseModule.law_id.is_(None))):
        module.law_id = law.id
    if report.affected_articles:
        reason = _("《%(law)s》%(date)s 修订后，以下条文已修改、删除或改号：%(articles)s",
                   law=law.short_name, date=revision_date.isoformat(),
                   articles=_labels(report.affected_articles))
        report.flagged_modules = flag_modules_for_revision(session, law.short_name, report.affected_articles,
                                                           reason, now)
        report.flagged_by_listeners += sum(n or 0 for n in signals.ask(
            signals.law_revised, session=session, law_name=law.short_name,
            articles=set(report.affected_articles), reason=reason, now=now))
    revision.flagged_modules, revision.flagged_other = report.flagged_modules, report.flagged_by_listeners
    audit.record(session, "law.imported", actor=actor, target_type="law_revision", target_id=revision.id,
                 now=now, law=law.short_name, revision_date=revision_date.isoformat(),
                 articles=report.article_count, affected=sorted(report.affected_articles))
    session.commit()
    return report


def current_revision(session: Session, law_name: str) -> LawRevision | None:
    """The current revision of the law with this short name (or full name)."""
    return session.scalar(select(LawRevision).join(Law).where(
        or_(Law.short_name == law_name, Law.name == law_name), LawRevision.is_current.is_(True)))


def flag_modules_for_revision(session: Session, law_short_name: str, affected: set[int], reason: str,
                              now: datetime) -> int:
    """Mark active modules citing any of `affected` as needing review (no commit)."""
    if not affected:
        return 0
    modules = session.scalars(select(CourseModule).where(
        CourseModule.status == MODULE_ACTIVE,
        CourseModule.id.in_(select(ModuleArticle.module_id).where(
            ModuleArticle.law_name == law_short_name, ModuleArticle.article_no.in_(sorted(affected)))),
    )).all()
    for module in modules:
        cited = set(module.articles) & affected
        module.status = MODULE_NEEDS_REVIEW
        module.review_reason = f"{reason}（本模块引用：{_labels(cited)}）"
        module.updated_at = now
    return len(modules)


def mark_module_reviewed(session: Session, module: CourseModule, *, actor: User, now: datetime) -> None:
    """A trainer has checked the module against the current text: clear its flag."""
    module.status, module.review_reason, module.updated_at = MODULE_ACTIVE, None, now
    audit.record(session, "module.reviewed", actor=actor, target_type="course_module", target_id=module.id, now=now)
    session.commit()


# ------------------------------------------------------------------ course modules


@dataclass
class CourseImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)


def _module_files(directory: Path) -> list[Path]:
    files = sorted(p for p in directory.rglob("*.md") if p.parent.name == "modules")
    return files or sorted(p for p in directory.rglob("*.md") if p.name.lower() != "readme.md")


def _law_articles(session: Session, law_name: str) -> set[int] | None:
    revision = current_revision(session, law_name)
    if revision is None:
        return None
    return set(session.scalars(select(Article.number).where(Article.revision_id == revision.id)))


def check_module_articles(session: Session, law_name: str, articles, where: str) -> str | None:
    """An error naming `where` when the law is imported and lacks a cited article, else None."""
    numbers = _law_articles(session, law_name)
    if numbers is None:
        return None
    missing = sorted(set(articles) - numbers)
    if missing:
        return _("%(where)s：引用的%(articles)s在《%(law)s》现行文本中不存在（共 %(count)d 条）",
                 where=where, articles=_labels(missing), law=law_name, count=len(numbers))
    return None


def _apply_record(module: CourseModule, record: ModuleRecord, law: Law | None) -> None:
    module.law_name, module.law = record.law_name, law
    module.title, module.body = record.title, record.body
    module.objectives, module.key_points = list(record.objectives), list(record.key_points)
    module.articles = list(record.articles)
    module.estimated_minutes, module.min_study_minutes = record.minutes, record.min_minutes
    module.bank_names = list(record.banks)
    module.is_open, module.sort_order, module.source_path = record.is_open, record.sort_order, record.source_path
    _sync_article_rows(module)


def _sync_article_rows(module: CourseModule) -> None:
    wanted = {(module.law_name, n) for n in module.articles}
    module.article_rows = [r for r in module.article_rows if (r.law_name, r.article_no) in wanted]
    have = {(r.law_name, r.article_no) for r in module.article_rows}
    module.article_rows.extend(ModuleArticle(law_name=ln, article_no=n) for ln, n in sorted(wanted - have))


def _snapshot(module: CourseModule) -> tuple:
    return (module.law_name, module.title, module.body, list(module.objectives or []), list(module.key_points or []),
            list(module.articles or []), module.estimated_minutes, module.min_study_minutes,
            list(module.bank_names or []), module.is_open, module.sort_order)


def import_course_archive(session: Session, data: bytes, *, now: datetime,
                          actor: User | None = None) -> CourseImportReport:
    """A trainer's upload: a .zip of law folders with modules/*.md (as in question_banks), imported like
    `flask import-course`, all or nothing. The zip's budget is checked first; its .md entries are read into
    memory, never extracted."""
    import io
    import zipfile

    from lawtrain.spreadsheet import SpreadsheetError, check_zip_budget

    try:
        check_zip_budget(data, max_bytes=20 * 1024 * 1024)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            entries = [(PurePosixPath(i.filename.replace("\\", "/")), zf.read(i)) for i in zf.infolist()
                       if not i.is_dir() and i.filename.lower().endswith(".md")
                       and not i.filename.startswith("__MACOSX")]
    except (SpreadsheetError, zipfile.BadZipFile, OSError) as e:
        raise ModuleImportError(_("请上传 .zip 压缩包（包含各法律文件夹下的 modules/*.md）")) from e
    in_modules = [e for e in entries if e[0].parent.name == "modules"]
    files = sorted(in_modules or [e for e in entries if e[0].name.lower() != "readme.md"], key=lambda e: e[0])
    if not files:
        raise ModuleImportError(_("压缩包里没有课程模块文件（modules/*.md）"))
    return _import_module_files(session, files, "upload", now=now, actor=actor)


def import_course(session: Session, directory: str | os.PathLike, *, now: datetime,
                  actor: User | None = None) -> CourseImportReport:
    """Load every module file under `directory`, all or nothing; upsert by key (law folder + file stem)."""
    root = Path(directory)
    if not root.is_dir():
        raise ModuleImportError(_("目录不存在：%(dir)s", dir=str(root)))
    paths = _module_files(root)
    if not paths:
        raise ModuleImportError(_("%(dir)s 下没有找到课程模块文件（modules/*.md）", dir=str(root)))
    files = [(PurePosixPath(Path(os.path.relpath(p, root.parent)).as_posix()), p.read_bytes()) for p in paths]
    return _import_module_files(session, files, root.name, now=now, actor=actor)


def _import_module_files(session: Session, files: list[tuple[PurePosixPath, bytes]], source: str, *,
                         now: datetime, actor: User | None) -> CourseImportReport:
    """Parse and check every (path, content) module file, then upsert them by key, all or nothing."""
    records: list[ModuleRecord] = []
    errors: list[str] = []
    for path, content in files:
        rel = str(path)
        law_dir = path.parent.parent if path.parent.name == "modules" else path.parent
        try:
            record = parse_module(content.decode("utf-8"), source_path=rel, law_slug=law_dir.name,
                                  stem=path.stem)
        except (ModuleFormatError, UnicodeDecodeError) as e:
            errors.append(str(e) if isinstance(e, ModuleFormatError)
                          else _("%(where)s：文件不是 UTF-8 编码", where=rel))
            continue
        problem = check_module_articles(session, record.law_name, record.articles, rel)
        if problem:
            errors.append(problem)
        if any(r.key == record.key for r in records):
            errors.append(_("%(where)s：模块标识 %(key)s 重复", where=rel, key=record.key))
        records.append(record)
    if errors:
        more = ["\n" + _("……共 %(n)d 处错误", n=len(errors))] if len(errors) > 20 else []
        raise ModuleImportError("\n".join(errors[:20]) + "".join(more))
    report = CourseImportReport()
    existing = {m.key: m for m in session.scalars(select(CourseModule).where(
        CourseModule.key.in_([r.key for r in records])))}
    laws = {law.short_name: law for law in session.scalars(select(Law))}
    for record in records:
        module = existing.get(record.key)
        if module is None:
            module = CourseModule(key=record.key, created_at=now, updated_at=now, status=MODULE_ACTIVE)
            _apply_record(module, record, laws.get(record.law_name))
            session.add(module)
            report.created.append(record.key)
            continue
        before = _snapshot(module)
        _apply_record(module, record, laws.get(record.law_name))
        if _snapshot(module) != before:
            module.updated_at = now
            report.updated.append(record.key)
        else:
            report.unchanged.append(record.key)
    audit.record(session, "course.imported", actor=actor, target_type="course", target_id=source,
                 now=now, created=len(report.created), updated=len(report.updated))
    session.commit()
    return report


@dataclass(frozen=True)
class ModuleData:
    """What the module editor submits (shape already checked by the form)."""

    title: str
    law_name: str
    articles: tuple[int, ...]
    estimated_minutes: int
    min_study_minutes: int
    objectives: tuple[str, ...]
    key_points: tuple[str, ...]
    body: str
    bank_names: tuple[str, ...] = ()
    is_open: bool = False


def save_module(session: Session, module: CourseModule | None, data: ModuleData, *, actor: User,
                now: datetime) -> CourseModule:
    """Create or edit a module from the trainer's form; cited articles must exist when the law is imported."""
    problem = check_module_articles(session, data.law_name, data.articles, _("条文"))
    if problem:
        raise CourseError(problem)
    law = session.scalar(select(Law).where(Law.short_name == data.law_name))
    is_new = module is None
    if module is None:
        count = session.scalar(select(func.count(CourseModule.id)).where(CourseModule.law_name == data.law_name))
        module = CourseModule(key=f"ui/{now:%Y%m%d%H%M%S}-{count + 1}", created_at=now, status=MODULE_ACTIVE,
                              sort_order=100 + (count or 0))
        session.add(module)
    record = ModuleRecord(key=module.key, law_name=data.law_name, title=data.title, objectives=data.objectives,
                          key_points=data.key_points, articles=data.articles, minutes=data.estimated_minutes,
                          min_minutes=data.min_study_minutes, banks=data.bank_names, body=data.body,
                          source_path=module.source_path or "", sort_order=module.sort_order, is_open=data.is_open)
    _apply_record(module, record, law)
    module.source_path = module.source_path or None
    module.updated_at = now
    session.flush()
    audit.record(session, "module.created" if is_new else "module.changed", actor=actor,
                 target_type="course_module", target_id=module.id, now=now, title=module.title)
    session.commit()
    return module


# ------------------------------------------------------------------ study time


def add_study_time(session: Session, user_id: int, law_short_name: str, channel: str, seconds: int,
                   now: datetime) -> None:
    """Add seconds to the ledger row of (person, law, channel, Shanghai day). No commit: the caller commits."""
    if channel not in STUDY_CHANNELS:
        raise ValueError(f"unknown study channel: {channel}")
    seconds = int(seconds)
    if seconds <= 0:
        return
    day = local_date(now)
    entry = session.scalar(select(StudyTimeEntry).where(
        StudyTimeEntry.user_id == user_id, StudyTimeEntry.law_name == law_short_name,
        StudyTimeEntry.channel == channel, StudyTimeEntry.day == day))
    if entry is None:
        session.add(StudyTimeEntry(user_id=user_id, law_name=law_short_name, channel=channel, day=day,
                                   seconds=seconds))
    else:
        entry.seconds += seconds


def study_record(session: Session, user: User, module: CourseModule, now: datetime) -> StudyRecord:
    """The person's record for the module, added (not committed) when missing."""
    record = session.scalar(select(StudyRecord).where(StudyRecord.user_id == user.id,
                                                      StudyRecord.module_id == module.id))
    if record is None:
        record = StudyRecord(user_id=user.id, module_id=module.id, seconds=0, started_at=now, check_attempts=0)
        record.module = module
        session.add(record)
    return record


def _maybe_complete(session: Session, record: StudyRecord, module: CourseModule, now: datetime) -> None:
    """Complete the module once both its check is passed and its study time reached; tell the listeners."""
    if (record.completed_at is None and record.check_passed_at is not None
            and record.seconds >= module.min_study_minutes * 60):
        record.completed_at = now
        session.flush()
        signals.module_completed.send(None, session=session, user_id=record.user_id, module_id=module.id, now=now)


def can_credit(session: Session, user: User, module: CourseModule) -> bool:
    """Study time counts on open modules and on modules one of the person's assignments covers."""
    if module.is_open:
        return True
    return any(module.id in assignment_module_ids(session, a) for a in assignments_for_user(session, user))


@dataclass(frozen=True)
class HeartbeatResult:
    credited: int
    seconds: int
    required: int
    complete: bool
    status: str  # started | credited | too_fast | complete | not_assigned


def record_heartbeat(session: Session, user: User, module: CourseModule, *, now: datetime) -> HeartbeatResult:
    """Credit reading time measured on the server: min(elapsed since the last heartbeat, 20 s); nothing when
    heartbeats come faster than every 10 s or after a silence over 45 s (hidden or away: the clock restarts),
    when the module is complete, or when it is not the person's."""
    required = module.min_study_minutes * 60
    if not can_credit(session, user, module):
        record = session.scalar(select(StudyRecord).where(StudyRecord.user_id == user.id,
                                                          StudyRecord.module_id == module.id))
        return HeartbeatResult(0, record.seconds if record else 0, required, False, "not_assigned")
    study_clock = clock.lock_clock(session, user.id)  # first: simultaneous heartbeats queue here
    record = session.scalar(select(StudyRecord).where(StudyRecord.user_id == user.id,
                                                      StudyRecord.module_id == module.id)
                            .execution_options(populate_existing=True)) or study_record(session, user, module, now)
    if record.completed_at is not None:
        return HeartbeatResult(0, record.seconds, required, True, "complete")
    last = record.last_heartbeat_at
    if last is not None and (now - last) < timedelta(seconds=HEARTBEAT_MIN_INTERVAL):
        return HeartbeatResult(0, record.seconds, required, False, "too_fast")
    gap = None if last is None else (now - last).total_seconds()
    credit = 0 if gap is None or gap > HEARTBEAT_MAX_GAP else int(min(gap, HEARTBEAT_MAX_CREDIT))
    # Per person, not per page: seconds another page has already been credited for are not counted again.
    credit = clock.reading_seconds(study_clock, credit, now)
    record.last_heartbeat_at = now
    record.seconds += credit
    add_study_time(session, user.id, module.law_name, "reading", credit, now)
    _maybe_complete(session, record, module, now)
    session.commit()
    return HeartbeatResult(credit, record.seconds, required, record.completed_at is not None,
                           "credited" if credit else "started")


def record_module_check(session: Session, user: User, module: CourseModule, *, passed: bool, score: float,
                        now: datetime) -> StudyRecord:
    """Store an end-of-module check result; the module completes once the study time is also reached (never
    commits: the module check use case, exams.practice.grade_module_check, does)."""
    record = study_record(session, user, module, now)
    record.check_attempts = (record.check_attempts or 0) + 1
    record.check_best_score = max(score, record.check_best_score or 0.0)
    if passed and record.check_passed_at is None:
        record.check_passed_at = now
    _maybe_complete(session, record, module, now)
    return record


def module_check_pool(session: Session, module: CourseModule) -> tuple[list[str], str, list[int]]:
    """Where the end-of-module check draws from: bank names, the law's short name, the cited articles."""
    return list(module.bank_names or []), module.law_name, list(module.articles or [])


def required_minutes_left(record: StudyRecord | None, module: CourseModule) -> int:
    seconds = record.seconds if record else 0
    return max(0, math.ceil((module.min_study_minutes * 60 - seconds) / 60))


# ------------------------------------------------------------------ assignments


def _ancestor_ids(dept: Department | None) -> list[int]:
    if dept is None:
        return []
    return [int(p) for p in dept.id_path.strip("/").split("/") if p]


def assignments_for_user(session: Session, user: User) -> list[TrainingAssignment]:
    """Assignments naming the person or a department they belong to (at any level above)."""
    ancestors = _ancestor_ids(user.department)
    conditions = [TrainingAssignment.id.in_(select(AssignmentUser.assignment_id)
                                            .where(AssignmentUser.user_id == user.id))]
    if ancestors and user.has_role(STAFF):
        conditions.append(TrainingAssignment.id.in_(select(AssignmentDepartment.assignment_id)
                                                    .where(AssignmentDepartment.department_id.in_(ancestors))))
    return list(session.scalars(select(TrainingAssignment).where(or_(*conditions))
                                .order_by(TrainingAssignment.due_date.is_(None), TrainingAssignment.due_date,
                                          TrainingAssignment.id)))


def assignment_module_ids(session: Session, assignment: TrainingAssignment) -> list[int]:
    """The modules an assignment covers: its listed modules, or every module of its law."""
    if assignment.law_name:
        return list(session.scalars(select(CourseModule.id).where(CourseModule.law_name == assignment.law_name)
                                    .order_by(CourseModule.sort_order, CourseModule.id)))
    return [link.module_id for link in assignment.module_links]


def assigned_user_ids(session: Session, assignment: TrainingAssignment) -> set[int]:
    """Everyone the assignment covers: named people, plus active staff in the named departments' subtrees."""
    ids = {link.user_id for link in assignment.user_links}
    dept_ids = [link.department_id for link in assignment.department_links]
    if dept_ids:
        paths = list(session.scalars(select(Department.id_path).where(Department.id.in_(dept_ids))))
        if paths:
            stmt = (select(User.id).join(Department, User.department_id == Department.id)
                    .where(User.is_active_account.is_(True),
                           User.id.in_(select(UserRole.user_id).where(UserRole.role == STAFF)),
                           or_(*[Department.id_path.startswith(p) for p in paths])))
            ids.update(session.scalars(stmt))
    return ids


def create_assignment(session: Session, *, title: str, module_ids: list[int], law_name: str | None,
                      department_ids: list[int], user_ids: list[int], due_date: date | None, note: str | None,
                      actor: User | None, now: datetime, usernames: list[str] | tuple[str, ...] = (),
                      awards_certificate: bool = False) -> TrainingAssignment:
    """Assign modules (or a whole law's course) to departments and/or people (ids, logins or staff numbers)."""
    title = (title or "").strip()
    user_ids = list(user_ids)
    if usernames:
        wanted = {u.strip().casefold(): u for u in usernames if u.strip()}
        found = session.execute(select(User.id, User.username, User.staff_no).where(
            or_(User.username.in_(list(wanted)), User.staff_no.in_(list(wanted.values()))))).all()
        known = {n for _id, name, no in found for n in (name, (no or "").casefold()) if n}
        unknown = [orig for key, orig in wanted.items() if key not in known]
        if unknown:
            raise CourseError(_("找不到这些人员：%(names)s", names="、".join(unknown[:10])))
        user_ids += [row[0] for row in found]
    if not title:
        raise CourseError(_("请填写任务名称"))
    if not law_name and not module_ids:
        raise CourseError(_("请选择要学习的模块，或选择整部法律"))
    if not department_ids and not user_ids:
        raise CourseError(_("请选择参加学习的部门或人员"))
    if due_date is not None and due_date < local_date(now):
        raise CourseError(_("截止日期不能早于今天"))
    found = set(session.scalars(select(CourseModule.id).where(CourseModule.id.in_(module_ids or [0]))))
    if set(module_ids) - found:
        raise CourseError(_("所选模块不存在，请刷新页面后重试"))
    assignment = TrainingAssignment(title=title[:200], law_name=law_name or None, due_date=due_date,
                                    note=(note or "").strip() or None, created_by_id=getattr(actor, "id", None),
                                    created_at=now, awards_certificate=awards_certificate)
    assignment.module_links = [AssignmentModule(module_id=m) for m in dict.fromkeys(module_ids)]
    assignment.department_links = [AssignmentDepartment(department_id=d) for d in dict.fromkeys(department_ids)]
    assignment.user_links = [AssignmentUser(user_id=u) for u in dict.fromkeys(user_ids)]
    session.add(assignment)
    session.flush()
    audit.record(session, "assignment.created", actor=actor, target_type="training_assignment",
                 target_id=assignment.id, now=now, title=assignment.title,
                 awards_certificate=assignment.awards_certificate)
    signals.assignment_created.send(None, session=session, assignment=assignment, now=now)
    session.commit()
    return assignment
