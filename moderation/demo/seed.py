"""The demo's story: three shifts gone by or running, one preparing, and their people."""

import datetime as dt
import json
import random
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from core import roles
from core.models import Application, Participant, Shift, Task, User
from moderation.demo.history import messages_sent_at, moment_between, stamp
from moderation.demo.pictures import demo_image
from moderation.demo.reports import day_report_create
from moderation.shifts.applications import (
    application_approve,
    application_decline,
    application_submit,
)
from moderation.shifts.lifecycle import shift_create, shift_finish, shift_start

FIRST_NAMES = [
    "Алиса", "Артём", "Варвара", "Глеб", "Дарья", "Егор", "Злата", "Иван", "Кира",
    "Лев", "Мария", "Никита", "Ольга", "Пётр", "Полина", "Роман", "София", "Тимур",
    "Ульяна", "Фёдор", "Ева", "Марк", "Вера", "Даниил", "Анна",
]  # fmt: skip
LAST_NAMES = [
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов",
    "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев",
]  # fmt: skip
FEMININE_NAMES = {
    "Алиса", "Варвара", "Дарья", "Злата", "Кира", "Мария", "Ольга", "Полина",
    "София", "Ульяна", "Ева", "Вера", "Анна",
}  # fmt: skip
CITIES = ["Москва", "Екатеринбург", "Казань", "Пермь", "Тюмень", "Челябинск"]
STAFF = [
    ("admin", roles.ADMINISTRATOR, True),
    ("coordinator", roles.COORDINATOR, False),
    ("moderator", roles.MODERATOR, False),
]
SEASONS = {month: season for months, season in (
    ((12, 1, 2), "Зима"), ((3, 4, 5), "Весна"), ((6, 7, 8), "Лето"), ((9, 10, 11), "Осень")
) for month in months}  # fmt: skip
DAY = dt.timedelta(days=1)


def credentials_path() -> Path:
    return settings.VAR_DIR / "demo_credentials.json"


def staff_ensure() -> dict[str, str]:
    """Create the demo staff accounts once; return their logins and passwords."""
    path = credentials_path()
    saved = json.loads(path.read_text()) if path.exists() else {}
    for username, role, is_superuser in STAFF:
        password = saved.setdefault(username, secrets.token_urlsafe(9))
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"is_staff": True, "is_superuser": is_superuser},
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(saved, indent=2))
    path.chmod(0o600)
    return saved


@transaction.atomic
def demo_seed(*, now: dt.datetime | None = None, seed: int = 7) -> bool:
    """Fill an empty database with a living programme; return False if it had shifts.

    Everything is dated as it would have happened up to `now`: the running
    shift's current task day is the one `now` falls in.
    """
    if Shift.objects.exists():
        return False
    rng = random.Random(seed)
    now = now or timezone.now()
    # An unsaved shift has the defaults (time zone, task hour) of the demo's.
    today = Shift().task_date(now)
    admin = User.objects.filter(username="admin").first()
    _tasks_load(rng)
    people = _participants_create(rng, 48)
    _finished_shift(people[:20], rng, admin, start=today - 150 * DAY)
    _finished_shift(people[10:34], rng, admin, start=today - 75 * DAY)
    running = _running_shift(people[:30], rng, admin, start=today - 6 * DAY, now=now)
    _preparing_shift(people[30:], rng, admin, start=running.end_date + 3 * DAY, now=now)
    _participants_date(rng)
    return True


def _tasks_load(rng: random.Random) -> None:
    call_command("loaddata", "demo_tasks", verbosity=0)
    for task in Task.objects.filter(image=""):
        task.image.save(f"task-{task.pk}.jpg", ContentFile(demo_image(task.title, rng)))


def _participants_create(rng: random.Random, count: int) -> list[Participant]:
    people = []
    for index in range(count):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES) + ("а" if first in FEMININE_NAMES else "")
        people.append(
            Participant(
                telegram_id=700_000_000 + index,
                telegram_username=f"demo_kid_{index}",
                first_name=first,
                last_name=last,
                birth_date=dt.date(
                    rng.randrange(2010, 2018),
                    rng.randrange(1, 13),
                    rng.randrange(1, 29),
                ),
                city=rng.choice(CITIES),
                phone=f"+79{rng.randrange(10**8, 10**9)}",
                language=Participant.Language.RU
                if index % 6
                else Participant.Language.EN,
                is_test=index == 0,
            )
        )
    return Participant.objects.bulk_create(people)


