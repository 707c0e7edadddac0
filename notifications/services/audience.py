"""Who a mailing goes to, what each recipient's variables and time zone are, and the
text each one gets (for the fan-out and the preview alike)."""

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.models import Application, Membership, Participant
from core.services import add_months
from notifications.formatting import template_fill
from notifications.models import Mailing

AUDIENCE_FIELDS = (
    "membership",
    "participant_kind",
    "cities",
    "age_min",
    "age_max",
    "registered_since",
)


@dataclass(frozen=True)
class Audience:
    """The filter of a mailing, also built from an unsaved admin form."""

    shift_ids: tuple[int, ...] = ()
    membership: str = Mailing.Membership.ACTIVE
    participant_kind: str = Mailing.ParticipantKind.REAL
    cities: str = ""
    age_min: int | None = None
    age_max: int | None = None
    registered_since: dt.date | None = None

    @classmethod
    def of(cls, mailing: Mailing) -> "Audience":
        shift_ids = (
            tuple(mailing.shifts.values_list("pk", flat=True)) if mailing.pk else ()
        )
        return cls(
            shift_ids=shift_ids,
            **{name: getattr(mailing, name) for name in AUDIENCE_FIELDS},
        )


def audience_participants(
    audience: Audience, *, today: dt.date | None = None
) -> QuerySet[Participant]:
    """Return the participants the audience filter selects."""
    today = today or timezone.localdate()
    # Erased participants have no Telegram account left to send to.
    participants = Participant.objects.filter(erased_at__isnull=True)
    if audience.participant_kind == Mailing.ParticipantKind.REAL:
        participants = participants.filter(is_test=False)
    elif audience.participant_kind == Mailing.ParticipantKind.TEST:
        participants = participants.filter(is_test=True)

    memberships = Membership.objects.all()
    if audience.shift_ids:
        memberships = memberships.filter(shift__in=audience.shift_ids)
    statuses = {
        Mailing.Membership.ACTIVE: [Membership.Status.ACTIVE],
        Mailing.Membership.EXCLUDED: [Membership.Status.EXCLUDED],
        Mailing.Membership.MEMBERS: list(Membership.Status),
    }
    if audience.membership in statuses:
        participants = participants.filter(
            pk__in=memberships.filter(status__in=statuses[audience.membership]).values(
                "participant_id"
            )
        )
    elif audience.membership == Mailing.Membership.NOT_MEMBERS:
        participants = participants.exclude(pk__in=memberships.values("participant_id"))
    elif audience.shift_ids:
        applied = Application.objects.filter(shift__in=audience.shift_ids)
        participants = participants.filter(
            Q(pk__in=memberships.values("participant_id"))
            | Q(pk__in=applied.values("participant_id"))
        )

    cities = [city.strip() for city in audience.cities.split(",") if city.strip()]
    if cities:
        query = Q()
        for city in cities:
            query |= Q(city__iexact=city)
        participants = participants.filter(query)
    # Age on `today`: at least `age_min` years old and not yet `age_max + 1`.
    if audience.age_min is not None:
        participants = participants.filter(
            birth_date__lte=add_months(today, -12 * audience.age_min)
        )
    if audience.age_max is not None:
        participants = participants.filter(
            birth_date__gt=add_months(today, -12 * (audience.age_max + 1))
        )
    if audience.registered_since is not None:
        since = dt.datetime.combine(
            audience.registered_since, dt.time(), tzinfo=timezone.get_current_timezone()
        )
        participants = participants.filter(created_at__gte=since)
    return participants


def audience_count(audience: Audience) -> dict[str, int]:
    """Count the recipients, and how many of them cannot be reached in Telegram."""
    participants = audience_participants(audience)
    total = participants.count()
    unreachable = participants.filter(
        Q(blocked_bot_at__isnull=False) | Q(telegram_id__isnull=True)
    ).count()
    return {
        "total": total,
        "unreachable": unreachable,
        "reachable": total - unreachable,
    }


@dataclass(frozen=True)
class RecipientInfo:
    time_zone: zoneinfo.ZoneInfo
    shift: str = ""
    points: int | str = ""


def recipients_info(
    participant_ids: Iterable[int], *, shift_ids: Sequence[int]
) -> dict[int, RecipientInfo]:
    """Return each participant's shift, points and time zone, for variables and quiet hours.

    The shift is their latest membership (in `shift_ids`, the mailing's shifts,
    if it has any), else the shift they applied to last; without either, the
    site's zone.
    """
    ids = list(participant_ids)
    in_shifts = {"shift__in": list(shift_ids)} if shift_ids else {}
    info = {}
    applications = (
        Application.objects.filter(participant_id__in=ids, **in_shifts)
        .order_by("shift__start_date")
        .values_list("participant_id", "shift__title", "shift__time_zone")
    )
    for participant_id, title, zone in applications:
        info[participant_id] = RecipientInfo(zoneinfo.ZoneInfo(zone), title, "")
    memberships = (
        Membership.objects.filter(participant_id__in=ids, **in_shifts)
        .order_by("shift__start_date")
        .values_list("participant_id", "shift__title", "shift__time_zone", "points")
    )
    for participant_id, title, zone, points in memberships:
        info[participant_id] = RecipientInfo(zoneinfo.ZoneInfo(zone), title, points)
    default = RecipientInfo(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return {participant_id: info.get(participant_id, default) for participant_id in ids}


def recipient_variables(
    participant: Participant, recipient: RecipientInfo
) -> dict[str, Any]:
    """Return the value of each mailing variable (`Mailing.VARIABLES`) for a recipient."""
    return {
        "name": participant.first_name,
        "last_name": participant.last_name,
        "city": participant.city,
        "shift": recipient.shift,
        "points": recipient.points,
    }


def mailing_text(
    mailing: Mailing, participant: Participant, recipient: RecipientInfo
) -> str:
    """Return the mailing's text as `participant` gets it, every variable filled."""
    return template_fill(mailing.text, recipient_variables(participant, recipient))


@dataclass(frozen=True)
class MailingPreview:
    """The text as one recipient gets it; `recipient` is None for an empty audience,
    and then the text is shown as written."""

    recipient: Participant | None
    text: str


def mailing_preview(
    mailing: Mailing, *, audience: Audience | None = None
) -> MailingPreview:
    """Return the text as the first recipient of the audience will get it.

    `audience` is that of an unsaved form (default: the mailing's own). Filled
    exactly as the fan-out fills it; once the recipients are fixed, the first
    one's message is shown as it was queued.
    """
    if mailing.pk is not None and mailing.fanned_out_at is not None:
        first = (
            mailing.deliveries.filter(participant__isnull=False)
            .select_related("participant")
            .order_by("pk")
            .first()
        )
        if first is not None:
            return MailingPreview(first.participant, first.text)
    audience = audience or Audience.of(mailing)
    participant = audience_participants(audience).order_by("pk").first()
    if participant is None:
        return MailingPreview(None, mailing.text)
    recipient = recipients_info([participant.pk], shift_ids=audience.shift_ids)
    return MailingPreview(
        participant, mailing_text(mailing, participant, recipient[participant.pk])
    )


def participant_time_zones(
    participant_ids: Iterable[int], *, mailing: Mailing
) -> dict[int, zoneinfo.ZoneInfo]:
    """Return each participant's shift time zone (see `recipients_info`)."""
    return {
        participant_id: recipient.time_zone
        for participant_id, recipient in recipients_info(
            participant_ids, shift_ids=Audience.of(mailing).shift_ids
        ).items()
    }
