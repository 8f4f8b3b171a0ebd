"""The foundation's commands as an operator runs them: init-db, create-user, seed-demo (one clear line on bad
input, exit code 1, nothing changed)."""

from __future__ import annotations

from sqlalchemy import func, inspect, select

from lawtrain import create_app
from lawtrain.auth.models import User
from lawtrain.auth.passwords import verify_password
from lawtrain.extensions import db
from tests import factories
from tests.conftest import TEST_CONFIG


def test_init_db_creates_the_schema_and_is_idempotent(tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/fresh.db"})
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "数据库已就绪" in result.output
    with app.app_context():
        assert {"users", "exams", "attempts", "certificates"} <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()


def test_create_user_and_its_refusals(runner, session):
    factories.make_department(session, path="区应急局/执法大队")
    ok = runner.invoke(args=["create-user", "zhangsan", "--role", "staff", "--role", "leader", "--department",
                             "区应急局/执法大队", "--name", "张三", "--staff-no", "BS100"])
    assert ok.exit_code == 0, ok.output
    initial = ok.output.rsplit("初始密码: ", 1)[1].strip()
    user = session.scalar(select(User).where(User.username == "zhangsan"))
    assert (user.display_name, user.staff_no, user.department.name, sorted(user.roles)) == (
        "张三", "BS100", "执法大队", ["leader", "staff"])
    assert verify_password(user.password_hash, initial) and user.must_change_password

    for args, message in (
            (["create-user", " ZhangSan ", "--role", "staff"], "已存在"),  # the same login, normalised
            (["create-user", "lisi", "--role", "staff", "--department", "区应急局/不存在"], "部门不存在"),
            (["create-user", "lisi", "--role", "boss"], None),
            (["create-user", "lisi", "--role", "staff", "--password", "123"], None)):
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        if message:
            assert message in result.output, (args, result.output)
    assert session.scalar(select(func.count(User.id))) == 1


def test_seed_demo_prints_the_accounts_that_then_sign_in(tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/demo.db"})
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["seed-demo", "--password", "123"])
    assert weak.exit_code == 1 and "错误" in weak.output
    result = runner.invoke(args=["seed-demo", "--password", "Demo-Pass-2031"])
    assert result.exit_code == 0, result.output
    for login in ("admin", "trainer", "leader", "leader2", "staff01", "staff30"):
        assert login in result.output
    assert "Demo-Pass-2031" in result.output
    client = app.test_client()
    for login in ("leader2", "staff30"):
        response = client.post("/auth/login", data={"username": login, "password": "Demo-Pass-2031"})
        assert response.status_code == 302 and "/auth/login" not in response.headers["Location"]
        client.post("/auth/logout")
    with app.app_context():
        db.engine.dispose()


def test_load_content_brings_the_shipped_laws_modules_and_banks_but_no_people(runner, session):
    from sqlalchemy import func, select

    from lawtrain.auth.models import User
    from lawtrain.banks.models import Bank
    from lawtrain.courses.models import CourseModule, TrainingAssignment
    from lawtrain.exams.models import Exam

    first = runner.invoke(args=["load-content"])
    assert first.exit_code == 0, first.output
    count = lambda model: session.scalar(select(func.count()).select_from(model))  # noqa: E731
    banks, modules = count(Bank), count(CourseModule)
    assert banks >= 3 and modules >= 3 and "已载入随系统发布的内容" in first.output
    assert count(User) == count(Exam) == count(TrainingAssignment) == 0
    session.commit()  # end the test's reads (on SQLite they hold the write lock the command needs)
    again = runner.invoke(args=["load-content"])  # idempotent: an upgrade may run it again
    assert again.exit_code == 0 and (count(Bank), count(CourseModule)) == (banks, modules)
