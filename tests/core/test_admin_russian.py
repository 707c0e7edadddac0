# ruff: noqa: RUF001 - Russian data is meant
"""With Russian chosen, no admin page a role can open shows an English source text.

Each role opens every page it may: the dashboard, the search, every registered
model's list (also empty), add, change, history and delete pages, the "delete
selected" confirmation, every other page the model admins add (export, import and
its dry-run preview, the confirm and reason pages of the service actions,
statistics, ...). Visible texts are compared with the English sources read from the
catalogues (`tests/core/english.py`). The data is Russian, so whatever English
shows comes from the interface.
"""

import datetime as dt
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_celery_results.models import GroupResult, TaskResult

from core import roles
from core.models import Membership, Participant, Shift
from moderation.insights.digests import digest_subscription_save
from moderation.insights.export_jobs import export_record
from moderation.models import DigestSubscription, MailingDelivery
from moderation.shifts.lifecycle import shift_start, shift_update
from notifications.models import Mailing, MessageTemplate, OutboxMessage
from notifications.texts import editable_texts
from tests.core.english import english_sources, visible_texts
from tests.factories import (
    ApplicationFactory,
    MembershipFactory,
    ParticipantFactory,
    ReportFactory,
    ShiftFactory,
    TaskFactory,
    UserFactory,
    report_under_review,
)

pytestmark = pytest.mark.django_db

# Django's own pages of every model admin; the others are found in get_urls().
STANDARD_VIEWS = {"changelist", "add", "history", "delete", "change", "autocomplete"}
# Not pages: a file download, and an import step that only takes a POST.
NOT_PAGES = ("_download", "_process_import")


def russian_world() -> dict[type, object]:
    """One object of each registered model, with Russian data only."""
    for title in ("Почистить зубы", "Помыть посуду", "Заправить кровать"):
        TaskFactory(title=title, description="Сделай и пришли фото.")
    shift = ShiftFactory(title="Весенняя смена", final_message="Спасибо, {name}!")
    # The audit trail's entries, on the History pages and in the "Audit" list.
    recorder = UserFactory(username="координатор")
    shift_update(shift, by=recorder, skip_limit=4)
    shift_start(shift, by=recorder)
    export_record(
        Participant, by=recorder, rows=1, file_format="csv", personal_data=True
    )
    participant = ParticipantFactory(
        first_name="Аня",
        last_name="Иванова",
        city="Казань",
        telegram_username="",
        language=Participant.Language.RU,
    )
    application = ApplicationFactory(
        shift=shift,
        participant=ParticipantFactory(
            first_name="Петя", last_name="Смирнов", city="Казань", telegram_username=""
        ),
    )
    membership = MembershipFactory(participant=participant, shift=shift)
    Shift.objects.filter(pk=shift.pk).update(
        status=Shift.Status.STARTED, start_date=timezone.localdate()
    )
    report = ReportFactory(membership=membership, day=shift.days.first())
    report_under_review(report)
    mailing = Mailing.objects.create(title="Новости", text="Привет, {name}!")
    message = OutboxMessage.objects.create(
        participant=participant,
        chat_id=participant.telegram_id,
        kind=OutboxMessage.Kind.MAILING,
        mailing=mailing,
        text="Привет, Аня!",
        dedupe_key="russian-world",
        next_attempt_at=timezone.now(),
    )
    key = next(iter(editable_texts()))
    template = MessageTemplate.objects.create(
        key=key, language=Participant.Language.RU, text="Текст"
    )
    digest = digest_subscription_save(
        DigestSubscription(title="Сводка за день", hour=9), by=None
    )
    digest.recipients.add(UserFactory(username="получатель-сводки"))
    task_result = TaskResult.objects.create(
        task_id="0b5b4a0e-0000-4000-8000-000000000001",
        task_name="moderation.tasks.tick_task",
        status="SUCCESS",
    )
    return {
        Participant: participant,
        Shift: shift,
        type(application): application,
        Membership: membership,
        type(report): report,
        type(shift.days.first().task): shift.days.first().task,
        Mailing: mailing,
        OutboxMessage: message,
        MailingDelivery: MailingDelivery.objects.get(pk=message.pk),
        MessageTemplate: template,
        DigestSubscription: digest,
        PeriodicTask: digest.periodic_task,
        CrontabSchedule: digest.periodic_task.crontab,
        IntervalSchedule: IntervalSchedule.objects.create(every=10, period="seconds"),
        SolarSchedule: SolarSchedule.objects.create(
            event="sunrise", latitude=55.75, longitude=37.62
        ),
        ClockedSchedule: ClockedSchedule.objects.create(
            clocked_time=timezone.now() + dt.timedelta(days=1)
        ),
        TaskResult: task_result,
        GroupResult: GroupResult.objects.create(
            group_id="0b5b4a0e-0000-4000-8000-000000000002"
        ),
    }


@pytest.fixture
def world(db) -> dict[type, object]:
    return russian_world()


def russian_client(user) -> Client:
    client = Client()
    client.force_login(user)
    # What the language menu of the admin sets.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    return client


