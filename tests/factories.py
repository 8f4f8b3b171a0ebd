"""Plain make_*(session, **overrides) factories for tests."""

from __future__ import annotations

import itertools

from lawtrain.auth.models import User
from lawtrain.auth.passwords import hash_password
from lawtrain.auth.services import set_roles
from lawtrain.org.models import Department
from lawtrain.org.services import add_department, ensure_path

PASSWORD = "secret-pass-1"
_counter = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


def make_department(session, name: str | None = None, parent: Department | None = None, path: str | None = None):
    if path:
        dept = ensure_path(session, path)
    else:
        dept = add_department(session, name or f"部门{next(_counter)}", parent)
    session.commit()
    return dept


def make_user(session, roles=("staff",), department: Department | None = None, password: str = PASSWORD,
              **overrides) -> User:
    n = next(_counter)
    fields = dict(username=f"user{n}", display_name=f"测试{n}", staff_no=f"T{n:05d}",
                  must_change_password=False, is_active_account=True)
    fields.update(overrides)
    user = User(password_hash=_hash(password), department_id=department.id if department else None, **fields)
    set_roles(user, roles)
    session.add(user)
    session.commit()
    return user


def make_bank(session, name: str | None = None, law_name: str | None = "安全生产法", owner=None, **overrides):
    from lawtrain.banks.models import Bank

    bank = Bank(name=name or f"题库{next(_counter)}", law_name=law_name, owner_id=owner.id if owner else None,
                **overrides)
    session.add(bank)
    session.commit()
    return bank


def make_question(session, bank, *, stem: str | None = None, type: str = "single", options=None, answer=None,
                  basis=(("安全生产法", 21),), tags=(), external_id: str | None = None, status: str = "active",
                  difficulty: int | None = 2, explanation: str | None = None, points: float = 1.0):
    """A question with one current version, its citation and tag rows in step with it."""
    from lawtrain.banks.models import Question, QuestionCitation, QuestionTag, QuestionVersion

    n = next(_counter)
    if options is None:
        options = ["甲", "乙", "丙", "丁"] if type in ("single", "multiple") else []
    if answer is None:
        answer = {"single": ["A"], "multiple": ["A", "B"], "true_false": ["true"], "fill_blank": [["答案"]]}[type]
    question = Question(bank=bank, external_id=external_id, status=status, type=type, difficulty=difficulty)
    version = QuestionVersion(question=question, version_no=1, type=type, stem=stem or f"测试题干{n}",
                              options=list(options), answer=list(answer), explanation=explanation, points=points,
                              difficulty=difficulty, basis=[{"law": law, "article": no} for law, no in basis],
                              tags=list(tags))
    question.current_version = version
    question.citations = [QuestionCitation(law_name=law, article_no=no) for law, no in basis]
    question.tag_rows = [QuestionTag(tag=t) for t in tags]
    session.add(question)
    session.commit()
    return question


def make_exam(session, *, bank=None, rules=(("single", 2, 5.0),), users=(), departments=(), status="published",
              law_name: str | None = None, **overrides):
    """An exam drawn by rules [(type, count, points)] from `bank` (on `law_name`), assigned to users and/or
    departments."""
    from datetime import datetime

    from lawtrain.exams.models import Exam, ExamAssignee, ExamRule

    fields = dict(title=f"测试考试{next(_counter)}", opens_at=datetime(2025, 1, 1), closes_at=datetime(2026, 1, 1),
                  duration_minutes=30, attempts_allowed=1, pass_percent=60.0, release="immediate", review="full",
                  status=status, paper_mode="rules", gate={})
    fields.update(overrides)
    exam = Exam(**fields)
    exam.rules = [ExamRule(position=i, banks=[bank.id] if bank else [], type=t, count=c, points=p, law_name=law_name)
                  for i, (t, c, p) in enumerate(rules, start=1)]
    exam.assignees = ([ExamAssignee(user_id=u.id) for u in users]
                      + [ExamAssignee(department_id=d.id) for d in departments])
    session.add(exam)
    session.commit()
    return exam


