"""Decode Bot API requests the way Telegram does, whatever encoding aiogram chose.

aiogram posts every call as a form: urlencoded without files, multipart with
them; numbers, booleans and nested objects arrive as strings (the nested ones as
JSON). Other clients post JSON bodies or use the query string. All three end up
as one ``params`` dict with Python values, plus the uploaded files keyed by the
parameter that references them (``photo``, ``media[0]``...).
"""

import asyncio
import json
import re
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

from .files import Upload
from .state import ApiError, Params, Uploads

JSON_FIELDS = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "media",
        "reply_markup",
        "reply_parameters",
        "scope",
    }
)
INT_FIELDS = frozenset(
    {
        "cache_time",
        "limit",
        "max_connections",
        "message_id",
        "message_thread_id",
        "offset",
        "reply_to_message_id",
        "timeout",
    }
)
BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "disable_web_page_preview",
        "drop_pending_updates",
        "protect_content",
        "show_alert",
    }
)
ATTACH_PREFIX = "attach://"
_INTEGER = re.compile(r"-?\d+")


async def read_params(request: web.Request) -> tuple[Params, Uploads]:
    """Return the decoded parameters and uploaded files of a Bot API request."""
    raw: dict[str, Any] = dict(request.query)
    files: Uploads = {}
    if request.body_exists:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as error:
                raise ApiError(400, "Bad Request: can't parse JSON body") from error
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON body must be an object")
            raw.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    # aiohttp spools uploads to a temporary file; read it off-loop.
                    content = await asyncio.to_thread(value.file.read)
                    files[key] = Upload(value.filename, value.content_type, content)
                else:
                    raw[key] = value
    params = {key: coerce(key, value) for key, value in raw.items()}
    return params, attachments(params, files)


async def read_reply(
    response: aiohttp.ClientResponse,
) -> tuple[str, Params, Uploads] | None:
    """Return the method call a webhook put in its 2xx answer, if any.

    Telegram accepts the call as JSON or as a form; aiogram's webhook handler
    answers with a multipart form whose ``method`` part names the method.
    """
    raw: dict[str, Any] = {}
    files: Uploads = {}
    try:
        if response.content_type == "multipart/form-data":
            reader = aiohttp.MultipartReader(response.headers, response.content)
            while (part := await reader.next()) is not None:
                if not isinstance(part, aiohttp.BodyPartReader) or not part.name:
                    continue
                content = await part.read(decode=True)
                if part.filename:
                    content_type = part.headers.get(
                        "Content-Type", "application/octet-stream"
                    )
                    files[part.name] = Upload(part.filename, content_type, content)
                else:
                    raw[part.name] = content.decode()
        else:
            body = await response.read()
            if response.content_type == "application/x-www-form-urlencoded":
                raw = dict(parse_qsl(body.decode()))
            elif response.content_type == "application/json" and body.strip():
                decoded = json.loads(body)
                raw = decoded if isinstance(decoded, dict) else {}
        method = raw.pop("method", None)
        if not isinstance(method, str) or not method:
            return None
        params = {key: coerce(key, value) for key, value in raw.items()}
    except (ValueError, ApiError, aiohttp.ClientError):
        # Telegram ignores an answer it cannot read; the update counts as taken.
        return None
    return method, params, attachments(params, files)


def coerce(key: str, value: Any) -> Any:
    """Convert a string form value to the type Telegram expects for ``key``."""
    if not isinstance(value, str):
        return value
    try:
        if key in JSON_FIELDS:
            return json.loads(value)
        if key in INT_FIELDS or (key == "chat_id" and _INTEGER.fullmatch(value)):
            return int(value)
    except ValueError as error:
        raise ApiError(400, f"Bad Request: can't parse {key}") from error
    if key in BOOL_FIELDS:
        return value.lower() == "true"
    return value


def attachments(params: Params, files: Uploads) -> Uploads:
    """Key uploads by the parameter that references them via ``attach://``."""
    references: list[tuple[str, Any]] = []
    for key, value in params.items():
        references.append((key, value))
        if isinstance(value, list):
            # Media groups reference files from inside the JSON "media" list.
            references.extend(
                (
                    f"{key}[{index}]" if sub == "media" else f"{key}[{index}].{sub}",
                    sub_value,
                )
                for index, item in enumerate(value)
                if isinstance(item, dict)
                for sub, sub_value in item.items()
            )
    resolved: Uploads = {}
    referenced: set[str] = set()
    for path, value in references:
        if isinstance(value, str) and value.startswith(ATTACH_PREFIX):
            name = value.removeprefix(ATTACH_PREFIX)
            if name in files:
                resolved[path] = files[name]
                referenced.add(name)
    # Files posted directly under the parameter name need no indirection.
    resolved.update(
        {name: upload for name, upload in files.items() if name not in referenced}
    )
    return resolved
