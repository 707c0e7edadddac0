"""Services of the transport: the outbox and its sender's steps, mailings."""

from notifications.services.audience import MailingPreview, mailing_preview
from notifications.services.dispatch import (
    mailing_fan_out,
    mailing_finish_if_done,
    mailings_dispatch_due,
)
from notifications.services.mailings import (
    MailingStats,
    mailing_cancel,
    mailing_duplicate,
    mailing_pause,
    mailing_problems,
    mailing_resume,
    mailing_save_draft,
    mailing_schedule,
    mailing_send_test,
    mailing_stats,
)
from notifications.services.outbox import (
    message_confirm_delivered,
    message_enqueue,
    message_enqueue_to_staff,
    message_requeue,
    messages_enqueue,
    outbox_kick,
    participant_mark_blocked,
    participant_messages_erase,
)
from notifications.services.sending import (
    message_claim_next,
    message_mark_blocked,
    message_mark_failed,
    message_mark_sent,
    message_release,
    message_retry_later,
    outbox_backlog,
    outbox_due_in,
    outbox_sweep,
)
from notifications.services.templates import (
    message_template_reset,
    message_template_save,
)

__all__ = [
    "MailingPreview",
    "MailingStats",
    "mailing_cancel",
    "mailing_duplicate",
    "mailing_fan_out",
    "mailing_finish_if_done",
    "mailing_pause",
    "mailing_preview",
    "mailing_problems",
    "mailing_resume",
    "mailing_save_draft",
    "mailing_schedule",
    "mailing_send_test",
    "mailing_stats",
    "mailings_dispatch_due",
    "message_claim_next",
    "message_confirm_delivered",
    "message_enqueue",
    "message_enqueue_to_staff",
    "message_mark_blocked",
    "message_mark_failed",
    "message_mark_sent",
    "message_release",
    "message_requeue",
    "message_retry_later",
    "message_template_reset",
    "message_template_save",
    "messages_enqueue",
    "outbox_backlog",
    "outbox_due_in",
    "outbox_kick",
    "outbox_sweep",
    "participant_mark_blocked",
    "participant_messages_erase",
]
