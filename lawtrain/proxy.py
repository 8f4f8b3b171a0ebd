"""The client address behind reverse proxies: one setting, LAWTRAIN_PROXY_HOPS, and a loud warning when a
proxy is plainly in front of the app but the setting is off (every request would seem to come from it)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

WARNING = ("requests arrive from %s with X-Forwarded-For but LAWTRAIN_PROXY_HOPS is 0: the audit log and the "
           "per-address login throttle see the proxy's address, not the client's. Behind one nginx set "
           "LAWTRAIN_PROXY_HOPS=1 (docs/DEPLOY.md)")


def proxy_hops(env: Mapping[str, str]) -> int:
    """How many proxies in front of the app to trust. LAWTRAIN_PROXY_HOPS=N; the older LAWTRAIN_PROXY_FIX=1
    still means one hop. A value that is not a small whole number stops the start-up with a clear error."""
    raw = (env.get("LAWTRAIN_PROXY_HOPS") or "").strip()
    if not raw:
        return 1 if env.get("LAWTRAIN_PROXY_FIX") == "1" else 0
    if not raw.isdigit() or int(raw) > 5:
        raise ValueError(f"LAWTRAIN_PROXY_HOPS must be a whole number from 0 to 5 (got {raw!r})")
    return int(raw)


def _looks_like_a_proxy(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private


def init_app(app: Flask) -> None:
    hops = app.config["LAWTRAIN_PROXY_HOPS"]
    if hops:
        # The address and scheme come from the last `hops` X-Forwarded-* entries (the ones our proxies added);
        # the Host header is passed through by nginx as is ($http_host), so x_host stays 0.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
        return
    warned = []

    @app.before_request
    def _warn_once_about_an_unconfigured_proxy():
        if not warned and "X-Forwarded-For" in request.headers and _looks_like_a_proxy(request.remote_addr):
            warned.append(True)
            app.logger.warning(WARNING, request.remote_addr)
