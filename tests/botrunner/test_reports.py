"""Photo reports over HTTP: accepted photos and every refusal, each with its reply."""

import io
import uuid

import pytest
from PIL import Image

from botrunner import texts
from core.models import Shift
from moderation.models import Report, Submission
from tests.botrunner.conftest import member, started_shift, today_report
from tests.factories import ParticipantFactory, ReportFactory
from tests.fakes.telegram_api import make_jpeg

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = 6001


@pytest.fixture
def report():
    return today_report(member(started_shift(max_attempts=3), CHAT))


def replies(api, count, chat=CHAT):
    return [call.text for call in api.wait_sent(count, chat_id=chat)]


def received(attempt=1, limit=3, name="photo_received"):
    return texts.render(name, "en", attempt=attempt, limit=limit)


def test_photo_is_stored_and_report_goes_to_review(api, bot, report):
    update = api.photo_update(CHAT)

    assert replies(api, 1) == [received()]
    report.refresh_from_db()
    assert report.status == Report.Status.REVIEWING
    assert report.attempts == 1
    submission = report.submissions.get()
    assert submission.telegram_update_id == update["update_id"]
    assert (
        submission.telegram_file_unique_id
        == update["message"]["photo"][-1]["file_unique_id"]
    )
    assert submission.photo.read()[:2] == b"\xff\xd8"  # a JPEG


def test_image_document_is_accepted(api, bot, report):
    api.document_update(CHAT, mime_type="image/png", content=_png())

    assert replies(api, 1) == [received()]
    assert report.submissions.count() == 1


def test_same_photo_again_is_refused(api, bot, report):
    api.photo_update(CHAT, file_unique_id="same-photo")
    replies(api, 1)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.DECLINED)

    api.photo_update(CHAT, file_unique_id="same-photo")

    assert replies(api, 2)[-1] == texts.render("photo_already_sent", "en")
    assert Submission.objects.count() == 1


def test_look_alike_photo_is_accepted_and_flagged(api, bot, report):
    api.photo_update(CHAT, content=make_jpeg(5))
    replies(api, 1)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.DECLINED)

    api.photo_update(CHAT, content=_recompressed(make_jpeg(5)))

    assert replies(api, 2)[-1] == received(2, name="photo_received_look_alike")
    first, second = Submission.objects.order_by("attempt")
    assert second.near_duplicate_of == first


def test_attempts_exhausted_is_refused(api, bot, report):
    Report.objects.filter(pk=report.pk).update(status="declined", attempts=3)

    api.photo_update(CHAT)

    assert replies(api, 1) == [texts.render("attempts_exhausted", "en", limit=3)]
    assert not Submission.objects.exists()


def test_not_a_photo_after_attempts_exhausted_asks_for_a_photo(api, bot, report):
    Report.objects.filter(pk=report.pk).update(status="declined", attempts=3)

    api.sticker_update(CHAT)
    replies(api, 1)
    api.photo_update(CHAT)

    assert replies(api, 2) == [
        texts.render("not_a_photo", "en"),
        texts.render("attempts_exhausted", "en", limit=3),
    ]
    assert not Submission.objects.exists()


def test_declined_report_takes_a_new_attempt(api, bot, report):
    Report.objects.filter(pk=report.pk).update(status="declined", attempts=1)

    api.photo_update(CHAT)

    assert replies(api, 1) == [received(attempt=2)]


def test_photo_refused_by_report_status(api, bot, report):
    refusals = {
        Report.Status.REVIEWING: "under_review",
        Report.Status.APPROVED: "already_approved",
        Report.Status.SKIPPED: "task_skipped",
        Report.Status.NOT_PARTICIPATE: "no_task_today",
    }
    shift = report.membership.shift
    for chat, status in enumerate(refusals, start=CHAT + 1):
        today_report(member(shift, chat), status=status)

    for chat in range(CHAT + 1, CHAT + 1 + len(refusals)):
        api.photo_update(chat)

    for chat, text in enumerate(refusals.values(), start=CHAT + 1):
        assert replies(api, 1, chat) == [texts.render(text, "en")]
    assert not Submission.objects.exists()


def test_photo_without_report_today_is_refused(api, bot):
    member(started_shift(), CHAT)

    api.photo_update(CHAT)

    assert replies(api, 1) == [texts.render("no_task_today", "en")]


