"""The outbox: every message to Telegram is a row here before it is sent."""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import Participant


class OutboxMessageQuerySet(models.QuerySet):
    def pending(self) -> "OutboxMessageQuerySet":
        return self.filter(status=OutboxMessage.Status.PENDING)

    def due(self, now: dt.datetime) -> "OutboxMessageQuerySet":
        """Pending rows whose time has come and whose window has not closed."""
        return self.pending().filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            next_attempt_at__lte=now,
        )

    def in_doubt(self) -> "OutboxMessageQuerySet":
        return self.filter(status=OutboxMessage.Status.IN_DOUBT)


class OutboxMessage(models.Model):
    """A message waiting for, or done with, the one rate-limited Telegram sender.

    `sending` rows are being sent right now. A row left in `sending` by a worker
    that died becomes `in_doubt`: Telegram may or may not have delivered it, so
    it is reported, not sent again, until staff decide.
    """

    class Kind(models.TextChoices):
        TASK = "task", _("Daily task")
        REMINDER = "reminder", _("Reminder")
        REVIEW = "review", _("Review result")
        APPLICATION = "application", _("Application")
        SHIFT = "shift", _("Shift message")
        MAILING = "mailing", _("Mailing")
        TEST = "test", _("Test message to staff")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        BLOCKED = "blocked", _("Blocked by recipient")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        IN_DOUBT = "in_doubt", _("In doubt")

    # Rows with a lower number are sent first: a big mailing must not hold back
    # review results and daily tasks.
    PRIORITY_HIGH = 0
    PRIORITY_BULK = 10

    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="outbox_messages",
        verbose_name=_("recipient"),
        null=True,
        blank=True,
    )
    chat_id = models.BigIntegerField(
        _("Telegram chat"),
        null=True,
        blank=True,
        help_text=_("Where the message goes; fixed when it is queued."),
    )
    mailing = models.ForeignKey(
        "notifications.Mailing",
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("mailing"),
        null=True,
        blank=True,
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
    priority = models.PositiveSmallIntegerField(_("priority"), default=PRIORITY_HIGH)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(
        _("next attempt at"),
        null=True,
        blank=True,
        help_text=_("Empty while the mailing is paused."),
    )
    expires_at = models.DateTimeField(
        _("expires at"),
        null=True,
        blank=True,
        help_text=_("Not sent after this moment; the row becomes expired."),
    )
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
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
                fields=["priority", "next_attempt_at", "id"],
                condition=Q(status="pending"),
                name="outbox_queue_idx",
            ),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="outbox_next_idx",
            ),
            models.Index(
                fields=["claimed_at"],
                condition=Q(status="sending"),
                name="outbox_sending_idx",
            ),
            models.Index(fields=["mailing", "status"], name="outbox_mailing_idx"),
            # The admin lists newest first.
            models.Index(fields=["-created_at", "-id"], name="outbox_created_idx"),
            models.Index(
                fields=["status"],
                condition=Q(status__in=["in_doubt", "failed"]),
                name="outbox_attention_idx",
            ),
        ]

    def __str__(self) -> str:
        recipient = self.participant or self.chat_id
        return f"{self.get_kind_display()} → {recipient}"

    @property
    def is_final(self) -> bool:
        return self.status not in (self.Status.PENDING, self.Status.SENDING)
