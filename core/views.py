"""Private files: streamed to staff who hold the permission for that kind of file."""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse


def permission_for_private_path(path: str) -> str | None:
    for prefix, permission in settings.PRIVATE_MEDIA_PERMISSIONS.items():
        if path.startswith(prefix):
            return permission
    return None


@staff_member_required
def private_media(request: HttpRequest, path: str) -> HttpResponse:
    """Stream a privately stored file; there is no public URL for any of them."""
    permission = permission_for_private_path(path)
    if permission is None or not request.user.has_perm(permission):
        raise PermissionDenied
    try:
        exists = default_storage.exists(path)
    except SuspiciousFileOperation as error:
        raise Http404 from error
    if not exists:
        raise Http404
    response = FileResponse(default_storage.open(path, "rb"))
    # Personal photos must not linger in shared caches.
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response
