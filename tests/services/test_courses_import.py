"""Law import, revision impact and course import."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lawtrain import signals
from lawtrain.courses.lawtext import parse_law_text
from lawtrain.courses.models import Article, CourseModule, Law, LawRevision, RevisionChange
from lawtrain.courses.services import LawImportError, ModuleImportError, import_course, import_law
from tests.factories import make_bank, make_course_module, make_question

LAWS = Path(__file__).resolve().parents[2] / "question_banks" / "laws"
BANKS = Path(__file__).resolve().parents[2] / "question_banks"


def _parsed(name="work-safety-law.md", text=None):
    path = LAWS / name
    return parse_law_text(text if text is not None else path.read_text(encoding="utf-8"), path.name)


def _import(session, now, name="work-safety-law.md", revision_date=date(2021, 6, 10), text=None):
    return import_law(session, _parsed(name, text), revision_date=revision_date, effective_date=None,
                      source="test", actor=None, now=now)


def test_import_three_laws(session, now):
    for name, count in (("work-safety-law.md", 119), ("emergency-response-law.md", 106),
                        ("administrative-penalty-law.md", 86)):
        parsed = _parsed(name)
        report = import_law(session, parsed, revision_date=parsed.revision_date, actor=None, now=now)
        assert report.is_new_law and report.article_count == count and report.comparison is None
    assert session.scalar(select(func.count(Article.id))) == 119 + 106 + 86
    article = session.scalar(select(Article).join(LawRevision).join(Law).where(
        Law.short_name == "突发事件应对法", Article.number == 106))
    assert article.label == "第一百零六条" and article.text == "本法自2024年11月1日起施行。"


def test_same_revision_twice_is_refused(session, now):
    _import(session, now)
    with pytest.raises(LawImportError, match="2021-06-10 的版本已经导入过"):
        _import(session, now)
    with pytest.raises(LawImportError, match="已有更新的版本"):
        _import(session, now, revision_date=date(2014, 8, 31))
    assert session.scalar(select(func.count(LawRevision.id))) == 1


def _edited_text() -> str:
    text = (LAWS / "work-safety-law.md").read_text(encoding="utf-8")
    text = text.replace("第二十一条 生产经营单位的主要负责人对本单位安全生产工作负有下列职责",
                        "第二十一条 生产经营单位的主要负责人对本单位安全生产工作全面负有下列职责")
    text = text.replace("（四）保证本单位安全生产投入的有效实施；", "（四）保证本单位安全生产投入的有效实施和监督；")
    text = text.replace("第二十八条 生产经营单位应当对从业人员进行安全生产教育和培训",
                        "第二十八条 生产经营单位应当定期对从业人员进行安全生产教育和培训")
    return text


def test_newer_revision_flags_exactly_the_modules_and_questions_citing_changed_articles(session, now, monkeypatch):
    _import(session, now)
    citing_21 = make_course_module(session, articles=range(19, 24))
    citing_28 = make_course_module(session, articles=[28, 29])
    untouched = make_course_module(session, articles=[1, 2, 3, 30])
    other_law = make_course_module(session, law_name="突发事件应对法", articles=[21, 28])
    bank = make_bank(session)
    q21 = make_question(session, bank, basis=(("安全生产法", 21),))
    q5 = make_question(session, bank, basis=(("安全生产法", 5),))
    heard = []

    def listener(_sender, *, law_name, articles, **_kw):
        heard.append((law_name, articles))
        return 0

    with signals.law_revised.connected_to(listener):
        report = _import(session, now, revision_date=date(2025, 1, 1), text=_edited_text())

    assert heard == [("安全生产法", {21, 28})]
    assert report.affected_articles == {21, 28}
    assert {(c.kind, c.old_number) for c in report.comparison.changes} == {("changed", 21), ("changed", 28)}
    assert report.flagged_modules == 2
    statuses = {m.id: m.status for m in session.scalars(select(CourseModule))}
    assert statuses == {citing_21.id: "needs_review", citing_28.id: "needs_review", untouched.id: "active",
                        other_law.id: "active"}
    assert "第二十一条" in session.get(CourseModule, citing_21.id).review_reason
    session.refresh(q21)
    session.refresh(q5)
    assert (q21.status, q5.status) == ("needs_review", "active")
    change = session.scalar(select(RevisionChange).where(RevisionChange.old_number == 21))
    assert ["insert", "全面"] in change.diff and "和监督" in change.diff_text
    revisions = session.scalars(select(LawRevision).order_by(LawRevision.revision_date)).all()
    assert [r.is_current for r in revisions] == [False, True]


def test_failing_listener_leaves_nothing_half_imported(session, now):
    _import(session, now)
    module = make_course_module(session, articles=[21])

    def broken(*args, **kwargs):
        raise RuntimeError("listener failed")

    with signals.law_revised.connected_to(broken), pytest.raises(RuntimeError):
        _import(session, now, revision_date=date(2025, 1, 1), text=_edited_text())
    session.rollback()  # what the request's error handler or the CLI does: nothing was committed
    assert session.scalar(select(func.count(LawRevision.id))) == 1
    assert session.get(CourseModule, module.id).status == "active"


def test_import_course_shipped_modules(session, now):
    for name in ("work-safety-law.md", "emergency-response-law.md", "administrative-penalty-law.md"):
        parsed = _parsed(name)
        import_law(session, parsed, revision_date=parsed.revision_date, actor=None, now=now)
    report = import_course(session, BANKS, now=now)
    assert len(report.created) >= 6 and not report.updated
    module = session.scalar(select(CourseModule).order_by(CourseModule.id))
    assert module.law_id is not None and module.article_rows
    again = import_course(session, BANKS, now=now)
    assert not again.created and not again.updated and len(again.unchanged) == report.total


def _write_module(folder: Path, stem: str, articles: str, law="安全生产法"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.md").write_text(f"---\ntitle: 模块{stem}\nlaw: {law}\narticles: {articles}\nminutes: 5\n"
                                       "---\n正文\n", encoding="utf-8")


def test_module_citing_missing_article_imports_nothing(session, now, tmp_path):
    _import(session, now)
    _write_module(tmp_path / "work_safety_law" / "modules", "01-a", "1-3")
    _write_module(tmp_path / "work_safety_law" / "modules", "02-b", "118-120")
    with pytest.raises(ModuleImportError) as e:
        import_course(session, tmp_path, now=now)
    assert "work_safety_law/modules/02-b.md" in str(e.value) and "第一百二十条" in str(e.value)
    assert session.scalar(select(func.count(CourseModule.id))) == 0


def test_modules_upsert_by_key_before_the_law_is_imported(session, now, tmp_path):
    folder = tmp_path / "work_safety_law" / "modules"
    _write_module(folder, "01-a", "1-3")
    assert import_course(session, tmp_path, now=now).created == ["work_safety_law/01-a"]
    _write_module(folder, "01-a", "1-4")
    assert import_course(session, tmp_path, now=now).updated == ["work_safety_law/01-a"]
    module = session.scalar(select(CourseModule))
    assert module.articles == [1, 2, 3, 4] and len(module.article_rows) == 4 and module.law_id is None
    _import(session, now)
    assert session.get(CourseModule, module.id).law_id is not None
