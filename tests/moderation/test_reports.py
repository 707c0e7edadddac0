import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from core.images import image_prepare
from core.models import Membership, Shift
from moderation.exceptions import (
    NoTaskToday,
    ParticipantNotMember,
    ParticipantNotRegistered,
    PhotoAlreadySent,
    PhotoRequired,
    ReportAlreadyApproved,
    ReportAlreadySkipped,
    ReportAttemptsExhausted,
    ReportNotWaiting,
    ReportUnderReview,
)
from moderation.models import Report, Submission
from moderation.participants.services import participant_balance, participant_overview
from moderation.review.reports import (
    membership_skipped_count,
    report_skip,
    report_today,
)
from moderation.review.submissions import report_photo_check, report_submit
from tests.factories import (
    MembershipFactory,
    ParticipantFactory,
    ReportFactory,
    ShiftFactory,
)
from tests.fakes.telegram_api import make_jpeg

pytestmark = pytest.mark.django_db

START = dt.date(2027, 3, 1)


@pytest.fixture
def shift():
    return ShiftFactory(start_date=START, status=Shift.Status.STARTED, max_attempts=3)


@pytest.fixture
def noon(shift):
    """Noon of the shift's third day: its task day is that day."""
    return shift.moment_at(START + dt.timedelta(days=2), 12)


@pytest.fixture
def report(shift, noon):
    return ReportFactory(
        membership=MembershipFactory(shift=shift),
        day=shift.days.get(date=shift.task_date(noon)),
    )


def participant_of(report):
    return report.membership.participant


def submit(report, now, seed=1, **kwargs):
    kwargs.setdefault("file_unique_id", f"uniq-{seed}")
    return report_submit(
        participant_of(report), image=image_prepare(make_jpeg(seed)), now=now, **kwargs
    )


def test_report_submit_puts_report_under_review(report, noon):
    submission = submit(report, noon, update_id=77, file_id="file-1")

    report.refresh_from_db()
    assert report.status == Report.Status.REVIEWING
    assert report.attempts == 1
    assert report.submitted_at == noon
    assert submission.attempt == 1
    assert submission.telegram_update_id == 77
    assert submission.telegram_file_id == "file-1"
    assert len(submission.photo_hash) == 16
    assert default_storage.exists(submission.photo.name)
    assert submission.photo.name.startswith("reports/")


def test_report_submit_stores_a_reencoded_jpeg(report, noon):
    submission = submit(report, noon)

    with default_storage.open(submission.photo.name) as stored:
        image = Image.open(io.BytesIO(stored.read()))
        assert image.format == "JPEG"


def test_report_submit_redelivered_update_returns_the_same_submission(report, noon):
    first = submit(report, noon, update_id=5)

    again = submit(report, noon, update_id=5)

    report.refresh_from_db()
    assert again == first
    assert report.attempts == 1
    assert Submission.objects.count() == 1


def test_report_submit_album_is_one_submission(report, noon):
    first = submit(report, noon, seed=1, update_id=1, media_group_id="album")

    second = submit(report, noon, seed=2, update_id=2, media_group_id="album")

    assert second == first
    assert Submission.objects.count() == 1


def test_report_submit_same_photo_again_is_refused(report, noon):
    submit(report, noon, file_unique_id="same")
    Report.objects.filter(pk=report.pk).update(status=Report.Status.DECLINED)

    with pytest.raises(PhotoAlreadySent):
        submit(report, noon, seed=2, file_unique_id="same")


def test_report_submit_look_alike_is_accepted_and_flagged(report, noon):
    first = submit(report, noon, seed=1)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.DECLINED)

    # The same picture recompressed: a new Telegram file, the same perceptual hash.
    buffer = io.BytesIO()
    Image.open(io.BytesIO(make_jpeg(1))).save(buffer, format="JPEG", quality=40)
    second = report_submit(
        participant_of(report),
        image=image_prepare(buffer.getvalue()),
        file_unique_id="other",
        now=noon,
    )

    assert second.near_duplicate_of == first
    assert second.attempt == 2


def test_report_submit_different_photo_is_not_flagged(report, noon):
    submit(report, noon, seed=1)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.DECLINED)

    second = submit(report, noon, seed=2)

    assert second.near_duplicate_of is None


def test_report_submit_look_alike_of_another_member_is_flagged(shift, report, noon):
    other = ReportFactory(
        membership=MembershipFactory(shift=shift), day=report.day, status="waiting"
    )
    theirs = submit(other, noon, seed=9, file_unique_id="theirs")

    mine = submit(report, noon, seed=9, file_unique_id="mine")

    assert mine.near_duplicate_of == theirs


def test_report_submit_after_decline_counts_the_attempt(report, noon):
    submit(report, noon, seed=1)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.DECLINED)

    submission = submit(report, noon, seed=2)

    report.refresh_from_db()
    assert submission.attempt == report.attempts == 2
    assert report.status == Report.Status.REVIEWING


