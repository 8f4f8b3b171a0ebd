"""The pools a rule exam draws from are kept per process only while nothing they depend on has changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lawtrain.banks import services as bank_services
from lawtrain.banks.models import Question
from lawtrain.exams import papers
from tests import factories
from tests.services.exams_helpers import exam_bank

RULES = (("single", 4, 5.0), ("true_false", 2, 5.0))


pytestmark = pytest.mark.usefixtures("in_request")  # messages are translated per request


@pytest.fixture
def exam(session):
    bank = exam_bank(session)
    return factories.make_exam(session, bank=bank, rules=RULES, users=[factories.make_user(session)])


def _drawn_ids(drawer) -> set[int]:
    return {item.question_id for seed in range(60) for item in drawer(seed)}


def test_a_start_burst_reads_the_pools_once(session, exam):
    first = papers.paper_drawer(session, exam)
    assert papers.paper_drawer(session, exam) is first


def test_a_retired_question_is_never_drawn_again(session, exam, now):
    before = papers.paper_drawer(session, exam)
    victim = sorted(_drawn_ids(before))[0]
    question = session.get(Question, victim)
    bank_services.retire_questions(session, question.bank, [victim], actor=None, now=now + timedelta(seconds=1))
    after = papers.paper_drawer(session, exam)
    assert after is not before and victim not in _drawn_ids(after)


def test_a_new_question_and_a_changed_rule_each_give_fresh_pools(session, exam):
    before = papers.paper_drawer(session, exam)
    bank = session.scalars(select(Question)).first().bank
    added = factories.make_question(session, bank, type="single", options=["新甲", "新乙", "新丙", "新丁"])
    with_new = papers.paper_drawer(session, exam)
    assert with_new is not before and added.id in _drawn_ids(with_new)
    exam.rules[0].count = 5
    session.commit()
    wider = papers.paper_drawer(session, exam)
    assert wider is not with_new and len(wider(1)) == 7
