"""The audit trail: every service acting for staff records who did what.

`test_audit_every_service_taking_by_records_an_entry` walks the service modules:
a service that takes `by=` and is missing from `CASES` fails the test, so a new
one cannot be added without its entry.
"""

import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest
import tablib
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

import core.services
import notifications.services
from core import roles
from core.audit import audit_message, audit_record
from core.models import Participant, PrivacyNotice, Shift, Task, User
from core.services import privacy_notice_update, user_telegram_chat_set
from moderation.insights.digests import (
    digest_send,
    digest_subscription_delete,
    digest_subscription_save,
)
from moderation.insights.export_jobs import (
    export_job_create,
    export_job_run,
    export_record,
)
from moderation.insights.imports import ParticipantImportResource
from moderation.models import DigestSubscription
from moderation.participants.erasure import participant_erase
from moderation.review.reviews import report_approve, report_decline
from moderation.shifts.applications import (
    application_approve,
    application_decline,
    applications_decline_pending,
)
from moderation.shifts.lifecycle import (
    shift_cancel,
    shift_create,
    shift_finish,
    shift_start,
    shift_update,
)
from notifications.models import Mailing, MessageTemplate, OutboxMessage
from notifications.services import (
    mailing_cancel,
    mailing_duplicate,
    mailing_pause,
    mailing_resume,
    mailing_save_draft,
    mailing_schedule,
    mailing_send_test,
    message_confirm_delivered,
    message_enqueue,
    message_requeue,
    message_template_reset,
    message_template_save,
)
from notifications.texts import editable_texts
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
from tests.moderation.test_imports import CSV, confirm, upload

pytestmark = pytest.mark.django_db

# What a case returns: the object acted on (or a model, for a whole list) and
# its id as the entry holds it (None for a list), the expected flag and message.
Expected = tuple[type[Model], str | None, int, str]


# Moderation's parts holding services (moderation/<part>/*.py).
MODERATION_PARTS = ("shifts", "review", "cycle", "participants", "insights")


def _service_modules() -> list:
    modules = [core.services]
    packages = [
        importlib.import_module(f"moderation.{part}") for part in MODERATION_PARTS
    ]
    for package in (*packages, notifications.services):
        modules += [
            importlib.import_module(f"{package.__name__}.{info.name}")
            for info in pkgutil.iter_modules(package.__path__)
        ]
    return modules


def services_taking_by() -> set[str]:
    """The public service functions with a `by` parameter: "module.name"."""
    found = set()
    for module in _service_modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            if "by" in inspect.signature(function).parameters:
                found.add(f"{module.__name__.rsplit('.', 1)[-1]}.{name}")
    return found


def entry_of(obj: Model) -> tuple[type[Model], str | None]:
    return type(obj), str(obj.pk)


def _mailing(staff, **fields) -> Mailing:
    membership = MembershipFactory()
    mailing = Mailing.objects.create(title="News", text="Hi {name}!", **fields)
    mailing.shifts.set([membership.shift])
    return mailing


def _message(status: str) -> OutboxMessage:
    message = message_enqueue(
        ParticipantFactory(),
        kind=OutboxMessage.Kind.SHIFT,
        text="Hi",
        dedupe_key=f"audit-{status}",
    )
    OutboxMessage.objects.filter(pk=message.pk).update(status=status)
    return message


def _digest() -> DigestSubscription:
    digest = digest_subscription_save(
        DigestSubscription(title="Daily", hour=9), by=None
    )
    digest.recipients.add(UserFactory(username="reader"))
    return digest


def _template() -> MessageTemplate:
    return MessageTemplate(
        key=next(iter(editable_texts())), language="ru", text="Текст"
    )


def _report():
    report = ReportFactory()
    report_under_review(report)
    return report


def _over_shift() -> Shift:
    today = timezone.localdate()
    shift = ShiftFactory(
        start_date=today - dt.timedelta(days=40), end_date=today - dt.timedelta(days=11)
    )
    Shift.objects.filter(pk=shift.pk).update(status=Shift.Status.STARTED)
    shift.refresh_from_db()
    return shift


