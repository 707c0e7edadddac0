"""Shared domain: staff users, participants, shifts, applications, members, tasks."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

HOUR_VALIDATORS = [MinValueValidator(0), MaxValueValidator(23)]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("Unknown time zone: %(value)s"), params={"value": value}
        )


def default_time_zone() -> str:
    return settings.TIME_ZONE


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A staff account; its groups are the roles (Administrator, Coordinator, Moderator)."""

    telegram_chat_id = models.BigIntegerField(
        _("Telegram chat ID"),
        null=True,
        blank=True,
        help_text=_(
            "Where test mailings go. Write /start to the bot first; the ID is "
            "your Telegram user ID."
        ),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["username"]


class PrivacyNotice(models.Model):
    """The organisation's privacy notice that participants agree to (one row).

    Its wording in the bot is the editable text "bot_consent_ask"; the full
    notice is at `url`. Staff publish a new `version` when the notice changes:
    everyone who agreed to an older one is asked again.
    """

    SINGLE_ID = 1
    FIRST_VERSION = 1

    version = models.PositiveIntegerField(_("version"), default=FIRST_VERSION)
    url = models.URLField(
        _("link to the full notice"),
        blank=True,
        help_text=_("Shown in the notice in the bot (a public https:// address)."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notice")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="privacynotice_single_row"),
        ]

    def __str__(self) -> str:
        return str(_("Privacy notice, version %(version)d") % {"version": self.version})


class ParticipantQuerySet(models.QuerySet):
    def with_notice_version(self) -> "ParticipantQuerySet":
        """Annotate `notice_version`, the privacy notice version in force now
        (in the same query: the bot checks it on every update)."""
        current = PrivacyNotice.objects.filter(pk=PrivacyNotice.SINGLE_ID)
        return self.annotate(
            notice_version=Coalesce(
                Subquery(current.values("version")[:1]),
                Value(PrivacyNotice.FIRST_VERSION),
            )
        )

    def consented(self, state: str) -> "ParticipantQuerySet":
        """Narrow to those who agreed to the privacy notice in force ("current"),
        to an earlier version ("earlier") or to none ("none")."""
        if state == "none":
            return self.filter(consent_version__isnull=True)
        if state == "current":
            return self.with_notice_version().filter(
                consent_version__gte=F("notice_version")
            )
        if state == "earlier":
            return self.with_notice_version().filter(
                consent_version__lt=F("notice_version")
            )
        raise ValueError(state)


class Role(Group):
    """A staff role: a Django group (see `core.roles`), named in the reader's language.

    The groups are stored with their English names; those of `core.roles` are
    msgids, so a role shows as "Координатор" in Russian.
    """

    class Meta:
        proxy = True
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]

    def __str__(self) -> str:
        return gettext(self.name)


class Participant(TimeStampedModel):
    """A child (or parent) who takes part through the Telegram bot."""

    class Language(models.TextChoices):
        RU = "ru", _("Russian")
        EN = "en", _("English")

    telegram_id = models.BigIntegerField(
        _("Telegram ID"), unique=True, null=True, blank=True
    )
    telegram_username = models.CharField(
        _("Telegram username"), max_length=64, blank=True
    )
    first_name = models.CharField(_("first name"), max_length=64)
    last_name = models.CharField(_("last name"), max_length=64)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language, default=Language.RU
    )
    is_test = models.BooleanField(
        _("test participant"),
        default=False,
        help_text=_("Test participants are never excluded."),
    )
    blocked_bot_at = models.DateTimeField(
        _("blocked the bot at"),
        null=True,
        blank=True,
        help_text=_(
            "Set when Telegram reports the bot is blocked; nothing is sent then."
        ),
    )
    erased_at = models.DateTimeField(
        _("erased at"),
        null=True,
        blank=True,
        help_text=_(
            "Personal data and photos were erased; the row stays, anonymous, "
            "for the statistics."
        ),
    )
    consent_version = models.PositiveIntegerField(
        _("privacy notice version agreed to"), null=True, blank=True
    )
    consent_at = models.DateTimeField(
        _("agreed to the privacy notice at"), null=True, blank=True
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["last_name", "first_name", "id"]
        permissions = [("export_personal_data", _("Can export personal data"))]
        indexes = [
            # Serves the default ordering of the participants list.
            models.Index(
                fields=["last_name", "first_name", "id"], name="participant_name_idx"
            ),
        ]

    def __str__(self) -> str:
        if self.is_erased:
            return self.erased_label
        return f"{self.last_name} {self.first_name}".strip()

    @property
    def full_name(self) -> str:
        if self.is_erased:
            return self.erased_label
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def erased_label(self) -> str:
        # Names are gone: staff pages still need something to show and link.
        return gettext("Erased participant #%(id)s") % {"id": self.pk}

    @property
    def has_blocked_bot(self) -> bool:
        return self.blocked_bot_at is not None

    def has_consent_to(self, version: int) -> bool:
        """Tell whether the participant agreed to privacy notice `version` (or later)."""
        return self.consent_version is not None and self.consent_version >= version

    def age_on(self, day: dt.date) -> int | None:
        if self.birth_date is None:
            return None
        before_birthday = (day.month, day.day) < (
            self.birth_date.month,
            self.birth_date.day,
        )
        return day.year - self.birth_date.year - before_birthday


class PhoneConflict(TimeStampedModel):
    """A Telegram account refused at registration: its phone number already
    belongs to a participant linked to another Telegram account."""

    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="phone_conflicts",
        verbose_name=_("participant with this phone"),
    )
    telegram_id = models.BigIntegerField(_("refused Telegram ID"))
    telegram_username = models.CharField(
        _("refused Telegram username"), max_length=64, blank=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=1)

    class Meta:
        verbose_name = _("phone conflict")
        verbose_name_plural = _("phone conflicts")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "telegram_id"], name="phoneconflict_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.telegram_id}"


