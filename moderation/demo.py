"""Demo data for a first run: staff accounts, shifts, participants and photo reports.

Built through the services where an operation exists, so the demo obeys the rules.
"""

import datetime as dt
import io
import json
import random
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from core import roles
from core.models import Participant, Shift, Task, User
from core.services import shift_create
from moderation.models import Report, Submission
from moderation.services import (
    application_approve,
    application_decline,
    application_submit,
    shift_finish,
    shift_start,
)

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
DECLINE_REASONS = ["Фото размыто", "На фото не видно задания", "Фото не сегодняшнее"]


def demo_image(
    label: str, rng: random.Random, size: tuple[int, int] = (800, 600)
) -> bytes:
    """Draw a JPEG that looks like a snapshot: a gradient, shapes and a label."""
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    top, bottom = (
        tuple(rng.randrange(60, 230) for _ in range(3)),
        tuple(rng.randrange(20, 200) for _ in range(3)),
    )
    for y in range(size[1]):
        mix = y / size[1]
        draw.line(
            [(0, y), (size[0], y)],
            fill=tuple(
                int(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)
            ),
        )
    for _ in range(rng.randrange(3, 8)):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        radius = rng.randrange(30, 160)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
    draw.rectangle([20, size[1] - 70, size[0] - 20, size[1] - 20], fill=(255, 255, 255))
    draw.text((36, size[1] - 56), label, fill=(20, 20, 20), font_size=28)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


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
def demo_seed(*, today: dt.date | None = None, seed: int = 7) -> bool:
    """Fill an empty database with a living programme; return False if it had shifts."""
    if Shift.objects.exists():
        return False
    rng = random.Random(seed)
    today = today or timezone.localdate()
    admin = User.objects.filter(username="admin").first()
    _tasks_load(rng)
    people = _participants_create(rng, 48)
    _finished_shift(people[:20], rng, admin, start=today - dt.timedelta(days=150))
    _finished_shift(people[10:34], rng, admin, start=today - dt.timedelta(days=75))
    running = _running_shift(people[:30], rng, admin, today)
    _preparing_shift(people[30:], admin, start=running.end_date + dt.timedelta(days=3))
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


def _shift_new(title: str, start: dt.date, days: int, admin: User | None) -> Shift:
    return shift_create(
        Shift(
            title=title,
            start_date=start,
            end_date=start + dt.timedelta(days=days - 1),
            final_message="{name}, смена окончена! Твои баллы: {points}. Спасибо!",
        ),
        by=admin,
    )


def _members_approve(shift: Shift, people, admin, at: dt.datetime) -> None:
    for participant in people:
        application = application_submit(participant, shift=shift, now=at)
        application_approve(application, by=admin, now=at)


def _finished_shift(people, rng, admin, *, start: dt.date) -> Shift:
    shift = _shift_new(f"Смена «{SEASONS[start.month]}» {start.year}", start, 45, admin)
    before = shift.moment_at(start - dt.timedelta(days=3), 12)
    _members_approve(shift, people, admin, before)
    shift_start(shift, by=admin, now=shift.moment_at(start, shift.task_hour))
    for membership in shift.memberships.all():
        membership.points = rng.randrange(20, 45)
        membership.save(update_fields=["points"])
    after = shift.moment_at(shift.end_date + dt.timedelta(days=1), shift.task_hour + 1)
    return shift_finish(shift, by=admin, now=after)


def _running_shift(people, rng, admin, today: dt.date) -> Shift:
    start = today - dt.timedelta(days=6)
    shift = _shift_new("Осенняя смена", start, 60, admin)
    _members_approve(
        shift, people, admin, shift.moment_at(start - dt.timedelta(days=2), 12)
    )
    shift_start(shift, by=admin, now=shift.moment_at(start, shift.task_hour))
    for membership in shift.memberships.select_related("participant"):
        for day in shift.days.filter(date__lte=today):
            _report_create(membership, day, rng, admin, is_today=day.date == today)
    return shift


def _report_create(membership, day, rng, admin, *, is_today: bool) -> None:
    """Make one day's report in a plausible state, with a photo when one was sent."""
    roll = rng.random()
    if is_today:
        status = Report.Status.REVIEWING if roll < 0.5 else Report.Status.WAITING
    elif roll < 0.65:
        status = Report.Status.APPROVED
    elif roll < 0.75:
        status = Report.Status.DECLINED
    elif roll < 0.85:
        status = Report.Status.SKIPPED
    else:
        status = Report.Status.REVIEWING
    report = Report(membership=membership, day=day, status=status)
    sent = status not in (Report.Status.WAITING, Report.Status.SKIPPED)
    if sent:
        report.attempts = 1 if status != Report.Status.DECLINED else rng.randrange(1, 3)
        report.submitted_at = day.shift.moment_at(day.date, rng.randrange(9, 21))
    if status in (Report.Status.APPROVED, Report.Status.DECLINED):
        report.reviewed_by = admin
        report.reviewed_at = report.submitted_at + dt.timedelta(hours=2)
    if status == Report.Status.DECLINED:
        report.decline_reason = rng.choice(DECLINE_REASONS)
    report.save()
    if sent:
        _submission_create(report, rng)
    if status == Report.Status.APPROVED:
        membership.points += 1
        membership.save(update_fields=["points"])


def _submission_create(report: Report, rng: random.Random) -> None:
    participant, task = report.membership.participant, report.day.task
    submission = Submission(
        report=report,
        attempt=report.attempts,
        telegram_file_unique_id=f"demo-{report.pk}",
        verdict=report.status if report.status in Submission.Verdict.values else "",
        decline_reason=report.decline_reason,
        reviewed_by=report.reviewed_by,
        reviewed_at=report.reviewed_at,
    )
    label = f"{participant.first_name} · {task.title}"
    submission.photo.save(f"demo-{report.pk}.jpg", ContentFile(demo_image(label, rng)))


def _preparing_shift(people, admin, *, start: dt.date) -> Shift:
    shift = _shift_new("Зимняя смена", start, 90, admin)
    for index, participant in enumerate(people):
        application = application_submit(participant, shift=shift)
        if index % 5 == 4:
            application_decline(application, by=admin, reason="Нет согласия родителей")
    return shift
