"""Token check for every HTTP and WebSocket request (ASGI middleware).

The token is accepted as ``Authorization: Bearer <token>``, as a ``token`` query parameter
or as the ``posecoach_token`` cookie. A browser opens ``/?token=...`` once; the middleware
then sets the cookie (HttpOnly, SameSite=Strict) so pages, static files, videos and the
live WebSocket all carry it. Comparison is constant-time.
"""

from __future__ import annotations

import hmac
import json
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

__all__ = ["COOKIE", "TokenMiddleware", "request_token"]

COOKIE = "posecoach_token"


def request_token(scope: dict[str, Any]) -> tuple[str | None, str]:
    """The token a request carries and where it came from (``header``/``query``/``cookie``).

    Example
    -------
    >>> request_token({"headers": [(b"authorization", b"Bearer abc")], "query_string": b""})
    ('abc', 'header')
    >>> request_token({"headers": [], "query_string": b"token=xyz"})
    ('xyz', 'query')
    """
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), "header"
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0], "query"
    if "cookie" in headers:
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(headers["cookie"])
        except Exception:
            return None, ""
        if COOKIE in cookie:
            return cookie[COOKIE].value, "cookie"
    return None, ""


class TokenMiddleware:
    """Refuse requests without the right token: 401 when missing, 403 when wrong."""

    def __init__(self, app: Any, token: str, secure_cookie: bool = False) -> None:
        self.app = app
        self.token = token.encode()
        self.secure = secure_cookie

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given, source = request_token(scope)
        if given is None or not hmac.compare_digest(given.encode(), self.token):
            status = 401 if given is None else 403
            detail = (
                "missing token: send 'Authorization: Bearer <token>' or open /?token=<token>"
                if given is None
                else "wrong token"
            )
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": detail})
                return
            body = json.dumps({"detail": detail}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"www-authenticate", b"Bearer"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        if source != "query" or scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        cookie = f"{COOKIE}={given}; HttpOnly; SameSite=Strict; Path=/"
        if self.secure:
            cookie += "; Secure"

        async def send_with_cookie(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, send_with_cookie)
