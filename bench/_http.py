"""A minimal asyncio HTTP/1.1 client for the load generator: just what a taker needs, at a fraction of the CPU.

The load generator shares the two cores with the server it measures, so every millisecond it spends per
request is taken from the server. A general-purpose client (httpx) spends about as much CPU on a request
as the application does on a save; this one writes the request bytes and parses a status line, a few
headers and a Content-Length body. One connection per request, as gunicorn's sync workers close each
connection anyway (nginx in front keeps the browsers' connections alive).
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode, urlsplit


class HTTPError(Exception):
    """The request failed before an answer arrived (refused, reset, timed out, malformed)."""


class Response:
    __slots__ = ("status_code", "headers", "content")

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes):
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.content)


class Client:
    """One person's browser: a cookie jar, sending to one host:port."""

    def __init__(self, base_url: str, *, timeout: float = 120.0):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return await self.request("GET", path, headers=headers)

    async def post(self, path: str, *, data: dict | None = None, json_body=None,
                   headers: dict[str, str] | None = None) -> Response:
        return await self.request("POST", path, data=data, json_body=json_body, headers=headers)

    async def put(self, path: str, *, json_body=None, headers: dict[str, str] | None = None) -> Response:
        return await self.request("PUT", path, json_body=json_body, headers=headers)

    async def request(self, method: str, path: str, *, data: dict | None = None, json_body=None,
                      headers: dict[str, str] | None = None) -> Response:
        body = b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: close"]
        if json_body is not None:
            body = json.dumps(json_body, separators=(",", ":")).encode()
            lines.append("Content-Type: application/json")
        elif data is not None:
            body = urlencode(data).encode()
            lines.append("Content-Type: application/x-www-form-urlencoded")
        if body or method in ("POST", "PUT"):
            lines.append(f"Content-Length: {len(body)}")
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        try:
            return await asyncio.wait_for(self._exchange(raw), self.timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as e:
            raise HTTPError(type(e).__name__) from e

    async def _exchange(self, raw: bytes) -> Response:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            status = int(status_line.split(" ", 2)[1])
            headers: dict[str, str] = {}
            for line in header_lines:
                if not line:
                    continue
                name, _, value = line.partition(":")
                name, value = name.strip().lower(), value.strip()
                if name == "set-cookie":
                    self._remember(value)
                headers[name] = value
            length = headers.get("content-length")
            content = await (reader.readexactly(int(length)) if length is not None else reader.read())
            return Response(status, headers, content)
        finally:
            writer.close()

    def _remember(self, set_cookie: str) -> None:
        pair = set_cookie.split(";", 1)[0]
        name, _, value = pair.partition("=")
        expired = "max-age=0" in set_cookie.lower() or "expires=thu, 01 jan 1970" in set_cookie.lower()
        if expired:
            self.cookies.pop(name.strip(), None)
        else:
            self.cookies[name.strip()] = value.strip()
