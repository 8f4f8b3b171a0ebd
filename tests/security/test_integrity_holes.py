"""Regression tests for the holes an outside tester found (issue 15): practice as an answer oracle, results
before release, study time counted in parallel, sign-in lock-outs and the smaller findings. Each test
reproduces the tester's request sequence and fails on the code before the fix."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lawtrain.banks.models import BankKind, Question, QuestionVersion
from lawtrain.exams import attempts
from lawtrain.timeutil import utcnow
from tests import factories
from tests.conftest import login
from tests.services.exams_helpers import exam_bank, paper


def _version(session, row) -> QuestionVersion:
    return session.get(QuestionVersion, row.question_version_id)


def _open_exam(session, bank, users, **overrides):
    now = utcnow()
    fields = dict(opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
    fields.update(overrides)
    return factories.make_exam(session, bank=bank, users=users, **fields, rules=(
        ("single", 3, 10.0), ("multiple", 1, 10.0), ("true_false", 2, 10.0), ("fill_blank", 1, 10.0)))


# ------------------------------------------------------------------ 1. practice as an answer oracle


def test_practice_answers_no_question_of_an_exam_not_yet_started(app, session):
    """The tester asked /api/practice/answer about every question id before starting: every key came back."""
    staff = factories.make_user(session, roles=["staff"])
    bank = exam_bank(session)
    _open_exam(session, bank, [staff])
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    every_id = list(session.scalars(select(Question.id).order_by(Question.id)))
    leaked = []
    for qid in every_id:
        r = client.post("/api/practice/answer", json={"question_id": qid, "response": ["A"]})
        if r.status_code == 200:
            leaked.append(qid)
        r = client.post("/exams/practice/answer", data={"question_id": qid, f"q{qid}": "A"})
        assert r.status_code == 404, qid
    assert leaked == []
    # the practice page offers none of them either
    page = client.get("/exams/practice?go=1&law=安全生产法&order=sequential").get_data(as_text=True)
    assert not any(f'id="stem-{qid}"' in page for qid in every_id)


def test_an_exam_bank_is_never_practised_and_a_practice_bank_is(app, session):
    staff = factories.make_user(session, roles=["staff"])
    exam_only = factories.make_question(session, factories.make_bank(session, kind=BankKind.EXAM))
    practice = factories.make_question(session, factories.make_bank(session))
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    assert client.post("/api/practice/answer", json={"question_id": exam_only.id, "response": ["A"]}).status_code == 404
    r = client.post("/api/practice/answer", json={"question_id": practice.id, "response": ["A"]})
    assert r.status_code == 200 and r.get_json()["correct"] is True


def test_a_module_check_draws_nothing_an_exam_still_to_sit_can_draw(app, session):
    """The same oracle passed the module checks that open a training gate."""
    staff = factories.make_user(session, roles=["staff"])
    bank = exam_bank(session)  # cites 安全生产法 art. 21, as the module does
    exam = _open_exam(session, bank, [staff])
    spare = factories.make_bank(session)
    allowed = {factories.make_question(session, spare).id for _ in range(3)}
    module = factories.make_course_module(session, articles=(21,), bank_names=[])
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    assert client.get(f"/exams/practice/module/{module.id}/check").status_code == 200
    with client.session_transaction() as s:
        drawn = set(s["module_checks"][str(module.id)])
    assert drawn and drawn <= allowed
    pool = {q.id for q in bank.questions}
    assert not drawn & pool, exam.id


def test_the_review_of_a_released_paper_hides_questions_of_a_second_attempt(app, session):
    staff = factories.make_user(session, roles=["staff"])
    bank = exam_bank(session)
    exam = _open_exam(session, bank, [staff], attempts_allowed=2)
    now = utcnow()
    attempt, _ = attempts.start_attempt(session, exam, staff, now)
    attempts.submit_attempt(session, attempt, now)
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    page = client.get(f"/exams/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "暂不显示" in page
    for row in paper(session, attempt):
        version = _version(session, row)
        if version.explanation:
            assert version.explanation not in page


# ------------------------------------------------------------------ 3. the practice wrong-answer mode


def test_the_practice_wrong_book_mode_hides_an_unreleased_paper(app, session):
    staff = factories.make_user(session, roles=["staff"])
    bank = exam_bank(session)
    exam = _open_exam(session, bank, [staff], release="manual")
    now = utcnow()
    attempt, _ = attempts.start_attempt(session, exam, staff, now)
    for seq, row in enumerate(paper(session, attempt), start=1):
        attempts.save_answer(session, attempt, row.question_id, ["false"] if _version(session, row).type == "true_false"
                             else ["D"], seq, now)  # every answer wrong
    attempts.submit_attempt(session, attempt, now)
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    for order in ("sequential", "random"):
        for i in range(3):
            page = client.get(f"/exams/practice?mode=wrong_book&go=1&order={order}&i={i}").get_data(as_text=True)
            for row in paper(session, attempt):
                assert _version(session, row).stem not in page
    wrong_book = client.get("/exams/wrong-book").get_data(as_text=True)
    for row in paper(session, attempt):
        assert _version(session, row).stem not in wrong_book


def test_a_trainer_makes_a_bank_an_exam_bank_and_the_bank_page_says_so(app, session):
    trainer = factories.make_user(session, roles=["trainer"])
    staff = factories.make_user(session, roles=["staff"])
    bank = factories.make_bank(session)
    question = factories.make_question(session, bank)
    client = app.test_client()
    assert login(client, trainer.username).status_code == 302
    assert "练习题库" in client.get(f"/banks/{bank.id}").get_data(as_text=True)
    assert client.post(f"/banks/{bank.id}/kind", data={"kind": "exam"}).status_code == 302
    session.refresh(bank)
    assert bank.kind == BankKind.EXAM
    assert "考试题库" in client.get(f"/banks/{bank.id}").get_data(as_text=True)
    assert client.post(f"/banks/{bank.id}/kind", data={"kind": "bogus"}).status_code == 302
    session.refresh(bank)
    assert bank.kind == BankKind.EXAM
    other = app.test_client()
    assert login(other, staff.username).status_code == 302
    assert other.post(f"/banks/{bank.id}/kind", data={"kind": "practice"}).status_code == 403
    assert other.post("/api/practice/answer", json={"question_id": question.id, "response": ["A"]}).status_code == 404


# ------------------------------------------------------------------ 2. results (certificates) before release


def _pass(session, exam, user, now):
    from tests.services.exams_helpers import right_response

    attempt, _ = attempts.start_attempt(session, exam, user, now)
    for seq, row in enumerate(paper(session, attempt), start=1):
        attempts.save_answer(session, attempt, row.question_id, right_response(row, _version(session, row).type),
                             seq, now)
    attempts.submit_attempt(session, attempt, now)
    return attempt


def test_no_certificate_before_a_manual_release_then_one_at_the_release(app, session):
    from lawtrain.certificates.models import Certificate

    staff = factories.make_user(session, roles=["staff"])
    trainer = factories.make_user(session, roles=["trainer"])
    exam = _open_exam(session, exam_bank(session), [staff], release="manual")
    _pass(session, exam, staff, utcnow())
    assert session.scalar(select(Certificate).where(Certificate.user_id == staff.id)) is None
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    assert client.get("/api/certificates").get_json() == []
    admin = app.test_client()
    assert login(admin, trainer.username).status_code == 302
    assert admin.post(f"/exams/{exam.id}/release").status_code == 302
    cert = session.scalar(select(Certificate).where(Certificate.user_id == staff.id))
    assert cert is not None and cert.percent == 100
    assert [c["serial"] for c in client.get("/api/certificates").get_json()] == [cert.serial]


def test_results_due_after_the_close_issue_certificates_when_the_close_job_runs(app, session):
    from lawtrain.certificates.models import Certificate

    staff = factories.make_user(session, roles=["staff"])
    now = utcnow()
    exam = _open_exam(session, exam_bank(session), [staff], release="after_close", closes_at=now + timedelta(hours=1))
    _pass(session, exam, staff, now)
    assert session.scalar(select(Certificate).where(Certificate.user_id == staff.id)) is None
    attempts.close_overdue(session, now + timedelta(minutes=30))
    assert session.scalar(select(Certificate).where(Certificate.user_id == staff.id)) is None
    attempts.close_overdue(session, now + timedelta(hours=2))
    assert session.scalar(select(Certificate).where(Certificate.user_id == staff.id)) is not None


# ------------------------------------------------------------------ 4. study time counted in parallel


def _ledger_seconds(session, user_id, channel="reading") -> int:
    from sqlalchemy import func

    from lawtrain.courses.models import StudyTimeEntry

    return int(session.scalar(select(func.coalesce(func.sum(StudyTimeEntry.seconds), 0)).where(
        StudyTimeEntry.user_id == user_id, StudyTimeEntry.channel == channel)))


def test_heartbeats_on_nine_module_pages_at_once_earn_wall_clock_time(app, session, now):
    """The tester kept nine module pages beating: 900 s of 学时 in 101 s."""
    from lawtrain.courses import study

    staff = factories.make_user(session, roles=["staff"])
    modules = [factories.make_course_module(session, is_open=True, min_minutes=60) for _ in range(9)]
    elapsed = 0
    for tick in range(8):  # every 15 s each page beats, a second apart
        for i, module in enumerate(modules):
            study.record_heartbeat(session, staff, module, now=now + timedelta(seconds=15 * tick + i))
        elapsed = 15 * tick + len(modules) - 1
    assert _ledger_seconds(session, staff.id) <= elapsed
    assert _ledger_seconds(session, staff.id) >= elapsed - 20  # the person's real reading time still counts


def _race(app, work, n=2):
    import threading

    from lawtrain.extensions import db

    barrier, errors = threading.Barrier(n), []

    def worker(i):
        try:
            with app.app_context():
                barrier.wait()
                work(db.session, i)
                db.session.remove()
        except Exception as e:  # noqa: BLE001 - surfaced below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_two_simultaneous_heartbeats_are_not_both_credited(app, session, now):
    """Runs on PostgreSQL too (DATABASE_URL): the clock row is locked with SELECT ... FOR UPDATE."""
    from lawtrain.auth.models import User
    from lawtrain.courses import study
    from lawtrain.courses.models import CourseModule, StudyClock, StudyRecord

    staff = factories.make_user(session, roles=["staff"])
    modules = [factories.make_course_module(session, is_open=True, min_minutes=60) for _ in range(2)]
    before = now - timedelta(seconds=15)
    for module in modules:
        session.add(StudyRecord(user_id=staff.id, module_id=module.id, seconds=0, started_at=before,
                                last_heartbeat_at=before, check_attempts=0))
    session.add(StudyClock(user_id=staff.id, reading_until=before))
    user_id, module_ids = staff.id, [m.id for m in modules]
    session.commit()  # and touch nothing until the race is over: the main session would hold SQLite's lock

    def beat(s, i):
        study.record_heartbeat(s, s.get(User, user_id), s.get(CourseModule, module_ids[i]), now=now)

    _race(app, beat)
    session.expire_all()
    assert _ledger_seconds(session, user_id) == 15


def test_two_simultaneous_practice_answers_are_not_both_credited(app, session, now):
    from lawtrain.auth.models import User
    from lawtrain.courses.models import StudyClock
    from lawtrain.exams import practice

    staff = factories.make_user(session, roles=["staff"])
    bank = factories.make_bank(session)
    questions = [factories.make_question(session, bank).id for _ in range(2)]
    session.add(StudyClock(user_id=staff.id, practice_at=now - timedelta(seconds=40)))
    user_id = staff.id
    session.commit()

    def answer(s, i):
        with app.test_request_context():
            practice.answer_question(s, s.get(User, user_id), questions[i], ["A"], "law", now)

    _race(app, answer)
    session.expire_all()
    assert _ledger_seconds(session, user_id, "practice") == 40


# ------------------------------------------------------------------ 5, 6, 7. sign-in throttling


def _sign_in(app, session, username, password, ip):
    from lawtrain.auth import services as auth

    try:
        auth.authenticate(session, app.extensions["login_throttle"], username, password, ip=ip, now=utcnow())
        return True
    except auth.AuthError:
        return False


def test_a_hall_of_200_signs_in_while_one_of_them_types_300_wrong_passwords(app, session):
    people = [factories.make_user(session) for _ in range(200)]
    clumsy, others = people[0], people[1:]
    hall = "10.20.30.40"
    signed_in, wrong = 0, iter(range(300))
    for person in others:
        for _ in range(2):
            _sign_in(app, session, clumsy.username, f"wrong-{next(wrong, 0)}-pw", hall)
        _sign_in(app, session, person.username, "typo-in-a-hurry-1", hall)  # everyone mistypes once, too
        signed_in += _sign_in(app, session, person.username, factories.PASSWORD, hall)
    for n in wrong:
        _sign_in(app, session, clumsy.username, f"wrong-{n}-pw", hall)
    assert signed_in == 199


def test_230_unknown_names_from_one_address_lock_nobody_out(app, session):
    staff = factories.make_user(session)
    for n in range(230):
        assert login(app.test_client(), f"ghost{n:03d}", "wrong-password-1").status_code == 200
    assert login(app.test_client(), staff.username).status_code == 302


def test_nobody_can_lock_a_named_colleague_out_from_elsewhere(app, session):
    colleague = factories.make_user(session)
    for n in range(60):  # from the attacker's address, as fast as the throttle lets them
        _sign_in(app, session, colleague.username, f"guess-{n}-pw", "10.0.0.66")
    assert not _sign_in(app, session, colleague.username, factories.PASSWORD, "10.0.0.66")
    assert _sign_in(app, session, colleague.username, factories.PASSWORD, "10.0.0.7")  # at their own desk


def test_an_unknown_name_costs_the_same_password_check_as_a_known_one(app, session, monkeypatch):
    """Timing told real names apart (~40 ms against ~9 ms): both now run exactly one Argon2 verification."""
    from lawtrain.auth import passwords

    calls = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda h, p: calls.append(h) or real(h, p))
    from lawtrain.auth import services as auth

    monkeypatch.setattr(auth, "verify_password", passwords.verify_password, raising=False)
    staff = factories.make_user(session)
    assert not _sign_in(app, session, staff.username, "wrong-password-1", "10.1.1.1")
    assert not _sign_in(app, session, "no-such-person", "wrong-password-1", "10.1.1.1")
    assert len(calls) == 2 and all(h and h.startswith("$argon2id$") for h in calls)
    assert passwords.dummy_hash().split("$")[3] == staff.password_hash.split("$")[3]  # the same parameters


def test_several_workers_counting_in_memory_are_warned_about_and_redis_is_the_default(monkeypatch, caplog):
    import logging

    from lawtrain.auth.throttle import MemoryStore, RedisStore, make_store
    from tests.conftest import make_app

    monkeypatch.setenv("LAWTRAIN_WORKERS", "2")
    with caplog.at_level(logging.WARNING):
        other = make_app(RATELIMIT_STORAGE_URI="memory://")
    assert any("2 workers" in r.getMessage() for r in caplog.records)
    with other.app_context():
        from lawtrain.extensions import db

        db.engine.dispose()
    assert isinstance(make_store("auto", local_redis="redis://127.0.0.1:1/0"), MemoryStore)
    store = make_store("auto", local_redis="redis://127.0.0.1:6379/15")
    assert isinstance(store, RedisStore) or not _redis_answers_here()


def _redis_answers_here() -> bool:
    from lawtrain.auth.throttle import _redis_answers

    return _redis_answers("redis://127.0.0.1:6379/15")


# ------------------------------------------------------------------ 8. look-alike user names


LOOKALIKES = [("admin", "аdmin"), ("staff01", "ѕtaff01"), ("staff01", "staff0l"), ("staff01", "ＳＴＡＦＦ0１")]


def test_the_admin_form_refuses_a_name_that_looks_like_an_existing_one(app, session):
    import pytest

    from lawtrain.auth import services as auth

    for real, fake in LOOKALIKES:
        if auth.find_user(session, real) is None:
            factories.make_user(session, username=real, display_name="真实账号")
        with pytest.raises(auth.AuthError) as refused:
            auth.create_user(session, actor=None, now=utcnow(), username=fake, display_name="真实账号",
                             roles=["admin"])
        session.rollback()
        assert real in str(refused.value), fake
    assert auth.find_user(session, "аdmin") is None
    assert not _sign_in(app, session, "аdmin", factories.PASSWORD, "10.2.2.2")


def test_the_roster_import_refuses_look_alikes_of_accounts_and_of_its_own_rows(app, session):
    import pytest

    from lawtrain.org import services as org
    from lawtrain.org.staff_import import StaffRow

    factories.make_user(session, username="staff01")
    factories.make_department(session, path="区应急局")
    rows = [StaffRow(2, "9001", "冒名", "区应急局", ("学员",), "staff0l"),
            StaffRow(3, "9002", "新人", "区应急局", ("学员",), "zhang1"),
            StaffRow(4, "9003", "新人二", "区应急局", ("学员",), "zhangl")]
    with app.test_request_context(), pytest.raises(org.StaffImportError) as refused:
        org.import_staff(session, rows, create_missing_departments=False, dry_run=True, actor=None, ip=None,
                         now=utcnow())
    lines = {p.line for p in refused.value.problems}
    assert lines == {2, 4}, refused.value.problems


# ------------------------------------------------------------------ 9. sessions expire on the server


def _at(monkeypatch, when):
    from lawtrain.auth import sessions

    monkeypatch.setattr(sessions, "utcnow", lambda: when)


def test_a_session_ends_12_hours_after_sign_in_however_often_the_cookie_is_re_signed(app, session, monkeypatch):
    app.config["LAWTRAIN_SESSION_IDLE_MINUTES"] = 0
    staff = factories.make_user(session)
    client = app.test_client()
    start = utcnow()
    assert login(client, staff.username).status_code == 302
    for hours in (1, 4, 8, 11.5):
        _at(monkeypatch, start + timedelta(hours=hours))
        assert client.get("/?lang=zh").status_code in (200, 302)  # re-signs the cookie
        assert client.get("/api/me").status_code == 200
    _at(monkeypatch, start + timedelta(hours=12, minutes=1))
    assert client.get("/api/me").status_code == 401


def test_an_idle_session_ends_after_the_configured_minutes(app, session, monkeypatch):
    app.config["LAWTRAIN_SESSION_IDLE_MINUTES"] = 30
    staff = factories.make_user(session)
    client = app.test_client()
    start = utcnow()
    _at(monkeypatch, start)
    assert login(client, staff.username).status_code == 302
    assert client.get("/api/me").status_code == 200
    _at(monkeypatch, start + timedelta(minutes=25))
    assert client.get("/api/me").status_code == 200  # active: the idle clock restarts
    _at(monkeypatch, start + timedelta(minutes=50))
    assert client.get("/api/me").status_code == 200
    _at(monkeypatch, start + timedelta(minutes=81))
    assert client.get("/api/me").status_code == 401


# ------------------------------------------------------------------ 10. the verify throttle


def test_the_verify_throttle_never_blocks_a_valid_code(app, session):
    staff = factories.make_user(session)
    cert = factories.make_certificate(session, staff, _open_exam(session, exam_bank(session), [staff]))
    client = app.test_client()
    statuses = {client.get(f"/verify/unknown{n:04d}").status_code for n in range(80)}
    assert statuses == {404, 429}  # guessing is still throttled
    r = client.get(f"/verify/{cert.code}")
    assert r.status_code == 200


# ------------------------------------------------------------------ 11. the smaller findings


def test_every_download_with_keys_or_personal_data_is_no_store(app, session):
    trainer = factories.make_user(session, roles=["trainer"])
    bank = factories.make_bank(session)
    factories.make_question(session, bank)
    client = app.test_client()
    assert login(client, trainer.username).status_code == 302
    for url in (f"/banks/{bank.id}/export/json", f"/banks/{bank.id}/export/xlsx", "/banks/template.xlsx"):
        r = client.get(url)
        assert r.status_code == 200 and "attachment" in r.headers.get("Content-Disposition", ""), url
        assert "no-store" in r.headers.get("Cache-Control", ""), (url, r.headers.get("Cache-Control"))


def test_a_department_exam_is_offered_to_its_staff_only_unless_others_are_named(app, session):
    from lawtrain.exams import availability

    dept = factories.make_department(session, path="区应急局/执法大队")
    staff = factories.make_user(session, roles=["staff"], department=dept)
    leader = factories.make_user(session, roles=["leader"], department=dept)
    trainer = factories.make_user(session, roles=["trainer"], department=dept)
    named = factories.make_user(session, roles=["trainer"], department=dept)
    exam = _open_exam(session, exam_bank(session), [named], departments=[dept])
    now = utcnow()
    offered = {u.username for u in (staff, leader, trainer, named)
               if any(s.exam.id == exam.id for s in availability.exams_for_user(session, u, now))}
    assert offered == {staff.username, named.username}
    assert {u.id for u in availability.assigned_users(session, exam)} == {staff.id, named.id}


def test_focus_events_after_the_deadline_are_refused(app, session):
    staff = factories.make_user(session)
    exam = _open_exam(session, exam_bank(session), [staff])
    now = utcnow()
    attempt, _ = attempts.start_attempt(session, exam, staff, now)
    with app.test_request_context():
        import pytest

        from lawtrain.exams.errors import EventTooLate

        with pytest.raises(EventTooLate):
            attempts.record_focus(session, attempt, "lost", attempt.deadline_at + timedelta(seconds=5))
    session.refresh(attempt)
    assert attempt.tab_switches == 0 and attempt.status == "in_progress"  # saves in flight still count


def test_the_no_script_form_keeps_saved_answers_it_does_not_send(app, session):
    from lawtrain.exams.queries import saved_responses

    staff = factories.make_user(session)
    exam = _open_exam(session, exam_bank(session), [staff])
    attempt, _ = attempts.start_attempt(session, exam, staff, utcnow())
    rows = paper(session, attempt)
    first, second = rows[0], rows[1]
    attempts.save_answer(session, attempt, first.question_id, ["A"], 1, utcnow())
    attempts.save_answer(session, attempt, second.question_id, ["B"], 2, utcnow())
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    # a post that carries only the second question (the first's fields were not sent)
    r = client.post(f"/exams/attempts/{attempt.id}", data={"shown": str(second.question_id),
                                                            f"q{second.question_id}": "C", "action": "save"})
    assert r.status_code == 302
    saved = saved_responses(session, attempt.id)
    assert saved[first.question_id] == ["A"] and saved[second.question_id] == ["C"]


def test_a_late_focus_event_over_the_api_is_not_recorded_and_does_not_end_the_page(app, session, monkeypatch):
    from lawtrain.exams import api

    staff = factories.make_user(session)
    exam = _open_exam(session, exam_bank(session), [staff])
    attempt, _ = attempts.start_attempt(session, exam, staff, utcnow())
    client = app.test_client()
    assert login(client, staff.username).status_code == 302
    monkeypatch.setattr(api, "utcnow", lambda: attempt.deadline_at + timedelta(seconds=10))
    r = client.post(f"/api/attempts/{attempt.id}/events", json={"kind": "focus_lost"})
    assert r.status_code == 200 and r.get_json()["recorded"] is False and r.get_json()["tab_switches"] == 0