def case_shift_create(staff):
    TaskFactory.create_batch(2)
    today = timezone.localdate()
    shift = shift_create(
        Shift(
            title="Spring",
            start_date=today + dt.timedelta(days=3),
            end_date=today + dt.timedelta(days=20),
        ),
        by=staff,
    )
    return *entry_of(shift), ADDITION, "Added."


def case_shift_update(staff):
    shift = shift_update(
        ShiftFactory(skip_limit=3), by=staff, title="Autumn", skip_limit=5
    )
    return (
        *entry_of(shift),
        CHANGE,
        "Changed title and skipped reports before exclusion.",
    )


def case_privacy_notice_update(staff):
    notice = privacy_notice_update(
        PrivacyNotice.objects.get(),
        url="https://example.org/privacy",
        new_version=True,
        by=staff,
    )
    return *entry_of(notice), CHANGE, f"Published version {notice.version}."


def case_user_telegram_chat_set(staff):
    user = user_telegram_chat_set(staff, chat_id=4242, by=staff)
    return *entry_of(user), CHANGE, "Changed Telegram chat ID."


def case_application_approve(staff):
    application = application_approve(ApplicationFactory(), by=staff)
    return *entry_of(application), CHANGE, "Approved."


def case_application_decline(staff):
    application = application_decline(ApplicationFactory(), by=staff, reason="Late")
    return *entry_of(application), CHANGE, "Declined."


def case_applications_decline_pending(staff):
    application = ApplicationFactory()
    applications_decline_pending(application.shift, by=staff, reason="No venue")
    return *entry_of(application), CHANGE, "Declined."


def case_digest_send(staff):
    digest = digest_send(_digest(), by=staff)
    return *entry_of(digest), CHANGE, "Sent now; recipients: 1."


def case_digest_subscription_save(staff):
    digest = digest_subscription_save(
        DigestSubscription(title="Daily", hour=9), by=staff
    )
    return *entry_of(digest), ADDITION, "Added."


def case_digest_subscription_delete(staff):
    digest = _digest()
    pk = digest.pk
    digest_subscription_delete(digest, by=staff)
    return DigestSubscription, str(pk), DELETION, "Deleted."


def case_participant_erase(staff):
    participant = participant_erase(ParticipantFactory(), by=staff)
    return (
        *entry_of(participant),
        CHANGE,
        "Erased: personal data cleared, 0 photos deleted, dialog and queued "
        "messages removed.",
    )


def case_export_job_create(staff):
    # A large export is recorded when its job has written the file.
    ParticipantFactory()
    job = export_job_create(
        by=staff,
        resource="participants",
        file_format="csv",
        fields=[],
        query_string="",
    )
    export_job_run(job)
    return Participant, None, CHANGE, "Exported to CSV with personal data; rows: 1."


def case_export_record(staff):
    export_record(Task, by=staff, rows=3, file_format="xlsx", personal_data=False)
    return Task, None, CHANGE, "Exported to XLSX; rows: 3."


def case_report_approve(staff):
    report = report_approve(_report(), by=staff)
    return *entry_of(report), CHANGE, "Approved."


def case_report_decline(staff):
    report = report_decline(_report(), by=staff, reason="Blurred")
    return *entry_of(report), CHANGE, "Declined."


def case_shift_start(staff):
    shift = shift_start(ShiftFactory(), by=staff)
    return *entry_of(shift), CHANGE, "Started."


def case_shift_cancel(staff):
    shift = shift_cancel(ShiftFactory(), by=staff, reason="No venue")
    return *entry_of(shift), CHANGE, "Cancelled: No venue"


def case_shift_finish(staff):
    shift = shift_finish(_over_shift(), by=staff)
    return *entry_of(shift), CHANGE, "Finished."


def case_mailing_save_draft(staff):
    mailing = mailing_save_draft(Mailing(title="News", text="Hi"), by=staff)
    return *entry_of(mailing), ADDITION, "Added."


def case_mailing_schedule(staff):
    mailing = mailing_schedule(_mailing(staff), by=staff)
    return *entry_of(mailing), CHANGE, "Scheduled."


def case_mailing_pause(staff):
    mailing = mailing_pause(_mailing(staff, status=Mailing.Status.SCHEDULED), by=staff)
    return *entry_of(mailing), CHANGE, "Paused."


