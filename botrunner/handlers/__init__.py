"""Handlers by topic. Each module builds a fresh Router, so that a process can
create several dispatchers (webhook requests, tests); aiogram lets a router
belong to one parent only."""

from aiogram import Router

from botrunner.handlers import (
    applications,
    chat_member,
    consent,
    menu,
    registration,
    reports,
)


def routers_create() -> list[Router]:
    """Return the routers in the order they must match updates."""
    return [
        chat_member.router_create(),
        # Before everything a participant may ask for: no consent, no service.
        consent.router_create(),
        registration.router_create(),
        applications.router_create(),
        menu.router_create(),
        # Last: everything else a participant sends is a (refused) report.
        reports.router_create(),
    ]
