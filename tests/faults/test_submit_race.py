"""Saves racing a submit (several tabs or a retrying client while the person presses 提交试卷): a save the
server acknowledges is graded, and no save lands after the grading. Checked by regrading every attempt
from the answers table and comparing with the stored score."""

from __future__ import annotations

import random
import threading
import time

import pytest

from tests.faults.harness import Server, Taker, backend, fresh_database, record_figures, run_takers, seed

pytestmark = pytest.mark.faults
TAKERS = 12


def _regraded_scores(db) -> dict[int, tuple[float, float]]:
    """attempt id -> (stored score, score recomputed from the answers table now)."""
    from lawtrain.exams import queries, scoring
    from lawtrain.exams.models import Attempt
    from lawtrain.extensions import db as sa
    from tests.conftest import make_app

    app = make_app(SQLALCHEMY_DATABASE_URI=db.uri)
    out = {}
    with app.app_context():
        for attempt in sa.session.scalars(sa.select(Attempt)):
            paper = queries.graded_paper(sa.session, attempt)
            result = scoring.grade_paper([g.item for g in paper], [g.response for g in paper],
                                         attempt.exam.multiple_scoring, attempt.exam.pass_percent)
            out[attempt.id] = (attempt.score, result.score)
        sa.session.remove()
        sa.engine.dispose()
    return out


def test_saves_racing_a_submit_are_either_graded_or_refused():
    db = fresh_database(backend())
    seeded = seed(db, TAKERS)
    server = Server(db, workers=4).start()
    try:
        takers = [Taker(server.url, name) for name in seeded.usernames]
        until = time.monotonic() + 60
        run_takers(takers, lambda t: (t.sign_in(until), t.start(seeded.exam_id, until)))
        late_acks = refused = 0

        def storm(t: Taker):
            nonlocal late_acks, refused
            rng = random.Random(t.username)
            questions = t.attempt["questions"]
            lock = threading.Lock()
            submitted = threading.Event()

            def saver():
                nonlocal late_acks, refused
                while not submitted.is_set() or rng.random() < 0.9:
                    q = rng.choice(questions)
                    with lock:
                        t.seq += 1
                        seq = t.seq
                    r = t.client.put(f"/api/attempts/{t.attempt['attempt_id']}/answers/{q['id']}",
                                     json={"response": t.answer_for(q, rng), "seq": seq},
                                     headers={"X-CSRFToken": t.token})
                    if r.status_code == 409:
                        refused += 1
                        return
                    if submitted.is_set() and r.status_code == 200:
                        late_acks += 1

            threads = [threading.Thread(target=saver, daemon=True) for _ in range(3)]
            for th in threads:
                th.start()
            time.sleep(rng.uniform(0.3, 1.0))
            t.client.post(f"/api/attempts/{t.attempt['attempt_id']}/submit", headers={"X-CSRFToken": t.token})
            submitted.set()
            for th in threads:
                th.join(30)

        run_takers(takers, storm)
        scores = _regraded_scores(db)
        mismatched = {a: s for a, s in scores.items() if s[0] != s[1]}
        record_figures("saves racing a submit", takers=TAKERS, attempts=len(scores), regrade_mismatches=len(mismatched),
                       refused_after_submit=refused)
        assert len(scores) == TAKERS and all(s[0] is not None for s in scores.values())
        assert mismatched == {}, mismatched
        for t in takers:
            t.close()
    finally:
        server.stop()
        db.drop()
