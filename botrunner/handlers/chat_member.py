"""The participant blocks the bot: mark them, so that nothing more is sent.

Unblocking needs no handler: any update from a marked participant, this one
included, clears the mark in `ParticipantMiddleware`.
"""

from aiogram import Router
from aiogram.filters import KICKED, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated
from asgiref.sync import sync_to_async

from core.models import Participant
from notifications.services import participant_mark_blocked


async def on_bot_blocked(
    event: ChatMemberUpdated, participant: Participant | None
) -> None:
    if participant is not None:
        await sync_to_async(participant_mark_blocked)(participant, now=event.date)


async def on_bot_unblocked(event: ChatMemberUpdated) -> None:
    """Listen for unblocking too, so that Telegram delivers these updates."""


def router_create() -> Router:
    router = Router(name="chat_member")
    router.my_chat_member.register(
        on_bot_blocked, ChatMemberUpdatedFilter(member_status_changed=KICKED)
    )
    router.my_chat_member.register(on_bot_unblocked)
    return router
