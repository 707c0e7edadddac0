"""Mailings: one text sent to a filtered audience of participants."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import HOUR_VALIDATORS, Shift, TimeStampedModel
from notifications.formatting import CAPTION_LIMIT, TEXT_LIMIT, text_problems


class Mailing(TimeStampedModel):
    """A message to many participants, written and started by staff in the admin.

    Its recipients are fixed when it becomes due ("fan-out"): one outbox row per
    participant, which the sender delivers at the global rate limit.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Membership(models.TextChoices):
        ANY = "any", _("Anyone (applied to or member of the shifts)")
        ACTIVE = "active", _("Active members")
        EXCLUDED = "excluded", _("Excluded members")
        MEMBERS = "members", _("Members, active or excluded")
        NOT_MEMBERS = "not_members", _("Not members")

    class ParticipantKind(models.TextChoices):
        REAL = "real", _("Real participants only")
        TEST = "test", _("Test participants only")
        ALL = "all", _("Real and test participants")

    VARIABLES = ("name", "last_name", "city", "shift", "points")
    EDITABLE_STATUSES = (Status.DRAFT,)
    ACTIVE_STATUSES = (Status.SCHEDULED, Status.SENDING, Status.PAUSED)

    title = models.CharField(
        _("title"), max_length=200, help_text=_("For staff; participants never see it.")
    )
    text = models.TextField(
        _("text"),
        help_text=_(
            "Telegram HTML tags: b, i, u, s, a href, code, pre, blockquote, "
            "tg-spoiler. Variables: {name}, {last_name}, {city}, {shift}, {points}."
        ),
    )
    photo = models.ImageField(
        _("photo"),
        upload_to="mailings/%Y/%m/",
        blank=True,
        help_text=_(
            "Optional; the text becomes its caption (at most 1,024 characters)."
        ),
    )
    buttons = models.TextField(
        _("link buttons"),
        blank=True,
        help_text=_("One button per line: Text | https://link"),
    )
    # -- audience -------------------------------------------------------------
    shifts = models.ManyToManyField(
        Shift,
        blank=True,
        related_name="+",
        verbose_name=_("shifts"),
        help_text=_("Empty: any shift."),
    )
    membership = models.CharField(
        _("membership"), max_length=12, choices=Membership, default=Membership.ACTIVE
    )
    participant_kind = models.CharField(
        _("participants"),
        max_length=4,
        choices=ParticipantKind,
        default=ParticipantKind.REAL,
    )
    cities = models.CharField(
        _("cities"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated; empty: any city."),
    )
    age_min = models.PositiveSmallIntegerField(
        _("age from"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    age_max = models.PositiveSmallIntegerField(
        _("age to"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    registered_since = models.DateField(_("registered since"), null=True, blank=True)
    # -- schedule -------------------------------------------------------------
    scheduled_at = models.DateTimeField(
        _("send at"), null=True, blank=True, help_text=_("Empty: right away.")
    )
    send_until = models.DateTimeField(
        _("end of window"),
        null=True,
        blank=True,
        help_text=_("Messages not sent by then expire."),
    )
    quiet_from = models.PositiveSmallIntegerField(
        _("quiet hours from"),
        null=True,
        blank=True,
        validators=HOUR_VALIDATORS,
        help_text=_("Hour in the recipient's shift time zone, e.g. 22."),
    )
    quiet_to = models.PositiveSmallIntegerField(
        _("quiet hours to"),
        null=True,
        blank=True,
        validators=HOUR_VALIDATORS,
        help_text=_("e.g. 9: nothing is sent from 22:00 to 09:00."),
    )
    # -- state ----------------------------------------------------------------
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    recipients_count = models.PositiveIntegerField(_("recipients"), default=0)
    fanned_out_at = models.DateTimeField(
        _("recipients fixed at"), null=True, blank=True
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_min__isnull=True)
                | models.Q(age_max__isnull=True)
                | models.Q(age_min__lte=models.F("age_max")),
                name="mailing_age_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if None not in (self.age_min, self.age_max) and self.age_min > self.age_max:
            errors["age_max"] = _("The upper age must not be below the lower one.")
        if (self.quiet_from is None) != (self.quiet_to is None):
            errors["quiet_to"] = _("Give both ends of the quiet hours, or neither.")
        elif self.quiet_from is not None and self.quiet_from == self.quiet_to:
            errors["quiet_to"] = _("Quiet hours must not cover the whole day.")
        if (
            self.send_until is not None
            and self.scheduled_at is not None
            and self.send_until <= self.scheduled_at
        ):
            errors["send_until"] = _("The window must end after the sending starts.")
        if errors:
            raise ValidationError(errors)

    def text_problems(self) -> list[str]:
        """Return why Telegram would refuse the text (with a photo it is a caption)."""
        limit = CAPTION_LIMIT if self.photo else TEXT_LIMIT
        return text_problems(self.text, variables=self.VARIABLES, limit=limit)

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_from is not None and self.quiet_to is not None

    def is_quiet_hour(self, hour: int) -> bool:
        """Tell whether `hour` (local) falls in the quiet hours, which may wrap midnight."""
        if not self.has_quiet_hours:
            return False
        if self.quiet_from < self.quiet_to:
            return self.quiet_from <= hour < self.quiet_to
        return hour >= self.quiet_from or hour < self.quiet_to

    def quiet_until(self, moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime | None:
        """Return when the quiet hours around `moment` end in `tz`, or None if not quiet."""
        local = moment.astimezone(tz)
        if not self.is_quiet_hour(local.hour):
            return None
        end = local.replace(hour=self.quiet_to, minute=0, second=0, microsecond=0)
        if end <= local:
            end += dt.timedelta(days=1)
        # Re-attach the zone so a DST change overnight gives the right instant.
        return dt.datetime.combine(end.date(), end.time(), tzinfo=tz)
