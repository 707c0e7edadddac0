"""The admin dashboard: the numbers staff look at first, limited to what they may see."""

from django.core.cache import cache
from django.db.models import Count, Min, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from core.models import Application, Membership, Shift
from moderation.insights import charts, statistics
from moderation.models import Report
from notifications.models import OutboxMessage


def dashboard_callback(request: HttpRequest, context: dict) -> dict:
    """Add the key-number cards the user has permission to see to `context`."""
    user = request.user
    cards = []
    if user.has_perm("core.view_shift"):
        cards += _programme_cards()
    if user.has_perm("moderation.view_report"):
        cards += _review_cards()
    if user.has_perm("notifications.view_outboxmessage"):
        cards += _outbox_cards()
    context["kpi_cards"] = cards
    context["charts"] = _charts(user)
    return context


# The charts aggregate a month of reports (a million rows in a big programme);
# a few minutes' delay is fine for trends, a second per dashboard view is not.
CHARTS_CACHE_SECONDS = 300


def _charts(user) -> dict:
    """Charts of the last 30 days, each shown only to the roles that may see it."""
    scope = statistics.Scope.recent()
    figures = cache.get_or_set(
        f"dashboard:charts:{scope.start}:{scope.end}",
        lambda: _chart_figures(scope),
        CHARTS_CACHE_SECONDS,
    )
    allowed = {
        "per_day": "moderation.view_report",
        "attempts": "moderation.view_report",
        "hardest": "core.view_shift",
        "mailing": "notifications.view_outboxmessage",
    }
    stats: dict = {"scope": scope}
    stats.update(
        (name, figures[name]) for name, perm in allowed.items() if user.has_perm(perm)
    )
    return charts.chart_context(stats)


def _chart_figures(scope: statistics.Scope) -> dict:
    return {
        "per_day": statistics.reports_per_day(scope),
        "attempts": statistics.approval_by_attempt(scope),
        "hardest": statistics.hardest_tasks(scope),
        "mailing": statistics.mailing_delivery(scope),
    }


def _card(
    title: str, value: object, url_name: str, query: str = "", note: str = ""
) -> dict:
    return {
        "title": title,
        "value": value,
        "note": note,
        "href": reverse(url_name) + (f"?{query}" if query else ""),
    }


def _programme_cards() -> list[dict]:
    running = Shift.objects.running().values_list("pk", flat=True)
    members = Membership.objects.filter(shift__in=running).aggregate(
        active=Count("pk", filter=Q(status=Membership.Status.ACTIVE)),
        excluded=Count("pk", filter=Q(status=Membership.Status.EXCLUDED)),
    )
    preparing = Shift.objects.preparing().first()
    return [
        _card(
            _("Running shifts"),
            len(running),
            "admin:core_shift_changelist",
            "status__exact=started",
            _("Preparing: %s") % preparing.title if preparing else "",
        ),
        _card(
            _("Active members"),
            members["active"],
            "admin:core_membership_changelist",
            "status__exact=active",
            _("Excluded: %d") % members["excluded"],
        ),
        _card(
            _("Pending applications"),
            Application.objects.pending().count(),
            "admin:core_application_changelist",
            "status__exact=pending",
        ),
    ]


def _review_cards() -> list[dict]:
    queue = Report.objects.reviewing().aggregate(
        total=Count("pk"), oldest=Min("submitted_at")
    )
    note = ""
    if queue["oldest"]:
        note = _("Oldest waits %s") % timesince(queue["oldest"], timezone.now())
    return [
        _card(
            _("Reports to review"),
            queue["total"],
            "admin:moderation_report_changelist",
            "status__exact=reviewing",
            note,
        )
    ]


def _outbox_cards() -> list[dict]:
    counts = OutboxMessage.objects.aggregate(
        pending=Count("pk", filter=Q(status=OutboxMessage.Status.PENDING)),
        failed=Count("pk", filter=Q(status=OutboxMessage.Status.FAILED)),
        in_doubt=Count("pk", filter=Q(status=OutboxMessage.Status.IN_DOUBT)),
    )
    return [
        _card(
            _("Messages waiting to send"),
            counts["pending"],
            "admin:notifications_outboxmessage_changelist",
            "status__exact=pending",
            _("Failed: %(failed)d · in doubt: %(in_doubt)d") % counts,
        )
    ]
