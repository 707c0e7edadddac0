"""The one way admin actions call services: loop, call, gather refusals."""

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.exceptions import DomainError


def apply_service(
    request: HttpRequest,
    objects: Iterable[Any],
    service: Callable[..., Any],
    **kwargs: Any,
) -> int:
    """Call `service(obj, by=request.user, **kwargs)` for each object.

    Refusals are collected into one warning, successes into one message, so that one
    refused object never stops the others.
    """
    done, refused = 0, []
    for obj in objects:
        try:
            service(obj, by=request.user, **kwargs)
        except DomainError as error:
            refused.append(f"{obj}: {error}")
        else:
            done += 1
    if done:
        messages.success(
            request,
            ngettext("%(count)d object done.", "%(count)d objects done.", done)
            % {"count": done},
        )
    if refused:
        messages.warning(request, _("Refused: %s") % "; ".join(refused))
    return done
