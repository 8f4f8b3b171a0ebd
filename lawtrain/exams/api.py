"""The exam JSON API (session cookie + X-CSRFToken header), used by the exam page and integration tests.

Contract (documented in docs/API.md):
  GET  /api/exams                                   exams open to the current user
  POST /api/exams/<exam_id>/attempts                start or resume
  PUT  /api/attempts/<attempt_id>/answers/<qid>     save {"response": [...], "seq": n}; 409 when closed
  POST /api/attempts/<attempt_id>/submit            idempotent; {"reason": "time_up"} from a countdown at 0:00
  GET  /api/attempts/<attempt_id>                   status, remaining seconds, result once released
  POST /api/attempts/<attempt_id>/events            {"kind": "focus_lost" | "focus_back"}
Someone else's attempt, or a question not on the paper, is 404. The GET never writes: an overdue attempt is
reported as timed out and graded (queries.as_seen); it is stored by the next write path.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from lawtrain.auth.policy import login_required
from lawtrain.auth.sessions import client_ip
from lawtrain.exams import attempts, availability, errors, papers, practice, queries
from lawtrain.exams.models import AttemptStatus
from lawtrain.exams.views import own_attempt
from lawtrain.extensions import db
from lawtrain.sqlite_writes import begin_writing, begins_writing_itself, reads_from_here
from lawtrain.timeutil import iso_utc, utcnow

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_SEQ = 2**31 - 1  # the answers.seq column is a 32-bit INTEGER on PostgreSQL


def _error(status: int, message: str, **extra):
    return jsonify(error=message, status=status, **extra), status


@bp.get("/exams")
@login_required
def exams():
    rows = availability.exams_for_user(db.session, current_user, utcnow())
    return jsonify([
        {"id": s.exam.id, "title": s.exam.title, "status": s.status, "locked_reasons": s.locked_reasons,
         "attempts_left": s.attempts_left, "opens_at": iso_utc(s.opens_at), "closes_at": iso_utc(s.closes_at),
         "duration_minutes": s.exam.duration_minutes, "attempt_in_progress": s.open_attempt_id}
        for s in rows
    ])


@bp.post("/exams/<int:exam_id>/attempts")
@begins_writing_itself  # a start burst: the pools are read in parallel, the write lock covers the writes only
@login_required
def start(exam_id: int):
    now = utcnow()
    try:
        exam = availability.visible_exam(db.session, exam_id, current_user)
        drawer = papers.drawer_for_start(db.session, exam, current_user.id)
        begin_writing(db.session())
        attempt, resumed = attempts.start_attempt(db.session, exam, current_user, now, ip=client_ip(), drawer=drawer)
    except errors.ExamNotFound:
        abort(404)
    except errors.ExamUnavailable as e:
        return _error(403, str(e), locked_reasons=e.reasons)
    except errors.PaperError as e:
        return _error(409, str(e))
    reads_from_here()
    return jsonify(queries.delivery(db.session, attempt, now) | {"resumed": resumed})


@bp.put("/attempts/<int:attempt_id>/answers/<int:question_id>")
@begins_writing_itself  # the request an exam sends most: the SQLite write lock covers the writes only
@login_required
def save(attempt_id: int, question_id: int):
    attempt = own_attempt(attempt_id)
    body = request.get_json(silent=True)
    try:
        if not isinstance(body, dict) or isinstance(body.get("seq"), bool):
            raise ValueError("body")
        seq = int(body["seq"])
        response = attempts.validate_response(body.get("response"))
        if not 1 <= seq <= MAX_SEQ:
            raise ValueError("seq")
    except (KeyError, TypeError, ValueError, OverflowError):
        return _error(400, _("请求格式错误：需要 %(shape)s", shape='{"response": [...], "seq": 1..}'))
    begin_writing(db.session())
    try:
        result = attempts.save_answer(db.session, attempt, question_id, response, seq, utcnow())
    except errors.NotOnPaper:
        abort(404)
    except errors.AttemptClosed as e:
        return _error(409, str(e), attempt_status=attempt.status)
    return jsonify(saved=result.saved, seq=result.seq, remaining_seconds=result.remaining_seconds)


@bp.post("/attempts/<int:attempt_id>/submit")
@begins_writing_itself  # an end burst: grading reads in parallel, the write lock covers the stored grade only
@login_required
def submit(attempt_id: int):
    attempt = own_attempt(attempt_id)
    now = utcnow()
    time_up = (request.get_json(silent=True) or {}).get("reason") == "time_up"  # the page's countdown hit 0:00
    prepared = queries.prepare_grade(db.session, attempt) if attempt.status != AttemptStatus.SUBMITTED else None
    begin_writing(db.session())
    attempts.submit_attempt(db.session, attempt, now, time_up=time_up, prepared=prepared)
    reads_from_here()
    return jsonify(queries.result_payload(attempt, now))


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt_status(attempt_id: int):
    now = utcnow()
    attempt = queries.as_seen(db.session, own_attempt(attempt_id), now)
    return jsonify(queries.result_payload(attempt, now))


@bp.post("/attempts/<int:attempt_id>/events")
@login_required
def focus_event(attempt_id: int):
    attempt = own_attempt(attempt_id)
    kind = {"focus_lost": "lost", "focus_back": "back", "lost": "lost", "back": "back"}.get(
        str((request.get_json(silent=True) or {}).get("kind")))
    if kind is None:
        return _error(400, _("%(field)s 必须是 %(values)s", field="kind", values="focus_lost / focus_back"))
    try:
        attempts.record_focus(db.session, attempt, kind, utcnow())
    except errors.AttemptClosed as e:
        return _error(409, str(e))
    except errors.EventTooLate:  # not recorded; not a 409 either: the page must still send its last saves
        return jsonify(status=attempt.status, tab_switches=attempt.tab_switches, recorded=False)
    return jsonify(status=attempt.status, tab_switches=attempt.tab_switches, recorded=True)


@bp.post("/practice/answer")
@login_required
def practice_answer():
    body = request.get_json(silent=True) or {}
    try:
        question_id = int(body["question_id"])
        response = attempts.validate_response(body.get("response"))
    except (KeyError, TypeError, ValueError):
        return _error(400, _("请求格式错误：需要 %(shape)s", shape="question_id, response"))
    try:
        feedback = practice.answer_question(db.session, current_user, question_id, response,
                                            str(body.get("mode") or "law"), utcnow())
    except practice.PracticeError:
        abort(404)
    return jsonify(feedback)
