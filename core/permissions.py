"""What each staff role may do with core's models (assembled in `core.roles`)."""

from core.roles import COORDINATOR, crud

ROLE_PERMISSIONS = {
    COORDINATOR: [
        *crud("core", "shift"),
        *crud("core", "shiftday", "view", "change"),
        *crud("core", "application", "view", "change"),
        *crud("core", "membership", "view", "change"),
        *crud("core", "participant", "view", "add", "change"),
        *crud("core", "phoneconflict", "view", "delete"),
        *crud("core", "privacynotice", "view", "change"),
        "core.export_personal_data",
        *crud("core", "task"),
    ],
}
