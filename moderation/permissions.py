"""What each staff role may do with moderation's models (assembled in `core.roles`)."""

from core.roles import COORDINATOR, MODERATOR, crud

ROLE_PERMISSIONS = {
    COORDINATOR: [
        *crud("moderation", "report", "view", "change"),
        "moderation.review_report",
        *crud("moderation", "digestsubscription"),
    ],
    MODERATOR: [
        *crud("moderation", "report", "view", "change"),
        "moderation.review_report",
    ],
}
