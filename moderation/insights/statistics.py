"""Statistics of the programme: aggregate reads for the dashboard, shift pages, digests.

Every function runs a fixed number of aggregate queries, whatever the number of
reports (no per-row queries); the report queries use `report_day_status_idx`.
"""

import dataclasses
import datetime as dt

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from core.models import Membership, Shift
from moderation.models import Report, Submission
from notifications.models import OutboxMessage

ATTEMPTS_SHOWN = 3
HARDEST_TASKS_SHOWN = 5
LEADERBOARD_SIZE = 20
DASHBOARD_DAYS = 30
# Report statuses drawn per day, in stacking order.
DAY_STATUSES = [
    Report.Status.APPROVED,
    Report.Status.DECLINED,
    Report.Status.REVIEWING,
    Report.Status.WAITING,
    Report.Status.SKIPPED,
]
DELIVERED = OutboxMessage.Status.SENT
UNDELIVERED = [
    OutboxMessage.Status.FAILED,
    OutboxMessage.Status.BLOCKED,
    OutboxMessage.Status.EXPIRED,
]


@dataclasses.dataclass(frozen=True)
class Scope:
    """What the statistics cover: one shift or all shifts, and a range of task days."""

    start: dt.date
    end: dt.date
    shift: Shift | None = None

    @classmethod
    def recent(cls, days: int = DASHBOARD_DAYS, today: dt.date | None = None):
        today = today or timezone.localdate()
        return cls(start=today - dt.timedelta(days=days - 1), end=today)

    @classmethod
    def for_shift(
        cls,
        shift: Shift,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> "Scope":
        last = min(shift.end_date, max(shift.start_date, shift.local_date()))
        return cls(start=start or shift.start_date, end=end or last, shift=shift)

    @property
    def dates(self) -> list[dt.date]:
        return [
            self.start + dt.timedelta(days=offset)
            for offset in range((self.end - self.start).days + 1)
        ]

    def reports(self) -> QuerySet:
        reports = Report.objects.filter(day__date__range=(self.start, self.end))
        if self.shift is not None:
            reports = reports.filter(day__shift=self.shift)
        return reports

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        tz = self.shift.tz if self.shift else timezone.get_current_timezone()
        start = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(
            self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz
        )
        return start, end


def shift_counts() -> dict:
    """Count running and preparing shifts."""
    return Shift.objects.aggregate(
        running=Count("pk", filter=Q(status__in=Shift.RUNNING_STATUSES)),
        preparing=Count("pk", filter=Q(status=Shift.Status.PREPARING)),
    )


def member_counts(shift: Shift | None = None) -> dict:
    """Count active and excluded members of `shift`, or of all running shifts."""
    members = Membership.objects.all()
    if shift is None:
        members = members.filter(shift__status__in=Shift.RUNNING_STATUSES)
    else:
        members = members.filter(shift=shift)
    return members.aggregate(
        active=Count("pk", filter=Q(status=Membership.Status.ACTIVE)),
        excluded=Count("pk", filter=Q(status=Membership.Status.EXCLUDED)),
    )


def review_queue(shift: Shift | None = None) -> dict:
    """Count reports waiting for review and when the oldest of them was sent."""
    queue = Report.objects.reviewing()
    if shift is not None:
        queue = queue.filter(day__shift=shift)
    return queue.aggregate(total=Count("pk"), oldest=Min("submitted_at"))


def reports_per_day(scope: Scope) -> dict:
    """Count reports per task day and status: {"dates": [...], "counts": {status: [...]}}."""
    rows = (
        scope.reports()
        .values_list("day__date", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = {(date, status): n for date, status, n in rows}
    dates = scope.dates
    return {
        "dates": dates,
        "counts": {
            status: [found.get((date, status), 0) for date in dates]
            for status in DAY_STATUSES
        },
    }


def approval_by_attempt(scope: Scope) -> list[dict]:
    """Share of reviewed photos approved on the 1st, 2nd, 3rd... attempt."""
    submissions = Submission.objects.filter(
        report__day__date__range=(scope.start, scope.end),
        attempt__lte=ATTEMPTS_SHOWN,
    ).exclude(verdict="")
    if scope.shift is not None:
        submissions = submissions.filter(report__day__shift=scope.shift)
    rows = (
        submissions.values_list("attempt")
        .annotate(
            reviewed=Count("pk"),
            approved=Count("pk", filter=Q(verdict=Submission.Verdict.APPROVED)),
        )
        .order_by()
    )
    found = {attempt: (reviewed, approved) for attempt, reviewed, approved in rows}
    result = []
    for attempt in range(1, ATTEMPTS_SHOWN + 1):
        reviewed, approved = found.get(attempt, (0, 0))
        result.append(
            {
                "attempt": attempt,
                "reviewed": reviewed,
                "approved": approved,
                "rate": _rate(approved, reviewed),
            }
        )
    return result


def hardest_tasks(scope: Scope, limit: int = HARDEST_TASKS_SHOWN) -> list[dict]:
    """Tasks with the lowest share of approved reports among those due and closed."""
    closed = [Report.Status.APPROVED, Report.Status.DECLINED, Report.Status.SKIPPED]
    rows = (
        scope.reports()
        .filter(status__in=closed)
        .values_list("day__task_id", "day__task__title")
        .annotate(
            total=Count("pk"),
            approved=Count("pk", filter=Q(status=Report.Status.APPROVED)),
        )
        .order_by()
    )
    tasks = [
        {
            "task_id": task_id,
            "title": title,
            "total": total,
            "approved": approved,
            "rate": _rate(approved, total),
        }
        for task_id, title, total, approved in rows
    ]
    tasks.sort(key=lambda task: (task["rate"], -task["total"], task["title"]))
    return tasks[:limit]


def mailing_delivery(scope: Scope) -> dict:
    """Mailing messages (outbox rows of kind "mailing") by delivery status."""
    start, end = scope.moments()
    messages = OutboxMessage.objects.filter(
        kind=OutboxMessage.Kind.MAILING, created_at__gte=start, created_at__lt=end
    )
    if scope.shift is not None:
        members = Membership.objects.filter(shift=scope.shift).values("participant")
        messages = messages.filter(participant__in=members)
    counts = dict(messages.values_list("status").annotate(n=Count("pk")).order_by())
    total = sum(counts.values())
    delivered = counts.get(DELIVERED, 0)
    undelivered = sum(counts.get(status, 0) for status in UNDELIVERED)
    return {
        "total": total,
        "delivered": delivered,
        "undelivered": undelivered,
        "in_progress": total - delivered - undelivered,
        "by_status": counts,
        "rate": _rate(delivered, delivered + undelivered),
    }


def leaderboard(scope: Scope, limit: int = LEADERBOARD_SIZE) -> list[dict]:
    """Members of the scope's shift with the most points earned on its task days.

    A point is an approved report, so points in a date range are the approved
    reports of those days; over the whole shift that equals `Membership.points`.
    """
    assert scope.shift is not None, "a leaderboard belongs to one shift"
    rows = list(
        scope.reports()
        .filter(status=Report.Status.APPROVED)
        .values_list("membership_id")
        .annotate(points=Count("pk"))
        .order_by("-points", "membership_id")[:limit]
    )
    members = Membership.objects.select_related("participant").in_bulk(
        [membership_id for membership_id, _points in rows]
    )
    return [
        {
            "place": place,
            "membership": members[membership_id],
            "name": str(members[membership_id].participant),
            "status": members[membership_id].get_status_display(),
            "points": points,
            "total_points": members[membership_id].points,
        }
        for place, (membership_id, points) in enumerate(rows, start=1)
    ]


def summary(scope: Scope) -> dict:
    """Everything above for one scope, as used by the shift page and the digests."""
    result = {
        "scope": scope,
        "members": member_counts(scope.shift),
        "queue": review_queue(scope.shift),
        "per_day": reports_per_day(scope),
        "attempts": approval_by_attempt(scope),
        "hardest": hardest_tasks(scope),
        "mailing": mailing_delivery(scope),
    }
    if scope.shift is None:
        result["shifts"] = shift_counts()
    else:
        result["leaderboard"] = leaderboard(scope)
    return result


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