class Pages:
    """Opens pages as one user, in Russian, and gathers the English found."""

    def __init__(self, user, world: dict) -> None:
        self.user = user
        self.world = {**world}
        self.client = russian_client(user)
        self.request = self.client.get(reverse("admin:index")).wsgi_request
        # English source -> the pages it is on, and one text it is in.
        self.found: dict[str, set[str]] = {}
        self.context: dict[str, str] = {}
        self.opened: list[str] = []

    def open(self, url: str, *, method: str = "get", **data) -> None:
        """Open `url` (following redirects) and look for English on the page.

        Inside a rolled-back transaction: an action's page may be the result of a
        change, and the next page must see the same data.
        """
        with transaction.atomic():
            response = getattr(self.client, method)(url, data, follow=True)
            transaction.set_rollback(True)
        if response.status_code in (403, 404):
            return
        assert response.status_code == 200, (url, response.status_code)
        if not response["Content-Type"].startswith("text/html"):
            return
        self.opened.append(url)
        sources = english_sources()
        for text in visible_texts(response.content.decode()):
            english = sources.english_in(text)
            if english:
                self.found.setdefault(english, set()).add(url)
                self.context.setdefault(english, " ".join(text.split())[:80])

    def report(self) -> str:
        return "\n".join(
            f"{english!r} (in {self.context[english]!r}) on "
            + ", ".join(sorted(urls)[:3])
            + (f" and {len(urls) - 3} more" if len(urls) > 3 else "")
            for english, urls in sorted(self.found.items())
        )


def model_pages(pages: Pages) -> Iterator[tuple[str, str, dict]]:
    """Every page of the registered model admins the user may open:
    (method, url, data)."""
    request = pages.request
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_or_change_permission(request):
            continue
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        obj = pages.world.get(model) or model._default_manager.first()
        yield "get", reverse(f"{info}_changelist"), {}
        if model_admin.get_search_fields(request):
            yield "get", reverse(f"{info}_changelist"), {"q": "нет такого"}
        if model_admin.has_add_permission(request):
            yield "get", reverse(f"{info}_add"), {}
        if obj is not None:
            yield "get", reverse(f"{info}_change", args=[obj.pk]), {}
            yield "get", reverse(f"{info}_history", args=[obj.pk]), {}
            if model_admin.has_delete_permission(request, obj):
                yield "get", reverse(f"{info}_delete", args=[obj.pk]), {}
            for action in model_admin.get_actions(request):
                yield (
                    "post",
                    reverse(f"{info}_changelist"),
                    {"action": action, ACTION_CHECKBOX_NAME: [obj.pk]},
                )
        yield from _extra_pages(model_admin, obj)


def _extra_pages(model_admin, obj) -> Iterator[tuple[str, str, dict]]:
    """The pages a model admin adds to Django's (export, import, detail actions,
    its own views), each opened with GET as a link or button does."""
    for pattern in model_admin.get_urls():
        name = getattr(pattern, "name", None)
        if not isinstance(pattern, URLPattern) or not name:
            continue
        view = name.rsplit("_", 1)[-1]
        if view in STANDARD_VIEWS or name.endswith(NOT_PAGES):
            continue
        arguments = list(pattern.pattern.converters)
        if arguments and obj is None:
            continue
        try:
            url = reverse(f"admin:{name}", kwargs=dict.fromkeys(arguments, obj.pk))
        except NoReverseMatch:
            continue
        yield "get", url, {}


def import_previews(pages: Pages) -> Iterator[tuple[str, str, dict]]:
    """The dry-run result of an import, with one good and one bad row."""
    files = {
        "core_participant": "last_name,first_name,phone\nИванова,Аня,+79001234567\n"
        "Смирнов,Петя,не телефон\n",
        "core_task": "title,description\nПолить цветы,Полей цветы\n,Без названия\n",
    }
    for name, content in files.items():
        model_admin = next(
            model_admin
            for model, model_admin in admin.site._registry.items()
            if f"{model._meta.app_label}_{model._meta.model_name}" == name
        )
        if not model_admin.has_import_permission(pages.request):
            continue
        upload = SimpleUploadedFile(
            "data.csv", content.encode(), content_type="text/csv"
        )
        yield (
            "post",
            reverse(f"admin:{name}_import"),
            {"import_file": upload, "format": "0", "resource": "0"},
        )


def open_every_page(user, world) -> Pages:
    pages = Pages(user, world)
    pages.open(reverse("admin:index"))
    pages.open(reverse("admin:password_change"))
    pages.open(reverse("admin:search"), s="смен")
    pages.open(reverse("admin:search"), s="нет такого")
    for method, url, data in [*model_pages(pages), *import_previews(pages)]:
        pages.open(url, method=method, **data)
    return pages


ROLES = {
    "superuser": {"is_superuser": True},
    "administrator": {"role": roles.ADMINISTRATOR},
    "coordinator": {"role": roles.COORDINATOR},
    "moderator": {"role": roles.MODERATOR},
}


@pytest.mark.parametrize("role", ROLES)
def test_admin_in_russian_shows_no_english(world, role):
    user = UserFactory(username=f"сотрудник-{role}", **ROLES[role])

    pages = open_every_page(user, world)

    assert len(pages.opened) > 3
    assert not pages.found, (
        f"English on {role}'s Russian admin pages:\n{pages.report()}"
    )


def test_admin_login_page_in_russian_shows_no_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    response = client.get(reverse("admin:login"))

    sources = english_sources()
    found = {
        english
        for text in visible_texts(response.content.decode())
        if (english := sources.english_in(text))
    }
    assert not found