def case_mailing_resume(staff):
    mailing = mailing_resume(_mailing(staff, status=Mailing.Status.PAUSED), by=staff)
    return *entry_of(mailing), CHANGE, "Resumed."


def case_mailing_cancel(staff):
    mailing = mailing_cancel(_mailing(staff), by=staff)
    return *entry_of(mailing), CHANGE, "Cancelled."


def case_mailing_duplicate(staff):
    copy = mailing_duplicate(_mailing(staff), by=staff)
    return *entry_of(copy), ADDITION, "Copied from “News”."


def case_mailing_send_test(staff):
    staff.telegram_chat_id = 4242
    mailing = _mailing(staff)
    mailing_send_test(mailing, by=staff)
    return *entry_of(mailing), CHANGE, "Sent as a test to themselves."


def case_message_requeue(staff):
    message = message_requeue(_message(OutboxMessage.Status.FAILED), by=staff)
    return *entry_of(message), CHANGE, "Queued to be sent again."


def case_message_confirm_delivered(staff):
    message = message_confirm_delivered(
        _message(OutboxMessage.Status.IN_DOUBT), by=staff
    )
    return *entry_of(message), CHANGE, "Confirmed as delivered."


def case_message_template_save(staff):
    template = message_template_save(_template(), by=staff)
    return *entry_of(template), ADDITION, "Added."


def case_message_template_reset(staff):
    template = message_template_save(_template(), by=None)
    pk = template.pk
    message_template_reset(template, by=staff)
    return MessageTemplate, str(pk), DELETION, "Reset to the default text."


CASES: dict[str, Callable[[Any], Expected]] = {
    "services.privacy_notice_update": case_privacy_notice_update,
    "lifecycle.shift_create": case_shift_create,
    "lifecycle.shift_update": case_shift_update,
    "services.user_telegram_chat_set": case_user_telegram_chat_set,
    "applications.application_approve": case_application_approve,
    "applications.application_decline": case_application_decline,
    "applications.applications_decline_pending": case_applications_decline_pending,
    "digests.digest_send": case_digest_send,
    "digests.digest_subscription_save": case_digest_subscription_save,
    "digests.digest_subscription_delete": case_digest_subscription_delete,
    "erasure.participant_erase": case_participant_erase,
    "export_jobs.export_job_create": case_export_job_create,
    "export_jobs.export_record": case_export_record,
    "reviews.report_approve": case_report_approve,
    "reviews.report_decline": case_report_decline,
    "lifecycle.shift_start": case_shift_start,
    "lifecycle.shift_cancel": case_shift_cancel,
    "lifecycle.shift_finish": case_shift_finish,
    "mailings.mailing_save_draft": case_mailing_save_draft,
    "mailings.mailing_schedule": case_mailing_schedule,
    "mailings.mailing_pause": case_mailing_pause,
    "mailings.mailing_resume": case_mailing_resume,
    "mailings.mailing_cancel": case_mailing_cancel,
    "mailings.mailing_duplicate": case_mailing_duplicate,
    "mailings.mailing_send_test": case_mailing_send_test,
    "outbox.message_requeue": case_message_requeue,
    "outbox.message_confirm_delivered": case_message_confirm_delivered,
    "templates.message_template_save": case_message_template_save,
    "templates.message_template_reset": case_message_template_reset,
}


def test_audit_cases_cover_every_service_taking_by():
    found = services_taking_by()

    assert found - set(CASES) == set(), "services taking by= with no audit case"
    assert set(CASES) - found == set(), "audit cases of services no longer taking by="


@pytest.mark.parametrize("service", sorted(CASES))
def test_audit_every_service_taking_by_records_an_entry(service, administrator):
    model, object_id, flag, message = CASES[service](administrator)

    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=object_id
    )
    entry = entries.latest("pk")
    assert (entry.user, entry.action_flag) == (administrator, flag)
    assert audit_message(entry) == message
    assert entry.action_time > timezone.now() - dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    "service",
    [
        # As beat, a worker or the bot calls them: nobody to record.
        "lifecycle.shift_start",
        "digests.digest_send",
        "mailings.mailing_schedule",
    ],
)
def test_audit_system_actions_record_nothing(service, administrator):
    calls = {
        "lifecycle.shift_start": lambda: shift_start(ShiftFactory(), by=None),
        "digests.digest_send": lambda: digest_send(_digest(), by=None),
        "mailings.mailing_schedule": lambda: mailing_schedule(
            _mailing(administrator), by=None
        ),
    }

    calls[service]()

    assert not LogEntry.objects.exists()


