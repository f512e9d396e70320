"""The Bot API wire format: how a call arrives and how its answer leaves.

A call is `POST /bot<TOKEN>/<method>` with parameters in the query string, a form body (what
PTB sends; nested objects such as reply_markup are JSON strings inside the form) or a JSON body.
Every answer is JSON: `{"ok": true, "result": ...}`, or `{"ok": false, "error_code": N,
"description": "...", "parameters": {...}}` with N as the HTTP status too.

Imports nothing from the fake or from bot/.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aiohttp import web

# Parameters whose form value is a JSON-serialized object or array.
JSON_PARAMS = frozenset({
    "reply_markup", "reply_parameters", "link_preview_options", "entities", "commands",
    "scope", "allowed_updates",
})


class ApiError(Exception):
    """An answer with ok=false; raised by method handlers, turned into JSON by the server."""

    def __init__(self, code: int, description: str,
                 parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code,
                                "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str, parameters: dict[str, Any] | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}", parameters)


def http_error(status: int) -> ApiError:
    """A bare status such as 401, 404 or 502, described the way Telegram does."""
    return ApiError(status, HTTPStatus(status).phrase)


def answer(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


async def read_params(request: web.Request) -> dict[str, Any]:
    """All parameters of a call, JSON-valued ones decoded."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.text()
        if body:
            params.update(json.loads(body))
        return params
    if request.can_read_body:
        params.update(await request.post())
    for name in JSON_PARAMS & params.keys():
        if isinstance(params[name], str):
            try:
                params[name] = json.loads(params[name])
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
    return params


def int_param(params: dict[str, Any], name: str, default: int | None = None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"invalid {name} specified") from None


def required_int(params: dict[str, Any], name: str) -> int:
    value = int_param(params, name)
    if value is None:
        raise bad_request(f"{name} is empty")
    return value


def bool_param(params: dict[str, Any], name: str) -> bool:
    value = params.get(name)
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)
