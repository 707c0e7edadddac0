"""Colours of status labels in the admin lists."""

STATUS_COLOURS = {
    "preparing": "info",
    "started": "success",
    "ready_for_complete": "warning",
    "finished": "",
    "cancelled": "danger",
    "pending": "info",
    "approved": "success",
    "declined": "danger",
    "active": "success",
    "excluded": "danger",
    "waiting": "",
    "reviewing": "warning",
    "skipped": "",
    "not_participate": "",
}
