"""The content of an email digest: statistics as HTML, a chart image, an XLSX file."""

import datetime as dt
import io
import zoneinfo
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from moderation.insights import charts, statistics
from moderation.insights.exports import escape_formula
from moderation.models import DigestSubscription

CHART_CID = "digest-chart"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def digest_scope(
    subscription: DigestSubscription, now: dt.datetime
) -> statistics.Scope:
    """The task days a digest covers: the last day or week up to today, its zone."""
    today = timezone.localtime(now, zoneinfo.ZoneInfo(subscription.time_zone)).date()
    start = today - dt.timedelta(days=subscription.period_days - 1)
    return statistics.Scope(start=start, end=today, shift=subscription.shift)


def digest_message(
    subscription: DigestSubscription, *, recipients: list[str], now: dt.datetime
) -> EmailMultiAlternatives:
    """Build the digest email: HTML with the chart inline, text, and the XLSX."""
    with translation.override(settings.LANGUAGE_CODE):
        scope = digest_scope(subscription, now)
        stats = statistics.summary(scope)
        context = {
            "subscription": subscription,
            "stats": stats,
            "chart_cid": CHART_CID,
            "legend": [
                (
                    charts.status_label(status),
                    charts.hex_colour(charts.STATUS_RGB[status]),
                )
                for status in statistics.DAY_STATUSES
            ],
        }
        subject = _("%(title)s: statistics from %(start)s to %(end)s") % {
            "title": subscription.title,
            "start": formats.date_format(scope.start),
            "end": formats.date_format(scope.end),
        }
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("emails/digest.txt", context),
            to=recipients,
        )
        message.attach_alternative(
            render_to_string("emails/digest.html", context), "text/html"
        )
        # "related" keeps the chart inline in the HTML instead of as a file.
        message.mixed_subtype = "related"
        image = MIMEImage(charts.per_day_png(stats["per_day"]), "png")
        image.add_header("Content-ID", f"<{CHART_CID}>")
        image.add_header("Content-Disposition", "inline", filename="chart.png")
        message.attach(image)
        message.attach(
            f"statistics-{scope.start:%Y-%m-%d}-{scope.end:%Y-%m-%d}.xlsx",
            digest_xlsx(stats),
            XLSX_TYPE,
        )
    return message


def digest_xlsx(stats: dict) -> bytes:
    """The statistics summary as a workbook: one sheet per table."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = _("Summary")[:31]
    summary.append([_("Active members"), stats["members"]["active"]])
    summary.append([_("Excluded members"), stats["members"]["excluded"]])
    summary.append([_("Reports to review"), stats["queue"]["total"]])
    summary.append([_("Mailing messages delivered, %"), stats["mailing"]["rate"]])
    for row in stats["attempts"]:
        summary.append(
            [
                _("Approved on attempt %(number)d, %%") % {"number": row["attempt"]},
                row["rate"],
            ]
        )
    per_day = workbook.create_sheet(_("Per day")[:31])
    per_day.append(
        [
            _("Date"),
            *[charts.status_label(status) for status in statistics.DAY_STATUSES],
        ]
    )
    for index, day in enumerate(stats["per_day"]["dates"]):
        per_day.append(
            [
                day,
                *[
                    stats["per_day"]["counts"][status][index]
                    for status in statistics.DAY_STATUSES
                ],
            ]
        )
    hardest = workbook.create_sheet(_("Hardest tasks")[:31])
    hardest.append([_("Task"), _("Approved"), _("Reports"), "%"])
    for task in stats["hardest"]:
        hardest.append(
            [
                escape_formula(task["title"]),
                task["approved"],
                task["total"],
                task["rate"],
            ]
        )
    if "leaderboard" in stats:
        board = workbook.create_sheet(_("Leaderboard")[:31])
        board.append(
            ["#", _("Member"), _("Points in the period"), _("Points in total")]
        )
        for row in stats["leaderboard"]:
            board.append(
                [
                    row["place"],
                    escape_formula(row["name"]),
                    row["points"],
                    row["total_points"],
                ]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
