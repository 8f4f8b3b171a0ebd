"""`python app.py`: prepare the database on first start, print demo accounts, serve locally."""

from __future__ import annotations

import os

from flask import Flask


def run(app: Flask) -> None:
    from lawtrain.cli import database_is_empty, print_accounts, run_demo_seed, upgrade_database
    from lawtrain.demo import DEFAULT_DEMO_PASSWORD

    with app.app_context():
        first_start = database_is_empty()
        upgrade_database()
        if first_start and app.config["LAWTRAIN_DEMO"]:
            print("首次启动：正在创建演示数据 (first start: creating demo data) …", flush=True)
            print_accounts(run_demo_seed(os.environ.get("LAWTRAIN_DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)))
    host = os.environ.get("LAWTRAIN_HOST", "127.0.0.1")
    port = int(os.environ.get("LAWTRAIN_PORT", "5000"))
    print(f"LawTrain 已启动: http://{host}:{port}/  (Ctrl+C 停止)", flush=True)
    app.run(host=host, port=port, debug=False, threaded=True)
