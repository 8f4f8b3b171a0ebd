"""import-law / import-course commands and the idempotent demo seed."""

import random
from pathlib import Path

from sqlalchemy import func, select

from lawtrain.auth.models import User
from lawtrain.courses import demo
from lawtrain.courses.models import CourseModule, Law, StudyRecord, StudyTimeEntry, TrainingAssignment
from lawtrain.demo import DemoContext
from lawtrain.org import demo as org_demo

SHARED = Path(__file__).resolve().parents[2] / "question_banks" / "laws"
BANKS = Path(__file__).resolve().parents[2] / "question_banks"


def test_import_law_command(runner, session):
    result = runner.invoke(args=["import-law", str(SHARED / "work-safety-law.md")])
    assert result.exit_code == 0, result.output
    assert "已导入《安全生产法》2021-06-10 版本：119 条" in result.output
    again = runner.invoke(args=["import-law", str(SHARED / "work-safety-law.md")])
    assert again.exit_code == 1 and "已经导入过" in again.output
    bad_date = runner.invoke(args=["import-law", str(SHARED / "work-safety-law.md"), "--revision-date", "2025-13-01"])
    assert bad_date.exit_code == 1 and "YYYY-MM-DD" in bad_date.output
    missing = runner.invoke(args=["import-law", "/nonexistent.md"])
    assert missing.exit_code == 1 and "文件不存在" in missing.output


def test_import_law_with_name_and_date(runner, session, tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("第一条 为了示例。\n第二条 本法自公布之日起施行。\n", encoding="utf-8")
    result = runner.invoke(args=["import-law", str(path)])
    assert result.exit_code == 1 and "没有找到法律名称" in result.output
    path.write_text("示例法\n第一条 为了示例。\n", encoding="utf-8")
    assert "--revision-date" in runner.invoke(args=["import-law", str(path)]).output
    ok = runner.invoke(args=["import-law", str(path), "--name", "中华人民共和国样板法",
                             "--revision-date", "2024-01-01"])
    assert ok.exit_code == 0, ok.output
    assert session.scalar(select(Law.short_name)) == "样板法"


def test_import_course_command(runner, session, tmp_path):
    result = runner.invoke(args=["import-course", str(BANKS)])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count(CourseModule.id))) >= 6
    empty = runner.invoke(args=["import-course", str(tmp_path)])
    assert empty.exit_code == 1 and "没有找到课程模块文件" in empty.output


def test_demo_seed_is_idempotent(session, now):
    ctx = DemoContext(password="demo-pass-2025", now=now, rng=random.Random(1), laws_dir=SHARED, banks_dir=BANKS)
    org_demo.seed_demo(session, ctx)
    demo.seed_demo(session, ctx)
    counts = [session.scalar(select(func.count(m.id))) for m in (Law, CourseModule, TrainingAssignment,
                                                                  StudyRecord, StudyTimeEntry)]
    demo.seed_demo(session, ctx)
    assert [session.scalar(select(func.count(m.id))) for m in (Law, CourseModule, TrainingAssignment, StudyRecord,
                                                                StudyTimeEntry)] == counts
    assert counts[0] == 6 and counts[2] == 2  # the year's assignment and the induction one that awards certificates
    staff01_done = session.scalar(select(func.count(StudyRecord.id)).join(User, StudyRecord.user_id == User.id)
                                  .where(User.username == "staff01", StudyRecord.completed_at.is_not(None)))
    assert staff01_done == 2
