"""The near-duplicate threshold: a participant's photo within 6 bits of an
earlier one is flagged, 7 bits apart is not (NEAR_DUPLICATE_DISTANCE)."""

import dataclasses
import datetime as dt

import pytest

from core.images import hash_distance, image_prepare
from core.models import Shift
from moderation.models import Report
from moderation.review.submissions import report_submit
from tests.factories import MembershipFactory, ReportFactory, ShiftFactory
from tests.fakes.telegram_api import make_jpeg

pytestmark = pytest.mark.django_db

EARLIER_HASH = "c3a5f00f5a3c0ff0"


def differing_in(bits: int) -> str:
    """EARLIER_HASH with its lowest `bits` bits flipped."""
    return f"{int(EARLIER_HASH, 16) ^ ((1 << bits) - 1):016x}"


@pytest.fixture
def report():
    start = dt.date(2027, 3, 1)
    shift = ShiftFactory(start_date=start, status=Shift.Status.STARTED)
    noon = shift.moment_at(start, 12)
    return ReportFactory(
        membership=MembershipFactory(shift=shift),
        day=shift.days.get(date=shift.task_date(noon)),
    ), noon


def submit(report: Report, now: dt.datetime, *, phash: str, seed: int):
    image = dataclasses.replace(image_prepare(make_jpeg(seed)), phash=phash)
    return report_submit(
        report.membership.participant,
        image=image,
        file_unique_id=f"unique-{seed}",
        now=now,
    )


@pytest.mark.parametrize("bits", [6, 7])
def test_hashes_used_differ_in_exactly_that_many_bits(bits):
    assert hash_distance(EARLIER_HASH, differing_in(bits)) == bits


@pytest.mark.parametrize(("bits", "flagged"), [(0, True), (6, True), (7, False)])
def test_report_submit_flags_own_photos_up_to_six_bits_apart(report, bits, flagged):
    report, noon = report
    earlier = submit(report, noon, phash=EARLIER_HASH, seed=1)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.DECLINED)

    later = submit(report, noon, phash=differing_in(bits), seed=2)

    assert later.near_duplicate_of == (earlier if flagged else None)
