import datetime as dt

import pytest
from django.utils import timezone

from core.models import Membership, Participant
from notifications.models import Mailing
from notifications.services.audience import (
    Audience,
    audience_count,
    audience_participants,
)
from tests.factories import (
    ApplicationFactory,
    MembershipFactory,
    ParticipantFactory,
    ShiftFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shift():
    return ShiftFactory()


def test_audience_filters_by_membership_status_in_the_shifts(shift):
    active = MembershipFactory(shift=shift)
    excluded = MembershipFactory(shift=shift, status=Membership.Status.EXCLUDED)
    applicant = ApplicationFactory(shift=shift).participant
    outsider = ParticipantFactory()

    def picked(membership, shifts=(shift.pk,)):
        audience = Audience(shift_ids=shifts, membership=membership)
        return set(audience_participants(audience))

    assert picked(Mailing.Membership.ACTIVE) == {active.participant}
    assert picked(Mailing.Membership.EXCLUDED) == {excluded.participant}
    assert picked(Mailing.Membership.MEMBERS) == {
        active.participant,
        excluded.participant,
    }
    assert picked(Mailing.Membership.ANY) == {
        active.participant,
        excluded.participant,
        applicant,
    }
    assert picked(Mailing.Membership.NOT_MEMBERS) == {applicant, outsider}
    assert picked(Mailing.Membership.ANY, shifts=()) == {
        active.participant,
        excluded.participant,
        applicant,
        outsider,
    }


def test_audience_filters_by_kind_city_age_and_registration():
    today = dt.date(2027, 3, 1)
    ten_today = ParticipantFactory(birth_date=dt.date(2017, 3, 1), city="Kazan")
    nine = ParticipantFactory(birth_date=dt.date(2017, 3, 2), city="kazan")
    twelve = ParticipantFactory(birth_date=dt.date(2014, 6, 1), city="Perm")
    ParticipantFactory(birth_date=None, city="Kazan")
    tester = ParticipantFactory(
        is_test=True, city="Kazan", birth_date=dt.date(2016, 1, 1)
    )
    base = {"membership": Mailing.Membership.ANY}

    def picked(**fields):
        return set(audience_participants(Audience(**base, **fields), today=today))

    assert picked(age_min=10, age_max=12) == {ten_today, twelve}
    assert picked(age_max=9) == {nine}
    assert picked(cities=" KAZAN , Perm", age_min=9) == {ten_today, nine, twelve}
    assert picked(participant_kind=Mailing.ParticipantKind.TEST) == {tester}
    later = ParticipantFactory()
    since = timezone.localdate(later.created_at)
    Participant.objects.exclude(pk=later.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3)
    )
    assert picked(registered_since=since) == {later}


def test_audience_count_tells_who_cannot_be_reached(shift):
    MembershipFactory(shift=shift)
    MembershipFactory(shift=shift, participant__telegram_id=None)
    MembershipFactory(shift=shift, participant__blocked_bot_at=timezone.now())

    counts = audience_count(Audience(shift_ids=(shift.pk,)))

    assert counts == {"total": 3, "unreachable": 2, "reachable": 1}
