import datetime as dt

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from core.models import (
    Application,
    Membership,
    Participant,
    Shift,
    ShiftDay,
    Task,
    User,
)
from moderation.models import Report, Submission
from moderation.shifts.lifecycle import shift_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    is_staff = True
    password = factory.django.Password("pass-word-123")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs) -> None:
        if create and extracted:
            # The roles are there after migrate, and again after each flush of a
            # transactional test (core.roles, a post_migrate receiver).
            self.groups.add(Group.objects.get(name=extracted))


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    telegram_id = factory.Sequence(lambda n: 100_000 + n)
    first_name = factory.Sequence(lambda n: f"Kid{n}")
    last_name = "Ivanov"
    birth_date = dt.date(2014, 5, 17)
    city = "Kazan"
    phone = factory.Sequence(lambda n: f"+7900{n:07d}")
    language = Participant.Language.EN
    # Registered through the bot, so agreed to the first privacy notice.
    consent_version = 1
    consent_at = factory.LazyFunction(timezone.now)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Task {n}")
    description = "Do the task and send a photo."


class ShiftFactory(factory.django.DjangoModelFactory):
    """A preparing shift made through `shift_create`, so it has its plan."""

    class Meta:
        model = Shift

    title = factory.Sequence(lambda n: f"Shift {n}")
    start_date = factory.LazyFunction(
        lambda: timezone.localdate() + dt.timedelta(days=7)
    )
    end_date = factory.LazyAttribute(
        lambda shift: shift.start_date + dt.timedelta(days=29)
    )
    time_zone = "Europe/Moscow"

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Shift:
        if not Task.objects.filter(is_archived=False).exists():
            TaskFactory.create_batch(3)
        status = kwargs.pop("status", Shift.Status.PREPARING)
        shift = shift_create(model_class(*args, **kwargs), by=None)
        if status != Shift.Status.PREPARING:
            # Tests of later stages start from a shift already there.
            Shift.objects.filter(pk=shift.pk).update(status=status)
            shift.refresh_from_db()
        return shift


def preparing_shift() -> Shift:
    """The one preparing shift there may be, made when missing."""
    return Shift.objects.preparing().first() or ShiftFactory()


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    participant = factory.SubFactory(ParticipantFactory)
    shift = factory.LazyFunction(preparing_shift)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    participant = factory.SubFactory(ParticipantFactory)
    shift = factory.LazyFunction(preparing_shift)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    membership = factory.SubFactory(MembershipFactory)
    day = factory.LazyAttribute(lambda report: report.membership.shift.days.first())


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A photo sent for a report; see `report_under_review` for the usual way."""

    class Meta:
        model = Submission

    report = factory.SubFactory(ReportFactory, status=Report.Status.REVIEWING)
    attempt = factory.LazyAttribute(lambda submission: submission.report.attempts or 1)
    photo = factory.django.ImageField(width=64, height=48, color="teal")
    telegram_file_id = factory.Sequence(lambda n: f"file-{n}")
    telegram_file_unique_id = factory.Sequence(lambda n: f"unique-{n}")


def report_under_review(report: Report, **submission: object) -> Submission:
    """Put `report` under review with one more photo, as the bot's submit does."""
    report.status = Report.Status.REVIEWING
    report.attempts += 1
    report.submitted_at = submission.pop("at", None) or timezone.now()
    report.save(update_fields=["status", "attempts", "submitted_at"])
    return SubmissionFactory(report=report, attempt=report.attempts, **submission)


def members_waiting_today(
    count: int, *, first_telegram_id: int, using: str = "default"
) -> list[int]:
    """A started shift with `count` members, each with today's waiting report.

    Rows are bulk-created, on the database `using`, for bursts of many
    participants (benchmarks, the database outage test); returns their
    Telegram ids.
    """
    task = Task.objects.using(using).create(
        title="Wash the dishes", description="Send a photo."
    )
    today = timezone.localdate()
    shift = Shift.objects.using(using).create(
        title="Burst",
        status=Shift.Status.STARTED,
        start_date=today - dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=30),
    )
    ShiftDay.objects.using(using).bulk_create(
        ShiftDay(shift=shift, date=shift.start_date + dt.timedelta(days=n), task=task)
        for n in range(shift.duration_days)
    )
    day = ShiftDay.objects.using(using).get(shift=shift, date=shift.task_date())
    now = timezone.now()
    people = Participant.objects.using(using).bulk_create(
        Participant(
            telegram_id=first_telegram_id + n,
            first_name=f"Kid{n}",
            last_name="Burst",
            language=Participant.Language.EN,
            consent_version=1,
            consent_at=now,
        )
        for n in range(count)
    )
    members = Membership.objects.using(using).bulk_create(
        Membership(participant=person, shift=shift) for person in people
    )
    Report.objects.using(using).bulk_create(
        Report(membership=member, day=day) for member in members
    )
    return [person.telegram_id for person in people]
