"""Every text the bot says, in English and Russian (through gettext).

Handlers reach texts only through `render(name, language, **context)`. Each is
registered with the one text renderer (`notifications.texts`) as "bot_<name>";
every reply that is not a plural or a button label is editable by staff, whose
wording replaces the default. Rendering never touches the database: the bot's
middleware renews the process's copy of staff wordings outside the event loop.
Context values are HTML-escaped (the bot sends HTML), so names and titles typed
by people cannot break or inject markup; button labels are rendered `plain`.
"""

import html
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import exceptions
from moderation import exceptions as moderation_exceptions
from notifications.texts import Plural, text_render, texts_register

LANGUAGES = ("ru", "en")


TEXTS: dict[str, Any] = {
    # --- Registration ---------------------------------------------------------
    "welcome": _(
        "👋 Hi! This is the Smena bot: here you register for a shift, get the daily "
        "task and send photo reports.\n\nRegistration takes five short steps, "
        "after you agree to the privacy notice below. «Back» returns to the "
        "previous step, «Cancel» stops."
    ),
    "consent_ask": _(
        "🔒 Before you register, please read how your data are kept.\n\n"
        "To run the programme, its organisers store your first and last name, "
        "date of birth, city, phone number, Telegram account and the photos you "
        "send. Only the programme's staff see them, and they are deleted when no "
        "longer needed, as the privacy notice says. If you are a child, ask a "
        "parent to read this and decide with you.\n\n"
        "Privacy notice, version {version}: {link}\n\nDo you agree?"
    ),
    "consent_no_link": _("ask the organisers for the full text"),
    "consent_use_buttons": _(
        "Please answer with one of the buttons under the privacy notice."
    ),
    "consent_changed": _(
        "The privacy notice has just been updated. Please read the new version."
    ),
    "consent_declined": _(
        "You did not agree, so nothing about you has been stored and the "
        "registration has stopped. Send /start if you change your mind."
    ),
    "consent_renew": _(
        "🔒 The privacy notice has changed. To keep using the bot, please read it "
        "and agree again."
    ),
    "consent_recorded": _(
        "✅ Thank you! You agreed to the privacy notice (version {version})."
    ),
    "consent_declined_registered": _(
        "You did not agree to the new privacy notice. Until you do, the bot accepts "
        "no photos, applications or other requests from you, and nothing new about "
        "you is stored. What you gave before is kept as the earlier notice says; to "
        "have it erased, write to the organisers. Send /start to read the notice "
        "again."
    ),
    "consent_already": _(
        "You have already agreed to the current privacy notice (version "
        "{version}). To withdraw your agreement and have your data erased, write to "
        "the organisers."
    ),
    "ask_first_name": _("Step 1 of 5. What is your first name?"),
    "ask_last_name": _("Step 2 of 5. What is your last name?"),
    "ask_birth_date": _(
        "Step 3 of 5. What is your date of birth? Write it as DD.MM.YYYY, "
        "for example 17.05.2014."
    ),
    "ask_city": _("Step 4 of 5. Which city do you live in?"),
    "ask_phone": _(
        "Step 5 of 5. Tap «Share my phone» below to send your phone number."
    ),
    "phone_use_button": _(
        "Please tap the «Share my phone» button below: the number is taken from "
        "your Telegram account."
    ),
    "text_required": _("Please answer with a text message."),
    "registration_cancelled": _("Registration cancelled. Send /start to begin again."),
    "nothing_to_cancel": _("There is nothing to cancel."),
    "registered": _("✅ Thank you, {name}, you are registered!"),
    "registered_linked": _(
        "✅ Thank you, {name}, you are registered! The organisers had already added "
        "you to their list, so your Telegram account is now linked to it. If your "
        "details there are wrong, please tell the organisers."
    ),
    "already_registered": _(
        "You are already registered. Send /help to see what I can do."
    ),
    "welcome_back": _("👋 Welcome back, {name}! Send /help to see what I can do."),
    "name_invalid": _(
        "Please write the name in letters (spaces, hyphens and apostrophes are "
        "fine), at most {max_length} characters."
    ),
    "birth_date_invalid": _(
        "Please write the date as DD.MM.YYYY, for example 17.05.2014."
    ),
    "birth_date_out_of_range": _(
        "With this date of birth the age is not between {min_age} and {max_age}. "
        "Please check the date."
    ),
    "birth_date_in_future": _(
        "This date has not come yet. Please check the date of birth."
    ),
    "city_invalid": _(
        "Please write the name of the city in letters, 2 to {max_length} characters."
    ),
    "phone_invalid": _(
        "This phone number does not look right. Please tap «Share my phone»."
    ),
    "phone_not_own": _(
        "This is someone else's contact. Please tap «Share my phone» to send your "
        "own number."
    ),
    "phone_taken": _(
        "This phone number is already registered with another Telegram account, so "
        "it cannot be used again. If the number is yours, please write to the "
        "organisers: they have been told about this attempt."
    ),
    # --- Applications -----------------------------------------------------------
    "application_sent": _(
        "📨 Your application to the shift «{shift}» is sent. You will get a "
        "message here when it is reviewed."
    ),
    "no_open_shift": _(
        "No shift is open for registration right now. Send /apply when one opens."
    ),
    "registration_closed": _("Registration for the shift «{shift}» is closed."),
    "application_pending": _(
        "Your application is already being reviewed; please wait for the answer."
    ),
    "application_member": _("You are already a member of the shift."),
    "application_limit": _(
        "You have used all {limit} applications to this shift, so you cannot "
        "apply again."
    ),
    # --- Photo reports ------------------------------------------------------------
    "photo_received": _(
        "📸 Photo received and sent for review (attempt {attempt} of {limit})."
    ),
    "photo_received_look_alike": _(
        "📸 Photo received and sent for review (attempt {attempt} of {limit}). "
        "It looks very much like an earlier photo, so the moderator will compare "
        "them."
    ),
    "photo_already_sent": _(
        "This photo was already sent. Please take a new photo of today's task."
    ),
    "attempts_exhausted": _(
        "All {limit} attempts for today's task are used. The next task comes tomorrow."
    ),
    "under_review": _(
        "Your photo for today is already under review. Please wait for the result."
    ),
    "already_approved": _(
        "🎉 Today's report is already approved. Wait for tomorrow's task."
    ),
    "task_skipped": _("You skipped today's task. The next one comes tomorrow."),
    "no_task_today": _("There is no task waiting for a photo today."),
    "not_a_photo": _(
        "I need a photo of the task: send it as a photo or as an image file."
    ),
    "photo_too_large": _(
        "The image is too large (limit: {limit}). Please send it as a photo."
    ),
    "photo_unreadable": _(
        "I cannot read this file as an image. Please send a photo (JPEG or PNG)."
    ),
    "photo_download_failed": _(
        "I could not get your photo from Telegram. Please send it again."
    ),
    "not_registered": _("You are not registered yet. Send /start to register."),
    "not_member": _(
        "You are not a member of a running shift. Send /status to see your application."
    ),
    # --- Skip and balance -------------------------------------------------------
    "skip_confirm": _(
        "Skip today's task «{task}»? A skipped task earns no points. Skipped so "
        "far: {skipped} of {limit}; reaching the limit ends your participation."
    ),
    "skip_done": _("⏭ Task skipped. Skipped so far: {skipped} of {limit}."),
    "skip_expired": _(
        "This button belongs to an earlier task. Use «Skip task» for today's."
    ),
    "skip_kept": _("👍 The task stays. Send a photo when it is done."),
    "report_not_waiting": _(
        "Only a task still waiting for a photo can be skipped; this one is: {status}."
    ),
    "balance": Plural(
        "count",
        lambda count: ngettext(
            "💰 You have {count} point.", "💰 You have {count} points.", count
        ),
    ),
    "points": Plural(
        "count", lambda count: ngettext("{count} point", "{count} points", count)
    ),
    # --- Help and status ----------------------------------------------------------
    "help": _(
        "I am the Smena bot.\n\n"
        "• Every day of a shift I send the day's task. Do it and send me a photo "
        "(one photo, or one album).\n"
        "• «Skip task» skips today's task, «My balance» shows your points.\n\n"
        "Commands:\n/start — register or see the menu\n/status — your "
        "application, shift and today's task\n/apply — apply to the open shift\n"
        "/cancel — stop the registration\n/help — this message"
    ),
    "status_registered": _("👤 {name}, {city}"),
    "status_application": _("📨 Application to «{shift}»: {status}"),
    "status_member": _("🏕 Shift «{shift}»: {points}"),
    "status_not_member": _("🏕 You are not a member of a running shift."),
    "status_report": _(
        "📅 Today: «{task}» — {status} (attempts: {attempts} of {limit})"
    ),
    "status_no_report": _("📅 No task today."),
    "stale_button": _("This button is no longer active."),
    "error": _(
        "😔 Sorry, something went wrong on our side. Please try again in a minute."
    ),
    "command_start": _("Register or show the menu"),
    "command_status": _("My application, shift and today's task"),
    "command_apply": _("Apply to the open shift"),
    "command_help": _("What the bot can do"),
    # --- Buttons --------------------------------------------------------------------
    "button_skip": _("⏭ Skip task"),
    "button_balance": _("💰 My balance"),
    "button_back": _("⬅️ Back"),
    "button_cancel": _("✖️ Cancel"),
    "button_share_phone": _("📱 Share my phone"),
    "button_skip_yes": _("Yes, skip it"),
    "button_skip_no": _("No, keep it"),
    "button_apply": _("📨 Apply to «{shift}»"),
    "button_consent_yes": _("✅ I agree"),
    "button_consent_no": _("✖️ I do not agree"),
}

