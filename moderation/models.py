"""Photo reports: one per member and day of a shift's plan."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import Membership, ShiftDay


class ReportQuerySet(models.QuerySet):
    def reviewing(self) -> "ReportQuerySet":
        return self.filter(status=Report.Status.REVIEWING)

    def waiting(self) -> "ReportQuerySet":
        return self.filter(status=Report.Status.WAITING)

    def review_queue(self) -> "ReportQuerySet":
        """Reports under review, oldest photo first (the partial index's order)."""
        return self.reviewing().order_by("submitted_at", "id")


class Report(models.Model):
    """A member's report for one day: waiting for a photo, under review, or decided."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for photo")
        REVIEWING = "reviewing", _("Under review")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        SKIPPED = "skipped", _("Skipped")
        NOT_PARTICIPATE = "not_participate", _("Not participating")

    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("member"),
    )
    day = models.ForeignKey(
        ShiftDay,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("day"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.WAITING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decline_reason = models.TextField(_("decline reason"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-day__date", "-id"]
        permissions = [("review_report", _("Can review reports"))]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "day"], name="report_unique_day"
            ),
        ]
        indexes = [
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(status="reviewing"),
                name="report_review_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership.participant} · {self.day.date:%d.%m.%Y}"

    @property
    def can_be_reviewed(self) -> bool:
        return self.status == self.Status.REVIEWING


class Submission(models.Model):
    """One photo sent for a report; each attempt keeps its photo and its verdict."""

    class Verdict(models.TextChoices):
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    report = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        related_name="submissions",
        verbose_name=_("report"),
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    photo = models.ImageField(_("photo"), upload_to="reports/%Y/%m/%d/")
    telegram_file_id = models.CharField(
        _("Telegram file ID"), max_length=255, blank=True
    )
    telegram_file_unique_id = models.CharField(
        _("Telegram file unique ID"), max_length=64, blank=True, db_index=True
    )
    photo_hash = models.CharField(
        _("perceptual hash"), max_length=32, blank=True, db_index=True
    )
    near_duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("looks like"),
        help_text=_("An earlier photo this one is nearly identical to."),
    )
    telegram_update_id = models.BigIntegerField(
        _("Telegram update ID"),
        unique=True,
        null=True,
        blank=True,
        help_text=_(
            "A redelivered update finds its submission here instead of a new one."
        ),
    )
    telegram_message_id = models.BigIntegerField(
        _("Telegram message ID"), null=True, blank=True
    )
    media_group_id = models.CharField(_("album ID"), max_length=64, blank=True)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict, blank=True)
    decline_reason = models.TextField(_("decline reason"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo submission")
        verbose_name_plural = _("photo submissions")
        ordering = ["report", "attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "attempt"], name="submission_unique_attempt"
            ),
            # An album is one submission: its other photos find this row.
            models.UniqueConstraint(
                fields=["report", "media_group_id"],
                condition=~Q(media_group_id=""),
                name="submission_one_per_album",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} #{self.attempt}"

    @property
    def is_near_duplicate(self) -> bool:
        return self.near_duplicate_of_id is not None
