"""Thin click commands: parse arguments, call a service, print a result or one clear error line."""

from __future__ import annotations

import random
import sys
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from lawtrain.extensions import db
from lawtrain.timeutil import utcnow


def fail(message: str) -> NoReturn:
    """Print one clear line to stderr and exit non-zero (every command's way to stop on an error)."""
    click.echo(f"错误: {message}", err=True)
    sys.exit(1)


def upgrade_database() -> None:
    """Bring the schema to the newest migration."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


def database_is_empty() -> bool:
    from sqlalchemy import inspect

    return not inspect(db.engine).has_table("users")


def run_demo_seed(password: str):
    from lawtrain.demo import DemoContext, default_laws_dir, seed_demo

    ctx = DemoContext(password=password, now=utcnow(), rng=random.Random(2025),
                      laws_dir=default_laws_dir(current_app.config["LAWTRAIN_LAWS_DIR"]))
    return seed_demo(db.session, ctx)


def print_accounts(ctx) -> None:
    click.echo("演示账号 (demo accounts) — 密码 (password): " + ctx.password)
    for login, name, role in ctx.accounts:
        if not login.startswith("staff") or login in ("staff01", "staff02", "staff30"):
            click.echo(f"  {login:<10} {name:<8} {role}")
    click.echo("  staff01 … staff30 (30 名学员 / staff)")
    for note in ctx.notes:
        click.echo("  " + note)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema (runs the migrations)."""
    upgrade_database()
    click.echo("数据库已就绪 (database is up to date)")


@click.command("seed-demo")
@click.option("--password", default=None, help="Password for every demo account.")
@with_appcontext
def seed_demo_command(password: str | None) -> None:
    """Add the demo organisation, accounts, courses, banks and exams (idempotent)."""
    from lawtrain.auth.services import AuthError, validate_password
    from lawtrain.demo import DEFAULT_DEMO_PASSWORD

    password = password or DEFAULT_DEMO_PASSWORD
    try:
        validate_password(password)
    except AuthError as e:
        fail(str(e))
    upgrade_database()
    print_accounts(run_demo_seed(password))


@click.command("load-content")
@with_appcontext
def load_content_command() -> None:
    """Load the shipped law texts, course modules and question banks (idempotent; no accounts, no exams)."""
    from sqlalchemy import func, select

    from lawtrain.banks.models import Question
    from lawtrain.courses.models import CourseModule, Law
    from lawtrain.demo import DemoContext, default_laws_dir, seed_content

    if database_is_empty():
        fail("数据库还没有表结构：请先运行 flask --app app db upgrade")
    ctx = seed_content(db.session, DemoContext(password="", now=utcnow(), rng=random.Random(2025),
                                               laws_dir=default_laws_dir(current_app.config["LAWTRAIN_LAWS_DIR"])))
    for note in ctx.notes:
        click.echo("  " + note)
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Law, CourseModule, Question)]
    click.echo("已载入随系统发布的内容：法律 {} 部，课程模块 {} 个，试题 {} 道".format(*counts))


@click.command("purge-stored-files")
@with_appcontext
def purge_stored_files_command() -> None:
    """Delete expired pending imports and uploads (run from cron with close-overdue)."""
    from lawtrain.storage.services import purge_expired

    click.echo(f"已删除过期的暂存文件 {purge_expired(db.session, utcnow())} 个")


@click.command("create-user")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help="staff | trainer | leader | admin")
@click.option("--department", default=None, help="Department path, e.g. 区应急局/执法大队")
@click.option("--name", default=None, help="Display name (姓名)")
@click.option("--staff-no", default=None)
@click.option("--password", default=None)
@with_appcontext
def create_user_command(username, roles, department, name, staff_no, password) -> None:
    """Create one account; prints its initial password."""
    from lawtrain.auth.services import AuthError, create_user
    from lawtrain.org.services import find_by_path

    dept_id = None
    if department:
        dept = find_by_path(db.session, department)
        if dept is None:
            fail(f"部门不存在: {department}")
        dept_id = dept.id
    try:
        user, initial = create_user(db.session, actor=None, now=utcnow(), username=username,
                                    display_name=name or username, roles=roles, department_id=dept_id,
                                    staff_no=staff_no, password=password)
    except AuthError as e:  # refused before anything was added
        fail(str(e))
    click.echo(f"已创建用户 {user.username} (roles: {', '.join(sorted(user.roles))}); 初始密码: {initial}")


def init_app(app: Flask) -> None:
    """The commands of the whole platform; each area adds its own in its register(app)."""
    for command in (init_db_command, seed_demo_command, load_content_command, purge_stored_files_command,
                    create_user_command):
        app.cli.add_command(command)
