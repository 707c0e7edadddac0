"""The one way admin actions call services: loop, call, gather refusals."""

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
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


def confirm_then_apply(
    model_admin: ModelAdmin,
    request: HttpRequest,
    obj: Model,
    service: Callable[..., Any],
    *,
    warning: str = "",
    **kwargs: Any,
) -> HttpResponse:
    """Ask to confirm `service` on `obj` (GET), or call it (POST) and go back to
    the object's page; `warning` says on the page what cannot be undone."""
    if request.method != "POST":
        # State changes only on POST; a GET (a prefetched link) changes nothing.
        return TemplateResponse(
            request,
            "admin/confirm_action.html",
            {
                **model_admin.admin_site.each_context(request),
                "title": _("Are you sure?"),
                "object": obj,
                "warning": warning,
                "opts": model_admin.model._meta,
            },
        )
    apply_service(request, [obj], service, **kwargs)
    opts = model_admin.model._meta
    return HttpResponseRedirect(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    )
