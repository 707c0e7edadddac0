"""Feed updates into the fake Bot API: raw dicts or realistic built messages."""

from typing import Any

from . import builders
from .files import StoredFile
from .server import FakeTelegramServer
from .state import ChatId

type Update = dict[str, Any]
type UserFields = dict[str, Any] | None


class UpdateFeeder(FakeTelegramServer):
    """Add update-feeding and file-registering helpers to the server."""

    def push_update(self, update: Update) -> Update:
        """Queue a raw Update dict (update_id is assigned when missing)."""
        return self._deliver(update)

    def message_update(
        self,
        chat_id: int,
        text: str = "hello",
        *,
        user: UserFields = None,
        push: bool = True,
        **fields: Any,
    ) -> Update:
        """Queue a text message from a user; extra ``fields`` go into the Message."""
        return self._user_message(
            chat_id,
            user,
            push,
            text=text,
            entities=builders.command_entities(text),
            **fields,
        )

    def photo_update(
        self,
        chat_id: int,
        file_unique_id: str | None = None,
        media_group_id: str | None = None,
        caption: str | None = None,
        *,
        content: bytes | None = None,
        seed: int | None = None,
        user: UserFields = None,
        push: bool = True,
    ) -> Update:
        """Queue a photo message backed by a downloadable JPEG.

        Every call renders a new distinct JPEG unless ``content`` gives the bytes,
        ``seed`` pins the rendering, or ``file_unique_id`` names a photo seen
        before (Telegram's way of saying "the same photo sent again").
        """
        with self._lock:
            sizes = self._state.files.photo_sizes(
                self._state.files.photo(file_unique_id, content, seed)
            )
        return self._user_message(
            chat_id,
            user,
            push,
            photo=sizes,
            caption=caption,
            media_group_id=media_group_id,
        )

    def document_update(
        self,
        chat_id: int,
        mime_type: str = "application/pdf",
        *,
        file_name: str | None = None,
        content: bytes | None = None,
        file_unique_id: str | None = None,
        caption: str | None = None,
        user: UserFields = None,
        push: bool = True,
    ) -> Update:
        """Queue a document message; images get real JPEG bytes by default."""
        with self._lock:
            number = self._state.files.next_number()
            if content is None:
                content = (
                    builders.make_jpeg(number)
                    if mime_type.startswith("image/")
                    else f"%PDF-1.4\n% fake document {number}\n".encode()
                )
            stored = self._state.files.new(
                content,
                folder="documents",
                file_unique_id=file_unique_id,
                mime_type=mime_type,
                file_name=file_name
                or f"document{number}.{builders.guess_extension(mime_type)}",
            )
            fields = self._state.files.media_fields("document", stored)
        return self._user_message(chat_id, user, push, caption=caption, **fields)

    def contact_update(
        self,
        chat_id: int,
        phone: str,
        *,
        own: bool = True,
        user: UserFields = None,
        push: bool = True,
    ) -> Update:
        """Queue a shared contact; ``own`` marks it as the sender's own number."""
        sender = _sender(chat_id, user)
        contact = {"phone_number": phone, "first_name": sender["first_name"]}
        if own:
            contact["user_id"] = sender["id"]
        return self._user_message(chat_id, user, push, contact=contact)

    def callback_update(
        self,
        chat_id: int,
        data: str,
        *,
        message_id: int | None = None,
        user: UserFields = None,
        push: bool = True,
    ) -> Update:
        """Queue an inline button press on ``message_id`` (default: last bot message)."""
        with self._lock:
            state = self._state
            if message_id is None:
                message = state.last_bot_message(chat_id)
            else:
                message = state.messages.get((chat_id, message_id))
            if message is None:
                message = builders.message(
                    message_id or state.next_message_id(chat_id),
                    state.chat(chat_id),
                    state.bot_user,
                    text="...",
                )
                state.messages[(chat_id, message["message_id"])] = message
            query = {
                "id": str(4_000_000_000 + state.files.next_number()),
                "from": _sender(chat_id, user),
                "chat_instance": str(chat_id),
                "message": message,
                "data": data,
            }
        return self._deliver({"callback_query": query}, push=push)

    def sticker_update(
        self,
        chat_id: int,
        *,
        emoji: str = "\N{THUMBS UP SIGN}",
        user: UserFields = None,
        push: bool = True,
    ) -> Update:
        """Queue a static sticker message."""
        with self._lock:
            content = (
                b"RIFF\x00\x00\x00\x00WEBPVP8 "
                + str(self._state.files.next_number()).encode()
            )
            stored = self._state.files.new(
                content, folder="stickers", mime_type="image/webp"
            )
        sticker = builders.sticker(
            stored.file_id, stored.file_unique_id, stored.content, emoji
        )
        return self._user_message(chat_id, user, push, sticker=sticker)

    def voice_update(
        self,
        chat_id: int,
        *,
        duration: int = 1,
        user: UserFields = None,
        push: bool = True,
    ) -> Update:
        """Queue a voice message backed by downloadable (fake) OGG bytes."""
        with self._lock:
            content = (
                b"OggS\x00fake voice " + str(self._state.files.next_number()).encode()
            )
            stored = self._state.files.new(
                content, folder="voice", mime_type="audio/ogg"
            )
        voice = builders.media_object(
            "voice",
            stored.file_id,
            stored.file_unique_id,
            stored.content,
            mime_type="audio/ogg",
        )
        return self._user_message(
            chat_id, user, push, voice={**voice, "duration": duration}
        )

    def add_file(
        self,
        file_id: str,
        file_unique_id: str,
        content: bytes,
        *,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> StoredFile:
        """Register bytes that getFile and ``/file/`` downloads will serve."""
        folder = "photos" if (mime_type or "").startswith("image/") else "documents"
        with self._lock:
            return self._state.files.add(
                file_id,
                file_unique_id,
                content,
                folder=folder,
                mime_type=mime_type,
                file_name=file_name,
            )

    def stored_file(self, file_id: str) -> StoredFile | None:
        """Return a registered or uploaded file by id."""
        with self._lock:
            return self._state.files.by_id.get(file_id)

    def pending_updates(self) -> list[Update]:
        """Return pushed updates whose update_id no getUpdates offset has passed."""
        with self._lock:
            return list(self._state.queue)

    def all_confirmed(self) -> bool:
        """Tell whether every pushed update was confirmed rather than lost."""
        with self._lock:
            return not self._state.queue and not self._state.filtered

    def _user_message(
        self, chat_id: int, user: UserFields, push: bool, **content: Any
    ) -> Update:
        """Build a Message from a user in ``chat_id`` and deliver it."""
        sender = _sender(chat_id, user)
        with self._lock:
            chat = self._state.chats.get(chat_id) or builders.chat_for(chat_id, sender)
            body = builders.message(
                self._state.next_message_id(chat_id), chat, sender, **content
            )
        return self._deliver({"message": body}, push=push)


def _sender(chat_id: ChatId, user: UserFields) -> dict[str, Any]:
    """Build the sending User for ``chat_id``, applying the test's overrides."""
    overrides = dict(user or {})
    return builders.user(
        overrides.pop("id", builders.default_user_id(chat_id)), **overrides
    )
