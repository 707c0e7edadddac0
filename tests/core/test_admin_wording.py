# ruff: noqa: RUF001 - Russian texts are meant
"""Django's and Unfold's phrases put a model's name in the case Russian needs."""

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import translation
from django_celery_beat.models import CrontabSchedule

from core import roles
from core.admin.installed_apps import crontab_description
from core.admin_wording import COUNT, SELECTED_ACCUSATIVE, _raw
from core.models import Task
from moderation.insights.digests import digest_subscription_save
from moderation.models import DigestSubscription
from notifications.models import Mailing
from tests.core.english import visible_texts
from tests.factories import ParticipantFactory, ShiftFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def russian(client, admin_user):
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    return client


def texts(response) -> list[str]:
    return [" ".join(text.split()) for text in visible_texts(response.content.decode())]


def test_admin_wording_delete_button_takes_the_accusative(russian):
    shift = ShiftFactory(title="Весна")

    page = texts(russian.get(reverse("admin:core_shift_change", args=[shift.pk])))

    assert "Удалить смену" in page
    assert "Удалить смена" not in page
    assert "Весна | Изменить смену | Smena" in page


def test_admin_wording_add_and_list_titles_take_the_accusative(russian):
    changelist = texts(russian.get(reverse("admin:core_participant_changelist")))
    add = texts(russian.get(reverse("admin:core_participant_add")))

    assert "Выберите участника для изменения | Smena" in changelist
    assert "Добавить участника" in changelist
    assert "Добавить участника | Smena" in add


def test_admin_wording_view_title_for_what_cannot_be_changed(russian):
    mailing = Mailing.objects.create(
        title="Новости", text="Привет", status=Mailing.Status.DONE
    )

    page = texts(
        russian.get(reverse("admin:notifications_mailing_change", args=[mailing.pk]))
    )

    assert "Новости | Просмотреть рассылку | Smena" in page


def test_admin_wording_delete_confirmation_takes_the_accusative(russian):
    mailing = Mailing.objects.create(title="Новости", text="Привет")

    page = " ".join(
        texts(
            russian.get(
                reverse("admin:notifications_mailing_delete", args=[mailing.pk])
            )
        )
    )

    assert "Вы уверены, что хотите удалить рассылку «Новости»?" in page


def test_admin_wording_delete_selected_agrees_with_an_animate_name(russian):
    people = ParticipantFactory.create_batch(2)
    url = reverse("admin:core_participant_changelist")

    changelist = texts(russian.get(url))
    one = " ".join(
        texts(
            russian.post(
                url, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [people[0].pk]}
            )
        )
    )
    both = " ".join(
        texts(
            russian.post(
                url,
                {
                    "action": "delete_selected",
                    ACTION_CHECKBOX_NAME: [person.pk for person in people],
                },
            )
        )
    )

    assert "Удалить выбранных участников" in changelist
    assert "удалить выбранного участника?" in one
    assert "удалить выбранных участников?" in both


def test_admin_wording_count_takes_the_form_its_number_wants(russian):
    TaskFactory.create_batch(5)
    url = reverse("admin:core_task_changelist")

    five = texts(russian.get(url))
    Task.objects.filter(pk__in=Task.objects.values("pk")[:3]).delete()
    two = texts(russian.get(url))

    assert "5 заданий" in five
    assert "2 задания" in two


def test_admin_wording_messages_need_no_agreement(russian):
    mailing = Mailing.objects.create(title="Новости", text="Привет")

    response = russian.post(
        reverse("admin:notifications_mailing_delete", args=[mailing.pk]),
        {"post": "yes"},
        follow=True,
    )

    assert "Удалено: рассылка «Новости»." in texts(response)


def test_admin_wording_english_is_unchanged(client, admin_user):
    client.force_login(admin_user)
    shift = ShiftFactory()
    ParticipantFactory.create_batch(2)

    change = texts(client.get(reverse("admin:core_shift_change", args=[shift.pk])))
    participants = texts(client.get(reverse("admin:core_participant_changelist")))

    assert "Delete shift" in change
    assert "Add participant" in participants
    assert "Delete selected participants" in participants
    assert "2 participants" in participants


@pytest.mark.parametrize(
    "model", sorted(admin.site._registry, key=lambda model: model._meta.label)
)
def test_admin_wording_russian_has_every_admin_models_forms(model):
    opts = model._meta
    singular, plural = _raw(opts.verbose_name), _raw(opts.verbose_name_plural)

    with translation.override("ru"):
        forms = {
            "accusative": translation.pgettext("accusative", singular),
            "selected": translation.pgettext(SELECTED_ACCUSATIVE, singular),
            "selected plural": translation.pgettext(SELECTED_ACCUSATIVE, plural),
            "count": translation.npgettext(COUNT, singular, plural, 5),
        }

    missing = [name for name, form in forms.items() if form in (singular, plural)]
    assert not missing, f"locale/ru lacks {missing} of {opts.label} ({singular})"


def test_admin_roles_and_permissions_are_named_in_russian(russian):
    user = UserFactory(username="coord", role=roles.COORDINATOR)

    roles_page = texts(russian.get(reverse("admin:core_role_changelist")))
    staff_page = texts(russian.get(reverse("admin:core_user_changelist")))
    user_page = texts(russian.get(reverse("admin:core_user_change", args=[user.pk])))

    assert {"Администратор", "Координатор", "Модератор"} <= set(roles_page)
    assert "Координатор" in staff_page
    assert "Программа | участник | Просмотр: участник" in user_page
    assert "Программа | участник | Может выгружать персональные данные" in user_page


def test_admin_export_page_labels_columns_in_russian(russian):
    page = texts(russian.get(reverse("admin:core_participant_export")))

    assert {"Дата рождения", "Тестовый участник", "Фамилия"} <= set(page)


def test_admin_delete_confirmation_lists_no_link_rows(russian, admin_user):
    digest = digest_subscription_save(
        DigestSubscription(title="Сводка", hour=9), by=None
    )
    digest.recipients.add(admin_user)

    page = russian.get(
        reverse("admin:moderation_digestsubscription_delete", args=[digest.pk])
    ).content.decode()

    assert "Сводка" in page
    assert "relationship" not in page


@pytest.mark.parametrize(
    ("language", "words"),
    [("ru", "В 18:00, только в пятницу UTC"), ("en", "At 18:00, only on Friday UTC")],
)
def test_crontab_description_is_in_the_readers_language(language, words):
    crontab = CrontabSchedule(minute="0", hour="18", day_of_week="5", timezone="UTC")

    with translation.override(language):
        assert crontab_description(crontab) == words
