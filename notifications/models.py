"""The outbox: every message to Telegram is a row here before it is sent."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import Participant


class OutboxMessageQuerySet(models.QuerySet):
    def pending(self) -> "OutboxMessageQuerySet":
        return self.filter(status=OutboxMessage.Status.PENDING)


class OutboxMessage(models.Model):
    """A message waiting for, or done with, the one rate-limited Telegram sender."""

    class Kind(models.TextChoices):
        TASK = "task", _("Daily task")
        REMINDER = "reminder", _("Reminder")
        REVIEW = "review", _("Review result")
        APPLICATION = "application", _("Application")
        SHIFT = "shift", _("Shift message")
        MAILING = "mailing", _("Mailing")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        BLOCKED = "blocked", _("Blocked by recipient")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="outbox_messages",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    text = models.TextField(_("text"), help_text=_("Telegram HTML."))
    photo = models.CharField(
        _("photo"),
        max_length=255,
        blank=True,
        help_text=_("A file in private storage sent with the text as caption."),
    )
    buttons = models.JSONField(_("buttons"), default=list, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    telegram_message_id = models.BigIntegerField(
        _("Telegram message ID"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="pending"),
                name="outbox_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.participant}"
