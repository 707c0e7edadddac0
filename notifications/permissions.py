"""What each staff role may do with the messages' models (assembled in `core.roles`)."""

from core.roles import COORDINATOR, crud

ROLE_PERMISSIONS = {
    COORDINATOR: [
        *crud("notifications", "outboxmessage", "view", "change"),
        *crud("notifications", "mailing"),
        *crud("notifications", "messagetemplate"),
    ],
}
