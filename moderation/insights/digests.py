"""Email digests: their beat schedule and sending them."""

import datetime as dt
import json

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from core.audit import (
    ADDED,
    ADDITION,
    CHANGED,
    DELETED,
    DELETION,
    audit_record,
    fields_changed,
)
from core.models import User
from core.schedule import DIGEST_TASK
from moderation.exceptions import DigestNoRecipients
from moderation.insights.digest_message import digest_message
from moderation.models import DigestSubscription


@transaction.atomic
def digest_subscription_save(
    subscription: DigestSubscription, *, by: User | None
) -> DigestSubscription:
    """Save a digest and put its schedule into celery beat.

    The beat schedule is a `PeriodicTask` with a `CrontabSchedule` in the digest's
    time zone (its shift's, or the site's). It is written with `save()`, since
    beat notices changes only through that (`PeriodicTasks.changed`).
    """
    subscription.full_clean(exclude=["recipients"])
    changed = fields_changed(subscription)
    added = subscription.pk is None
    subscription.save()
    if added:
        audit_record(subscription, by=by, action=ADDED, flag=ADDITION)
    elif changed:
        audit_record(subscription, by=by, action=CHANGED, details={"fields": changed})
    day_of_week = "*"
    if subscription.frequency == DigestSubscription.Frequency.WEEKLY:
        day_of_week = str(subscription.weekday)
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour=str(subscription.hour),
        day_of_week=day_of_week,
        day_of_month="*",
        month_of_year="*",
        timezone=subscription.time_zone,
    )
    task = subscription.periodic_task or PeriodicTask(task=DIGEST_TASK)
    # Named as staff know the digest (in their words), unique by its id.
    task.name = f"{subscription.title} (#{subscription.pk})"
    task.crontab = crontab
    task.args = json.dumps([subscription.pk])
    task.enabled = subscription.is_active
    task.description = subscription.title
    task.save()
    if subscription.periodic_task_id != task.pk:
        subscription.periodic_task = task
        subscription.save(update_fields=["periodic_task"])
    return subscription


@transaction.atomic
def digest_subscription_delete(
    subscription: DigestSubscription, *, by: User | None
) -> None:
    """Delete a digest and its beat schedule."""
    task = subscription.periodic_task
    audit_record(subscription, by=by, action=DELETED, flag=DELETION)
    subscription.delete()
    if task is not None:
        # delete() of the instance, so beat sees the change.
        task.delete()


def digest_send(
    subscription: DigestSubscription,
    *,
    by: User | None,
    scheduled: bool = False,
    now: dt.datetime | None = None,
) -> DigestSubscription:
    """Email the digest to its recipients now, through Django's email backend.

    A scheduled run skips a digest already sent within the last half period, so a
    redelivered beat task sends it once; "send now" always sends.
    """
    now = now or timezone.now()
    if scheduled:
        if not subscription.is_active:
            return subscription
        recent = now - dt.timedelta(hours=12 * subscription.period_days)
        if subscription.last_sent_at and subscription.last_sent_at > recent:
            return subscription
    recipients = sorted(
        subscription.recipients.filter(is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        raise DigestNoRecipients(digest=subscription.title)
    digest_message(subscription, recipients=recipients, now=now).send()
    subscription.last_sent_at = now
    subscription.save(update_fields=["last_sent_at"])
    audit_record(
        subscription,
        by=by,
        action=gettext_noop("Sent now; recipients: %(count)s."),
        details={"count": len(recipients)},
    )
    return subscription
