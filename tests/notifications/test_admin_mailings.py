import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from notifications.models import Mailing, OutboxMessage
from notifications.services import mailing_schedule, mailings_dispatch_due
from tests.factories import MembershipFactory, ShiftFactory

pytestmark = pytest.mark.django_db

Outbox = OutboxMessage.Status
CHANGELIST = "admin:notifications_mailing_changelist"


@pytest.fixture
def staff(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def shift():
    return ShiftFactory()


def mailing_form(shift, **overrides):
    data = {
        "title": "Spring news",
        "text": "Hi <b>{name}</b>!",
        "buttons": "",
        "shifts": [shift.pk],
        "membership": "active",
        "participant_kind": "real",
        "cities": "",
        "age_min": "",
        "age_max": "",
        "registered_since": "",
        "scheduled_at_0": "",
        "scheduled_at_1": "",
        "send_until_0": "",
        "send_until_1": "",
        "quiet_from": "",
        "quiet_to": "",
    }
    return {**data, **overrides}


def draft(shift, **fields):
    mailing = Mailing.objects.create(title="News", text="Hi {name}!", **fields)
    mailing.shifts.set([shift])
    return mailing


def test_mailing_add_saves_a_draft_with_its_author(staff, coordinator, shift):
    response = staff.post(
        reverse("admin:notifications_mailing_add"), mailing_form(shift)
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    mailing = Mailing.objects.get()
    assert (mailing.status, mailing.created_by) == (Mailing.Status.DRAFT, coordinator)
    assert list(mailing.shifts.all()) == [shift]


def test_mailing_add_shows_telegram_problems(staff, shift):
    response = staff.post(
        reverse("admin:notifications_mailing_add"),
        mailing_form(shift, text="1 < 2 {age}", buttons="Rules"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "write &amp;lt;" in html
    assert "Unknown variables: {age}" in html
    assert "Line 1: write" in html
    assert not Mailing.objects.exists()


def test_mailing_photo_is_re_encoded_as_jpeg(staff, shift):
    png = io.BytesIO()
    Image.new("RGB", (3000, 1000), "red").save(png, format="PNG")
    upload = SimpleUploadedFile("poster.png", png.getvalue(), "image/png")

    staff.post(
        reverse("admin:notifications_mailing_add"), mailing_form(shift, photo=upload)
    )

    mailing = Mailing.objects.get()
    assert mailing.photo.name.startswith("mailings/")
    assert mailing.photo.name.endswith(".jpg")
    with Image.open(mailing.photo) as image:
        assert (image.format, max(image.size)) == ("JPEG", 2560)


def test_mailing_photo_that_is_no_image_is_refused(staff, shift):
    upload = SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg")

    response = staff.post(
        reverse("admin:notifications_mailing_add"), mailing_form(shift, photo=upload)
    )

    assert response.status_code == 200
    assert not Mailing.objects.exists()


def test_mailing_change_of_a_scheduled_mailing_is_refused(staff, shift):
    MembershipFactory(shift=shift)
    mailing = draft(shift)
    url = reverse("admin:notifications_mailing_change", args=[mailing.pk])
    page = staff.get(url)
    mailing_schedule(mailing, by=None)

    response = staff.post(url, mailing_form(shift, text="Changed"))

    mailing.refresh_from_db()
    assert page.status_code == 200
    assert mailing.text == "Hi {name}!"
    assert response.status_code in (200, 403)


def test_audience_count_counts_the_unsaved_filter(staff, shift):
    MembershipFactory.create_batch(2, shift=shift)
    MembershipFactory(shift=shift, participant__telegram_id=None)

    response = staff.post(
        reverse("admin:notifications_mailing_audience_count"), mailing_form(shift)
    )

    assert response.json()["total"] == 3
    assert response.json()["unreachable"] == 1
    assert "3 recipients" in response.json()["text"]


def test_audience_count_answers_post_only(staff):
    response = staff.get(reverse("admin:notifications_mailing_audience_count"))

    assert response.status_code == 403


def test_preview_renders_for_the_first_recipient(staff, shift):
    MembershipFactory(shift=shift, participant__first_name="Ann")

    response = staff.post(
        reverse("admin:notifications_mailing_preview"),
        mailing_form(shift, text="<b>{name}</b> & co"),
    )

    assert response.json()["html"].startswith("<span")
    assert "Ann" in response.json()["html"]
    assert any("&amp;" in problem for problem in response.json()["problems"])


def test_preview_of_valid_html_keeps_the_tags(staff, shift):
    MembershipFactory(shift=shift, participant__first_name="Ann")

    response = staff.post(
        reverse("admin:notifications_mailing_preview"),
        mailing_form(shift, text="<b>{name}</b>"),
    )

    assert response.json() == {
        "note": "For the first recipient, Ann Ivanov:",
        "html": "<b>Ann</b>",
        "problems": [],
    }


def run_action(client, action, objects):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects]},
        follow=True,
    )


def test_mailing_actions_call_their_services(staff, shift):
    MembershipFactory(shift=shift)
    mailing = draft(shift)

    run_action(staff, "schedule_selected", [mailing])
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SCHEDULED
    run_action(staff, "pause_selected", [mailing])
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.PAUSED
    run_action(staff, "resume_selected", [mailing])
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SCHEDULED
    run_action(staff, "duplicate_selected", [mailing])
    assert Mailing.objects.filter(status=Mailing.Status.DRAFT).count() == 1
    response = run_action(staff, "cancel_selected", [mailing])
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.CANCELLED
    assert "1 object done" in response.content.decode()


def test_mailing_action_refusals_are_reported(staff, shift):
    mailing = draft(shift)  # nobody is in the shift

    response = run_action(staff, "schedule_selected", [mailing])

    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT
    assert "No participant matches" in response.content.decode()


def test_mailing_detail_action_changes_state_only_on_post(staff, shift):
    MembershipFactory(shift=shift)
    mailing = draft(shift)
    url = reverse("admin:notifications_mailing_schedule_detail", args=[mailing.pk])

    confirm = staff.get(url)
    mailing.refresh_from_db()
    assert confirm.status_code == 200
    assert mailing.status == Mailing.Status.DRAFT

    staff.post(url)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SCHEDULED


def test_mailing_duplicate_detail_opens_the_copy(staff, shift):
    mailing = draft(shift)

    response = staff.post(
        reverse("admin:notifications_mailing_duplicate_detail", args=[mailing.pk])
    )

    copy = Mailing.objects.exclude(pk=mailing.pk).get()
    assert response["Location"] == reverse(
        "admin:notifications_mailing_change", args=[copy.pk]
    )


def test_send_test_to_me_remembers_the_chat_and_queues_the_message(
    staff, coordinator, shift
):
    mailing = draft(shift)
    url = reverse("admin:notifications_mailing_send_test_detail", args=[mailing.pk])

    assert staff.get(url).status_code == 200
    staff.post(url, {"chat_id": "4242"})

    coordinator.refresh_from_db()
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.TEST)
    assert coordinator.telegram_chat_id == 4242
    assert message.chat_id == 4242
    # Recorded by `request.user`, a lazy stand-in for the user.
    recorded = LogEntry.objects.filter(user=coordinator)
    assert {entry.object_id for entry in recorded} == {
        str(coordinator.pk),
        str(mailing.pk),
    }