def test_not_a_photo_is_refused(api, bot, report):
    api.message_update(CHAT, "here is my photo")
    api.sticker_update(CHAT)
    api.voice_update(CHAT)
    api.document_update(CHAT, mime_type="application/pdf")
    api.contact_update(CHAT, "+79001234567")

    assert replies(api, 5) == [texts.render("not_a_photo", "en")] * 5
    report.refresh_from_db()
    assert report.status == Report.Status.WAITING
    assert api.stats().downloads == 0


def test_photo_from_unregistered_user_is_refused(api, bot):
    api.photo_update(CHAT, user={"language_code": "en"})

    assert replies(api, 1) == [texts.render("not_registered", "en")]
    assert api.stats().downloads == 0


def test_photo_from_non_member_is_refused_in_their_language(api, bot):
    ParticipantFactory(telegram_id=CHAT, language="ru")

    api.photo_update(CHAT)

    assert replies(api, 1) == [texts.render("not_member", "ru")]


def test_album_is_one_submission_with_one_reply(api, bot, report):
    album = uuid.uuid4().hex
    for _ in range(3):
        api.photo_update(CHAT, media_group_id=album)

    assert api.wait_for(api.all_confirmed)
    assert replies(api, 1) == [received()]
    assert Submission.objects.get().media_group_id == album
    report.refresh_from_db()
    assert report.attempts == 1
    assert [call.text for call in api.sent_to(CHAT)] == [received()]


def test_refused_album_is_answered_once(api, bot, report):
    Report.objects.filter(pk=report.pk).update(status=Report.Status.APPROVED)

    album = uuid.uuid4().hex  # refusals are remembered per album in the cache
    for _ in range(3):
        api.photo_update(CHAT, media_group_id=album)

    assert api.wait_for(api.all_confirmed)
    assert [call.text for call in api.sent_to(CHAT)] == [
        texts.render("already_approved", "en")
    ]


def test_get_file_errors_are_retried(api, bot, report):
    api.fail_next(2, 500, method="getFile")

    api.photo_update(CHAT)

    assert replies(api, 1) == [received()]
    assert Submission.objects.count() == 1


def test_flood_wait_on_get_file_is_honoured(api, bot, report):
    api.fail_next(1, 429, method="getFile", retry_after=1)

    api.photo_update(CHAT)

    assert replies(api, 1) == [received()]
    failed, succeeded = [c for c in api.calls if c.method == "getFile"]
    assert (failed.status, succeeded.status) == (429, 200)
    assert succeeded.at - failed.at >= 0.9  # retry_after=1 was waited out


def test_get_file_timeout_is_retried(api, bot, report, monkeypatch):
    monkeypatch.setattr("botrunner.telegram.GET_FILE_TIMEOUT", 1)
    api.delay_next(1, 1.5, method="getFile")

    api.photo_update(CHAT)

    assert replies(api, 1) == [received()]
    # The timed-out call is recorded once the fake finishes holding it.
    assert api.wait_for(
        lambda: len([c for c in api.calls if c.method == "getFile"]) == 2
    )
    assert Submission.objects.count() == 1


def test_unavailable_file_is_answered_and_nothing_stored(api, bot, report):
    api.fail_next(1, 400, "Bad Request: invalid file_id", method="getFile")

    api.photo_update(CHAT)

    assert replies(api, 1) == [texts.render("photo_download_failed", "en")]
    report.refresh_from_db()
    assert report.status == Report.Status.WAITING
    assert not Submission.objects.exists()


def test_too_large_image_is_refused_before_download(api, bot, report, settings):
    settings.IMAGE_MAX_BYTES = 100

    api.photo_update(CHAT)

    assert replies(api, 1) == [texts.render("photo_too_large", "en", limit="0 MB")]
    assert api.stats().downloads == 0


def test_unreadable_image_is_refused(api, bot, report):
    api.document_update(CHAT, mime_type="image/jpeg", content=b"\xff\xd8 not really")

    assert replies(api, 1) == [texts.render("photo_unreadable", "en")]
    assert not Submission.objects.exists()


def test_finished_shift_has_no_task(api, bot, report):
    Shift.objects.update(status=Shift.Status.FINISHED)

    api.photo_update(CHAT)

    assert replies(api, 1) == [texts.render("not_member", "en")]


def test_report_of_another_member_is_untouched(api, bot, report):
    other = ReportFactory(
        membership=member(report.membership.shift, CHAT + 1), day=report.day
    )

    api.photo_update(CHAT)
    replies(api, 1)

    other.refresh_from_db()
    assert other.status == Report.Status.WAITING


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(make_jpeg(11))).save(buffer, format="PNG")
    return buffer.getvalue()


def _recompressed(content: bytes) -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(content)).save(buffer, format="JPEG", quality=40)
    return buffer.getvalue()
