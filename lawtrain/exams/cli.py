"""Exam commands: close-overdue (cron sweep) and pregenerate-papers."""

from __future__ import annotations

import random

import click
from flask import Flask
from flask.cli import with_appcontext

from lawtrain import signals
from lawtrain.cli import fail
from lawtrain.exams.attempts import close_overdue
from lawtrain.exams.errors import PaperError
from lawtrain.exams.models import Exam
from lawtrain.exams.papers import pregenerate_papers
from lawtrain.extensions import db
from lawtrain.timeutil import utcnow


@click.command("close-overdue")
@with_appcontext
def close_overdue_command() -> None:
    """Close and grade every attempt whose deadline (plus grace) has passed."""
    now = utcnow()
    n = close_overdue(db.session, now)
    click.echo(f"已关闭 {n} 份超时答卷 (closed {n} overdue attempts)")
    for line in signals.ask(signals.overdue_sweep, session=db.session, now=now):
        if line:
            click.echo(line)


@click.command("pregenerate-papers")
@click.argument("exam_id", type=int)
@with_appcontext
def pregenerate_papers_command(exam_id: int) -> None:
    """Draw a paper now for every person assigned to EXAM_ID who has none."""
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        fail(f"考试 {exam_id} 不存在")
    try:
        n = pregenerate_papers(db.session, exam, rng=random.Random(), now=utcnow())
    except PaperError as e:
        fail(f"无法生成试卷：{e}")
    click.echo(f"已为考试“{exam.title}”预生成 {n} 份试卷")


def add_commands(app: Flask) -> None:
    app.cli.add_command(close_overdue_command)
    app.cli.add_command(pregenerate_papers_command)
