"""Reads of core's models shared by the admin, the bot and other apps."""

from django.db import DatabaseError, close_old_connections, connection

from core.models import Participant, PrivacyNotice


def participant_by_telegram_id(telegram_id: int) -> Participant | None:
    """Return the participant with this Telegram id, or None.

    It carries `notice_version`, the privacy notice version in force, so that
    the bot sees whether to ask for consent again without another query.
    """
    try:
        return Participant.objects.with_notice_version().get(telegram_id=telegram_id)
    except Participant.DoesNotExist:
        return None


def privacy_notice_current() -> PrivacyNotice:
    """Return the privacy notice in force: the saved one, else the first version
    without a link (a fresh database before staff have edited it)."""
    notice = PrivacyNotice.objects.filter(pk=PrivacyNotice.SINGLE_ID).first()
    return notice or PrivacyNotice(pk=PrivacyNotice.SINGLE_ID)


def database_answers() -> bool:
    """Tell whether the database can be reached now, on a fresh or checked
    connection (a broken one is dropped first, as before a request)."""
    close_old_connections()
    try:
        connection.ensure_connection()
    except DatabaseError:
        return False
    return connection.is_usable()
