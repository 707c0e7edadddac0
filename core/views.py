"""Private files, streamed to staff who hold the permission for that kind of file;
and the health endpoints (`/healthz`, `/readyz`)."""

import hmac

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db import DatabaseError, InterfaceError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.health import readiness_report


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


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Answer that this web process is up; open to all, and touches nothing else."""
    return JsonResponse({"status": "ok"})


def _token_given(request: HttpRequest) -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return credentials.strip()
    return request.GET.get("token")


def _readiness_refusal(request: HttpRequest) -> HttpResponse | None:
    """Return the answer to a request that may not see readiness, else None.

    A token is checked first, without the database, so that a monitor still
    gets its answer while the database is down.
    """
    given = _token_given(request)
    if given is not None:
        token = settings.READINESS_TOKEN
        if token and hmac.compare_digest(given.encode(), token.encode()):
            return None
        return JsonResponse({"status": "forbidden"}, status=403)
    try:
        user = request.user
        is_staff = user.is_authenticated and user.is_active and user.is_staff
        is_anonymous = not user.is_authenticated
    except (DatabaseError, InterfaceError):
        # The session cannot be read: whoever it is, nothing is ready.
        return JsonResponse({"status": "failing"}, status=503)
    if is_staff:
        return None
    if is_anonymous:
        response = JsonResponse({"status": "unauthorized"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="readyz"'
        return response
    return JsonResponse({"status": "forbidden"}, status=403)


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """Answer whether the deployment can work: 200 if every check passes, else 503.

    For monitors holding READINESS_TOKEN and logged-in staff: 401 without
    credentials, 403 with a wrong token or a non-staff account.
    """
    refusal = _readiness_refusal(request)
    if refusal is not None:
        return refusal
    ready, checks = readiness_report()
    return JsonResponse(
        {"status": "ok" if ready else "failing", "checks": checks},
        status=200 if ready else 503,
    )
