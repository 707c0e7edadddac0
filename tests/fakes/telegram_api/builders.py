"""Build Telegram Bot API objects (users, chats, messages, media) as plain dicts.

The shapes follow https://core.telegram.org/bots/api closely enough for aiogram
to validate them into its types; only the fields the fake needs are filled in.
Nothing here holds state, so every function is safe to call from any thread.
"""

import html
import io
import mimetypes
import random
import re
import time
import zlib
from typing import Any

from PIL import Image

# Telegram only delivers these when they are listed in allowed_updates.
OPT_IN_UPDATE_TYPES = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)

# The default sender in group chats, where the chat id cannot double as a user id.
DEFAULT_GROUP_MEMBER_ID = 1_000_001

# Used when a "photo" cannot be decoded, e.g. a test uploads arbitrary bytes.
FALLBACK_PHOTO_SIZE = (320, 320)

_TAG = re.compile(r"<[^>]+>")


def make_jpeg(seed: int, size: int = 64) -> bytes:
    """Render a small JPEG whose pixels, and perceptual hash, depend on ``seed``."""
    rng = random.Random(seed)
    # A coarse random grid rather than a flat colour: flat images all share one
    # perceptual hash, so duplicate-photo detection would flag every fake photo.
    grid = Image.new("RGB", (8, 8))
    grid.putdata(
        [
            (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            for _ in range(64)
        ]
    )
    buffer = io.BytesIO()
    grid.resize((size, size), Image.Resampling.NEAREST).save(
        buffer, format="JPEG", quality=90
    )
    return buffer.getvalue()


def image_size(content: bytes) -> tuple[int, int] | None:
    """Return ``(width, height)`` of an image, or None if Pillow cannot read it."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            return image.size
    except (OSError, ValueError):
        return None


def thumbnail(content: bytes, size: int = 32) -> bytes | None:
    """Return a downscaled JPEG copy of an image, or None if it is not an image."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.thumbnail((size, size))
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, format="JPEG", quality=80)
    except (OSError, ValueError):
        return None
    return buffer.getvalue()


def user(user_id: int, **overrides: Any) -> dict[str, Any]:
    """Build a human User object."""
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": f"User{user_id}",
        "username": f"user{user_id}",
        "language_code": "ru",
        **overrides,
    }


def bot_user(bot_id: int) -> dict[str, Any]:
    """Build the User object of the fake bot, as shown in its messages."""
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": "Smena Test Bot",
        "username": "smena_test_bot",
    }


def default_user_id(chat_id: int | str) -> int:
    """Pick the sender id for a chat: the chat itself for private chats."""
    return (
        chat_id if isinstance(chat_id, int) and chat_id > 0 else DEFAULT_GROUP_MEMBER_ID
    )


def chat_for(
    chat_id: int | str, sender: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Build a Chat object; positive ids are private chats, as in Telegram."""
    if isinstance(chat_id, int) and chat_id > 0:
        chat: dict[str, Any] = {"id": chat_id, "type": "private"}
        if sender is not None:
            chat.update(
                {
                    key: sender[key]
                    for key in ("first_name", "last_name", "username")
                    if key in sender
                }
            )
        return chat
    if isinstance(chat_id, str):
        # "@channel" style ids only ever address channels; derive a stable id.
        channel_id = -1_000_000_000_000 - zlib.crc32(chat_id.encode()) % 1_000_000_000
        return {
            "id": channel_id,
            "type": "channel",
            "title": chat_id,
            "username": chat_id.lstrip("@"),
        }
    chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": chat_type, "title": f"Chat {chat_id}"}


def message(
    message_id: int, chat: dict[str, Any], sender: dict[str, Any] | None, **fields: Any
) -> dict[str, Any]:
    """Build a Message object; fields that are None are left out, as Telegram does."""
    body: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": chat,
    }
    if sender is not None:
        body["from"] = sender
    body.update({key: value for key, value in fields.items() if value is not None})
    return body


def command_entities(text: str) -> list[dict[str, Any]] | None:
    """Return the bot_command entity Telegram attaches to a leading /command."""
    if not text.startswith("/"):
        return None
    return [
        {"type": "bot_command", "offset": 0, "length": len(text.split(maxsplit=1)[0])}
    ]


def plain_text(text: str, parse_mode: str | None) -> str:
    """Strip HTML markup the way Telegram does before storing a message text."""
    if (parse_mode or "").lower() != "html":
        return text
    return html.unescape(_TAG.sub("", text))


def photo_size(file_id: str, file_unique_id: str, content: bytes) -> dict[str, Any]:
    """Build a PhotoSize using the real dimensions of the image bytes."""
    width, height = image_size(content) or FALLBACK_PHOTO_SIZE
    return {
        "file_id": file_id,
        "file_unique_id": file_unique_id,
        "width": width,
        "height": height,
        "file_size": len(content),
    }


def media_object(
    media_type: str,
    file_id: str,
    file_unique_id: str,
    content: bytes,
    *,
    file_name: str | None = None,
    mime_type: str | None = None,
) -> dict[str, Any]:
    """Build a Document, Video, Audio or Voice object for the given media type."""
    body: dict[str, Any] = {
        "file_id": file_id,
        "file_unique_id": file_unique_id,
        "file_size": len(content),
    }
    if media_type in {"video", "audio", "voice"}:
        body["duration"] = 1
    if media_type == "video":
        body.update({"width": 640, "height": 360})
    if file_name is not None and media_type != "voice":
        body["file_name"] = file_name
    if mime_type is not None:
        body["mime_type"] = mime_type
    return body


def sticker(
    file_id: str, file_unique_id: str, content: bytes, emoji: str
) -> dict[str, Any]:
    """Build a static regular Sticker object."""
    return {
        "file_id": file_id,
        "file_unique_id": file_unique_id,
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
        "file_size": len(content),
    }


def guess_mime_type(
    file_name: str | None, fallback: str = "application/octet-stream"
) -> str:
    """Guess a MIME type from a file name, as Telegram does for uploads."""
    guessed, _ = mimetypes.guess_type(file_name or "")
    return guessed or fallback


def guess_extension(mime_type: str | None, fallback: str = "bin") -> str:
    """Guess a file extension (without the dot) for a MIME type."""
    guessed = mimetypes.guess_extension(mime_type or "") or ""
    return guessed.lstrip(".") or fallback


def update_type(update: dict[str, Any]) -> str:
    """Return the update kind (``message``, ``callback_query``...) of an Update."""
    return next((key for key in update if key != "update_id"), "unknown")
