"""Exams: scheduling, per-person papers, timed delivery, scoring, review and practice."""
