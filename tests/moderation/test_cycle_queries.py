"""Opening a day and reminding cost queries independent of the members."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moderation.cycle.days import day_open, reminders_send
from notifications.models import MessageTemplate, OutboxMessage
from notifications.texts import staff_wordings_forget
from tests.factories import MembershipFactory
from tests.moderation.days import START, at, started_shift

pytestmark = pytest.mark.django_db


def statements(queries: CaptureQueriesContext) -> int:
    """Count the statements; a bulk insert counts once, even where the backend
    splits it by its parameter limit (SQLite: 999 a statement, some 58 outbox
    rows). A loop of one-row inserts still counts each."""
    count, previous = 0, None
    for query in queries.captured_queries:
        head, _values, rows = query["sql"].partition(" VALUES ")
        multirow_insert = head.startswith("INSERT") and "), (" in rows
        if not (multirow_insert and head == previous):
            count += 1
        previous = head if multirow_insert else None
    return count


def queries_to_open_and_remind(members: int, *, weeks_later: int) -> tuple[int, int]:
    """Open day 1 of a new shift with `members` members, then remind them; return
    the queries of each step, with the staff wordings read afresh (once) in each."""
    start = START + dt.timedelta(weeks=weeks_later)
    shift = started_shift(start_date=start, end_date=start + dt.timedelta(days=4))
    MembershipFactory.create_batch(members, shift=shift)
    staff_wordings_forget()

    with CaptureQueriesContext(connection) as opening:
        day_open(shift, now=at(shift, 1, 8))
    staff_wordings_forget()
    with CaptureQueriesContext(connection) as reminding:
        reminded = reminders_send(shift, now=at(shift, 1, 20))

    sent = OutboxMessage.objects.filter(participant__memberships__shift=shift)
    assert sent.filter(kind=OutboxMessage.Kind.TASK).count() == members
    assert reminded == sent.filter(kind=OutboxMessage.Kind.REMINDER).count() == members
    return statements(opening), statements(reminding)


def test_day_open_and_reminders_send_queries_do_not_grow_with_members():
    # Staff wordings in the way: each is still read once, not once per member.
    MessageTemplate.objects.create(key="day_task", language="ru", text="{task}")
    MessageTemplate.objects.create(key="reminder", language="en", text="{task}?")

    assert queries_to_open_and_remind(10, weeks_later=0) == (
        queries_to_open_and_remind(100, weeks_later=1)
    )
