"""Importing records into a bank: all or nothing, updates by external ID, versions, duplicates, citations."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lawtrain.auth.audit import AuditEvent
from lawtrain.banks import importing, services
from lawtrain.banks.formats.records import Citation, Location, ParseResult, QuestionRecord
from lawtrain.banks.models import Bank, Question, QuestionTag, QuestionVersion
from tests.factories import make_bank, make_law, make_user


def rec(n: int, **overrides) -> QuestionRecord:
    fields = dict(type="single", stem=f"第{n}题：生产经营单位的主要负责人对本单位安全生产工作负什么责任？",
                  options=["全面负责", "部分负责", "不负责", "协助负责"], answer=["A"], explanation="见第五条",
                  points=2, difficulty=2, basis=[Citation("安全生产法", 5)], tags=["主要负责人"],
                  external_id=f"WSL-{n:03d}", location=Location(file="t.json", row=n + 1))
    fields.update(overrides)
    return QuestionRecord(**fields)


def sample(count: int = 4) -> list[QuestionRecord]:
    return [
        rec(1),
        rec(2, type="multiple", options=["甲", "乙", "丙", "丁"], answer=["A", "C"], tags=["责任", "制度"]),
        rec(3, type="true_false", options=[], answer=["false"], basis=[Citation("安全生产法", 21)]),
        rec(4, type="fill_blank", stem="事故发生后应当在____内报告", options=[], answer=[["一小时", "1小时"]],
            basis=[Citation("安全生产法", 83), Citation("安全生产法", 84)]),
    ][:count]


@pytest.fixture
def trainer(session):
    return make_user(session, roles=["trainer"])


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_import_adds_questions_with_citations_and_tags(session, trainer, now):
    make_law(session)
    bank = services.build_bank(session, "安全生产法题库", owner=trainer, now=now)
    report = importing.import_records(session, bank, ParseResult(records=sample()), actor=trainer, now=now)

    assert report.stored and report.errors == [] and report.added == 4
    assert session.get(Bank, report.bank_id).law_name == "安全生产法"
    assert session.get(Bank, report.bank_id).law_id is not None
    q = session.scalar(select(Question).where(Question.external_id == "WSL-004"))
    assert (q.type, q.difficulty, q.current_version.answer) == ("fill_blank", 2, [["一小时", "1小时"]])
    assert sorted(c.article_no for c in q.citations) == [83, 84]
    multi = session.scalar(select(Question).where(Question.external_id == "WSL-002"))
    assert sorted(t.tag for t in multi.tag_rows) == ["制度", "责任"]
    assert multi.current_version.points == 2.0
    assert session.scalar(select(AuditEvent.action)) == "bank.import"


def test_errors_block_the_whole_import(session, trainer, now):
    records = sample() + [rec(5, stem="   "), rec(6, answer=[])]
    bank = services.build_bank(session, "新题库", owner=trainer, now=now)
    report = importing.import_records(session, bank, ParseResult(records=records), actor=trainer, now=now)

    assert not report.stored
    assert len(report.errors) >= 2
    rows_with_errors = {item.record.external_id for item in report.items if item.has_errors}
    assert rows_with_errors == {"WSL-005", "WSL-006"}
    session.rollback()
    assert count(session, Question) == 0 and count(session, Bank) == 0 and count(session, QuestionVersion) == 0


def test_parser_problems_also_block(session, trainer, now):
    from lawtrain.banks.formats.records import Problem

    bank = make_bank(session)
    result = ParseResult(records=sample(2), problems=[Problem(Location("t.csv", row=9, column="题型"), "不支持的题型")])
    report = importing.import_records(session, bank, result, actor=trainer, now=now)
    assert not report.stored and [str(p) for p in report.general] == ["t.csv 第9行 “题型”列：不支持的题型"]
    assert count(session, Question) == 0


def test_dry_run_reports_counts_and_stores_nothing(session, trainer, now):
    bank = make_bank(session)
    report = importing.import_records(session, bank, ParseResult(records=sample()), actor=trainer, now=now,
                                     dry_run=True)
    assert (report.stored, report.added) == (False, 4)
    session.rollback()
    assert count(session, Question) == 0


def test_reimport_updates_by_external_id_in_place_when_unused(session, trainer, now):
    bank = make_bank(session)
    importing.import_records(session, bank, ParseResult(records=sample()), actor=trainer, now=now)
    edited = rec(1, stem="改写后的题干", answer=["B"], tags=["新标签"], basis=[Citation("安全生产法", 7)])
    changed = [edited] + sample()[1:]
    report = importing.import_records(session, bank, ParseResult(records=changed), actor=trainer, now=now)

    assert (report.added, report.updated, report.unchanged) == (0, 1, 3)
    q = session.scalar(select(Question).where(Question.external_id == "WSL-001"))
    assert [v.version_no for v in q.versions] == [1]
    assert (q.current_version.stem, q.current_version.answer) == ("改写后的题干", ["B"])
    assert [t.tag for t in q.tag_rows] == ["新标签"] and [c.article_no for c in q.citations] == [7]
    assert count(session, QuestionTag) == 1 + 2 + 1 + 1  # stale tag rows removed


def test_reimport_adds_a_version_when_the_current_one_is_in_use(session, trainer, now, monkeypatch):
    bank = make_bank(session)
    importing.import_records(session, bank, ParseResult(records=sample(1)), actor=trainer, now=now)
    q = session.scalar(select(Question))
    first_version_id = q.current_version_id
    monkeypatch.setattr(services, "version_in_use", lambda s, vid: vid == first_version_id)
    calls = []
    monkeypatch.setattr(services, "_notify_key_corrected", lambda *args: calls.append(args) or [])

    report = importing.import_records(session, bank, ParseResult(records=[rec(1, answer=["C"])]),
                                     actor=trainer, now=now)
    assert report.updated == 1
    session.refresh(q)
    assert [v.version_no for v in q.versions] == [1, 2]
    assert session.get(QuestionVersion, first_version_id).answer == ["A"]  # what earlier attempts showed
    assert q.current_version.answer == ["C"] and q.current_version_id != first_version_id
    assert [(c[1], c[2], c[3]) for c in calls] == [(q.id, first_version_id, q.current_version_id)]


def test_unchanged_reimport_writes_nothing(session, trainer, now):
    bank = make_bank(session)
    importing.import_records(session, bank, ParseResult(records=sample()), actor=trainer, now=now)
    events = count(session, AuditEvent)
    report = importing.import_records(session, bank, ParseResult(records=sample()), actor=trainer, now=now)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 4)
    assert count(session, AuditEvent) == events and count(session, QuestionVersion) == 4


def test_duplicate_of_a_bank_question_is_skipped_with_a_warning(session, trainer, now):
    bank = make_bank(session)
    importing.import_records(session, bank, ParseResult(records=sample(1)), actor=trainer, now=now)
    # Same stem and options, written with full-width characters and extra spaces, and no external ID.
    twin = rec(9, stem=" 第1题：生产经营单位的主要负责人对本单位安全生产工作负什么责任？ ".replace("？", "?"),
               options=["全面负责 ", "部分负责", "不负责", "协助负责"], external_id=None)
    report = importing.import_records(session, bank, ParseResult(records=[twin, rec(10)]), actor=trainer, now=now)
    assert report.stored and (report.added, report.skipped) == (1, 1)
    assert "重复" in report.warnings[0].message
    assert count(session, Question) == 2


def test_citing_an_article_missing_from_the_current_law_is_a_warning(session, trainer, now):
    make_law(session, articles=range(1, 50))
    bank = make_bank(session)
    records = [rec(1, basis=[Citation("安全生产法", 5), Citation("安全生产法", 120)]), rec(2)]
    report = importing.import_records(session, bank, ParseResult(records=records), actor=trainer, now=now)
    assert report.stored and report.added == 2
    assert [p.severity for p in report.problems] == ["warning"]
    assert "第120条" in report.warnings[0].message


def test_revision_listener_flags_exactly_the_citing_active_questions(session, trainer, now):
    bank = make_bank(session)
    records = [rec(1, basis=[Citation("安全生产法", 21)]), rec(2, basis=[Citation("安全生产法", 22)]),
               rec(3, basis=[Citation("突发事件应对法", 21)]), rec(4, basis=[Citation("安全生产法", 21)])]
    importing.import_records(session, bank, ParseResult(records=records), actor=trainer, now=now)
    retired = session.scalar(select(Question).where(Question.external_id == "WSL-004"))
    services.retire_questions(session, bank, [retired.id], actor=trainer, now=now)

    n = services.flag_questions_for_revision(None, session=session, law_name="安全生产法", articles={21, 30},
                                             reason="第二十一条已修改", now=now)
    session.commit()
    assert n == 1
    flagged = session.scalars(select(Question).where(Question.status == "needs_review")).all()
    assert [(q.external_id, q.review_reason) for q in flagged] == [("WSL-001", "第二十一条已修改")]


def test_the_bank_listener_is_connected_to_law_revisions(app):
    from lawtrain import signals

    assert services.flag_questions_for_revision in signals.law_revised.receivers_for(None)


def test_mark_reviewed_returns_flagged_questions_to_active(session, trainer, now):
    bank = make_bank(session)
    importing.import_records(session, bank, ParseResult(records=sample(2)), actor=trainer, now=now)
    services.flag_questions_for_revision(None, session=session, law_name="安全生产法", articles={5}, reason="修订",
                                         now=now)
    session.commit()
    ids = session.scalars(select(Question.id)).all()
    assert services.mark_reviewed(session, ids, actor=trainer, now=now) == 2
    assert set(session.scalars(select(Question.status))) == {"active"}
    assert session.scalar(select(Question.review_reason).limit(1)) is None
