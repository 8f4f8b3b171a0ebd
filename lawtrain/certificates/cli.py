"""Certificate commands: certificates-zip (all of an exam's PDFs) and revoke-certificate."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from lawtrain.cli import fail
from lawtrain.extensions import db
from lawtrain.timeutil import format_local, utcnow


@click.command("certificates-zip")
@click.argument("exam_id", type=int)
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the zip file.")
@click.option("--base-url", default=None,
              help="The address the QR codes point to (default: the organisation's, see `flask configure`), e.g. http://lawtrain.intranet/")
@with_appcontext
def certificates_zip_command(exam_id: int, output: str, base_url: str | None) -> None:
    """Write every unrevoked certificate of EXAM_ID as 工号_姓名_证书编号.pdf into one zip file."""
    from lawtrain.certificates import queries, services
    from lawtrain.exams.models import Exam

    exam = db.session.get(Exam, exam_id)
    if exam is None:
        fail(f"考试 {exam_id} 不存在")
    certs = db.session.scalars(queries.not_revoked(queries.exam_certificates(exam.id))).all()
    if not certs:
        fail(f"考试“{exam.title}”还没有有效证书")
    from lawtrain.settings.context import current as current_org_settings

    base = base_url or current_org_settings().base_url
    if not base:
        base = "http://localhost:5000/"
        click.echo(f"提示: 未设置访问地址（flask configure --base-url）或 --base-url，二维码指向 {base}"
                   "（内网部署时请设置为平台的访问地址）", err=True)
    options = services.render_options(db.session, current_app.config, base)
    try:
        with open(output, "wb") as out:
            n = services.write_zip(certs, out, lambda c: services.certificate_pdf(c, options))
    except OSError as e:
        fail(f"无法写入 {output}: {e.strerror}")
    click.echo(f"已写入 {n} 张证书到 {output}")


@click.command("revoke-certificate")
@click.argument("serial")
@click.option("--reason", required=True, help="撤销原因 (shown on the verify page).")
@with_appcontext
def revoke_certificate_command(serial: str, reason: str) -> None:
    """Revoke the certificate with number SERIAL (e.g. BSYJ-2025-000123)."""
    from lawtrain.certificates import queries, services

    cert = queries.by_serial(db.session, serial)
    if cert is None:
        fail(f"证书 {serial} 不存在")
    if cert.revoked_at is not None and not cert.is_auto_revoked:
        fail(f"证书 {cert.serial} 已于 {format_local(cert.revoked_at)} 撤销：{cert.revoke_reason}")
    if not reason.strip():
        fail("请填写撤销原因")
    services.revoke_certificate(db.session, cert, reason, None, utcnow())
    click.echo(f"已撤销证书 {cert.serial}（{cert.person_name}）：{cert.revoke_reason}")


def add_commands(app: Flask) -> None:
    app.cli.add_command(certificates_zip_command)
    app.cli.add_command(revoke_certificate_command)
