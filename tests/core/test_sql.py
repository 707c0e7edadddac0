import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from core.models import Participant
from core.services import participant_by_telegram_id
from core.sql import Columns, rows
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def test_columns_instance_reads_a_row_as_the_orm_does():
    blocked_at = timezone.now().replace(microsecond=0)
    saved = ParticipantFactory(
        birth_date=dt.date(2014, 5, 2), blocked_bot_at=blocked_at, is_test=True
    )
    columns = Columns(Participant, "p")

    found = rows(
        f"SELECT {columns.sql} FROM core_participant p WHERE p.id = %s", [saved.pk]
    )
    participant = columns.instance(found[0])

    expected = Participant.objects.get(pk=saved.pk)
    for field in Participant._meta.concrete_fields:
        name = field.attname
        assert getattr(participant, name) == getattr(expected, name), name
    # Converted as the ORM converts (SQLite returns naive datetimes and 0/1).
    assert participant.blocked_bot_at.tzinfo is not None
    assert participant.is_test is True
    assert participant._state.adding is False


def test_columns_instance_defers_what_is_not_selected():
    saved = ParticipantFactory(city="Kazan")
    columns = Columns(Participant, "p", ("id", "first_name"))

    found = rows(
        f"SELECT {columns.sql} FROM core_participant p WHERE p.id = %s", [saved.pk]
    )
    participant = columns.instance(found[0])

    assert participant.get_deferred_fields() >= {"city", "phone"}
    assert participant.first_name == saved.first_name
    assert participant.city == "Kazan"  # read when asked, as with only()


def test_participant_by_telegram_id_finds_or_says_none():
    saved = ParticipantFactory(telegram_id=777)

    assert participant_by_telegram_id(777) == saved
    assert participant_by_telegram_id(778) is None


@pytest.mark.postgres
def test_rows_prepares_the_query_on_postgresql():
    sql = "SELECT count(*) FROM core_participant WHERE telegram_id = %s"

    assert rows(sql, [1]) == [(0,)]
    assert rows(sql, [2]) == [(0,)]

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert prepared.count(sql.replace("%s", "$1")) == 1