def make_law(session, short: str = "安全生产法", articles=None, chapters=None):
    """A law with one current revision: `articles` numbers (1-119 by default) outside any chapter, or
    `chapters` {chapter title: article numbers}."""
    from datetime import date

    from lawtrain.courses.models import Article, Law, LawRevision

    if chapters is None:
        chapters = {None: range(1, 120) if articles is None else articles}
    law = Law(name=f"中华人民共和国{short}", short_name=short)
    revision = LawRevision(law=law, revision_date=date(2021, 6, 10), is_current=True)
    revision.articles = [Article(number=n, label=f"第{n}条", chapter=chapter, text="……")
                         for chapter, numbers in chapters.items() for n in numbers]
    session.add(law)
    session.commit()
    return law


def make_attempt_question(session, attempt, question, *, correct: bool, position: int = 1, points: float = 1.0):
    """One marked question on an attempt's paper, written directly."""
    from lawtrain.exams.models import AttemptQuestion

    row = AttemptQuestion(attempt_id=attempt.id, position=position, question_id=question.id,
                          question_version_id=question.current_version_id, points=points,
                          score=points if correct else 0.0, is_correct=correct)
    session.add(row)
    session.commit()
    return row


def make_course_module(session, *, law_name: str = "安全生产法", articles=(1, 2, 3), min_minutes: int = 1,
                       is_open: bool = False, **overrides):
    """A course module citing `articles` of `law_name` (article link rows in step)."""
    from lawtrain.courses.models import CourseModule, ModuleArticle

    n = next(_counter)
    fields = dict(key=f"test/{n:03d}-module", title=f"测试模块{n}", law_name=law_name, body="## 小标题\n\n正文",
                  objectives=["目标"], key_points=["要点"], estimated_minutes=min_minutes,
                  min_study_minutes=min_minutes, bank_names=[law_name], is_open=is_open, sort_order=n)
    fields.update(overrides)
    module = CourseModule(articles=list(articles), **fields)
    module.article_rows = [ModuleArticle(law_name=law_name, article_no=a) for a in articles]
    session.add(module)
    session.commit()
    return module


def make_assignment(session, *, modules=(), users=(), departments=(), law_name: str | None = None,
                    due_date=None, title: str | None = None, awards_certificate: bool = False):
    """A training assignment of `modules` (or a whole law) to users and/or departments."""
    from lawtrain.courses.models import AssignmentDepartment, AssignmentModule, AssignmentUser, TrainingAssignment

    assignment = TrainingAssignment(title=title or f"学习任务{next(_counter)}", law_name=law_name, due_date=due_date,
                                    awards_certificate=awards_certificate)
    assignment.module_links = [AssignmentModule(module_id=m.id) for m in modules]
    assignment.user_links = [AssignmentUser(user_id=u.id) for u in users]
    assignment.department_links = [AssignmentDepartment(department_id=d.id) for d in departments]
    session.add(assignment)
    session.commit()
    return assignment


def make_attempt(session, exam, user, *, score: float = 80.0, max_score: float = 100.0, passed: bool | None = None,
                 number: int = 1, submitted_at=None, **overrides):
    """A submitted, graded attempt written directly (no paper, no grading listeners)."""
    from datetime import datetime, timedelta

    from lawtrain.exams.models import Attempt

    submitted_at = submitted_at or datetime(2025, 6, 16, 1, 30)
    percent = round(100.0 * score / max_score, 2) if max_score else 0.0
    fields = dict(exam_id=exam.id, user_id=user.id, number=number, status="submitted",
                  started_at=submitted_at - timedelta(minutes=20), deadline_at=submitted_at + timedelta(minutes=10),
                  submitted_at=submitted_at, finish_reason="submitted", score=score, max_score=max_score,
                  percent=percent, passed=percent >= exam.pass_percent if passed is None else passed,
                  graded_at=submitted_at)
    fields.update(overrides)
    attempt = Attempt(**fields)
    session.add(attempt)
    session.commit()
    return attempt


def make_study_record(session, user, module, *, seconds: int = 900, completed_at=None):
    """A study record (completed when `completed_at` is given) written directly."""
    from datetime import datetime

    from lawtrain.courses.models import StudyRecord

    record = StudyRecord(user_id=user.id, module_id=module.id, seconds=seconds, started_at=datetime(2025, 5, 1),
                         completed_at=completed_at, check_passed_at=completed_at)
    session.add(record)
    session.commit()
    return record


