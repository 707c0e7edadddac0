"""Services of the shared domain: participant registration and consent to the
privacy notice.

The shift lifecycle (create, plan, start, cancel, finish) lives in
`moderation.shifts.lifecycle`: cancelling and finishing notify participants,
and `core` may not import the outbox.
"""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.audit import CHANGED, audit_record, fields_changed
from core.cleaners import (
    participant_birth_date_check,
    participant_city_clean,
    participant_language_clean,
    participant_name_clean,
    participant_phone_clean,
)
from core.exceptions import ConsentOutdated, ParticipantAlreadyRegistered, PhoneTaken
from core.models import (
    Participant,
    PhoneConflict,
    PrivacyNotice,
    User,
)
from core.selectors import privacy_notice_current


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last_day))


# --- Participants --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParticipantRegistration:
    """What a registration did: the participant, and whether staff had added them."""

    participant: Participant
    linked: bool


def participant_register(
    *,
    telegram_id: int,
    first_name: str,
    last_name: str,
    birth_date: dt.date,
    city: str,
    phone: str,
    language: str,
    consent_version: int,
    consent_at: dt.datetime,
    telegram_username: str = "",
) -> ParticipantRegistration:
    """Register a Telegram user who answered the bot's dialog and agreed to the
    privacy notice.

    Every answer is cleaned again here, so no caller stores what the dialog would
    refuse, and nothing is stored without agreement to the notice in force
    (`ConsentOutdated`). A participant pre-registered with this phone (imported
    or added by staff, not yet in Telegram) is linked instead of a second one
    being made: the staff's names, date of birth and city stay, the bot's
    answers fill only what staff left empty; the Telegram account, language and
    consent come from the bot. A phone already linked to another Telegram
    account is refused (`PhoneTaken`) and the attempt recorded for staff
    (`PhoneConflict`). A second registration of the same Telegram user is
    refused (`ParticipantAlreadyRegistered`).
    """
    answers = {
        "first_name": participant_name_clean(first_name),
        "last_name": participant_name_clean(last_name),
        "birth_date": participant_birth_date_check(birth_date),
        "city": participant_city_clean(city),
    }
    phone = participant_phone_clean(phone)
    telegram = {
        "telegram_id": telegram_id,
        "telegram_username": (telegram_username or "")[:64],
        "language": participant_language_clean(language),
        "consent_version": consent_version,
        "consent_at": consent_at,
    }
    current = privacy_notice_current().version
    if consent_version != current:
        raise ConsentOutdated(version=consent_version, current=current)
    try:
        with transaction.atomic():
            if Participant.objects.filter(telegram_id=telegram_id).exists():
                raise ParticipantAlreadyRegistered(telegram_id=telegram_id)
            holder = (
                Participant.objects.select_for_update()
                .filter(phone=phone)
                .order_by("pk")
                .first()
            )
            if holder is None:
                participant = Participant.objects.create(
                    phone=phone, **answers, **telegram
                )
                return ParticipantRegistration(participant, linked=False)
            if holder.telegram_id is None:
                participant = _participant_link(holder, answers, telegram)
                return ParticipantRegistration(participant, linked=True)
    except IntegrityError as error:
        # The same dialog finished twice at once (a redelivered update).
        raise ParticipantAlreadyRegistered(telegram_id=telegram_id) from error
    # Recorded outside the transaction: it stays although registration fails.
    phone_conflict_record(
        holder, telegram_id=telegram_id, telegram_username=telegram["telegram_username"]
    )
    raise PhoneTaken(phone=phone, participant=str(holder))


def _participant_link(
    participant: Participant, answers: dict[str, object], telegram: dict[str, object]
) -> Participant:
    """Give a pre-registered participant the Telegram account that registered."""
    for name, value in telegram.items():
        setattr(participant, name, value)
    filled = [name for name in answers if not getattr(participant, name)]
    for name in filled:
        setattr(participant, name, answers[name])
    participant.save(update_fields=[*telegram, *filled, "updated_at"])
    return participant


def phone_conflict_record(
    participant: Participant, *, telegram_id: int, telegram_username: str
) -> PhoneConflict:
    """Record for staff that another Telegram account tried the participant's phone."""
    conflict, created = PhoneConflict.objects.get_or_create(
        participant=participant,
        telegram_id=telegram_id,
        defaults={"telegram_username": telegram_username},
    )
    if not created:
        conflict.attempts += 1
        conflict.telegram_username = telegram_username
        conflict.save(update_fields=["attempts", "telegram_username", "updated_at"])
    return conflict


def participant_consent_record(
    participant: Participant, *, version: int, now: dt.datetime | None = None
) -> Participant:
    """Record that a registered participant agreed to privacy notice `version`.

    Only the version in force can be agreed to (`ConsentOutdated`: the notice
    changed while they read it). Agreeing again changes nothing.
    """
    current = privacy_notice_current().version
    if version != current:
        raise ConsentOutdated(version=version, current=current)
    if participant.has_consent_to(version):
        return participant
    participant.consent_version = version
    participant.consent_at = now or timezone.now()
    participant.save(update_fields=["consent_version", "consent_at", "updated_at"])
    return participant


@transaction.atomic
def privacy_notice_update(
    notice: PrivacyNotice, *, url: str, new_version: bool, by: User | None
) -> PrivacyNotice:
    """Save the notice's link; `new_version` publishes the next version, which
    every participant must agree to before using the bot again."""
    saved = (
        PrivacyNotice.objects.select_for_update()
        .filter(pk=PrivacyNotice.SINGLE_ID)
        .first()
    )
    version = saved.version if saved else PrivacyNotice.FIRST_VERSION
    notice.pk = PrivacyNotice.SINGLE_ID
    notice.version = version + 1 if new_version else version
    notice.url = url
    changed = fields_changed(notice)
    notice.updated_by = by
    notice.full_clean()
    notice.save()
    if new_version:
        action = gettext_noop("Published version %(version)s.")
        audit_record(notice, by=by, action=action, details={"version": notice.version})
    elif changed:
        audit_record(notice, by=by, action=CHANGED, details={"fields": changed})
    return notice


def participant_unblock(participant: Participant) -> Participant:
    """Clear the blocked mark: the participant wrote to the bot again."""
    if participant.blocked_bot_at is not None:
        participant.blocked_bot_at = None
        participant.save(update_fields=["blocked_bot_at", "updated_at"])
    return participant


def user_telegram_chat_set(user: User, *, chat_id: int | None, by: User | None) -> User:
    """Set where a staff member's test messages go (their Telegram user ID)."""
    user.telegram_chat_id = chat_id
    changed = fields_changed(user)
    user.save(update_fields=["telegram_chat_id"])
    if changed:
        audit_record(user, by=by, action=CHANGED, details={"fields": changed})
    return user
