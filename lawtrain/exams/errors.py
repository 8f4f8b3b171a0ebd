"""The exams area's domain exceptions; each message is for people (views map them to 404/403/409 or a flash)."""

from __future__ import annotations

from collections.abc import Sequence


class ExamError(Exception):
    """A rule of the exams area was broken; the message is for people."""


class ExamNotFound(ExamError):
    """The exam or attempt does not exist for this person (shown as 404)."""


class ExamUnavailable(ExamError):
    """The person may see the exam but cannot start it now (window, attempts, gate)."""

    def __init__(self, message: str, reasons: Sequence[str] = ()):
        super().__init__(message)
        self.reasons = list(reasons)


class AttemptClosed(ExamError):
    """The attempt no longer accepts answers (HTTP 409)."""


class EventTooLate(ExamError):
    """A focus event sent after the attempt's deadline: not recorded (the attempt may still take saves in flight)."""


class NotOnPaper(ExamError):
    """The question is not on this attempt's paper (HTTP 404)."""


class PaperError(ExamError):
    """The exam's rules cannot produce a paper."""

    def __init__(self, messages: Sequence[str]):
        super().__init__("；".join(messages))
        self.messages = list(messages)


class FixedPaperError(PaperError):
    """The trainer's fixed paper cannot be saved: one message per wrong line, naming the line."""