def make_study_time(session, user, *, seconds: int, law_name: str = "安全生产法", channel: str = "reading", day=None):
    """A study-time ledger row (学时台账) for one person, law, channel and day."""
    from datetime import date

    from lawtrain.courses.models import StudyTimeEntry

    entry = StudyTimeEntry(user_id=user.id, law_name=law_name, channel=channel, day=day or date(2025, 5, 10),
                           seconds=seconds)
    session.add(entry)
    session.commit()
    return entry


def make_certificate(session, user, exam=None, *, attempt=None, issued_at=None, revoked_at=None, assignment=None,
                     laws=("安全生产法",)):
    """A certificate row written directly (no PDF, no serial allocation rules): for passing `exam`, or, with
    `assignment` instead, a training certificate."""
    from datetime import date, datetime

    from lawtrain.certificates.models import Certificate

    n = next(_counter)
    issued_at = issued_at or datetime(2025, 6, 16, 2, 0)
    source = {"exam_id": exam.id, "exam_title": exam.title} if exam is not None else {
        "assignment_id": assignment.id, "exam_title": assignment.title, "module_count": 1, "study_minutes": 30}
    cert = Certificate(user_id=user.id, attempt_id=attempt.id if attempt else None,
                       serial=f"TEST-2025-{n:06d}", serial_year=2025, serial_no=n, code=f"code{n:08d}",
                       issued_at=issued_at, revoked_at=revoked_at, person_name=user.display_name,
                       staff_no=user.staff_no, laws=list(laws),
                       score=(attempt.score if attempt else 90.0) if exam is not None else None,
                       max_score=100.0 if exam is not None else None,
                       percent=(attempt.percent if attempt else 90.0) if exam is not None else None,
                       exam_date=date(2025, 6, 16), **source)
    session.add(cert)
    session.commit()
    return cert


def make_report_population(session):
    """A known bureau for report tests (figures worked out in tests/services/test_reports_completion.py).

    区应急局 (r1) ─ 执法大队 (e1, e2, leader2) ─ 一中队 (z1, z2, z3)
               └ 办公室 (o1, o2)
    One exam assigned to the bureau; best scores r1 100, e1 80 (and 70), e2 50, z1 90, z2 66, o1 40;
    an assignment of two modules to 执法大队 due 2025-06-01; certificates for r1 and e1.
    """
    from datetime import date, datetime

    root = make_department(session, path="区应急局")
    team = make_department(session, path="区应急局/执法大队")
    squad = make_department(session, path="区应急局/执法大队/一中队")
    office = make_department(session, path="区应急局/办公室")
    people = {}
    for name, dept in (("r1", root), ("e1", team), ("e2", team), ("z1", squad), ("z2", squad), ("z3", squad),
                       ("o1", office), ("o2", office)):
        people[name] = make_user(session, roles=["staff"], department=dept, display_name=f"员工{name}")
    leader2 = make_user(session, roles=["leader"], department=team, display_name="大队长")
    exam = make_exam(session, departments=[root], title="2025年安全生产法考试")
    attempts = {}
    at = datetime(2025, 6, 10, 2, 0)
    for name, score in (("r1", 100), ("e1", 80), ("e2", 50), ("z1", 90), ("z2", 66), ("o1", 40)):
        attempts[name] = make_attempt(session, exam, people[name], score=score, submitted_at=at)
    make_attempt(session, exam, people["e1"], score=70, number=2, submitted_at=datetime(2025, 3, 3, 2, 0))
    m1 = make_course_module(session, articles=(21, 22))
    m2 = make_course_module(session, articles=(23,))
    assignment = make_assignment(session, modules=[m1, m2], departments=[team], due_date=date(2025, 6, 1),
                                 title="执法大队安全生产法学习")
    done = datetime(2025, 5, 20, 2, 0)
    for name, modules in (("e1", (m1, m2)), ("z1", (m1, m2)), ("e2", (m1,)), ("z3", (m1, m2))):
        for m in modules:
            make_study_record(session, people[name], m, completed_at=done)
    make_study_record(session, people["z2"], m1, seconds=120)  # started, not completed
    for name, seconds in (("e1", 1800), ("z1", 1200), ("e2", 600), ("z3", 2400)):
        make_study_time(session, people[name], seconds=seconds)
    make_certificate(session, people["r1"], exam, attempt=attempts["r1"])
    make_certificate(session, people["e1"], exam, attempt=attempts["e1"])
    return {"root": root, "team": team, "squad": squad, "office": office, "people": people, "leader2": leader2,
            "exam": exam, "assignment": assignment, "modules": (m1, m2), "attempts": attempts}


