"""No state change on GET: every GET route, called by someone holding every role with real ids, leaves every
table as it was, row for row.

That holds with an overdue attempt present too: pages and API reads show it timed out and graded, but the
grading is stored only by a write path (a submit, a save refused with 409, or `flask close-overdue`).
A route that starts counting page views belongs in ALLOWED_WRITERS with its reason (none today).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lawtrain.auth.policy import policy_of
from lawtrain.exams import attempts
from lawtrain.exams.models import Attempt
from lawtrain.extensions import db
from lawtrain.timeutil import utcnow
from tests.conftest import login
from tests.security.scenario import build_bureau, table_counts

# endpoint -> why a GET may write
ALLOWED_WRITERS: dict[str, str] = {}


def _values(rule, b, module_id, law_id, attempt_id=None) -> list[dict]:
    ids = {"user_id": b.alice.id, "attempt_id": attempt_id or b.alice_attempt.id, "cert_id": b.certificate.id,
           "exam_id": b.exam.id, "bank_id": b.bank.id, "dept_id": b.dept_a.id, "module_id": module_id,
           "law_id": law_id}
    choices = {"fmt": ["xlsx", "csv", "pdf", "json", "gift", "moodle_xml"], "report": ["dashboard", "completion",
               "annual", "weak"], "role": ["staff", "trainer", "leader", "admin"], "code": [b.certificate.code],
               "token": ["x" * 32]}
    combos = [{}]
    for arg in rule.arguments:
        if arg in choices:
            combos = [{**c, arg: v} for c in combos for v in choices[arg]]
        elif ids.get(arg) is not None:
            combos = [{**c, arg: ids[arg]} for c in combos]
        else:
            return []
    return combos


def _walk(app, b, module_id, law_id, question_id, client, check, attempt_id=None) -> list[str]:
    """GET every routable URL with real ids; `check(url, endpoint)` after each."""
    walked = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "main.set_language") or policy_of(
                app.view_functions[rule.endpoint]) is None:
            continue
        combos = _values(rule, b, module_id, law_id, attempt_id)
        if "question_id" in rule.arguments:
            combos = [{"question_id": question_id}]
        if rule.arguments and not combos:
            continue
        for values in combos or [{}]:
            url = rule.build(values, append_unknown=False)[1]
            response = client.get(url)
            status = response.status_code
            response.close()  # streamed downloads (the certificates zip) hold a temporary file
            assert status < 500, (url, status)
            check(url, rule.endpoint)
            walked.append(url)
    return walked


def _setup(app, session):
    from lawtrain.banks.models import Question
    from lawtrain.courses.models import Law
    from tests import factories

    b = build_bureau(session)
    module = factories.make_course_module(session, is_open=True)
    law_id = session.query(Law.id).limit(1).scalar() or 1
    everyone = factories.make_user(session, roles=["staff", "trainer", "leader", "admin"], department=b.dept_a)
    client = app.test_client()
    assert login(client, everyone.username).status_code == 302
    return b, module, law_id, everyone, client, session.query(Question.id).limit(1).scalar()


def test_walking_every_get_route_changes_no_table(app, session):
    b, module, law_id, _everyone, client, question_id = _setup(app, session)
    before = table_counts()

    def check(url, endpoint):
        nonlocal before
        after = table_counts()
        if endpoint not in ALLOWED_WRITERS:
            changed = {t: (before[t], after[t]) for t in after if after[t] != before[t]}
            assert not changed, (url, changed)
        before = after

    walked = _walk(app, b, module.id, law_id, question_id, client, check)
    print(f"walked {len(walked)} GET URLs")
    assert len(walked) >= 60, len(walked)
    # and a GET to a write-only endpoint is refused, never served
    aid = b.bob_attempt.id
    assert client.get(f"/api/attempts/{aid}/submit").status_code == 405
    assert client.get(f"/admin/users/{b.alice.id}/deactivate").status_code == 405


def _contents() -> dict[str, list[str]]:
    """Every row of every table (as text, sorted): "nothing changed" down to a single column."""
    return {t.name: sorted(repr(tuple(r)) for r in db.session.execute(select(t)))
            for t in db.metadata.sorted_tables}


def test_walking_every_get_route_with_an_overdue_attempt_writes_nothing(app, session):
    b, module, law_id, everyone, client, question_id = _setup(app, session)
    overdue, _ = attempts.start_attempt(session, b.exam, everyone, utcnow() - timedelta(hours=3))
    overdue.deadline_at = utcnow() - timedelta(hours=2)  # long past the deadline and the grace
    session.commit()
    overdue_id = overdue.id
    before = _contents()

    def check(url, endpoint):
        db.session.expire_all()  # read the database, not what a page was shown
        assert _contents() == before, url

    walked = _walk(app, b, module.id, law_id, question_id, client, check, attempt_id=overdue_id)
    assert f"/api/attempts/{overdue_id}" in walked and f"/exams/attempts/{overdue_id}/result" in walked
    status = client.get(f"/api/attempts/{overdue_id}").get_json()  # shown timed out, graded at the deadline
    assert status["status"] == "submitted" and status["remaining_seconds"] == 0 and "score" in status
    db.session.expire_all()
    assert session.get(Attempt, overdue_id).status == "in_progress"  # stored only by a write path:
    assert client.post(f"/api/attempts/{overdue_id}/submit").get_json()["status"] == "submitted"
    db.session.expire_all()
    stored = session.get(Attempt, overdue_id)
    assert (stored.status, stored.finish_reason, stored.submitted_at) == ("submitted", "timeout", stored.deadline_at)
