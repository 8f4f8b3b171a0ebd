"""The bureau's own settings: neutral until set, set by an administrator (page or CLI), used on certificates."""

from __future__ import annotations

import pytest

from lawtrain.certificates import services as certificates
from lawtrain.settings import services


def test_a_fresh_install_without_the_demo_names_no_bureau():
    fresh = services.defaults({"LAWTRAIN_DEMO": False})
    assert fresh.org_name == "" and fresh.cert_prefix == "LT" and not fresh.is_complete
    demo = services.defaults({"LAWTRAIN_DEMO": True})
    assert (demo.org_name, demo.cert_prefix) == ("上海市宝山区应急管理局", "BSYJ")
    env = services.defaults({"LAWTRAIN_DEMO": False, "LAWTRAIN_ORG_NAME": "某区应急管理局",
                             "LAWTRAIN_CERT_PREFIX": "MQ"})
    assert (env.org_name, env.cert_prefix) == ("某区应急管理局", "MQ")


@pytest.mark.parametrize(("values", "field"), [
    (("", "AB", ""), "org_name"), (("某局", "A-B", ""), "cert_prefix"), (("某局", "", ""), "cert_prefix"),
    (("某局", "AB", "ftp://x/"), "base_url"), (("某局", "AB", "peixun.local"), "base_url"),
])
def test_a_setting_that_cannot_work_is_named(values, field):
    with pytest.raises(services.SettingsError) as e:
        services.clean(*values)
    assert e.value.field == field


def test_an_administrator_sets_the_bureau_and_new_certificates_follow(app, client, session, login_as):
    login_as("admin")
    page = client.get("/settings/").get_data(as_text=True)
    assert 'value="上海市宝山区应急管理局"' in page  # from the environment (tests/conftest.py) until saved
    r = client.post("/settings/", data={"org_name": "某某区应急管理局", "cert_prefix": "mmyj",
                                        "base_url": "https://peixun.example"})
    assert r.status_code == 302
    saved = services.effective(session, app.config)
    assert saved == services.OrgSettings("某某区应急管理局", "MMYJ", "https://peixun.example/")
    assert "某某区应急管理局" in client.get("/settings/").get_data(as_text=True)  # the footer too
    assert certificates.current_settings().prefix == "MMYJ"  # the serial prefix of certificates issued now
    options = certificates.render_options(session, app.config, "https://peixun.example/")
    assert options.org_name == "某某区应急管理局"


def test_a_bad_setting_is_refused_on_its_field(client, login_as):
    login_as("admin")
    r = client.post("/settings/", data={"org_name": "某局", "cert_prefix": "中文", "base_url": ""})
    assert r.status_code == 400 and "只能用 1 到 12 个大写字母或数字" in r.get_data(as_text=True)


@pytest.mark.parametrize("role", ["staff", "trainer", "leader"])
def test_only_an_administrator_sees_the_settings(client, login_as, role):
    login_as(role)
    assert client.get("/settings/").status_code == 403
    assert client.post("/settings/", data={"org_name": "x", "cert_prefix": "X"}).status_code == 403


def test_first_run_setup_from_the_command_line(app, runner, session):
    assert "（未设置）" not in runner.invoke(args=["configure"]).output  # the environment names the bureau here
    result = runner.invoke(args=["configure", "--org-name", "某区应急管理局", "--cert-prefix", "mq",
                                 "--base-url", "https://lawtrain.example/"])
    assert result.exit_code == 0, result.output
    assert services.effective(session, app.config) == services.OrgSettings("某区应急管理局", "MQ",
                                                                            "https://lawtrain.example/")
    bad = runner.invoke(args=["configure", "--cert-prefix", "A B"])
    assert bad.exit_code == 1 and "证书编号前缀" in bad.output
