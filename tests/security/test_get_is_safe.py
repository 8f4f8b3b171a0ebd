"""No state change on GET: every GET route, called by someone holding every role with real ids, leaves the
row count of every table unchanged.

Two kinds of GET are allowed to write, by design, and are called out here rather than skipped silently:
* pages and API reads of an attempt close it lazily when its deadline has passed (an overdue attempt must be
  graded before anyone sees it; the same happens in `flask close-overdue`). The bureau's attempts are not
  overdue, so in this walk they write nothing either;
* none other today. A route that starts counting page views belongs in ALLOWED_WRITERS with its reason.
"""

from __future__ import annotations

from lawtrain.auth.policy import policy_of
from tests.conftest import login
from tests.security.scenario import build_bureau, table_counts

# endpoint -> why a GET may write
ALLOWED_WRITERS: dict[str, str] = {}


def _values(rule, b, module_id, law_id) -> list[dict]:
    ids = {"user_id": b.alice.id, "attempt_id": b.alice_attempt.id, "cert_id": b.certificate.id,
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


def test_walking_every_get_route_changes_no_table(app, session):
    from lawtrain.banks.models import Question
    from lawtrain.courses.models import Law
    from tests import factories

    b = build_bureau(session)
    module = factories.make_course_module(session, is_open=True)
    law_id = session.query(Law.id).limit(1).scalar() or 1
    everyone = factories.make_user(session, roles=["staff", "trainer", "leader", "admin"], department=b.dept_a)
    client = app.test_client()
    assert login(client, everyone.username).status_code == 302
    question_id = session.query(Question.id).limit(1).scalar()
    before = table_counts()
    walked = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "main.set_language") or policy_of(
                app.view_functions[rule.endpoint]) is None:
            continue
        combos = _values(rule, b, module.id, law_id)
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
            after = table_counts()
            if rule.endpoint not in ALLOWED_WRITERS:
                changed = {t: (before[t], after[t]) for t in after if after[t] != before[t]}
                assert not changed, (url, changed)
            before = after
            walked.append(url)
    print(f"walked {len(walked)} GET URLs")
    assert len(walked) >= 60, len(walked)
    # and a GET to a write-only endpoint is refused, never served
    aid = b.bob_attempt.id
    assert client.get(f"/api/attempts/{aid}/submit").status_code == 405
    assert client.get(f"/admin/users/{b.alice.id}/deactivate").status_code == 405
