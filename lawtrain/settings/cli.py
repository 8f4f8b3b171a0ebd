"""`flask configure`: show or set the organisation settings from the command line (first-run setup)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from lawtrain.cli import fail
from lawtrain.extensions import db
from lawtrain.settings import services
from lawtrain.timeutil import utcnow


@click.command("configure")
@click.option("--org-name", default=None, help="Organisation name printed on certificates, e.g. 某某区应急管理局")
@click.option("--cert-prefix", default=None, help="Certificate serial prefix, e.g. BSYJ")
@click.option("--base-url", default=None, help="Address the certificates' QR codes point to, e.g. https://peixun.example/")
@with_appcontext
def configure_command(org_name: str | None, cert_prefix: str | None, base_url: str | None) -> None:
    """Set the organisation settings (stored in the database); with no option, print them."""
    now = services.effective(db.session, current_app.config)
    if org_name is None and cert_prefix is None and base_url is None:
        click.echo(f"单位名称 (org name):      {now.org_name or '（未设置）'}")
        click.echo(f"证书编号前缀 (cert prefix): {now.cert_prefix}")
        click.echo(f"访问地址 (base URL):      {now.base_url or '（未设置：使用请求的地址）'}")
        return
    try:
        values = services.clean(org_name if org_name is not None else now.org_name,
                                cert_prefix if cert_prefix is not None else now.cert_prefix,
                                base_url if base_url is not None else now.base_url)
    except services.SettingsError as e:
        fail(str(e))
    services.save_settings(db.session, values, actor=None, now=utcnow())
    click.echo(f"已保存: {values.org_name} / {values.cert_prefix} / {values.base_url or '（未设置访问地址）'}")


def register(app: Flask) -> None:
    app.cli.add_command(configure_command)