# The reply to each refusal a service may raise in the bot.
ERROR_TEXTS: dict[type[exceptions.DomainError], str] = {
    exceptions.NameInvalid: "name_invalid",
    exceptions.BirthDateInvalid: "birth_date_invalid",
    exceptions.BirthDateOutOfRange: "birth_date_out_of_range",
    exceptions.BirthDateInFuture: "birth_date_in_future",
    exceptions.CityInvalid: "city_invalid",
    exceptions.PhoneInvalid: "phone_invalid",
    exceptions.PhoneNotOwn: "phone_not_own",
    exceptions.PhoneTaken: "phone_taken",
    exceptions.ConsentOutdated: "consent_changed",
    exceptions.ParticipantAlreadyRegistered: "already_registered",
    moderation_exceptions.ParticipantNotRegistered: "not_registered",
    moderation_exceptions.ParticipantNotMember: "not_member",
    moderation_exceptions.NoOpenShift: "no_open_shift",
    moderation_exceptions.RegistrationClosed: "registration_closed",
    moderation_exceptions.ApplicationAlreadyPending: "application_pending",
    moderation_exceptions.ApplicationAlreadyMember: "application_member",
    moderation_exceptions.ApplicationLimitReached: "application_limit",
    moderation_exceptions.NoTaskToday: "no_task_today",
    moderation_exceptions.ReportUnderReview: "under_review",
    moderation_exceptions.ReportAlreadyApproved: "already_approved",
    moderation_exceptions.ReportAlreadySkipped: "task_skipped",
    moderation_exceptions.ReportAttemptsExhausted: "attempts_exhausted",
    moderation_exceptions.ReportNotWaiting: "report_not_waiting",
    moderation_exceptions.PhotoRequired: "not_a_photo",
    moderation_exceptions.PhotoAlreadySent: "photo_already_sent",
    exceptions.PhotoTooLarge: "photo_too_large",
    exceptions.PhotoUnreadable: "photo_unreadable",
}


