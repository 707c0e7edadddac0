"""Charts of the statistics: Chart.js data for the admin, PNG images for email."""

import io
import json

from django.utils import formats
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from moderation.insights.fonts import caption_font
from moderation.insights.statistics import DAY_STATUSES
from moderation.models import Report

# Unfold's palette (CSS variables) for the admin; plain colours for the PNG.
STATUS_CSS = {
    Report.Status.APPROVED: "var(--color-primary-600)",
    Report.Status.DECLINED: "#ef4444",
    Report.Status.REVIEWING: "#f59e0b",
    Report.Status.WAITING: "#9ca3af",
    Report.Status.SKIPPED: "#d1d5db",
}
STATUS_RGB = {
    Report.Status.APPROVED: (147, 51, 234),
    Report.Status.DECLINED: (239, 68, 68),
    Report.Status.REVIEWING: (245, 158, 11),
    Report.Status.WAITING: (156, 163, 175),
    Report.Status.SKIPPED: (209, 213, 219),
}
STACKED_OPTIONS = json.dumps(
    {
        "animation": False,
        "responsive": True,
        "maintainAspectRatio": False,
        "plugins": {"legend": {"display": True, "position": "bottom"}},
        "scales": {
            "x": {"stacked": True, "grid": {"display": False}},
            # Whole reports: no 0.5 steps on the axis of a small programme.
            "y": {"stacked": True, "beginAtZero": True, "ticks": {"precision": 0}},
        },
    }
)
PERCENT_OPTIONS = json.dumps(
    {
        "animation": False,
        "responsive": True,
        "maintainAspectRatio": False,
        "plugins": {"legend": {"display": False}},
        "scales": {"y": {"beginAtZero": True, "max": 100}},
    }
)


def status_label(status: str) -> str:
    return str(Report.Status(status).label)


def per_day_chart(per_day: dict) -> str:
    """Chart.js data of reports per day, stacked by status."""
    return json.dumps(
        {
            "labels": [
                formats.date_format(day, "MONTH_DAY_FORMAT") for day in per_day["dates"]
            ],
            "datasets": [
                {
                    "label": status_label(status),
                    "data": per_day["counts"][status],
                    "backgroundColor": STATUS_CSS[status],
                    "maxBarThickness": 14,
                }
                for status in DAY_STATUSES
            ],
        }
    )


def attempts_chart(attempts: list[dict]) -> str:
    """Chart.js data of the approval rate on each attempt."""
    return json.dumps(
        {
            "labels": [
                _("Attempt %(number)d") % {"number": row["attempt"]} for row in attempts
            ],
            "datasets": [
                {
                    "label": _("Approved, %"),
                    "data": [row["rate"] or 0 for row in attempts],
                    "backgroundColor": "var(--color-primary-600)",
                    "maxBarThickness": 40,
                }
            ],
        }
    )


def per_day_png(per_day: dict, *, width: int = 720, height: int = 260) -> bytes:
    """Draw reports per day as a stacked bar chart PNG (for email, no browser there).

    Day labels follow the language's MONTH_DAY_FORMAT; the legend is HTML.
    """
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = caption_font(11)
    dates = per_day["dates"]
    left, top, bottom = 36, 10, 24
    plot_height = height - top - bottom
    totals = [
        sum(per_day["counts"][status][index] for status in DAY_STATUSES)
        for index in range(len(dates))
    ]
    peak = max(totals, default=0) or 1
    slot = (width - left - 10) / max(len(dates), 1)
    bar = max(2, int(slot * 0.7))
    base = top + plot_height
    draw.line([(left, base), (width - 10, base)], fill=(156, 163, 175))
    draw.text((2, top), str(peak), fill=(75, 85, 99), font=font)
    draw.text((2, base - 10), "0", fill=(75, 85, 99), font=font)
    label_every = max(1, len(dates) // 10)
    for index, day in enumerate(dates):
        x = left + int(index * slot)
        y = base
        for status in DAY_STATUSES:
            count = per_day["counts"][status][index]
            if not count:
                continue
            bar_height = max(1, round(count / peak * plot_height))
            draw.rectangle(
                [(x, y - bar_height), (x + bar, y - 1)], fill=STATUS_RGB[status]
            )
            y -= bar_height
        if index % label_every == 0:
            draw.text(
                (x, base + 4),
                formats.date_format(day, "MONTH_DAY_FORMAT"),
                fill=(75, 85, 99),
                font=font,
            )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def chart_context(stats: dict) -> dict:
    """Turn (part of) a statistics summary into what `statistics/charts.html` shows."""
    context = {
        "scope": stats.get("scope"),
        "stacked_options": STACKED_OPTIONS,
        "percent_options": PERCENT_OPTIONS,
        "hardest": stats.get("hardest"),
        "mailing": stats.get("mailing"),
    }
    if "per_day" in stats:
        context["per_day"] = per_day_chart(stats["per_day"])
    if "attempts" in stats:
        context["attempts"] = stats["attempts"]
        context["attempts_chart"] = attempts_chart(stats["attempts"])
    return context


def hex_colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)