def test_mailing_page_shows_progress_and_deliveries(staff, shift):
    MembershipFactory.create_batch(4, shift=shift)
    mailing = draft(shift)
    mailing_schedule(mailing, by=None)
    mailings_dispatch_due()
    first, second = mailing.deliveries.order_by("pk")[:2]
    OutboxMessage.objects.filter(pk=first.pk).update(status=Outbox.SENT)
    OutboxMessage.objects.filter(pk=second.pk).update(status=Outbox.IN_DOUBT)

    page = staff.get(reverse("admin:notifications_mailing_change", args=[mailing.pk]))
    listing = staff.get(reverse(CHANGELIST))

    html = page.content.decode()
    assert "2 of 4 done" in html
    assert "1 message is in doubt" in html
    assert f"?mailing__id__exact={mailing.pk}" in html
    assert "2 / 4" in listing.content.decode()
    deliveries = staff.get(
        reverse("admin:notifications_outboxmessage_changelist")
        + f"?mailing__id__exact={mailing.pk}"
    )
    assert deliveries.status_code == 200
    assert len(deliveries.context["cl"].result_list) == 4


def test_mailing_list_query_count_does_not_grow_with_rows(staff, shift):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    MembershipFactory.create_batch(2, shift=shift)

    def sent_mailings(count):
        for _number in range(count):
            mailing = draft(shift)
            mailing_schedule(mailing, by=None)
        mailings_dispatch_due()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(reverse(CHANGELIST)).status_code == 200
        return len(captured)

    sent_mailings(1)
    few = queries()
    sent_mailings(4)

    assert queries() == few


def test_mailing_page_offers_only_the_actions_its_status_allows(staff, shift):
    MembershipFactory(shift=shift)
    mailing = draft(shift)
    url = reverse("admin:notifications_mailing_change", args=[mailing.pk])

    def offered():
        actions = staff.get(url).context["actions_detail"]
        return {action["path"].rstrip("/").rsplit("/", 1)[-1] for action in actions}

    assert offered() == {"schedule", "send-test", "cancel", "duplicate"}
    mailing_schedule(mailing, by=None)
    assert offered() == {"send-test", "pause", "cancel", "duplicate"}
    pause = reverse("admin:notifications_mailing_pause_detail", args=[mailing.pk])
    staff.post(pause)
    assert offered() == {"send-test", "resume", "cancel", "duplicate"}
    assert staff.post(pause).status_code == 403