class ShiftQuerySet(models.QuerySet):
    def running(self) -> "ShiftQuerySet":
        return self.filter(status__in=Shift.RUNNING_STATUSES)

    def preparing(self) -> "ShiftQuerySet":
        return self.filter(status=Shift.Status.PREPARING)


class Shift(TimeStampedModel):
    """A programme run: participants do the day's task from start to end date."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Preparing")
        STARTED = "started", _("Started")
        READY_FOR_COMPLETE = "ready_for_complete", _("Ready for completion")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    RUNNING_STATUSES = (Status.STARTED, Status.READY_FOR_COMPLETE)
    # A member of such a shift is "in" it: applying, doing tasks or awaiting the end.
    CURRENT_STATUSES = (Status.PREPARING, *RUNNING_STATUSES)
    MAX_DURATION = dt.timedelta(days=120)
    REGISTRATION_DAYS_AFTER_START = 2

    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status,
        default=Status.PREPARING,
        db_index=True,
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
    )
    task_hour = models.PositiveSmallIntegerField(
        _("task hour"), default=8, validators=HOUR_VALIDATORS
    )
    reminder_hour = models.PositiveSmallIntegerField(
        _("reminder hour"), default=20, validators=HOUR_VALIDATORS
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("max attempts per report"), default=3, validators=[MinValueValidator(1)]
    )
    skip_limit = models.PositiveSmallIntegerField(
        _("skipped reports before exclusion"),
        default=5,
        validators=[MinValueValidator(1)],
    )
    final_message = models.TextField(
        _("final message"),
        blank=True,
        help_text=_("Sent to active members at the end. Variables: {name}, {points}."),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Set by the retention job of the daily cycle once every report photo of the
    # shift is deleted, so that a finished shift is not searched again each minute.
    photos_removed_at = models.DateTimeField(
        _("photos removed at"), null=True, blank=True
    )

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lt=models.F("end_date")),
                name="shift_starts_before_end",
            ),
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="preparing"),
                name="shift_one_preparing",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def duration_days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING_STATUSES

    def local_date(self, moment: dt.datetime | None = None) -> dt.date:
        return timezone.localtime(moment or timezone.now(), self.tz).date()

    def task_date(self, moment: dt.datetime | None = None) -> dt.date:
        """Return the task day `moment` belongs to: days run from task hour to task hour."""
        local = timezone.localtime(moment or timezone.now(), self.tz)
        if local.hour < self.task_hour:
            return local.date() - dt.timedelta(days=1)
        return local.date()

    def moment_at(self, day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=self.tz)

    def reminder_at(self, day: dt.date) -> dt.datetime:
        """Return when the reminder of task day `day` is due: the first reminder
        hour after that day's task hour (the next morning if it comes earlier)."""
        if self.reminder_hour > self.task_hour:
            return self.moment_at(day, self.reminder_hour)
        return self.moment_at(day + dt.timedelta(days=1), self.reminder_hour)

    def is_registration_open(self, moment: dt.datetime | None = None) -> bool:
        if self.status == self.Status.PREPARING:
            return True
        if self.status != self.Status.STARTED:
            return False
        last_day = self.start_date + dt.timedelta(
            days=self.REGISTRATION_DAYS_AFTER_START
        )
        return self.local_date(moment) < last_day

    def can_be_started(self) -> bool:
        return self.status == self.Status.PREPARING

    def can_be_cancelled(self) -> bool:
        return self.status == self.Status.PREPARING

    def can_be_finished(self) -> bool:
        return self.is_running


