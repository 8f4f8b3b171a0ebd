"""Fixed papers: references resolved line by line, per-line and default points, the paper check, and starts
that give everybody exactly those questions with those points."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lawtrain.banks.models import Question
from lawtrain.exams import attempts, authoring, errors, papers, queries
from lawtrain.exams.models import Exam, ExamFixedQuestion, ExamRule
from tests import factories
from tests.services.exams_helpers import paper

pytestmark = pytest.mark.usefixtures("in_request")  # messages are translated per request


@pytest.fixture
def qs(session):
    """Five questions of a bank: SAFE-001..SAFE-005 (points 1, 2, 1, 1, 1; difficulties 1..5)."""
    bank = factories.make_bank(session)
    return [factories.make_question(session, bank, type=t, external_id=f"SAFE-00{i}", difficulty=i,
                                    points=2.0 if i == 2 else 1.0)
            for i, t in enumerate(("single", "multiple", "true_false", "fill_blank", "single"), start=1)]


def data(text: str, default=None, **overrides) -> authoring.ExamData:
    fields = dict(title="固定试卷考试", paper_mode="fixed", fixed_paper=text, fixed_points=default)
    fields.update(overrides)
    return authoring.ExamData(**fields)


def test_references_by_external_id_id_and_hash_id_in_the_typed_order(session, qs):
    text = f"SAFE-003 4\n{qs[0].id}\n\n#{qs[1].id} 2.5"
    result = papers.resolve_fixed_paper(session, text, default_points=3.0)
    assert result.messages == []
    assert [(i.line_no, i.question_id, i.points) for i in result.items] == [
        (1, qs[2].id, 4.0), (2, qs[0].id, 3.0), (4, qs[1].id, 2.5)]


def test_every_wrong_line_is_named(session, qs):
    qs[1].status = "retired"
    qs[2].status = "needs_review"
    session.commit()
    text = "\n".join(["SAFE-001", "SAFE-999", "SAFE-002", "SAFE-003", f"#{qs[0].id}", "SAFE-004 abc",
                      "SAFE-005 单选 2", "#999999"])
    result = papers.resolve_fixed_paper(session, text)
    assert [i.question_id for i in result.items] == [qs[0].id]
    assert result.messages == [
        '第2行：找不到试题 "SAFE-999"',
        '第3行：试题 "SAFE-002" 已停用',
        '第4行：试题 "SAFE-003" 待复核，复核后才能组卷',
        f'第5行：试题 "#{qs[0].id}" 与第1行重复',
        '第6行：分值 "abc" 无效，应为 0.5 到 100 之间的数',
        "第7行：格式应为“试题编号 分值”，如 SAFE-021 2",
        '第8行：找不到试题 "#999999"',
    ]


def test_a_shared_external_id_or_a_number_naming_two_questions_is_ambiguous(session, qs):
    other = factories.make_bank(session)
    twin = factories.make_question(session, other, external_id="SAFE-001")
    numbered = factories.make_question(session, other, external_id=str(qs[0].id))
    result = papers.resolve_fixed_paper(session, f"SAFE-001\n{qs[0].id}\n#{qs[0].id}\n#{twin.id}")
    assert result.messages == [
        f'第1行："SAFE-001" 对应多道试题（#{qs[0].id}、#{twin.id}），请改写为其中一个 # 编号',
        f'第2行："{qs[0].id}" 对应多道试题（#{qs[0].id}、#{numbered.id}），请改写为其中一个 # 编号',
    ]
    assert [i.question_id for i in result.items] == [qs[0].id, twin.id]


def test_save_writes_the_list_with_per_line_and_default_points(session, qs, now):
    exam, check = authoring.save_exam(session, None, data("SAFE-002\nSAFE-001 5\nSAFE-003", default=2.0),
                                     actor=None, now=now)
    rows = session.scalars(select(ExamFixedQuestion).where(ExamFixedQuestion.exam_id == exam.id)
                           .order_by(ExamFixedQuestion.position)).all()
    assert [(r.position, r.question_id, r.points) for r in rows] == [(1, qs[1].id, 2.0), (2, qs[0].id, 5.0),
                                                                      (3, qs[2].id, 2.0)]
    assert exam.paper_mode == "fixed" and exam.rules == []
    assert (check.messages, check.question_count, check.total_points, check.mean_difficulty) == ([], 3, 9.0, 2.0)


def test_without_points_a_question_counts_its_own(session, qs, now):
    _exam, check = authoring.save_exam(session, None, data("SAFE-001\nSAFE-002\nSAFE-004"), actor=None, now=now)
    assert (check.total_points, check.mean_difficulty) == (4.0, 2.33)


@pytest.mark.parametrize("text", ["SAFE-999", "SAFE-001 0", "", "\n \n"])
def test_a_wrong_or_empty_list_saves_nothing(session, qs, now, text):
    with pytest.raises(errors.FixedPaperError) as caught:
        authoring.save_exam(session, None, data(text), actor=None, now=now)
    assert caught.value.messages and caught.value.messages[0].startswith(("第1行", "固定试卷还没有题目"))
    session.rollback()
    assert session.scalar(select(func.count(Exam.id))) == 0


def test_a_wrong_list_leaves_an_existing_exam_as_it_was(session, qs, now):
    exam, _check = authoring.save_exam(session, None, data("SAFE-001"), actor=None, now=now)
    with pytest.raises(errors.FixedPaperError, match="第2行"):
        authoring.save_exam(session, exam, data("SAFE-002\nSAFE-999", title="改名"), actor=None, now=now)
    session.rollback()
    session.refresh(exam)
    assert exam.title == "固定试卷考试" and [f.question_id for f in exam.fixed_questions] == [qs[0].id]


def test_rules_mode_ignores_the_list_and_fixed_mode_ignores_the_rules(session, qs, now):
    rules = [dict(type="single", count=50, points=1.0, banks=[], law_name=None, articles=[], tags=[],
                  difficulty_min=None, difficulty_max=None)]
    exam, check = authoring.save_exam(session, None, data("SAFE-999", paper_mode="rules", rules=rules),
                                     actor=None, now=now)
    assert exam.fixed_questions == [] and len(exam.rules) == 1
    assert check.messages == ["规则1需要50道单选题，题库只有2道"]
    exam, check = authoring.save_exam(session, exam, data("SAFE-001", rules=rules), actor=None, now=now)
    assert check.messages == [] and check.question_count == 1
    assert session.scalar(select(func.count(ExamRule.id))) == 0  # the other kind of paper is not kept


def test_starts_give_exactly_those_questions_with_those_points(session, qs, now):
    user = factories.make_user(session)
    exam, _check = authoring.save_exam(session, None, data("SAFE-003 4\nSAFE-001\nSAFE-002 2.5", default=3.0,
                                                          user_ids=[user.id], shuffle_questions=False,
                                                          opens_at=now.replace(year=2024),
                                                          closes_at=now.replace(year=2026)),
                                      actor=None, now=now)
    authoring.publish_exam(session, exam, actor=None, now=now)
    attempt, _resumed = attempts.start_attempt(session, exam, user, now, seed=11)
    rows = paper(session, attempt)
    assert [(r.question_id, r.points) for r in rows] == [(qs[2].id, 4.0), (qs[0].id, 3.0), (qs[1].id, 2.5)]
    assert [r.question_version_id for r in rows] == [qs[2].current_version_id, qs[0].current_version_id,
                                                     qs[1].current_version_id]


def test_shuffled_papers_hold_the_same_questions(session, qs, now):
    exam, _check = authoring.save_exam(session, None, data("SAFE-001\nSAFE-002\nSAFE-003\nSAFE-005"),
                                      actor=None, now=now)
    draw = papers.paper_drawer(session, exam)
    drawn = [[item.question_id for item in draw(seed)] for seed in range(20)]
    assert all(sorted(p) == sorted([qs[0].id, qs[1].id, qs[2].id, qs[4].id]) for p in drawn)
    assert len({tuple(p) for p in drawn}) > 1


def test_a_question_retired_after_saving_is_flagged_and_blocks_publishing(session, qs, now):
    exam, _check = authoring.save_exam(session, None, data("SAFE-001\nSAFE-002", user_ids=[
        factories.make_user(session).id]), actor=None, now=now)
    qs[1].status = "retired"
    session.commit()
    assert papers.check_paper(session, exam).messages == [f"试题 #{qs[1].id} 已停用或待复核，请从固定试卷中移除"]
    with pytest.raises(errors.PaperError, match="已停用"):
        authoring.publish_exam(session, exam, actor=None, now=now)


def test_once_started_the_paper_stays_as_it_was(session, qs, now):
    user = factories.make_user(session)
    exam, _check = authoring.save_exam(session, None, data("SAFE-001 3", user_ids=[user.id],
                                                          opens_at=now.replace(year=2024),
                                                          closes_at=now.replace(year=2026)), actor=None, now=now)
    authoring.publish_exam(session, exam, actor=None, now=now)
    attempts.start_attempt(session, exam, user, now)
    assert queries.paper_is_frozen(session, exam)
    exam, check = authoring.save_exam(session, exam, data("SAFE-999", paper_mode="rules", title="新名称",
                                                         user_ids=[user.id]), actor=None, now=now)
    assert exam.title == "新名称" and exam.paper_mode == "fixed"
    assert [(f.question_id, f.points) for f in exam.fixed_questions] == [(qs[0].id, 3.0)]
    assert check.total_points == 3.0


def test_the_form_text_round_trips(session, qs, now):
    exam, _check = authoring.save_exam(session, None, data(f"SAFE-001 2\n#{qs[1].id}\nSAFE-003 1.5"),
                                      actor=None, now=now)
    text, default = papers.fixed_paper_text(session, exam)
    assert (text, default) == ("SAFE-001 2\nSAFE-002\nSAFE-003 1.5", None)
    same = papers.resolve_fixed_paper(session, text, default)
    assert [(i.question_id, i.points) for i in same.items] == [(f.question_id, f.points) for f in exam.fixed_questions]


def test_refs_fall_back_to_the_id_when_the_external_id_would_not_name_one_question(session, qs):
    other = factories.make_bank(session)
    twin = factories.make_question(session, other, external_id="SAFE-001")
    numeric = factories.make_question(session, other, external_id="42")
    plain = factories.make_question(session, other)
    refs = papers.question_refs(session, [qs[0].id, qs[1].id, twin.id, numeric.id, plain.id])
    assert refs == {qs[0].id: f"#{qs[0].id}", qs[1].id: "SAFE-002", twin.id: f"#{twin.id}",
                    numeric.id: f"#{numeric.id}", plain.id: f"#{plain.id}"}


def test_the_picker_adds_only_questions_not_on_the_list_yet(session, qs):
    text, added = papers.add_to_fixed_paper(session, "SAFE-001 2\n", [qs[0].id, qs[2].id, qs[2].id, 999999])
    assert (text, added) == ("SAFE-001 2\nSAFE-003", 1)
    assert session.scalar(select(func.count(Question.id))) == 5  # nothing saved or made