def _participants_date(rng: random.Random) -> None:
    """Register each participant some days before their first application."""
    first_applied = Application.objects.values("participant").annotate(
        first=Min("created_at")
    )
    for row in first_applied:
        registered = row["first"] - dt.timedelta(minutes=rng.randrange(30, 14 * 1440))
        Participant.objects.filter(pk=row["participant"]).update(
            created_at=registered, updated_at=registered
        )


def _shift_new(
    title: str, start: dt.date, days: int, admin: User | None, *, created: dt.datetime
) -> Shift:
    shift = shift_create(
        Shift(
            title=title,
            start_date=start,
            end_date=start + (days - 1) * DAY,
            final_message="{name}, смена окончена! Твои баллы: {points}. Спасибо!",
        ),
        by=admin,
    )
    stamp(shift, created_at=created, updated_at=created)
    return shift


def _members_approve(
    shift: Shift,
    people: list[Participant],
    rng: random.Random,
    admin: User | None,
    *,
    at: dt.datetime,
) -> None:
    """Apply `people` over the week before `at`, when all are approved at once."""
    for participant in people:
        applied = moment_between(rng, at - 7 * DAY, at - dt.timedelta(hours=1))
        application = application_submit(participant, shift=shift, now=applied)
        stamp(application, created_at=applied)
        with messages_sent_at(at):
            application_approve(application, by=admin, now=at)
        stamp(application, updated_at=at)
        membership = shift.memberships.get(participant=participant)
        stamp(membership, created_at=at, updated_at=at)


def _finished_shift(
    people: list[Participant],
    rng: random.Random,
    admin: User | None,
    *,
    start: dt.date,
) -> Shift:
    shift = _shift_new(
        f"Смена «{SEASONS[start.month]}» {start.year}",
        start,
        45,
        admin,
        created=timezone.make_aware(dt.datetime.combine(start - 14 * DAY, dt.time(10))),
    )
    _members_approve(shift, people, rng, admin, at=shift.moment_at(start - 3 * DAY, 12))
    shift_start(shift, by=admin, now=shift.moment_at(start, shift.task_hour))
    for membership in shift.memberships.all():
        membership.points = rng.randrange(20, 45)
        membership.save(update_fields=["points"])
    after = shift.moment_at(shift.end_date + DAY, shift.task_hour + 1)
    with messages_sent_at(after):
        shift = shift_finish(shift, by=admin, now=after)
    stamp(shift, updated_at=after)
    return shift


def _running_shift(
    people: list[Participant],
    rng: random.Random,
    admin: User | None,
    *,
    start: dt.date,
    now: dt.datetime,
) -> Shift:
    shift = _shift_new(
        "Осенняя смена",
        start,
        60,
        admin,
        created=timezone.make_aware(dt.datetime.combine(start - 10 * DAY, dt.time(10))),
    )
    _members_approve(shift, people, rng, admin, at=shift.moment_at(start - 2 * DAY, 12))
    started = shift.moment_at(start, shift.task_hour)
    shift = shift_start(shift, by=admin, now=started)
    stamp(shift, updated_at=started)
    today = shift.task_date(now)
    days = list(shift.days.filter(date__lte=today).select_related("task", "shift"))
    for day in days:
        reminder = shift.reminder_at(day.date)
        stamp(
            day,
            opened_at=shift.moment_at(day.date, shift.task_hour),
            # Today's reminder is left to the daily cycle.
            reminded_at=reminder if day.date < today else None,
        )
    for membership in shift.memberships.select_related("participant"):
        for day in days:
            day_report_create(membership, day, rng, admin=admin, now=now)
    return shift


def _preparing_shift(
    people: list[Participant],
    rng: random.Random,
    admin: User | None,
    *,
    start: dt.date,
    now: dt.datetime,
) -> Shift:
    shift = _shift_new("Зимняя смена", start, 90, admin, created=now - 5 * DAY)
    for index, participant in enumerate(people):
        applied = moment_between(rng, now - 4 * DAY, now - dt.timedelta(hours=1))
        application = application_submit(participant, shift=shift, now=applied)
        stamp(application, created_at=applied, updated_at=applied)
        if index % 5 == 4:
            declined = moment_between(rng, applied, now)
            with messages_sent_at(declined):
                application_decline(
                    application, by=admin, reason="Нет согласия родителей"
                )
            stamp(application, reviewed_at=declined, updated_at=declined)
    return shift
