"""Applications to join a shift: submit, approve, decline."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.audit import audit_record
from core.models import Application, Membership, Participant, Shift, User
from moderation.exceptions import (
    ApplicationAlreadyMember,
    ApplicationAlreadyPending,
    ApplicationLimitReached,
    ApplicationNotPending,
    NoOpenShift,
    ReasonRequired,
    RegistrationClosed,
)
from moderation.models import Report
from notifications.models import OutboxMessage
from notifications.services import message_enqueue
from notifications.texts import message_render


def shift_open_for_registration(now: dt.datetime | None = None) -> Shift:
    """Return the shift participants may apply to now, or raise `NoOpenShift`."""
    for shift in Shift.objects.filter(
        status__in=[Shift.Status.PREPARING, Shift.Status.STARTED]
    ).order_by("start_date"):
        if shift.is_registration_open(now):
            return shift
    raise NoOpenShift()


@transaction.atomic
def application_submit(
    participant: Participant,
    *,
    shift: Shift | None = None,
    now: dt.datetime | None = None,
) -> Application:
    """Apply `participant` to `shift` (by default the one open for registration)."""
    shift = shift or shift_open_for_registration(now)
    if not shift.is_registration_open(now):
        raise RegistrationClosed(shift=shift.title)
    Participant.objects.select_for_update().get(pk=participant.pk)
    if Membership.objects.filter(participant=participant, shift=shift).exists():
        raise ApplicationAlreadyMember(participant=participant)
    previous = Application.objects.filter(participant=participant, shift=shift)
    if previous.pending().exists():
        raise ApplicationAlreadyPending(participant=participant)
    if previous.count() >= Application.MAX_PER_SHIFT:
        raise ApplicationLimitReached(
            participant=participant, limit=Application.MAX_PER_SHIFT
        )
    return Application.objects.create(participant=participant, shift=shift)


def first_task_at(shift: Shift, now: dt.datetime) -> dt.datetime:
    """Return when a member approved at `now` gets their first task."""
    if (
        shift.status == Shift.Status.PREPARING
        and shift.local_date(now) <= shift.start_date
    ):
        return shift.moment_at(shift.start_date, shift.task_hour)
    next_day = shift.task_date(now) + dt.timedelta(days=1)
    return shift.moment_at(max(next_day, shift.start_date), shift.task_hour)


def _lock_pending(application: Application) -> Application:
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not locked.is_pending:
        raise ApplicationNotPending(
            participant=locked.participant, status=locked.get_status_display()
        )
    return locked


@transaction.atomic
def application_approve(
    application: Application, *, by: User | None, now: dt.datetime | None = None
) -> Application:
    """Approve: an active membership with 0 points, and the participant is told.

    A late joiner gets `not_participate` reports for the days before their first task.
    """
    now = now or timezone.now()
    application = _lock_pending(application)
    shift, participant = application.shift, application.participant
    application.status = Application.Status.APPROVED
    application.reviewed_by, application.reviewed_at = by, now
    application.save(
        update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"]
    )
    audit_record(application, by=by, action=gettext_noop("Approved."))
    membership = Membership.objects.create(participant=participant, shift=shift)
    starts_at = first_task_at(shift, now)
    missed_days = shift.days.filter(
        date__lt=timezone.localtime(starts_at, shift.tz).date()
    )
    Report.objects.bulk_create(
        Report(membership=membership, day=day, status=Report.Status.NOT_PARTICIPATE)
        for day in missed_days
    )
    message_enqueue(
        participant,
        kind=OutboxMessage.Kind.APPLICATION,
        dedupe_key=f"application:{application.pk}:approved",
        text=message_render(
            "application_approved",
            participant,
            shift=shift.title,
            first_task_at=timezone.localtime(starts_at, shift.tz).strftime(
                "%d.%m.%Y %H:%M"
            ),
        ),
    )
    return application


@transaction.atomic
def application_decline(
    application: Application, *, by: User | None, reason: str
) -> Application:
    """Decline with a reason, which is sent to the participant."""
    reason = reason.strip()
    if not reason:
        raise ReasonRequired()
    application = _lock_pending(application)
    _decline(application, by=by, reason=reason, message_key="application_declined")
    return application


def _decline(
    application: Application, *, by: User | None, reason: str, message_key: str
) -> None:
    application.status = Application.Status.DECLINED
    application.decline_reason = reason
    application.reviewed_by, application.reviewed_at = by, timezone.now()
    application.save(
        update_fields=[
            "status",
            "decline_reason",
            "reviewed_by",
            "reviewed_at",
            "updated_at",
        ]
    )
    # The reason stays with the application only: erasure empties it there.
    audit_record(application, by=by, action=gettext_noop("Declined."))
    participant = application.participant
    message_enqueue(
        participant,
        kind=OutboxMessage.Kind.APPLICATION,
        dedupe_key=f"application:{application.pk}:declined",
        text=message_render(
            message_key, participant, shift=application.shift.title, reason=reason
        ),
    )


def applications_decline_pending(shift: Shift, *, by: User | None, reason: str) -> int:
    """Decline every pending application of a cancelled shift; return how many."""
    pending = list(
        shift.applications.pending()
        .select_for_update()
        .select_related("participant", "shift")
    )
    for application in pending:
        _decline(application, by=by, reason=reason, message_key="application_cancelled")
    return len(pending)
