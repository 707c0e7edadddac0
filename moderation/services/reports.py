"""Today's report of a member, and skipping its task.

Photos are submitted in moderation/services/submissions.py.
"""

import datetime as dt
from collections.abc import Iterable
from functools import cache

from django.db import connection, transaction
from django.utils import timezone

from core.exceptions import (
    DomainError,
    NoTaskToday,
    ParticipantNotMember,
    ParticipantNotRegistered,
    ReportAlreadyApproved,
    ReportAlreadySkipped,
    ReportNotWaiting,
    ReportUnderReview,
)
from core.models import Membership, Participant, Shift, ShiftDay, Task, User
from core.sql import Columns, rows
from moderation.models import Report

CURRENT_SHIFT_STATUSES = (
    Shift.Status.PREPARING,
    Shift.Status.STARTED,
    Shift.Status.READY_FOR_COMPLETE,
)
# A shift's task day is within this of the server's date, whatever its time
# zone and task hour.
TODAY_SPREAD = dt.timedelta(days=2)


_REPORT = Columns(Report, "r")
_DAY = Columns(ShiftDay, "d")
_SHIFT = Columns(Shift, "s")
_MEMBERSHIP = Columns(Membership, "m")

# SQL written by hand: every photo of a burst runs these (see core/sql.py).

# The current membership: active, of a current shift, the latest-starting one.
_CURRENT_MEMBERSHIP_SQL = """
    SELECT {columns}
    FROM core_membership m
    JOIN core_shift s ON s.id = m.shift_id
    WHERE m.participant_id = %s AND m.status = %s AND s.status IN (%s, %s, %s)
    ORDER BY s.start_date DESC
    LIMIT 1
"""

# The current membership's reports of the days around a date.
_REPORTS_AROUND_SQL = """
    SELECT {report}, {day}, {shift}, {membership}
    FROM moderation_report r
    JOIN core_shiftday d ON d.id = r.day_id
    JOIN core_shift s ON s.id = d.shift_id
    JOIN core_membership m ON m.id = r.membership_id
    WHERE r.membership_id = ({current})
        AND d.date BETWEEN %s AND %s
        AND r.status <> %s
"""


def _current_membership_params(participant: Participant) -> list:
    return [participant.pk, Membership.Status.ACTIVE, *CURRENT_SHIFT_STATUSES]


@cache
def _current_membership_sql() -> str:
    return _CURRENT_MEMBERSHIP_SQL.format(columns=f"{_MEMBERSHIP.sql}, {_SHIFT.sql}")


@cache
def _reports_around_sql(*, lock: bool) -> str:
    sql = _REPORTS_AROUND_SQL.format(
        report=_REPORT.sql,
        day=_DAY.sql,
        shift=_SHIFT.sql,
        membership=_MEMBERSHIP.sql,
        current=_CURRENT_MEMBERSHIP_SQL.format(columns="m.id"),
    )
    if lock and connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF r"
    return sql


def membership_current(participant: Participant | None) -> Membership:
    """Return the participant's active membership of a current shift, or raise why not."""
    if participant is None:
        raise ParticipantNotRegistered()
    found = rows(_current_membership_sql(), _current_membership_params(participant))
    if not found:
        raise ParticipantNotMember(participant=participant)
    row = found[0]
    membership = _MEMBERSHIP.instance(row)
    membership.shift = _SHIFT.instance(row, len(_MEMBERSHIP))
    membership.participant = participant
    return membership


def _reports_around(
    participant: Participant, now: dt.datetime, *, lock: bool = False
) -> list[Report]:
    """Reports that may be today's: the current membership's, within days of now.

    Which day is "today" depends on each shift's time zone and task hour, so
    `_report_of_today` picks among these few rows in Python. Each comes with its
    day, shift and membership. With `lock` the report rows are locked.
    """
    around = timezone.localdate(now)
    params = [
        *_current_membership_params(participant),
        around - TODAY_SPREAD,
        around + TODAY_SPREAD,
        Report.Status.NOT_PARTICIPATE,
    ]
    return [_report_read(row) for row in rows(_reports_around_sql(lock=lock), params)]


def _report_read(row: tuple) -> Report:
    report = _REPORT.instance(row)
    day = _DAY.instance(row, len(_REPORT))
    day.shift = _SHIFT.instance(row, len(_REPORT) + len(_DAY))
    report.day = day
    report.membership = _MEMBERSHIP.instance(row, len(row) - len(_MEMBERSHIP))
    return report


def _report_of_today(
    reports: Iterable[Report], participant: Participant, now: dt.datetime
) -> Report | None:
    for report in reports:
        shift = report.day.shift
        if shift.is_running and report.day.date == shift.task_date(now):
            # The membership is the participant's: no need to read them again.
            report.membership.participant = participant
            return report
    return None


def no_report_today(participant: Participant | None) -> DomainError:
    """Return why the participant has no report today (one more query)."""
    try:
        membership = membership_current(participant)
    except DomainError as error:
        return error
    return NoTaskToday(participant=membership.participant)


def report_of_today(
    participant: Participant | None, now: dt.datetime, *, lock: bool = False
) -> Report | None:
    """Return the member's report for the task day of `now`, or None.

    Its day, shift and membership come along; with `lock` its row is locked.
    """
    if participant is None:
        return None
    return _report_of_today(
        _reports_around(participant, now, lock=lock), participant, now
    )


def report_today(
    participant: Participant | None, *, now: dt.datetime | None = None
) -> Report:
    """Return the member's report for the current task day, or raise why there is none."""
    report = report_of_today(participant, now or timezone.now())
    if report is None:
        raise no_report_today(participant)
    # Callers show the day's task: read here, not lazily from async code.
    report.day.task = Task.objects.get(pk=report.day.task_id)
    return report


def report_settled_check(report: Report) -> None:
    """Raise why a report under review, approved or skipped takes nothing more
    (neither a photo nor a skip)."""
    match report.status:
        case Report.Status.REVIEWING:
            raise ReportUnderReview()
        case Report.Status.APPROVED:
            raise ReportAlreadyApproved()
        case Report.Status.SKIPPED:
            raise ReportAlreadySkipped()


def report_skip_check(report: Report) -> None:
    """Raise why the report cannot be skipped; only a waiting report can."""
    if report.status == Report.Status.WAITING:
        return
    report_settled_check(report)
    # The lazy label is translated where the error is worded (admin or bot).
    raise ReportNotWaiting(status=Report.Status(report.status).label)


@transaction.atomic
def report_skip(report: Report, *, by: User | None = None) -> Report:
    """Skip the task of a waiting report (the participant confirmed it in the bot).

    Skipping twice raises `ReportAlreadySkipped`, so a double tap is answered
    plainly. Exclusion after too many skips is the daily cycle's job.
    """
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("day__shift", "membership")
        .get(pk=report.pk)
    )
    report_skip_check(report)
    report.status = Report.Status.SKIPPED
    report.save(update_fields=["status"])
    return report


def membership_skipped_count(membership: Membership) -> int:
    """Return how many tasks the member has skipped in the shift."""
    return membership.reports.filter(status=Report.Status.SKIPPED).count()