def language_or_default(language: str | None) -> str:
    """Return a language the bot speaks: `language` if known, else the default."""
    if language in LANGUAGES:
        return language
    default = settings.LANGUAGE_CODE.split("-")[0]
    return default if default in LANGUAGES else "ru"


TEMPLATE_PREFIX = "bot_"


def render(
    name: str, language: str | None, /, *, plain: bool = False, **context: Any
) -> str:
    """Return the text `name` in `language` with `context` filled in.

    Context values are HTML-escaped unless `plain` (button labels, which
    Telegram shows as they are).
    """
    return text_render(
        TEMPLATE_PREFIX + name,
        language_or_default(language),
        plain=plain,
        refresh=False,
        **context,
    )


def render_error(error: exceptions.DomainError, language: str | None) -> str:
    """Return the reply to a refusal, falling back to its staff wording."""
    name = ERROR_TEXTS.get(type(error))
    if name is None:
        with translation.override(language_or_default(language)):
            return html.escape(str(error))
    return render(name, language, **error.params)


def variants(name: str) -> frozenset[str]:
    """Return the text in every language, to recognise a pressed reply button."""
    return frozenset(render(name, language, plain=True) for language in LANGUAGES)


def _register() -> None:
    """Register every text; plurals and button labels (pressed buttons are
    recognised by them) are not editable."""
    for name, default in TEXTS.items():
        texts_register(
            TEMPLATE_PREFIX + name,
            default,
            editable=not (isinstance(default, Plural) or name.startswith("button_")),
        )


_register()
