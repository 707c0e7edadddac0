"""The queries one photo costs: pinned, the same on SQLite and PostgreSQL.

The bot runs these for every photo of a burst; a change that adds a query (or
one per earlier photo) shows here.
"""

import datetime as dt

import pytest

from core.images import image_prepare
from core.models import Shift
from core.selectors import participant_by_telegram_id
from moderation.review.submissions import report_photo_check, report_submit
from tests.factories import MembershipFactory, ReportFactory, ShiftFactory
from tests.fakes.telegram_api import make_jpeg

pytestmark = pytest.mark.django_db

START = dt.date(2027, 3, 1)
# Today's report (locked), what is stored about the message, the same hash in
# the shift, the participant's own recent hashes, the submission, the report;
# and the savepoint around them (the test runs inside a transaction).
SUBMIT_QUERIES = 8


@pytest.fixture
def shift():
    return ShiftFactory(start_date=START, status=Shift.Status.STARTED)


@pytest.fixture
def noon(shift):
    return shift.moment_at(START + dt.timedelta(days=2), 12)


def today_report(shift, noon):
    return ReportFactory(
        membership=MembershipFactory(shift=shift),
        day=shift.days.get(date=shift.task_date(noon)),
    )


def submit(report, noon, seed):
    return report_submit(
        report.membership.participant,
        image=image_prepare(make_jpeg(seed)),
        file_unique_id=f"uniq-{seed}",
        update_id=seed,
        now=noon,
    )


@pytest.fixture
def earlier_photos(shift, noon):
    """Photos of other members already stored: they must not add queries."""
    for seed in range(100, 110):
        submit(today_report(shift, noon), noon, seed)


def test_participant_lookup_is_one_query(django_assert_num_queries, shift, noon):
    participant = today_report(shift, noon).membership.participant

    with django_assert_num_queries(1):
        found = participant_by_telegram_id(participant.telegram_id)
        # The notice in force comes in the same query: the consent check is free.
        needs_consent = not found.has_consent_to(found.notice_version)

    assert found == participant
    assert not needs_consent


def test_photo_check_is_two_queries(
    django_assert_num_queries, shift, noon, earlier_photos
):
    report = today_report(shift, noon)

    with django_assert_num_queries(2):
        earlier = report_photo_check(
            report.membership.participant,
            kind="photo",
            file_unique_id="uniq-1",
            update_id=1,
            now=noon,
        )

    assert earlier is None


def test_photo_submit_query_count_is_fixed(
    django_assert_num_queries, shift, noon, earlier_photos
):
    report = today_report(shift, noon)
    image = image_prepare(make_jpeg(1))

    with django_assert_num_queries(SUBMIT_QUERIES):
        submission = report_submit(
            report.membership.participant,
            image=image,
            file_unique_id="uniq-1",
            update_id=1,
            now=noon,
        )

    assert submission.report == report
