"""Dating the demo as if it had happened: the services stamp rows with the time of
seeding (`auto_now_add`, messages queued "now"), so the demo sets the moments its
story gives them.

Only demo code writes timestamps like this: it is history that no service makes.
"""

import contextlib
import datetime as dt
import random
from collections.abc import Iterator

from django.db import models
from django.db.models import Max

from notifications.models import OutboxMessage


def moment_between(
    rng: random.Random, start: dt.datetime, end: dt.datetime
) -> dt.datetime:
    """Return a random moment from `start` to `end`, to the second."""
    span = max(0, int((end - start).total_seconds()))
    return start + dt.timedelta(seconds=rng.randint(0, span))


def stamp(instance: models.Model, **moments: dt.datetime | None) -> None:
    """Set timestamps of a saved row, `auto_now_add` ones included."""
    type(instance).objects.filter(pk=instance.pk).update(**moments)
    for name, value in moments.items():
        setattr(instance, name, value)


@contextlib.contextmanager
def messages_sent_at(moment: dt.datetime) -> Iterator[None]:
    """Date the messages queued inside the block at `moment`, as sent then.

    They are history: the demo's chats are made up, so they must never go out
    (should a bot token be set later).
    """
    last = OutboxMessage.objects.aggregate(last=Max("pk"))["last"] or 0
    yield
    OutboxMessage.objects.filter(pk__gt=last).update(
        created_at=moment,
        status=OutboxMessage.Status.SENT,
        sent_at=moment + dt.timedelta(seconds=1),
        next_attempt_at=None,
    )
