"""/status (and /start of a registered participant): where the participant stands."""

from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from asgiref.sync import sync_to_async

from botrunner import keyboards, texts
from botrunner.replies import reply
from core.models import Application, Participant
from moderation.models import Report
from moderation.participants.services import ParticipantOverview, participant_overview


def status_text(overview: ParticipantOverview, *, greet: bool = False) -> str:
    """Describe the participant's application, shift and today's report."""
    participant = overview.participant
    language = participant.language
    lines = []
    if greet:
        lines.append(
            texts.render("welcome_back", language, name=participant.first_name)
        )
    lines.append(
        texts.render(
            "status_registered",
            language,
            name=participant.full_name,
            city=participant.city,
        )
    )
    if overview.membership is not None:
        membership = overview.membership
        points = texts.render("points", language, count=membership.points)
        lines.append(
            texts.render(
                "status_member", language, shift=membership.shift.title, points=points
            )
        )
        report = overview.report
        if report is None:
            lines.append(texts.render("status_no_report", language))
        else:
            lines.append(
                texts.render(
                    "status_report",
                    language,
                    task=report.day.task.title,
                    status=Report.Status(report.status).label,
                    attempts=report.attempts,
                    limit=report.day.shift.max_attempts,
                )
            )
    else:
        lines.append(texts.render("status_not_member", language))
        if overview.application is not None:
            application = overview.application
            lines.append(
                texts.render(
                    "status_application",
                    language,
                    shift=application.shift.title,
                    status=Application.Status(application.status).label,
                )
            )
        if overview.applications_used:
            lines.append(
                texts.render(
                    "application_limit", language, limit=Application.MAX_PER_SHIFT
                )
            )
    return "\n".join(lines)


def status_keyboard(
    overview: ParticipantOverview,
) -> ReplyKeyboardMarkup | InlineKeyboardMarkup | ReplyKeyboardRemove:
    """Members get the menu; others an "apply" button when they may apply."""
    language = overview.participant.language
    if overview.membership is not None:
        return keyboards.main_menu(language)
    if overview.can_apply:
        return keyboards.apply(language, overview.open_shift.title)
    return keyboards.REMOVE


async def send_status(
    event: Message | CallbackQuery, participant: Participant, *, greet: bool = False
) -> None:
    """Send the participant's status with the keyboard that fits it."""
    overview = await sync_to_async(participant_overview)(participant)
    await reply(
        event,
        status_text(overview, greet=greet),
        reply_markup=status_keyboard(overview),
    )
