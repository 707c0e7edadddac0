"""Keyboards of the bot, in the participant's language.

The daily task message of the daily cycle carries buttons too: their callback
data (`SKIP`, `BALANCE`) are declared once, in `moderation.cycle.callbacks`.
"""

import contextlib

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from botrunner import texts

SKIP_YES = "skip:yes"  # followed by ":<report id>", so a late tap skips no other day
SKIP_NO = "skip:no"
APPLY = "apply"
CONSENT_YES = "consent:yes"  # followed by ":<notice version>"
CONSENT_NO = "consent:no"

REMOVE = ReplyKeyboardRemove()


def label(name: str, language: str, **context: str) -> str:
    """Return a button label (not HTML: Telegram shows labels as they are)."""
    return texts.render(name, language, plain=True, **context)


def _button(name: str, language: str) -> KeyboardButton:
    return KeyboardButton(text=label(name, language))


def main_menu(language: str) -> ReplyKeyboardMarkup:
    """Return the persistent keyboard of members: skip the task, my balance."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [
                _button("button_skip", language),
                _button("button_balance", language),
            ]
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


def registration_step(language: str) -> ReplyKeyboardMarkup:
    """Return the keyboard of a registration question: back, cancel."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [
                _button("button_back", language),
                _button("button_cancel", language),
            ]
        ],
        resize_keyboard=True,
    )


def registration_phone(language: str) -> ReplyKeyboardMarkup:
    """Return the keyboard of the phone question: share my contact, back, cancel."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [
                KeyboardButton(
                    text=label("button_share_phone", language),
                    request_contact=True,
                )
            ],
            [
                _button("button_back", language),
                _button("button_cancel", language),
            ],
        ],
        resize_keyboard=True,
    )


def skip_confirm(language: str, report_id: int) -> InlineKeyboardMarkup:
    """Return the buttons confirming or cancelling a skip of one report."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=label("button_skip_yes", language),
                    callback_data=f"{SKIP_YES}:{report_id}",
                ),
                InlineKeyboardButton(
                    text=label("button_skip_no", language),
                    callback_data=SKIP_NO,
                ),
            ]
        ]
    )


def apply(language: str, shift_title: str) -> InlineKeyboardMarkup:
    """Return the button applying to the open shift."""
    text = label("button_apply", language, shift=shift_title)
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=APPLY)]]
    )


def consent(language: str, version: int) -> InlineKeyboardMarkup:
    """Return the answers to the privacy notice (its link is in the text, where
    Telegram makes it clickable: a URL button Telegram refuses would lose the
    whole message)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=label("button_consent_yes", language),
                    callback_data=f"{CONSENT_YES}:{version}",
                ),
                InlineKeyboardButton(
                    text=label("button_consent_no", language),
                    callback_data=CONSENT_NO,
                ),
            ]
        ]
    )


def consent_version(callback_data: str | None) -> int | None:
    """Return the notice version an "I agree" button was made for."""
    version = (callback_data or "").removeprefix(f"{CONSENT_YES}:")
    with contextlib.suppress(ValueError):
        return int(version)
    return None
