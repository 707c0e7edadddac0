"""Store the files the fake serves: uploads, pushed photos and registered bytes.

Like ``BotState``, ``FileStore`` is not thread-safe by itself; callers hold the
``FakeTelegramAPI`` lock.
"""

import itertools
from dataclasses import dataclass
from typing import Any

from . import builders

# Telegram sorts downloads into folders by kind; file paths mimic that.
MEDIA_FOLDERS = {
    "photo": "photos",
    "document": "documents",
    "video": "videos",
    "audio": "music",
}


@dataclass(frozen=True, slots=True)
class Upload:
    """A file received in a multipart request."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file the fake can serve through getFile and ``/file/`` downloads."""

    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None


class FileStore:
    """Keep files by file_id, download path and file_unique_id."""

    def __init__(self) -> None:
        """Start empty."""
        self.by_id: dict[str, StoredFile] = {}
        self.by_path: dict[str, StoredFile] = {}
        self.by_unique_id: dict[str, StoredFile] = {}
        self._thumbnails: dict[str, StoredFile | None] = {}
        self._numbers = itertools.count(1)

    def next_number(self) -> int:
        """Return a fresh number for ids, paths and generated content."""
        return next(self._numbers)

    def add(
        self,
        file_id: str,
        file_unique_id: str,
        content: bytes,
        *,
        folder: str = "documents",
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> StoredFile:
        """Register downloadable bytes under a file id."""
        fallback = "jpg" if folder == "photos" else "bin"
        extension = builders.guess_extension(mime_type, fallback=fallback)
        path = f"{folder}/file_{self.next_number()}.{extension}"
        stored = StoredFile(
            file_id, file_unique_id, content, path, mime_type, file_name
        )
        self.by_id[file_id] = stored
        self.by_path[path] = stored
        self.by_unique_id[file_unique_id] = stored
        return stored

    def new(
        self,
        content: bytes,
        *,
        folder: str,
        file_unique_id: str | None = None,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> StoredFile:
        """Register bytes under freshly generated ids."""
        number = self.next_number()
        return self.add(
            f"fake-{folder}-{number}",
            file_unique_id or f"uniq-{folder}-{number}",
            content,
            folder=folder,
            mime_type=mime_type,
            file_name=file_name,
        )

    def photo(
        self, file_unique_id: str | None, content: bytes | None, seed: int | None
    ) -> StoredFile:
        """Return the photo with this unique id, or register a new JPEG."""
        known = self.by_unique_id.get(file_unique_id or "")
        if known is not None and content is None:
            # Same file_unique_id means the same photo sent again, as in Telegram.
            return known
        if content is None:
            content = builders.make_jpeg(self.next_number() if seed is None else seed)
        return self.new(
            content,
            folder="photos",
            file_unique_id=file_unique_id,
            mime_type="image/jpeg",
        )

    def photo_sizes(self, stored: StoredFile) -> list[dict[str, Any]]:
        """Build the PhotoSize list for a photo: a thumbnail, then the original."""
        unique_id = stored.file_unique_id
        if unique_id not in self._thumbnails:
            small = builders.thumbnail(stored.content)
            self._thumbnails[unique_id] = (
                None
                if small is None
                else self.new(
                    small,
                    folder="photos",
                    file_unique_id=f"{unique_id}-thumb",
                    mime_type="image/jpeg",
                )
            )
        sizes = [builders.photo_size(stored.file_id, unique_id, stored.content)]
        if thumb := self._thumbnails[unique_id]:
            sizes.insert(
                0,
                builders.photo_size(thumb.file_id, thumb.file_unique_id, thumb.content),
            )
        return sizes

    def media_fields(self, media_type: str, stored: StoredFile) -> dict[str, Any]:
        """Return the Message fields describing one media item."""
        if media_type == "photo":
            return {"photo": self.photo_sizes(stored)}
        kind = media_type if media_type in MEDIA_FOLDERS else "document"
        return {
            kind: builders.media_object(
                kind,
                stored.file_id,
                stored.file_unique_id,
                stored.content,
                file_name=stored.file_name,
                mime_type=stored.mime_type,
            )
        }
