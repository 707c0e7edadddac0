"""Photo reports: one per member and day of a shift's plan."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from core.models import HOUR_VALIDATORS, Membership, ShiftDay
from notifications.models import OutboxMessage


class ReportQuerySet(models.QuerySet):
    def reviewing(self) -> "ReportQuerySet":
        return self.filter(status=Report.Status.REVIEWING)

    def waiting(self) -> "ReportQuerySet":
        return self.filter(status=Report.Status.WAITING)

    def waiting_from_active_members(self, day: ShiftDay) -> "ReportQuerySet":
        """The day's reports still waiting for a photo from an active member."""
        return (
            self.waiting()
            .filter(day=day, membership__status=Membership.Status.ACTIVE)
            .select_related("membership__participant")
            .order_by("membership_id")
        )

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
            # Statistics count reports per day and status from this index alone.
            models.Index(fields=["day", "status"], name="report_day_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.membership.participant} · {formats.date_format(self.day.date)}"

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
    # The file is deleted (retention or erasure) and `photo` emptied; the row
    # stays, so the report's attempts and verdicts still count.
    photo_removed_at = models.DateTimeField(
        _("photo removed at"), null=True, blank=True
    )

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

    @property
    def is_photo_removed(self) -> bool:
        return self.photo_removed_at is not None


class MailingDeliveryManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(kind=OutboxMessage.Kind.MAILING)


class MailingDelivery(OutboxMessage):
    """An outbox message of a mailing: one delivery, as staff list and export them."""

    objects = MailingDeliveryManager()

    class Meta:
        proxy = True
        verbose_name = _("mailing delivery")
        verbose_name_plural = _("mailing deliveries")
        ordering = ["-created_at", "-id"]


class ExportJob(models.Model):
    """A large export written by a Celery worker into a private file."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("requested by"),
    )
    model = models.CharField(_("model"), max_length=100)
    resource = models.CharField(_("data"), max_length=50)
    file_format = models.CharField(_("format"), max_length=4, choices=Format)
    fields = models.JSONField(_("columns"), default=list, blank=True)
    query_string = models.TextField(
        _("filters"), blank=True, help_text=_("The list's filters and search.")
    )
    personal_data = models.BooleanField(_("personal data"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING
    )
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)
    file_removed_at = models.DateTimeField(
        _("file removed at"),
        null=True,
        blank=True,
        help_text=_("Export files are deleted some days after they are written."),
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.resource}.{self.file_format} #{self.pk}"

    @property
    def progress(self) -> int:
        """Per cent of rows written."""
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, 100 * self.rows_done // self.rows_total)

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)


class DigestSubscription(models.Model):
    """A scheduled email of the statistics to chosen staff, daily or weekly."""

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    class Weekday(models.IntegerChoices):
        # Cron numbering, as the beat schedule uses it.
        MONDAY = 1, _("Monday")
        TUESDAY = 2, _("Tuesday")
        WEDNESDAY = 3, _("Wednesday")
        THURSDAY = 4, _("Thursday")
        FRIDAY = 5, _("Friday")
        SATURDAY = 6, _("Saturday")
        SUNDAY = 0, _("Sunday")

    title = models.CharField(_("title"), max_length=200)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="digest_subscriptions",
        limit_choices_to={"is_staff": True, "is_active": True},
        verbose_name=_("recipients"),
        help_text=_("Staff members; each gets the digest at their email address."),
    )
    shift = models.ForeignKey(
        "core.Shift",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="digest_subscriptions",
        verbose_name=_("shift"),
        help_text=_(
            "Statistics of this shift, sent in its time zone; "
            "empty: all shifts, in the site's time zone."
        ),
    )
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency, default=Frequency.DAILY
    )
    weekday = models.PositiveSmallIntegerField(
        _("day of the week"),
        choices=Weekday,
        default=Weekday.MONDAY,
        help_text=_("For weekly digests."),
    )
    hour = models.PositiveSmallIntegerField(
        _("hour"), default=9, validators=HOUR_VALIDATORS
    )
    is_active = models.BooleanField(_("active"), default=True)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("schedule"),
    )
    last_sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("email digest")
        verbose_name_plural = _("email digests")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def time_zone(self) -> str:
        return self.shift.time_zone if self.shift_id else settings.TIME_ZONE

    @property
    def period_days(self) -> int:
        return 7 if self.frequency == self.Frequency.WEEKLY else 1
