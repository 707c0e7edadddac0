"""Reads of core's models shared by the admin, the bot and other apps."""

from django.db import DatabaseError, close_old_connections, connection

from core.models import Participant


def participant_by_telegram_id(telegram_id: int) -> Participant | None:
    """Return the participant with this Telegram id, or None."""
    try:
        return Participant.objects.get(telegram_id=telegram_id)
    except Participant.DoesNotExist:
        return None


def database_answers() -> bool:
    """Tell whether the database can be reached now, on a fresh or checked
    connection (a broken one is dropped first, as before a request)."""
    close_old_connections()
    try:
        connection.ensure_connection()
    except DatabaseError:
        return False
    return connection.is_usable()