def make_two_law_population(session):
    """The report population (make_report_population) with a second law, for per-law and law-filter figures.

    The 2025 exam's rules now draw on 安全生产法; a 消防法 exam assigned to the bureau was sat in July by
    o1 85, o2 55 and z3 75 (pass mark 60), with certificates for o1 and z3; o1 and o2 studied 消防法 for 900 s and
    300 s. Training certificates: z1 for the 执法大队 assignment (安全生产法) and o1 for an 办公室 assignment of
    one module of each law; e2's training certificate was revoked.
    """
    from datetime import datetime

    pop = make_report_population(session)
    for rule in pop["exam"].rules:
        rule.law_name = "安全生产法"
    fire = make_exam(session, departments=[pop["root"]], title="2025年消防法考试", law_name="消防法")
    people = pop["people"]
    july = datetime(2025, 7, 1, 2, 0)
    fire_attempts = {name: make_attempt(session, fire, people[name], score=score, submitted_at=july)
                     for name, score in (("o1", 85), ("o2", 55), ("z3", 75))}
    for name in ("o1", "z3"):
        make_certificate(session, people[name], fire, attempt=fire_attempts[name], laws=("消防法",))
    for name, seconds in (("o1", 900), ("o2", 300)):
        make_study_time(session, people[name], seconds=seconds, law_name="消防法")
    fire_module = make_course_module(session, law_name="消防法", articles=(10,))
    both = make_assignment(session, modules=[pop["modules"][0], fire_module], departments=[pop["office"]],
                           title="办公室法律学习")
    make_certificate(session, people["z1"], assignment=pop["assignment"])
    make_certificate(session, people["o1"], assignment=both, laws=("安全生产法", "消防法"))
    make_certificate(session, people["e2"], assignment=pop["assignment"], revoked_at=datetime(2025, 6, 20))
    session.commit()
    return {**pop, "fire_exam": fire, "fire_attempts": fire_attempts, "fire_module": fire_module,
            "office_assignment": both}


CHAPTER_2 = "第二章 生产经营单位的安全生产保障"
CHAPTER_3 = "第三章 从业人员的安全生产权利义务"


def make_weak_population(session):
    """The report population with marked answers to questions citing 安全生产法, for the weak-articles map.

    The law library holds 安全生产法 with 第二章 (articles 20-23) and 第三章 (24-25); article 99 is not in it.
    Questions cite 21, 22, 24, 99, and one cites both 21 and 22. Answers (✓ right, ✗ wrong):
    e1 (执法大队) q21 ✓ q22 ✗ q21+22 ✓ q24 ✗; e2 (执法大队) q21 ✗ q24 ✓; z1 (一中队) q22 ✓ q21+22 ✗ q99 ✓;
    o1 (办公室) q21 ✓ q24 ✗ q99 ✗.
    """
    pop = make_report_population(session)
    make_law(session, chapters={CHAPTER_2: range(20, 24), CHAPTER_3: (24, 25)})
    bank = make_bank(session)
    questions = {key: make_question(session, bank, basis=[("安全生产法", no) for no in numbers])
                 for key, numbers in (("q21", (21,)), ("q22", (22,)), ("q24", (24,)), ("q99", (99,)),
                                      ("q21+22", (21, 22)))}
    for name, answers in (("e1", (("q21", True), ("q22", False), ("q21+22", True), ("q24", False))),
                          ("e2", (("q21", False), ("q24", True))),
                          ("z1", (("q22", True), ("q21+22", False), ("q99", True))),
                          ("o1", (("q21", True), ("q24", False), ("q99", False)))):
        for position, (key, correct) in enumerate(answers, start=1):
            make_attempt_question(session, pop["attempts"][name], questions[key], correct=correct, position=position)
    return {**pop, "questions": questions}
