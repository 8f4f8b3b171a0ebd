"""The demo a newcomer gets (issue contracts): the open annual exam every staff member can sit through the
JSON API, the gated exam, past results with certificates, and the training certificates of the induction."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lawtrain.certificates.models import Certificate
from lawtrain.demo import DemoContext, seed_demo
from lawtrain.exams.demo import GATED_EXAM, OPEN_EXAM
from lawtrain.timeutil import utcnow
from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(app, session):
    ctx = DemoContext(password="demo-pass-2025", now=utcnow(), rng=random.Random(7),
                      laws_dir=ROOT / "question_banks" / "laws", banks_dir=ROOT / "question_banks")
    return seed_demo(session, ctx)


def _exams(client) -> dict[str, dict]:
    return {e["title"]: e for e in client.get("/api/exams").get_json()}


def test_demo_staff_can_sit_the_open_exam_and_the_past_results_hold_certificates(app, session, demo):
    for login_name in ("staff01", "staff17", "staff30"):  # one with past results and training, two without
        _sits_the_open_exam(app, login_name)
    _has_both_kinds_of_certificate(session)
    _starts_the_qualification_exam(app)


def _starts_the_qualification_exam(app):
    """The enforcement-qualification mock exam: 40 single, 10 multiple, 20 true/false and two whole cases, 100
    points, 90 minutes (question_banks/demo_exams/enforcement-qualification.json)."""
    client = app.test_client()
    assert login(client, "staff05", "demo-pass-2025").status_code == 302
    exam = _exams(client)["应急管理综合行政执法资格模拟考试"]
    assert exam["status"] == "open" and exam["duration_minutes"] == 90
    token = client.get("/exams/").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    body = client.post(f"/api/exams/{exam['id']}/attempts", headers={"X-CSRFToken": token}).get_json()
    assert sum(q["points"] for q in body["questions"]) == 100
    assert len(body["cases"]) == 2 and all(c["points"] == 10 for c in body["cases"])
    plain = [q for q in body["questions"] if "case" not in q]
    assert [q["type"] for q in plain] == ["single"] * 40 + ["multiple"] * 10 + ["true_false"] * 20
    assert [q["id"] for q in body["questions"][70:]] == [i for c in body["cases"] for i in c["questions"]]


def _sits_the_open_exam(app, login_name):
    client = app.test_client()
    assert login(client, login_name, "demo-pass-2025").status_code == 302
    exams = _exams(client)
    open_exam = exams[OPEN_EXAM]
    assert (open_exam["status"], open_exam["attempts_left"]) == ("open", 1)
    assert exams[GATED_EXAM]["status"] == "locked"
    token = client.get("/exams/").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    started = client.post(f"/api/exams/{open_exam['id']}/attempts", headers={"X-CSRFToken": token})
    assert started.status_code in (200, 201)
    body = started.get_json()
    assert len(body["questions"]) == 20
    assert 30 * 60 - 5 <= body["remaining_seconds"] <= 30 * 60
    assert {q["type"] for q in body["questions"]} == {"single", "multiple", "true_false", "fill_blank"}


def _has_both_kinds_of_certificate(session):
    exam_certs = session.scalar(select(func.count(Certificate.id)).where(Certificate.exam_id.is_not(None)))
    training = session.scalars(select(Certificate).where(Certificate.assignment_id.is_not(None))).all()
    assert exam_certs >= 5
    assert sorted(c.user.username for c in training) == ["staff01", "staff08"]
    assert all(c.module_count == 2 and c.revoked_at is None for c in training)


def test_the_demo_library_comes_from_the_repository_and_lists_every_shipped_text(app, session, demo):
    from lawtrain.courses.models import Law
    from lawtrain.demo import SHIPPED_LAWS_DIR, default_laws_dir

    assert default_laws_dir("") == SHIPPED_LAWS_DIR == ROOT / "question_banks" / "laws"
    names = set(session.scalars(select(Law.short_name)))
    assert names == {"安全生产法", "突发事件应对法", "行政处罚法", "行政复议法", "生产安全事故报告和调查处理条例",
                     "生产安全事故应急条例"}
    assert any(n.startswith("法律法规库：6 部法律法规，现行条文 482 条") for n in demo.notes)
    client = app.test_client()
    assert login(client, "staff01", "demo-pass-2025").status_code == 302
    assert "生产安全事故应急条例" in client.get("/courses/laws").get_data(as_text=True)
    found = client.get("/courses/laws/search", query_string={"q": "行政复议申请"}).get_data(as_text=True)
    assert "行政复议法" in found


def test_the_legacy_bank_shows_its_revision_impact_and_a_recite_clears_the_flag(app, session, demo):
    from lawtrain.banks.models import Bank, Question, QuestionStatus

    flagged = dict(session.execute(select(Bank.name, func.count(Question.id)).join(Question)
                                   .where(Question.status == QuestionStatus.NEEDS_REVIEW).group_by(Bank.name)).all())
    assert flagged == {"突发事件应对法（2007年版旧题库）": 16}  # the current banks carry no flag
    assert any("修订影响：16 题" in n for n in demo.notes)
    legacy = session.scalar(select(Bank).where(Bank.name == "突发事件应对法（2007年版旧题库）"))
    client = app.test_client()
    assert login(client, "trainer", "demo-pass-2025").status_code == 302
    assert "查看修订影响" in client.get(f"/banks/{legacy.id}").get_data(as_text=True)
    page = client.get(f"/banks/{legacy.id}/revision-impact").get_data(as_text=True)
    assert page.count("改引为") == 16 and "改引为第七十八条" in page and "条号已变，条文未变" in page
    assert "受到自然灾害危害或者发生事故灾难" in page  # the article text, old and new side by side

    question = session.scalar(select(Question).where(Question.bank_id == legacy.id, Question.external_id == "ERL07-14"))
    done = client.post(f"/banks/questions/{question.id}/recite",
                       data={"cite": "突发事件应对法|56", "to": "78"}, follow_redirects=True)
    assert "已改引新条号" in done.get_data(as_text=True)
    session.expire_all()
    assert question.status == "active" and question.review_reason is None
    assert [v.basis for v in question.versions] == [[{"law": "突发事件应对法", "article": 56}],
                                                    [{"law": "突发事件应对法", "article": 78}]]
    history = client.get(f"/banks/questions/{question.id}/versions").get_data(as_text=True)
    assert 'id="v2"' in history and "当前版本" in history.split('id="v1"')[0]
    page = client.get(f"/banks/{legacy.id}/revision-impact").get_data(as_text=True)
    assert page.count("改引为") == 15

    other = session.scalar(select(Question).where(Question.bank_id == legacy.id, Question.external_id == "ERL07-16"))
    bad = client.post(f"/banks/questions/{other.id}/recite", data={"cite": "突发事件应对法|70", "to": "999"},
                      follow_redirects=True).get_data(as_text=True)
    assert "现行文本中没有第九百九十九条" in bad
    client.post(f"/banks/questions/{other.id}/retire")
    session.expire_all()
    assert other.status == "retired"


def test_demo_contests_one_finished_with_prizes_one_open_and_the_guest_link_printed(app, session, demo):
    from lawtrain.contests import online_demo
    from lawtrain.contests.online_models import OnlineContest, OnlineContestPrize

    past = session.scalar(select(OnlineContest).where(OnlineContest.title == online_demo.PAST))
    assert past.status == "closed" and past.results_published_at is not None
    assert session.scalar(select(func.count(OnlineContestPrize.id)).where(OnlineContestPrize.contest_id == past.id))
    assert session.scalar(select(func.count(Certificate.id)).where(Certificate.award_source_id == past.id)) >= 1
    current = session.scalar(select(OnlineContest).where(OnlineContest.title == online_demo.OPEN))
    assert any(current.guest_token in note for note in demo.notes)
    client = app.test_client()
    assert login(client, "staff01", "demo-pass-2025").status_code == 302
    listed = {c["title"]: c for c in client.get("/api/contests").get_json()}
    assert listed[online_demo.OPEN]["status"] == "open"
    token = client.get("/exams/").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    started = client.post(f"/api/exams/{listed[online_demo.OPEN]['exam_id']}/attempts", headers={"X-CSRFToken": token})
    assert started.status_code == 200
    assert client.get(f"/contests/online/{past.id}/results").status_code == 200
