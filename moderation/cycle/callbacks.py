"""Callback data of the day's task buttons: the contract between the daily cycle,
which sends them with the task (`moderation.cycle.days`), and the bot, which
answers them (`botrunner.keyboards`, `botrunner.handlers.menu`)."""

SKIP = "skip"
BALANCE = "balance"
