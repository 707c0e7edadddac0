"""`manage.py tick [--at ISO-DATETIME]`: run the daily-cycle jobs due at a moment."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from moderation.cycle.clock import tick


def moment_parse(value: str) -> dt.datetime:
    """Parse an ISO date-time; one without an offset is in settings.TIME_ZONE."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            f"--at {value!r} is not an ISO date-time such as 2027-03-01T08:00+03:00."
        ) from error
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "Run every job of the daily cycle due now (or at --at): start shifts, open "
        "task days, send reminders, finish shifts, delete photos and export files "
        "past their retention. Safe to run again; beat runs the same code every "
        "minute."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at",
            type=moment_parse,
            help="The moment to act at (ISO 8601; default now, settings.TIME_ZONE "
            "when no offset is given).",
        )

    def handle(self, *args, at: dt.datetime | None = None, **options) -> None:
        result = tick(now=at)
        self.stdout.write(
            f"tick at {result.now.isoformat()}: "
            f"started {len(result.started)}, "
            f"days opened {len(result.days_opened)}, "
            f"reminded {result.reminded}, "
            f"finished {len(result.finished)}, "
            f"photos removed {result.photos_removed}, "
            f"export files removed {result.export_files_removed}"
        )
        for shift in result.started:
            self.stdout.write(f"  started: {shift}")
        for day in result.days_opened:
            self.stdout.write(f"  opened: {day}")
        for shift in result.finished:
            self.stdout.write(f"  {shift.get_status_display()}: {shift}")
        if result.failed:
            raise CommandError("failed: " + "; ".join(result.failed))
