"""The one way the admin calls services: `ServiceActionsMixin`."""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.exceptions import DomainError


class ReasonForm(forms.Form):
    """A form asking why, for `ServiceActionsMixin.reason_service`.

    `submitted_field` is a field the page posts and the list's action form does
    not, which tells the filled-in form from the arrival on the page.
    """

    submitted_field = ""

    def reason_for(self, obj: Any) -> str:
        """Return the reason given for `obj` (e.g. in its recipient's language)."""
        raise NotImplementedError


class ServiceActionsMixin:
    """Admin actions and object buttons that call a service as the staff member.

    - `apply_service`: call the service for each object, with `by=request.user`;
      one message for what was done, one warning gathering the refusals
      (`DomainError`), so one refused object never stops the others. List actions
      call it directly.
    - `confirm_service`: an object button. A GET (a click on the button, or a
      prefetched link) only shows "Are you sure?", with what cannot be undone;
      the service runs when that page is posted, then the object's page opens.
    - `reason_service`: a page asking for the reason (a `ReasonForm`), for list
      actions and object buttons alike; the service gets `reason=` per object.
    """

    def apply_service(
        self,
        request: HttpRequest,
        objects: Iterable[Any],
        service: Callable[..., Any],
        **kwargs: Any,
    ) -> int:
        """Call `service(obj, by=request.user, **kwargs)` for each object; return
        how many were done."""
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

    def confirm_page(
        self, request: HttpRequest, obj: Model, *, warning: str = ""
    ) -> HttpResponse:
        """The "Are you sure?" page of an object button; `warning` says what
        cannot be undone."""
        return TemplateResponse(
            request,
            "admin/confirm_action.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Are you sure?"),
                "object": obj,
                "warning": warning,
                "opts": self.model._meta,
            },
        )

    def confirm_service(
        self,
        request: HttpRequest,
        object_id: str,
        service: Callable[..., Any],
        *,
        warning: str = "",
        **kwargs: Any,
    ) -> HttpResponse:
        """Ask to confirm `service` on the object (GET), or call it (POST) and
        go back to the object's page."""
        obj = get_object_or_404(self.model, pk=object_id)
        if request.method != "POST":
            # State changes only on POST; a GET (a prefetched link) changes nothing.
            return self.confirm_page(request, obj, warning=warning)
        self.apply_service(request, [obj], service, **kwargs)
        opts = self.model._meta
        return HttpResponseRedirect(
            reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[obj.pk],
                current_app=self.admin_site.name,
            )
        )

    def reason_service(
        self,
        request: HttpRequest,
        objects: Iterable[Any],
        service: Callable[..., Any],
        *,
        form_class: type[ReasonForm],
        template: str,
        title: str,
    ) -> HttpResponse | None:
        """Ask for the reason on a page of its own; once it is given, call
        `service(obj, by=request.user, reason=...)` for each object and return
        None, for the caller to go on (a list action: back to the list)."""
        submitted = form_class.submitted_field in request.POST
        form = form_class(request.POST if submitted else None)
        if form.is_valid():

            def with_reason(obj: Any, *, by: Any) -> Any:
                return service(obj, by=by, reason=form.reason_for(obj))

            self.apply_service(request, objects, with_reason)
            return None
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "title": title,
                "form": form,
                "objects": objects,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "media": self.media,
            },
        )