def test_audit_import_records_one_entry_with_its_counts(administrator):
    ParticipantFactory(phone="+79001234567")
    dataset = tablib.Dataset(
        ["Petrova", "Anna", "+79001234567"],
        ["Sidorov", "Ivan", "+79011234567"],
        headers=["last_name", "first_name", "phone"],
    )

    result = ParticipantImportResource().import_data(
        dataset,
        use_transactions=True,
        user=administrator,
        file_name="list.csv",
    )

    assert not result.has_errors()
    entry = LogEntry.objects.get()
    assert entry.user == administrator
    assert entry.content_type.model_class() is Participant
    assert entry.object_id is None
    assert audit_message(entry) == "Imported list.csv: 1 added, 1 changed."


def test_audit_dry_run_and_failed_imports_record_nothing(administrator):
    good = tablib.Dataset(
        ["Petrova", "Anna", "+79001234567"],
        headers=["last_name", "first_name", "phone"],
    )
    bad = tablib.Dataset(
        ["Petrova", "Anna", "no phone"], headers=["last_name", "first_name", "phone"]
    )
    resource = ParticipantImportResource()

    resource.import_data(good, dry_run=True, use_transactions=True, user=administrator)
    resource.import_data(
        bad,
        use_transactions=True,
        rollback_on_validation_errors=True,
        user=administrator,
    )

    assert not LogEntry.objects.exists()


def test_audit_message_is_shown_in_the_readers_language(administrator):
    shift = ShiftFactory()
    entry = audit_record(
        shift,
        by=administrator,
        action="Cancelled: %(reason)s",
        details={"reason": "Дождь"},
    )

    from django.utils import translation

    with translation.override("ru"):
        assert audit_message(entry) == "Отменено: Дождь"


def test_audit_list_is_for_administrators_only(
    client, administrator, coordinator, moderator
):
    shift = shift_start(ShiftFactory(title="Spring"), by=administrator)
    url = reverse("admin:admin_logentry_changelist")

    client.force_login(administrator)
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Spring" in text
    assert "Started." in text
    assert reverse("admin:core_shift_change", args=[shift.pk]) in text
    for user in (coordinator, moderator):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_audit_list_filters_and_searches(client, administrator):
    mailing = mailing_cancel(_mailing(administrator), by=administrator)
    shift = shift_start(mailing.shifts.get(), by=administrator)
    client.force_login(administrator)
    url = reverse("admin:admin_logentry_changelist")
    shift_type = ContentType.objects.get_for_model(Shift)

    by_type = client.get(url, {"content_type__id__exact": shift_type.pk})
    by_search = client.get(url, {"q": mailing.title})

    assert list(by_type.context["cl"].result_list) == list(
        LogEntry.objects.filter(content_type=shift_type)
    )
    assert {entry.object_repr for entry in by_search.context["cl"].result_list} == {
        mailing.title
    }
    assert shift.title not in {
        entry.object_repr for entry in by_search.context["cl"].result_list
    }


def test_audit_list_adds_changes_and_deletes_nothing(client, administrator):
    shift_start(ShiftFactory(), by=administrator)
    entry = LogEntry.objects.get()
    client.force_login(administrator)

    assert client.get(reverse("admin:admin_logentry_add")).status_code == 403
    change = client.post(
        reverse("admin:admin_logentry_change", args=[entry.pk]), {"object_repr": "x"}
    )
    delete = client.post(
        reverse("admin:admin_logentry_delete", args=[entry.pk]), {"post": "yes"}
    )

    assert change.status_code == 403
    assert delete.status_code == 403
    entry.refresh_from_db()
    assert entry.object_repr != "x"


