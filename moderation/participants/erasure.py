"""Erasure: a participant's personal data, photos and dialog removed for good.

The participant's row stays, anonymous, with its applications, memberships and
reports, so that counts and statistics stay right. What the bot keeps outside the
database (the dialog's FSM state in Redis) is forgotten by hooks the bot registers:
`moderation` may not import `botrunner`.
"""

import datetime as dt
import functools
from collections.abc import Callable

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.audit import audit_record
from core.models import Application, Membership, Participant, Shift, User
from moderation.cycle.retention import photos_remove
from moderation.exceptions import ParticipantAlreadyErased
from moderation.models import Report, Submission
from notifications.services import participant_messages_erase

# Each is called with the Telegram id of an erased participant, after commit.
ErasureHook = Callable[[int], None]
_hooks: list[ErasureHook] = []

PERSONAL_FIELDS = {
    "first_name": "",
    "last_name": "",
    "birth_date": None,
    "city": "",
    "phone": "",
    "telegram_id": None,
    "telegram_username": "",
}


def erasure_hook_register(hook: ErasureHook) -> None:
    """Have `hook(telegram_id)` run after each erasure (the bot forgets its dialog)."""
    if hook not in _hooks:
        _hooks.append(hook)


@transaction.atomic
def participant_erase(participant: Participant, *, by: User) -> Participant:
    """Erase the participant's personal data; keep the row, anonymous, for statistics.

    Names, birth date, city, phone and Telegram username and id are cleared: the
    same Telegram account may register again, as a new participant with nothing
    linking it to this row. Their photos are deleted from storage, decline
    reasons written to them emptied, queued messages cancelled and the texts of
    the others emptied (see `participant_messages_erase`). They leave current
    shifts with no message: active memberships excluded, pending applications
    declined, reports waiting for a photo or under review marked not
    participating. Names in the admin's history entries about them are replaced,
    the erasure itself is recorded there (by `by`), and after commit the bot
    forgets their dialog. Erasing again raises `ParticipantAlreadyErased`.
    """
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.is_erased:
        raise ParticipantAlreadyErased(
            participant=str(participant), erased_at=f"{participant.erased_at:%d.%m.%Y}"
        )
    now = timezone.now()
    telegram_id = participant.telegram_id
    reports = Report.objects.filter(membership__participant=participant)
    # Files first: if anything below fails, the transaction rolls back and a
    # retry deletes the (already gone) files again without error.
    photos = photos_remove(Submission.objects.filter(report__in=reports), now=now)
    Submission.objects.filter(report__in=reports).update(decline_reason="")
    reports.update(decline_reason="")
    # Nothing is left to send or review: an open report would keep its shift
    # from finishing (it waits for the last review).
    reports.filter(status__in=[Report.Status.WAITING, Report.Status.REVIEWING]).update(
        status=Report.Status.NOT_PARTICIPATE
    )
    _shifts_leave(participant, by=by, now=now)
    participant_messages_erase(participant)
    for name, value in PERSONAL_FIELDS.items():
        setattr(participant, name, value)
    participant.erased_at = now
    participant.save(update_fields=[*PERSONAL_FIELDS, "erased_at", "updated_at"])
    _history_anonymise(participant)
    action = gettext_noop(
        "Erased: personal data cleared, %(photos)s photos deleted, "
        "dialog and queued messages removed."
    )
    audit_record(participant, by=by, action=action, details={"photos": photos})
    if telegram_id is not None:
        transaction.on_commit(functools.partial(_hooks_run, telegram_id), robust=True)
    return participant


def _shifts_leave(participant: Participant, *, by: User, now: dt.datetime) -> None:
    """Take the participant out of current shifts, silently (nobody to tell)."""
    Membership.objects.filter(
        participant=participant,
        status=Membership.Status.ACTIVE,
        shift__status__in=Shift.CURRENT_STATUSES,
    ).update(status=Membership.Status.EXCLUDED, excluded_at=now, updated_at=now)
    applications = Application.objects.filter(participant=participant)
    applications.pending().update(
        status=Application.Status.DECLINED,
        reviewed_by=by,
        reviewed_at=now,
        updated_at=now,
    )
    applications.update(decline_reason="")


def _history_anonymise(participant: Participant) -> None:
    """Replace the names the admin's history entries hold about the participant
    and their applications, memberships and reports with what they show now."""
    related: list[models.QuerySet] = [
        Participant.objects.filter(pk=participant.pk),
        Application.objects.filter(participant=participant).select_related(
            "participant", "shift"
        ),
        Membership.objects.filter(participant=participant).select_related(
            "participant", "shift"
        ),
        Report.objects.filter(membership__participant=participant).select_related(
            "membership__participant", "day"
        ),
    ]
    for queryset in related:
        content_type = ContentType.objects.get_for_model(queryset.model)
        entries = LogEntry.objects.filter(content_type=content_type)
        logged = set(
            entries.filter(
                object_id__in=[str(pk) for pk in queryset.values_list("pk", flat=True)]
            ).values_list("object_id", flat=True)
        )
        for obj in queryset.filter(pk__in=logged):
            entries.filter(object_id=str(obj.pk)).update(object_repr=str(obj)[:200])


def _hooks_run(telegram_id: int) -> None:
    for hook in _hooks:
        hook(telegram_id)
