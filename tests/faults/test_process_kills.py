"""A gunicorn worker SIGKILLed mid-exam, and the whole server killed and restarted mid-exam: every answer the
server acknowledged is in the answers table afterwards, takers carry on, attempts keep their deadline."""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime

import pytest

from tests.faults.harness import (
    Server,
    Taker,
    backend,
    check_acknowledged,
    fresh_database,
    keep_answering,
    record_figures,
    run_takers,
    seed,
)

pytestmark = pytest.mark.faults
TAKERS = 50


def _sign_in_and_start(server: Server, seeded, n: int) -> list[Taker]:
    takers = [Taker(server.url, name) for name in seeded.usernames[:n]]
    until = time.monotonic() + 60
    run_takers(takers, lambda t: (t.sign_in(until), t.start(seeded.exam_id, until)))
    return takers


def test_a_worker_killed_mid_exam_loses_no_acknowledged_answer():
    db = fresh_database(backend())
    seeded = seed(db, TAKERS)
    server = Server(db, workers=3).start()
    try:
        takers = _sign_in_and_start(server, seeded, TAKERS)
        killed: list[int] = []

        def killer():
            time.sleep(2.0)
            killed.append(server.kill_worker())
            time.sleep(2.0)
            killed.append(server.kill_worker())

        threading.Thread(target=killer, daemon=True).start()
        until = time.monotonic() + 7.0
        run_takers(takers, lambda t: keep_answering(t, until, rng=random.Random(t.username)))
        # after the kills every taker still gets through (the master replaced the dead workers)
        after = time.monotonic() + 20
        run_takers(takers, lambda t: t.save(t.attempt["questions"][0], ["A"], after))
        assert len(killed) == 2 and len(server.worker_pids()) == 3
        acks = [a for t in takers for a in t.acks]
        acknowledged, present = check_acknowledged(db.uri, acks)
        failures = sum(sum(t.failures.values()) for t in takers)
        record_figures("worker SIGKILL mid-exam", takers=TAKERS, workers_killed=len(killed),
                       acknowledged=acknowledged, present=present, failed_requests_retried=failures)
        assert acknowledged > 150 and present == acknowledged
        assert all(t.acks and t.acks[-1][3] == ["A"] for t in takers)
        for t in takers:
            t.close()
    finally:
        server.stop()
        db.drop()


def test_the_whole_server_killed_and_restarted_mid_exam():
    db = fresh_database(backend())
    seeded = seed(db, 20)
    server = Server(db, workers=2).start()
    restarted = None
    try:
        takers = _sign_in_and_start(server, seeded, 20)
        deadlines = {t.username: t.attempt["deadline"] for t in takers}
        port = server.port

        def power_cut():
            time.sleep(2.0)
            server.kill_all()
            time.sleep(1.0)
            nonlocal restarted
            restarted = Server(db, workers=2, port=port).start()

        cut = threading.Thread(target=power_cut, daemon=True)
        cut.start()
        until = time.monotonic() + 8.0
        run_takers(takers, lambda t: keep_answering(t, until, rng=random.Random(t.username)))
        cut.join(60)
        assert restarted is not None
        acks = [a for t in takers for a in t.acks]
        acknowledged, present = check_acknowledged(db.uri, acks)
        failures = sum(sum(t.failures.values()) for t in takers)
        record_figures("whole server SIGKILL + restart mid-exam", takers=20, acknowledged=acknowledged,
                       present=present, failed_requests_retried=failures)
        assert acknowledged > 40 and present == acknowledged
        assert failures > 0  # the cut really happened while they were answering
        # every attempt resumes: same attempt, same deadline, remaining time counted from that deadline
        for t in takers:
            before_id = t.attempt["attempt_id"]
            resumed = t.start(seeded.exam_id, time.monotonic() + 20)
            assert resumed["attempt_id"] == before_id and resumed["resumed"] is True
            assert resumed["deadline"] == deadlines[t.username]
            status = t.status()
            deadline = datetime.fromisoformat(status["deadline"])
            expected = (deadline - datetime.now(deadline.tzinfo)).total_seconds()
            assert status["status"] == "in_progress" and abs(status["remaining_seconds"] - expected) <= 3
            # and the answers the page restores are the acknowledged ones
            mine = {}
            for _aid, qid, seq, response in t.acks:
                if qid not in mine or seq > mine[qid][0]:
                    mine[qid] = (seq, response)
            assert {int(k): v for k, v in resumed["responses"].items()} == {q: r for q, (s, r) in mine.items()}
            t.close()
    finally:
        if restarted is not None:
            restarted.stop()
        server.stop()
        db.drop()
