"""A shift from registration to the final message, with every part of the product
running as deployed: gunicorn, a Celery worker, Celery beat and the bot, on
PostgreSQL and Redis, against the fake Telegram Bot API; staff use Chromium.
"""

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django_celery_results.models import TaskResult

from botrunner import keyboards, texts
from core import roles
from core.models import Application, Membership, Participant, Shift, Task
from moderation.models import Report
from notifications.models import OutboxMessage
from notifications.texts import message_render
from tests.e2e.conftest import Deployment, needs_servers, tick_resume
from tests.factories import MembershipFactory, ShiftFactory
from tests.fakes.telegram_api import FakeTelegramAPI, make_jpeg
from tests.workers import manage

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.browser,
    needs_servers,
]

# Long enough for a loaded 2-core machine; polls return as soon as things happen.
WAIT = 60.0
# The hour the shift's task comes, in a time zone chosen so that it is that hour
# now: far from midnight there, so the test never straddles two dates.
TASK_HOUR = 10
REMINDER_HOUR = 20
EN = "en"
# Each answer of the registration dialog (after the privacy notice), and the
# question it leads to.
DIALOG = [
    ("Anna", "ask_last_name"),
    ("Petrova", "ask_birth_date"),
    ("17.05.2014", "ask_city"),
    ("Kazan", "ask_phone"),
]
FINAL_MESSAGE = "Well done, {name}! Points: {points}."


def zone_where_it_is(hour: int) -> str:
    """Return a fixed-offset time zone whose clock shows `hour` o'clock now."""
    offset = (hour - timezone.now().astimezone(dt.UTC).hour) % 24
    if offset > 14:  # the Etc zones span UTC-12 .. UTC+14
        offset -= 24
    # POSIX signs: Etc/GMT-3 is three hours ahead of UTC.
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


def texts_to(api: FakeTelegramAPI, chat: int) -> list[str | None]:
    return [call.text for call in api.sent_to(chat)]


def received(api: FakeTelegramAPI, chat: int, text: str) -> bool:
    """Wait until `text` was sent to `chat`; False if it never came."""
    return api.wait_for(lambda: text in texts_to(api, chat), timeout=WAIT)


def settled(api: FakeTelegramAPI, condition: Callable[[], object]) -> bool:
    """Wait until a condition on the database holds (re-checked while we wait)."""
    return api.wait_for(condition, timeout=WAIT)


def outbox_empty() -> bool:
    return not OutboxMessage.objects.filter(
        status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING]
    ).exists()


def preparing_shift_now() -> Shift:
    """The preparing shift, due to start now: at the task hour of its start date."""
    zone = zone_where_it_is(TASK_HOUR)
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(zone))
    return ShiftFactory(
        title="Summer shift",
        time_zone=zone,
        task_hour=TASK_HOUR,
        reminder_hour=REMINDER_HOUR,
        start_date=today,
        end_date=today + dt.timedelta(days=1),
        final_message=FINAL_MESSAGE,
    )


