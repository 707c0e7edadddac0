"""Photo reports, and the reply to anything else a participant sends."""

import logging
from typing import Any

# imagehash loads scipy's DCT on its first phash (half a second), which would
# stall the first photo of a burst: loaded when the bot starts instead. Not in
# moderation/images.py, which the Celery worker imports too (it then kept the
# sender's pace less well: a 429 in bench.broadcast).
import scipy.fftpack  # noqa: F401
from aiogram import Bot, Router
from aiogram.enums import ContentType
from aiogram.types import Document, Message, PhotoSize, Update
from asgiref.sync import sync_to_async
from django.core.cache import cache

from botrunner import keyboards, texts
from botrunner.telegram import DownloadFailed, download
from core.exceptions import DomainError
from core.images import image_prepare, image_size_check
from core.models import Participant
from moderation.exceptions import PhotoRequired
from moderation.models import Submission
from moderation.review.submissions import report_photo_check, report_submit

logger = logging.getLogger(__name__)

# How long the refusal of one album is remembered, so it is said once, not per photo.
ALBUM_REPLY_SECONDS = 600


def _content(message: Message) -> tuple[str, PhotoSize | Document | None]:
    """Return what the message holds ("photo", "image", "text"...) and its file."""
    if message.photo:
        # Telegram lists the sizes of a photo smallest first.
        return "photo", message.photo[-1]
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return "image", document
    return ContentType(message.content_type).value, None


async def _first_reply_for_album(message: Message) -> bool:
    """Tell whether this is the first refusal to send for the message's album."""
    if not message.media_group_id:
        return True
    key = f"bot:album-reply:{message.chat.id}:{message.media_group_id}"
    return await cache.aadd(key, 1, ALBUM_REPLY_SECONDS)


async def _reply_received(
    message: Message, submission: Submission, language: str
) -> None:
    name = (
        "photo_received_look_alike"
        if submission.is_near_duplicate
        else "photo_received"
    )
    await message.answer(
        texts.render(
            name,
            language,
            attempt=submission.attempt,
            limit=submission.report.day.shift.max_attempts,
        ),
        reply_markup=keyboards.main_menu(language),
    )


def _photo_store(
    participant: Participant | None, content: bytes, **submission: Any
) -> Submission:
    """Re-encode a downloaded photo and submit it, in one call off the event loop.

    Decoding and re-encoding is CPU work; it runs before the submission's
    transaction, so the report's row is locked only for the writes.
    """
    return report_submit(participant, image=image_prepare(content), **submission)


async def on_message(
    message: Message,
    bot: Bot,
    event_update: Update,
    participant: Participant | None,
    language: str,
) -> None:
    """Take a photo (or image file) as today's report; refuse anything else."""
    kind, media = _content(message)
    update_id = event_update.update_id
    album = message.media_group_id or ""
    try:
        earlier = await sync_to_async(report_photo_check)(
            participant,
            kind=kind,
            file_unique_id=media.file_unique_id if media else "",
            update_id=update_id,
            media_group_id=album,
        )
        if earlier is not None:
            # A redelivered update is answered again (the first answer may be
            # lost); the other photos of a stored album are not answered at all.
            if earlier.telegram_update_id == update_id:
                await _reply_received(message, earlier, language)
            return
        if media is None:  # report_photo_check already refuses such content
            raise PhotoRequired(kind=kind)
        image_size_check(media.file_size)
        content = await download(bot, media.file_id)
        submission = await sync_to_async(_photo_store)(
            participant,
            content,
            file_id=media.file_id,
            file_unique_id=media.file_unique_id,
            update_id=update_id,
            message_id=message.message_id,
            media_group_id=album,
        )
    except DownloadFailed as error:
        logger.warning("Photo of update %s not downloaded: %s", update_id, error)
        await message.answer(texts.render("photo_download_failed", language))
        return
    except DomainError as error:
        if await _first_reply_for_album(message):
            await message.answer(texts.render_error(error, language))
        return
    if submission.telegram_update_id == update_id:
        await _reply_received(message, submission, language)


def router_create() -> Router:
    router = Router(name="reports")
    router.message.register(on_message)
    return router