def test_report_submit_attempts_exhausted_raises(report, noon):
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.DECLINED, attempts=3
    )

    with pytest.raises(ReportAttemptsExhausted) as raised:
        submit(report, noon)

    assert raised.value.limit == 3


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (Report.Status.REVIEWING, ReportUnderReview),
        (Report.Status.APPROVED, ReportAlreadyApproved),
        (Report.Status.SKIPPED, ReportAlreadySkipped),
        (Report.Status.NOT_PARTICIPATE, NoTaskToday),
    ],
)
def test_report_submit_refuses_by_status(report, noon, status, error):
    Report.objects.filter(pk=report.pk).update(status=status)

    with pytest.raises(error):
        submit(report, noon)

    assert Submission.objects.count() == 0


def test_report_submit_without_report_today_raises(report, noon):
    tomorrow = noon + dt.timedelta(days=1)

    with pytest.raises(NoTaskToday):
        submit(report, tomorrow)


def test_report_submit_before_task_hour_belongs_to_the_day_before(report, noon):
    next_morning = noon.replace(hour=7) + dt.timedelta(days=1)

    submission = submit(report, next_morning)

    assert submission.report == report


def test_report_photo_check_refuses_not_registered():
    with pytest.raises(ParticipantNotRegistered):
        report_photo_check(None, kind="photo")


def test_report_photo_check_refuses_non_member(shift):
    with pytest.raises(ParticipantNotMember):
        report_photo_check(ParticipantFactory(), kind="photo")


def test_report_photo_check_refuses_excluded_member(report, noon):
    Membership.objects.filter(pk=report.membership_id).update(status="excluded")

    with pytest.raises(ParticipantNotMember):
        report_photo_check(participant_of(report), kind="photo", now=noon)


@pytest.mark.parametrize("kind", ["text", "sticker", "voice", "document"])
def test_report_photo_check_refuses_non_photos(report, noon, kind):
    with pytest.raises(PhotoRequired):
        report_photo_check(participant_of(report), kind=kind, now=noon)


@pytest.mark.parametrize("kind", ["text", "sticker", "voice"])
def test_report_photo_check_asks_for_a_photo_after_attempts_exhausted(
    report, noon, kind
):
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.DECLINED, attempts=3
    )

    with pytest.raises(PhotoRequired):
        report_photo_check(participant_of(report), kind=kind, now=noon)


@pytest.mark.parametrize("kind", ["photo", "image"])
def test_report_photo_check_refuses_photo_after_attempts_exhausted(report, noon, kind):
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.DECLINED, attempts=3
    )

    with pytest.raises(ReportAttemptsExhausted):
        report_photo_check(participant_of(report), kind=kind, now=noon)


@pytest.mark.parametrize("kind", ["photo", "image"])
def test_report_photo_check_welcomes_photos(report, noon, kind):
    assert report_photo_check(participant_of(report), kind=kind, now=noon) is None


def test_report_photo_check_finds_redelivered_update(report, noon):
    submission = submit(report, noon, update_id=42)

    found = report_photo_check(
        participant_of(report), kind="photo", update_id=42, now=noon
    )

    assert found == submission


def test_report_photo_check_finds_album_before_status(report, noon):
    submission = submit(report, noon, update_id=1, media_group_id="g")

    found = report_photo_check(
        participant_of(report), kind="photo", update_id=2, media_group_id="g", now=noon
    )

    assert found == submission


def test_report_photo_check_refuses_known_file(report, noon):
    submit(report, noon, file_unique_id="known")
    Report.objects.filter(pk=report.pk).update(status=Report.Status.DECLINED)

    with pytest.raises(PhotoAlreadySent):
        report_photo_check(
            participant_of(report), kind="photo", file_unique_id="known", now=noon
        )


def test_report_today_of_a_preparing_shift_raises():
    membership = MembershipFactory()

    with pytest.raises(NoTaskToday):
        report_today(membership.participant, now=timezone.now())


def test_report_skip_skips_a_waiting_report(report):
    skipped = report_skip(report)

    report.refresh_from_db()
    assert skipped.status == report.status == Report.Status.SKIPPED
    assert membership_skipped_count(report.membership) == 1


def test_report_skip_twice_raises(report):
    report_skip(report)

    with pytest.raises(ReportAlreadySkipped):
        report_skip(report)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (Report.Status.REVIEWING, ReportUnderReview),
        (Report.Status.APPROVED, ReportAlreadyApproved),
        (Report.Status.DECLINED, ReportNotWaiting),
    ],
)
def test_report_skip_refuses_other_statuses(report, status, error):
    Report.objects.filter(pk=report.pk).update(status=status)

    with pytest.raises(error):
        report_skip(report)

    report.refresh_from_db()
    assert report.status == status


def test_participant_balance_is_the_points_of_the_membership(report):
    Membership.objects.filter(pk=report.membership_id).update(points=7)

    assert participant_balance(participant_of(report)) == 7


def test_participant_balance_of_a_non_member_raises():
    with pytest.raises(ParticipantNotMember):
        participant_balance(ParticipantFactory())


def test_participant_overview_collects_membership_and_report(report, noon):
    overview = participant_overview(participant_of(report), now=noon)

    assert overview.membership == report.membership
    assert overview.report == report
