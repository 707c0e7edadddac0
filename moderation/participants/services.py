"""The participant's side of a shift: applying, the balance, the overview in the bot."""

import contextlib
import datetime as dt
from dataclasses import dataclass

from core.models import Application, Membership, Participant, Shift
from moderation.exceptions import (
    NoOpenShift,
    NoTaskToday,
    ParticipantNotMember,
    RegistrationClosed,
)
from moderation.models import Report
from moderation.review.reports import membership_current, report_today
from moderation.shifts.applications import (
    application_submit,
    shift_open_for_registration,
)


def participant_apply(
    participant: Participant, *, now: dt.datetime | None = None
) -> Application:
    """Apply the participant to the shift open for registration.

    When none is open but a shift is being prepared or runs, the refusal names
    it (`RegistrationClosed`), which tells the participant more than "no shift".
    """
    try:
        shift = shift_open_for_registration(now)
    except NoOpenShift:
        current = (
            Shift.objects.filter(
                status__in=[Shift.Status.PREPARING, Shift.Status.STARTED]
            )
            .order_by("-start_date")
            .first()
        )
        if current is None:
            raise
        raise RegistrationClosed(shift=current.title) from None
    return application_submit(participant, shift=shift, now=now)


def participant_balance(participant: Participant | None) -> int:
    """Return the points of the participant's current membership."""
    return membership_current(participant).points


@dataclass(frozen=True, slots=True)
class ParticipantOverview:
    """What /status shows: the latest application, membership and today's report."""

    participant: Participant
    application: Application | None
    membership: Membership | None
    report: Report | None
    open_shift: Shift | None
    # Applications the participant made to `open_shift` (0 without one).
    applications_to_open_shift: int = 0

    @property
    def applications_used(self) -> bool:
        """All applications to the open shift are used: no more may be made."""
        return (
            self.open_shift is not None
            and self.applications_to_open_shift >= Application.MAX_PER_SHIFT
        )

    @property
    def can_apply(self) -> bool:
        """Whether applying to the open shift could succeed now (the "Apply" button)."""
        if self.open_shift is None or self.membership is not None:
            return False
        application = self.application
        pending_here = (
            application is not None
            and application.is_pending
            and application.shift_id == self.open_shift.pk
        )
        return not pending_here and not self.applications_used


def participant_overview(
    participant: Participant, *, now: dt.datetime | None = None
) -> ParticipantOverview:
    """Collect the participant's latest application, membership and today's report."""
    application = (
        Application.objects.filter(participant=participant)
        .select_related("shift")
        .order_by("-created_at", "-id")
        .first()
    )
    membership = report = open_shift = None
    with contextlib.suppress(ParticipantNotMember, NoTaskToday):
        membership = membership_current(participant)
        report = report_today(participant, now=now)
    with contextlib.suppress(NoOpenShift):
        open_shift = shift_open_for_registration(now)
    applications = (
        Application.objects.filter(participant=participant, shift=open_shift).count()
        if open_shift is not None
        else 0
    )
    return ParticipantOverview(
        participant, application, membership, report, open_shift, applications
    )