class ShiftDay(models.Model):
    """One day of a shift's plan: which catalogue task is given that day."""

    shift = models.ForeignKey(
        Shift, on_delete=models.CASCADE, related_name="days", verbose_name=_("shift")
    )
    date = models.DateField(_("date"))
    task = models.ForeignKey(
        "Task", on_delete=models.PROTECT, related_name="days", verbose_name=_("task")
    )
    # Set by the daily cycle, so that a job already done is not redone each minute.
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminders sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("day of the plan")
        verbose_name_plural = _("plan")
        ordering = ["shift", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "date"], name="shiftday_unique_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shift} · {formats.date_format(self.date)}"

    @property
    def number(self) -> int:
        return (self.date - self.shift.start_date).days + 1


class Task(TimeStampedModel):
    """A catalogue task (brush teeth, wash dishes) that plans pick days from."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("text sent to participants"))
    image = models.ImageField(_("image"), upload_to="tasks/%Y/%m/", blank=True)
    is_archived = models.BooleanField(
        _("archived"), default=False, help_text=_("Archived tasks go into no new plan.")
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("task catalogue")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ApplicationQuerySet(models.QuerySet):
    def pending(self) -> "ApplicationQuerySet":
        return self.filter(status=Application.Status.PENDING)


class Application(TimeStampedModel):
    """A participant's request to join a shift, approved or declined by staff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    MAX_PER_SHIFT = 3

    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=_("participant"),
    )
    shift = models.ForeignKey(
        Shift,
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=_("shift"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status,
        default=Status.PENDING,
        db_index=True,
    )
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

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "shift"],
                condition=Q(status="pending"),
                name="application_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} → {self.shift}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class MembershipQuerySet(models.QuerySet):
    def active(self) -> "MembershipQuerySet":
        return self.filter(status=Membership.Status.ACTIVE)

    def current_of(self, participant: "Participant") -> "MembershipQuerySet":
        """The participant's active memberships of current shifts, the one that
        counts first: a running shift before a preparing one, then the latest."""
        return (
            self.active()
            .filter(participant=participant, shift__status__in=Shift.CURRENT_STATUSES)
            .order_by(
                Case(
                    When(shift__status=Shift.Status.PREPARING, then=Value(1)),
                    default=Value(0),
                ),
                "-shift__start_date",
            )
        )


class Membership(TimeStampedModel):
    """A participant's place in a shift, with the points earned there."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXCLUDED = "excluded", _("Excluded")

    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("participant"),
    )
    shift = models.ForeignKey(
        Shift,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("shift"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.ACTIVE, db_index=True
    )
    points = models.PositiveIntegerField(_("points"), default=0)
    excluded_at = models.DateTimeField(_("excluded at"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["-points", "participant__last_name"]
        indexes = [
            # Serves the members list, best first, without sorting every member.
            models.Index(fields=["-points", "-id"], name="membership_points_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "shift"], name="membership_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.shift}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Heartbeat(models.Model):
    """When a process that runs on its own (beat's tick, the bot) last did its work.

    Written by `core.heartbeats`, read by the readiness checks: a row per process,
    in the database because every process (web, worker, beat, bot) shares it, on
    the embedded SQLite path as on PostgreSQL.
    """

    name = models.CharField(_("process"), max_length=50, primary_key=True)
    beat_at = models.DateTimeField(_("last seen at"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        ordering = ["name"]
        # Nobody edits heartbeats: no permissions to list among the roles'.
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at.isoformat()}"
