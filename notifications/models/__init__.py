"""Models of the transport: the outbox, mailings and editable message texts."""

from notifications.models.mailings import Mailing
from notifications.models.outbox import OutboxMessage
from notifications.models.templates import MessageTemplate

__all__ = ["Mailing", "MessageTemplate", "OutboxMessage"]
