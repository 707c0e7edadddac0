"""Demo data for a first run: staff accounts, shifts, participants and photo reports.

Built through the services where an operation exists, so the demo obeys the rules;
then dated as if it had happened (see `history`), so every date agrees with the day
it belongs to.
"""

from moderation.demo.pictures import demo_image
from moderation.demo.seed import demo_seed, staff_ensure

__all__ = ["demo_image", "demo_seed", "staff_ensure"]
