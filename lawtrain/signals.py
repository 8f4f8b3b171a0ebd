"""Named events one area sends and a higher area listens to (blinker, which Flask already ships).

A lower area never imports a higher one: it sends an event, and the listeners are connected by the
listening area's `register(app)`. Receivers run inside the sender's transaction and never commit.
"""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

# exams -> certificates: an attempt has (new) grades. kwargs: session, attempt, previous_passed, now.
attempt_graded = _events.signal("attempt-graded")
# exams -> certificates: an exam's results were released (by a trainer, or its window closed with results due
# after the close). kwargs: session, exam, now.
results_released = _events.signal("results-released")
# banks -> exams: papers holding old_version_id are to follow a key correction to new_version_id.
# kwargs: session, question_id, old_version_id, new_version_id, actor, now. A receiver returns the id of the
# audit entry recording what it changed (None: nothing to change).
answer_key_corrected = _events.signal("answer-key-corrected")
# banks asks exams: is this question version on a paper (shown, or drawn in advance)? kwargs: session,
# version_id. A receiver returns True when it is.
version_usage = _events.signal("version-usage")
# courses -> banks: articles of a law changed. kwargs: session, law_name, articles, reason, now. A receiver
# returns how many of its items it flagged for review.
law_revised = _events.signal("law-revised")
# courses -> certificates: a person completed a module. kwargs: session, user_id, module_id, now.
module_completed = _events.signal("module-completed")
# courses -> certificates: a training assignment was created. kwargs: session, assignment, now.
assignment_created = _events.signal("assignment-created")


def ask(signal, **kwargs) -> list:
    """Send `signal` with keyword arguments only; the receivers' return values, in connection order."""
    return [value for _receiver, value in signal.send(None, **kwargs)]
# exams CLI -> higher areas: the `close-overdue` job ran. kwargs: session, now. Unlike the events above, a
# receiver is a use case of its own (it commits); it returns a line for the job's output.
overdue_sweep = _events.signal("overdue-sweep")
