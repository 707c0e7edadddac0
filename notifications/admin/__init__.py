"""Admin of the transport: the outbox, mailings and message texts."""

from notifications.admin import mailings, outbox, templates

__all__ = ["mailings", "outbox", "templates"]
