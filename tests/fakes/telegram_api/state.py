"""Hold what the fake Bot API knows and implement its synchronous methods.

``BotState`` is deliberately not thread-safe: ``FakeTelegramAPI`` calls it with
its own lock held, so every method here may assume exclusive access.
"""

import ipaddress
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from . import builders
from .files import MEDIA_FOLDERS, FileStore, StoredFile, Upload

type ChatId = int | str
type Params = dict[str, Any]
type Uploads = dict[str, Upload]


class ApiError(Exception):
    """Abort a Bot API call with a Telegram-shaped error response."""

    def __init__(
        self, status: int, description: str, retry_after: int | None = None
    ) -> None:
        """Remember the HTTP status, description and optional retry delay."""
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass(slots=True)
class WebhookSettings:
    """What setWebhook asked for, plus the last delivery error getWebhookInfo shows."""

    url: str = ""
    secret_token: str = ""
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


# Telegram's limits on setWebhook parameters.
MAX_CONNECTIONS_RANGE = (1, 100)
WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply "
    "markup are exactly the same as a current content and reply markup of the message"
)


class BotState:
    """Store files, messages, chats and the update queue of one fake bot."""

    def __init__(self, token: str) -> None:
        """Start with no files, messages or updates."""
        self.bot_user = builders.bot_user(int(token.split(":", 1)[0]))
        self.files = FileStore()
        self.messages: dict[tuple[ChatId, int], dict[str, Any]] = {}
        self.chats: dict[ChatId, dict[str, Any]] = {}
        self.callback_chats: dict[str, ChatId | None] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.webhook = WebhookSettings()
        self.queue: list[dict[str, Any]] = []
        self.allowed_updates: frozenset[str] = frozenset()
        self.pushed = self.confirmed = self.filtered = self.discarded = 0
        self.last_update_id = 0
        self.last_message_id: dict[ChatId, int] = {}
        methods: dict[str, Callable[[Params, Uploads], Any]] = {
            "getMe": self.get_me,
            "deleteWebhook": self.delete_webhook,
            "setWebhook": self.set_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "sendPhoto": self.send_photo,
            "sendDocument": self.send_document,
            "sendMediaGroup": self.send_media_group,
            "sendChatAction": lambda params, uploads: True,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "answerCallbackQuery": self.answer_callback_query,
            "getFile": self.get_file,
            "setMyCommands": self.set_my_commands,
            "deleteMessage": self.delete_message,
        }
        # Telegram matches method names case-insensitively.
        self.handlers = {name.lower(): handler for name, handler in methods.items()}
        self.method_names = {name.lower(): name for name in [*methods, "getUpdates"]}

    # -- chats, messages and updates -----------------------------------------

    def next_message_id(self, chat_id: ChatId) -> int:
        """Allocate the next message id; ids are per chat, as in private chats."""
        self.last_message_id[chat_id] = self.last_message_id.get(chat_id, 0) + 1
        return self.last_message_id[chat_id]

    def chat(self, chat_id: ChatId) -> dict[str, Any]:
        """Return the Chat object last seen for an id, or a plausible new one."""
        return self.chats.get(chat_id) or builders.chat_for(chat_id)

    def last_bot_message(self, chat_id: ChatId) -> dict[str, Any] | None:
        """Return the newest message the bot sent to a chat, if any."""
        own = [
            body
            for (chat, _), body in self.messages.items()
            if chat == chat_id and body.get("from", {}).get("id") == self.bot_user["id"]
        ]
        return max(own, key=lambda body: body["message_id"], default=None)

    def stamp(self, update: dict[str, Any]) -> dict[str, Any]:
        """Give an update the next update_id unless it already has one."""
        update = {"update_id": self.last_update_id + 1, **update}
        self.last_update_id = max(self.last_update_id, update["update_id"])
        return update

    def push(self, update: dict[str, Any], *, queue: bool = True) -> dict[str, Any]:
        """Number an update, learn the chats/messages in it and queue it."""
        update = self.stamp(update)
        for key in ("message", "edited_message"):
            if body := update.get(key):
                chat_id = body["chat"]["id"]
                self.chats.setdefault(chat_id, body["chat"])
                self.messages[(chat_id, body["message_id"])] = body
                self.last_message_id[chat_id] = max(
                    self.last_message_id.get(chat_id, 0), body["message_id"]
                )
        if query := update.get("callback_query"):
            self.callback_chats[query["id"]] = (
                query.get("message", {}).get("chat", {}).get("id")
            )
        if not queue:
            # Built for direct feeding (e.g. a webhook test), not for getUpdates.
            return update
        self.queue.append(update)
        if len(self.queue) > 1 and self.queue[-2]["update_id"] > update["update_id"]:
            self.queue.sort(key=lambda item: item["update_id"])
        self.pushed += 1
        return update

    def confirm(self, offset: int | None) -> None:
        """Forget updates confirmed by ``offset`` (negative: keep only the last N)."""
        if offset is None:
            return
        kept = (
            self.queue[offset:]
            if offset < 0
            else [u for u in self.queue if u["update_id"] >= offset]
        )
        self.confirmed += len(self.queue) - len(kept)
        self.queue = kept

    def available(self, limit: int) -> list[dict[str, Any]]:
        """Return up to ``limit`` queued updates, dropping types not allowed."""
        kept = [update for update in self.queue if self.allows(update)]
        self.filtered += len(self.queue) - len(kept)
        self.queue = kept
        return kept[:limit]

    def allows(self, update: dict[str, Any]) -> bool:
        """Tell whether allowed_updates lets this update through."""
        kind = builders.update_type(update)
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in builders.OPT_IN_UPDATE_TYPES

    def settle(self, update: dict[str, Any], *, delivered: bool) -> None:
        """Take one update off the queue: confirmed by the webhook, or filtered."""
        # By identity: the oldest pending updates, near the front, settle first.
        for index, item in enumerate(self.queue):
            if item is update:
                del self.queue[index]
                break
        else:
            return
        if delivered:
            self.confirmed += 1
        else:
            self.filtered += 1

    @property
    def webhook_url(self) -> str:
        """Return the webhook URL; empty when updates are polled."""
        return self.webhook.url

    # -- Bot API methods -----------------------------------------------------

    def call(self, name: str, params: Params, uploads: Uploads) -> Any:
        """Run a Bot API method given its lower-cased name."""
        return self.handlers[name](params, uploads)

    def get_me(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        """Describe the bot, including the capability flags only getMe reports."""
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def delete_webhook(self, params: Params, uploads: Uploads) -> bool:
        """Remove the webhook, optionally discarding queued updates."""
        if params.get("drop_pending_updates"):
            self.discard_pending()
        self.webhook = WebhookSettings()
        return True

    def set_webhook(self, params: Params, uploads: Uploads) -> bool:
        """Set (or with an empty url remove) the webhook updates are posted to.

        As on a local Bot API server, plain http is accepted, here for loopback
        hosts only, so tests can run a receiver on 127.0.0.1 without TLS.
        """
        url = str(params.get("url") or "")
        if not url:
            return self.delete_webhook(params, uploads)
        _check_webhook_url(url)
        secret = str(params.get("secret_token") or "")
        if secret and not _SECRET_TOKEN.fullmatch(secret):
            raise ApiError(
                400, "Bad Request: secret token contains unallowed characters"
            )
        low, high = MAX_CONNECTIONS_RANGE
        max_connections = min(max(int(params.get("max_connections") or 40), low), high)
        if params.get("drop_pending_updates"):
            self.discard_pending()
        if "allowed_updates" in params:
            self.allowed_updates = frozenset(params["allowed_updates"] or ())
        # A new URL starts with no delivery error recorded.
        kept = self.webhook if self.webhook.url == url else WebhookSettings()
        self.webhook = WebhookSettings(
            url,
            secret,
            max_connections,
            kept.last_error_date,
            kept.last_error_message,
        )
        return True

    def get_webhook_info(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        """Describe the webhook, its queue and its last delivery error."""
        info: dict[str, Any] = {
            "url": self.webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.queue),
        }
        if not self.webhook.url:
            return info
        info["max_connections"] = self.webhook.max_connections
        if self.allowed_updates:
            info["allowed_updates"] = sorted(self.allowed_updates)
        if self.webhook.last_error_date is not None:
            info["last_error_date"] = self.webhook.last_error_date
            info["last_error_message"] = self.webhook.last_error_message
        return info

    def webhook_failed(self, message: str) -> None:
        """Remember a failed delivery for getWebhookInfo."""
        self.webhook.last_error_date = int(time.time())
        self.webhook.last_error_message = message

    def discard_pending(self) -> None:
        """Drop every queued update (``drop_pending_updates``)."""
        self.discarded += len(self.queue)
        self.queue = []

    def send_message(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        """Send a text message."""
        text = builders.plain_text(
            str(params.get("text") or ""), params.get("parse_mode")
        )
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._bot_message(params, text=text)

    def send_photo(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        """Send a photo given by upload, URL or file_id."""
        stored = self.resolve_file(params.get("photo"), uploads.get("photo"), "photo")
        return self._bot_message(
            params,
            caption=self._caption(params),
            **self.files.media_fields("photo", stored),
        )

    def send_document(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        """Send a document given by upload, URL or file_id."""
        stored = self.resolve_file(
            params.get("document"), uploads.get("document"), "document"
        )
        return self._bot_message(
            params,
            caption=self._caption(params),
            **self.files.media_fields("document", stored),
        )

    def send_media_group(
        self, params: Params, uploads: Uploads
    ) -> list[dict[str, Any]]:
        """Send 2-10 media items as an album of consecutive messages."""
        media = params.get("media")
        if (
            not isinstance(media, list)
            or not 2 <= len(media) <= 10
            or not all(isinstance(item, dict) for item in media)
        ):
            raise ApiError(
                400,
                "Bad Request: wrong number of media specified: must include 2-10 items",
            )
        group_id = str(10**12 + self.files.next_number())
        items = []
        for index, item in enumerate(media):
            media_type = item.get("type", "photo")
            stored = self.resolve_file(
                item.get("media"), uploads.get(f"media[{index}]"), media_type
            )
            fields = self.files.media_fields(media_type, stored)
            items.append((fields, self._caption(item)))
        return [
            self._bot_message(
                params, markup=False, media_group_id=group_id, caption=caption, **fields
            )
            for fields, caption in items
        ]

    def edit_message_text(
        self, params: Params, uploads: Uploads
    ) -> dict[str, Any] | bool:
        """Replace the text (and inline keyboard) of a bot message."""
        if params.get("inline_message_id"):
            return True
        key, current = self._own_message(params)
        if "text" not in current:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = builders.plain_text(
            str(params.get("text") or ""), params.get("parse_mode")
        )
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        return self._replace(
            key, current, text=text, reply_markup=_inline_markup(params)
        )

    def edit_message_reply_markup(
        self, params: Params, uploads: Uploads
    ) -> dict[str, Any] | bool:
        """Replace the inline keyboard of a bot message."""
        if params.get("inline_message_id"):
            return True
        key, current = self._own_message(params)
        return self._replace(key, current, reply_markup=_inline_markup(params))

    def delete_message(self, params: Params, uploads: Uploads) -> bool:
        """Delete a message the fake knows about."""
        key = (self._chat_id(params), params.get("message_id"))
        if self.messages.pop(key, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def answer_callback_query(self, params: Params, uploads: Uploads) -> bool:
        """Answer a callback query; each query may be answered once."""
        query_id = str(params.get("callback_query_id"))
        if query_id not in self.callback_chats:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        del self.callback_chats[query_id]
        return True

    def get_file(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        """Describe a stored file, including the path to download it from."""
        stored = self.files.by_id.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def set_my_commands(self, params: Params, uploads: Uploads) -> bool:
        """Store the command list per (scope type, language code)."""
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        scope = params.get("scope") or {}
        self.commands[
            (scope.get("type", "default"), params.get("language_code") or "")
        ] = commands
        return True

    # -- helpers -------------------------------------------------------------

    def resolve_file(
        self, value: Any, upload: Upload | None, media_type: str
    ) -> StoredFile:
        """Turn an upload, URL or known file_id into a stored file."""
        folder = MEDIA_FOLDERS.get(media_type, "documents")
        if upload is not None:
            mime_type = builders.guess_mime_type(upload.filename, upload.content_type)
            return self.files.new(
                upload.content,
                folder=folder,
                mime_type=mime_type,
                file_name=upload.filename,
            )
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            # Nothing may be fetched from the network; invent plausible content.
            number = self.files.next_number()
            content = (
                builders.make_jpeg(number) if media_type == "photo" else value.encode()
            )
            return self.files.new(
                content, folder=folder, file_name=value.rsplit("/", 1)[-1]
            )
        if isinstance(value, str) and value in self.files.by_id:
            return self.files.by_id[value]
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _chat_id(self, params: Params) -> ChatId:
        """Return the target chat id or fail like Telegram does."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        return chat_id

    def _caption(self, params: Params) -> str | None:
        """Return the plain caption of a media item, enforcing Telegram's limit."""
        caption = params.get("caption")
        if not caption:
            return None
        text = builders.plain_text(str(caption), params.get("parse_mode"))
        if len(text) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        return text

    def _bot_message(
        self, params: Params, *, markup: bool = True, **fields: Any
    ) -> dict[str, Any]:
        """Create, remember and return a message sent by the bot."""
        chat_id = self._chat_id(params)
        body = builders.message(
            self.next_message_id(chat_id),
            self.chat(chat_id),
            self.bot_user,
            reply_markup=_inline_markup(params) if markup else None,
            **fields,
        )
        self.messages[(chat_id, body["message_id"])] = body
        return body

    def _own_message(self, params: Params) -> tuple[tuple[ChatId, int], dict[str, Any]]:
        """Find a message the bot sent that may be edited, failing like Telegram."""
        key = (self._chat_id(params), int(params.get("message_id") or 0))
        current = self.messages.get(key)
        if current is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if current.get("from", {}).get("id") != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return key, current

    def _replace(
        self, key: tuple[ChatId, int], current: dict[str, Any], **changes: Any
    ) -> dict[str, Any]:
        """Apply an edit, refusing no-op edits the way Telegram does."""
        updated = {**current, **changes}
        if updated.get("reply_markup") is None:
            # Editing without reply_markup removes the inline keyboard.
            updated.pop("reply_markup", None)
        if {**updated, "edit_date": None} == {**current, "edit_date": None}:
            raise ApiError(400, NOT_MODIFIED)
        updated["edit_date"] = int(time.time())
        self.messages[key] = updated
        return updated


def _check_webhook_url(url: str) -> None:
    """Refuse webhook URLs Telegram refuses (http is kept for loopback hosts)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme == "http" and loopback:
        return
    if parts.scheme != "https" or not host:
        raise ApiError(
            400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
        )
    if not loopback and (parts.port or 443) not in WEBHOOK_PORTS:
        raise ApiError(
            400,
            "Bad Request: bad webhook: Webhook can be set up only on ports "
            "80, 88, 443 or 8443",
        )


def _inline_markup(params: Params) -> dict[str, Any] | None:
    """Return reply_markup if it is an inline keyboard, the only kind echoed back."""
    markup = params.get("reply_markup")
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None