def test_shift_runs_from_registration_to_final_message(
    api: FakeTelegramAPI, deployment: Deployment, staff_log_in
):
    # Unique per run: the bot's dialog state lives in Redis, beyond the test database.
    chat = 30_000_000 + uuid.uuid4().int % 10_000_000
    user = {"language_code": EN, "first_name": "Anna"}
    task = Task.objects.create(
        title="Brush your teeth",
        description="Two minutes, then a photo of the clean brush.",
        image=ContentFile(make_jpeg(1), name="teeth.jpg"),
    )
    shift = preparing_shift_now()
    # Already a member (approved earlier): the one who will not send a photo.
    classmate = MembershipFactory(
        shift=shift, participant__telegram_id=chat + 1, participant__language=EN
    ).participant

    # 1. The participant agrees to the privacy notice, registers in the bot and
    # applies to the shift.
    api.message_update(chat, "/start", user=user)
    notice = texts.render(
        "consent_ask", EN, version=1, link=texts.render("consent_no_link", EN)
    )
    assert received(api, chat, notice), texts_to(api, chat)
    api.callback_update(chat, f"{keyboards.CONSENT_YES}:1", user=user)
    assert received(api, chat, texts.render("ask_first_name", EN))
    for answer, question in DIALOG:
        api.message_update(chat, answer, user=user)
        assert received(api, chat, texts.render(question, EN)), texts_to(api, chat)
    api.contact_update(chat, "+7 900 123-45-67", user=user)
    applied = texts.render("application_sent", EN, shift=shift.title)
    assert received(api, chat, applied), texts_to(api, chat)

    participant = Participant.objects.get(telegram_id=chat)
    assert (
        participant.first_name,
        participant.last_name,
        participant.birth_date,
        participant.city,
        participant.phone,
    ) == ("Anna", "Petrova", dt.date(2014, 5, 17), "Kazan", "+79001234567")
    assert participant.consent_version == 1
    application = Application.objects.get(participant=participant)
    assert (application.shift, application.status) == (
        shift,
        Application.Status.PENDING,
    )

    # 2. A coordinator approves the application in the admin.
    page = staff_log_in("coordinator", role=roles.COORDINATOR)
    page.locator('a[href="/admin/core/application/"]').first.click()
    page.check(f"input[name=_selected_action][value='{application.pk}']")
    page.select_option("select[name=action]", "approve_selected")
    page.click(
        "button[name=index], button[type=submit][title], .actions button[type=submit]"
    )
    page.get_by_text("1 object done").wait_for()

    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.reviewed_by.username == "coordinator"
    membership = Membership.objects.get(participant=participant, shift=shift)
    assert (membership.status, membership.points) == (Membership.Status.ACTIVE, 0)
    approved = message_render(
        "application_approved",
        participant,
        shift=shift.title,
        first_task_at=shift.moment_at(shift.start_date, TASK_HOUR).strftime(
            "%d.%m.%Y %H:%M"
        ),
    )
    assert received(api, chat, approved), texts_to(api, chat)

    # 3. At the task hour, beat's tick starts the shift and the task arrives.
    tick_resume()
    day_task = message_render(
        "day_task", participant, day=1, task=task.title, description=task.description
    )
    assert received(api, chat, day_task), texts_to(api, chat)

    shift.refresh_from_db()
    assert shift.status == Shift.Status.STARTED
    [task_call] = [call for call in api.sent_to(chat) if call.text == day_task]
    assert task_call.method == "sendPhoto"
    [buttons] = task_call.params["reply_markup"]["inline_keyboard"]
    assert [button["callback_data"] for button in buttons] == ["skip", "balance"]
    assert set(
        Report.objects.filter(day__shift=shift).values_list(
            "membership__participant__telegram_id", "status"
        )
    ) == {(chat, Report.Status.WAITING), (classmate.telegram_id, Report.Status.WAITING)}
    assert received(
        api,
        classmate.telegram_id,
        message_render(
            "day_task",
            classmate,
            day=1,
            task=task.title,
            description=task.description,
        ),
    )
    # Beat sent the tick and the worker ran it (results are kept in the database).
    assert settled(
        api,
        TaskResult.objects.filter(
            task_name="moderation.tasks.tick_task", status="SUCCESS"
        ).exists,
    )

    # 4. The participant sends a photo of the task done.
    api.photo_update(chat, user=user)
    sent_for_review = texts.render(
        "photo_received", EN, attempt=1, limit=shift.max_attempts
    )
    assert received(api, chat, sent_for_review), texts_to(api, chat)

    report = Report.objects.get(membership=membership, day__date=shift.start_date)
    assert (report.status, report.attempts) == (Report.Status.REVIEWING, 1)
    submission = report.submissions.get()
    assert submission.photo.storage.exists(submission.photo.name)

    # 5. A moderator approves it from the review queue.
    page = staff_log_in("moderator", role=roles.MODERATOR)
    page.get_by_role("link", name="Review queue").click()
    # The photo the bot stored, served by the web process to staff only.
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0",
        arg=page.locator("img.review-thumb").element_handle(),
    )
    page.click("[data-review=row-approve]")
    page.get_by_text("1 object done").wait_for()

    report.refresh_from_db()
    membership.refresh_from_db()
    assert report.status == Report.Status.APPROVED
    assert report.reviewed_by.username == "moderator"
    assert membership.points == 1
    report_approved = message_render("report_approved", participant, day=1, points=1)
    assert received(api, chat, report_approved), texts_to(api, chat)
    api.message_update(chat, keyboards.label("button_balance", EN), user=user)
    assert received(api, chat, texts.render("balance", EN, count=1)), texts_to(
        api, chat
    )

    # 6a. The reminder hour: only the classmate, whose report still waits, is reminded.
    reminder_at = shift.reminder_at(shift.start_date)
    assert "reminded 1" in manage(
        "tick", "--at", reminder_at.isoformat(), env=deployment.env
    )

    reminder = message_render("reminder", classmate, task=task.title)
    assert received(api, classmate.telegram_id, reminder)
    assert settled(api, outbox_empty)
    reminded = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.REMINDER)
    assert [row.chat_id for row in reminded] == [classmate.telegram_id]
    assert message_render("reminder", participant, task=task.title) not in texts_to(
        api, chat
    )

    # 6b. After the end date the shift finishes and members get their points.
    after_end = shift.moment_at(shift.end_date + dt.timedelta(days=1), TASK_HOUR)
    assert "finished 1" in manage(
        "tick", "--at", after_end.isoformat(), env=deployment.env
    )

    assert received(api, chat, "Well done, Anna! Points: 1.")
    assert received(
        api, classmate.telegram_id, f"Well done, {classmate.first_name}! Points: 0."
    )
    shift.refresh_from_db()
    assert shift.status == Shift.Status.FINISHED
    assert set(
        Report.objects.filter(day__shift=shift).values_list(
            "membership__participant__telegram_id", "day__date", "status"
        )
    ) == {
        (chat, shift.start_date, Report.Status.APPROVED),
        (classmate.telegram_id, shift.start_date, Report.Status.SKIPPED),
        # The second day was never opened while it ran: nobody is blamed for it.
        (chat, shift.end_date, Report.Status.NOT_PARTICIPATE),
        (classmate.telegram_id, shift.end_date, Report.Status.NOT_PARTICIPATE),
    }
