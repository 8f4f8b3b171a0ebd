"""Training use cases: the law library with revision impact, and course modules (import and editing)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lawtrain import signals
from lawtrain.auth import audit
from lawtrain.auth.models import User
from lawtrain.courses.lawtext import Comparison, ParsedLaw, compare_articles
from lawtrain.courses.models import (
    MODULE_ACTIVE,
    MODULE_NEEDS_REVIEW,
    Article,
    CourseModule,
    Law,
    LawRevision,
    ModuleArticle,
    RevisionChange,
)
from lawtrain.courses.modules import ModuleFormatError, ModuleRecord, parse_module
from lawtrain.courses.numerals import article_label
from lawtrain.i18n import translate as _


class CourseError(Exception):
    """A training use case refused; the message is shown to the person."""


class LawImportError(CourseError):
    pass


class ModuleImportError(CourseError):
    pass


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