def test_audit_only_administrators_may_view_the_log():
    holders = Group.objects.filter(permissions__codename="view_logentry")

    assert set(holders.values_list("name", flat=True)) == {roles.ADMINISTRATOR}


def test_audit_shift_history_shows_who_started_it(client, administrator):
    shift = ShiftFactory(title="Spring")
    client.force_login(administrator)

    client.post(
        reverse("admin:core_shift_changelist"),
        {
            "action": "start_selected",
            "_selected_action": [shift.pk],
        },
    )
    history = client.get(reverse("admin:core_shift_history", args=[shift.pk]))

    shift.refresh_from_db()
    assert shift.status == Shift.Status.STARTED
    text = history.content.decode()
    assert "Started." in text
    assert administrator.get_username() in text


def test_audit_form_save_is_recorded_once(client, administrator):
    shift = ShiftFactory(title="Spring")
    client.force_login(administrator)
    url = reverse("admin:core_shift_change", args=[shift.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data["title"] = "Autumn"
    data.update(
        {
            "days-TOTAL_FORMS": "0",
            "days-INITIAL_FORMS": "0",
        }
    )

    client.post(url, data)

    shift.refresh_from_db()
    assert shift.title == "Autumn"
    entries = LogEntry.objects.filter(object_id=str(shift.pk))
    assert [audit_message(entry) for entry in entries] == ["Changed title."]


def test_audit_form_records_the_services_entry_and_what_the_form_saves_itself(
    client, administrator
):
    client.force_login(administrator)
    form = {
        "title": "Weekly",
        "frequency": "weekly",
        "weekday": 5,
        "hour": 18,
        "is_active": "on",
        "recipients": [administrator.pk],
    }
    client.post(reverse("admin:moderation_digestsubscription_add"), form)
    digest = DigestSubscription.objects.get()
    reader = UserFactory(username="reader")

    client.post(
        reverse("admin:moderation_digestsubscription_change", args=[digest.pk]),
        {**form, "hour": 19, "recipients": [administrator.pk, reader.pk]},
    )
    client.post(
        reverse("admin:moderation_digestsubscription_delete", args=[digest.pk]),
        {"post": "yes"},
    )

    entries = LogEntry.objects.filter(object_id=str(digest.pk)).order_by("pk")
    assert [(entry.user, audit_message(entry)) for entry in entries] == [
        (administrator, "Added."),
        (administrator, "Changed hour."),
        (administrator, "Changed recipients."),
        (administrator, "Deleted."),
    ]


def test_audit_admin_import_is_recorded_once_when_confirmed(client, administrator):
    client.force_login(administrator)
    content = b"title,description\nWater the plants,Send a photo.\n"

    preview = upload(client, "task", content, CSV, name="tasks.csv")
    assert not LogEntry.objects.exists()
    confirm(client, "task", preview)

    entry = LogEntry.objects.get()
    assert (entry.user, entry.content_type.model_class()) == (administrator, Task)
    assert audit_message(entry) == "Imported tasks.csv: 1 added, 0 changed."


def test_audit_a_staff_member_with_entries_cannot_be_deleted(
    client, admin_user, coordinator, moderator
):
    # Django would delete the entries with the account (LogEntry.user cascades).
    shift_start(ShiftFactory(), by=coordinator)
    client.force_login(admin_user)

    page = client.post(
        reverse("admin:core_user_delete", args=[coordinator.pk]), {"post": "yes"}
    )
    bulk = client.post(
        reverse("admin:core_user_changelist"),
        {
            "action": "delete_selected",
            ACTION_CHECKBOX_NAME: [coordinator.pk, moderator.pk],
            "post": "yes",
        },
    )

    assert "their audit trail (deactivate the account instead)" in (
        page.content.decode()
    )
    assert "their audit trail" in bulk.content.decode()
    assert User.objects.filter(pk__in=[coordinator.pk, moderator.pk]).count() == 2
    assert LogEntry.objects.filter(user=coordinator).count() == 1


def test_audit_a_staff_member_without_entries_can_be_deleted(
    client, admin_user, moderator
):
    client.force_login(admin_user)

    client.post(reverse("admin:core_user_delete", args=[moderator.pk]), {"post": "yes"})

    assert not User.objects.filter(pk=moderator.pk).exists()
