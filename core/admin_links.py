"""Read-only foreign keys linked only for staff who may open what they link to.

Django's admin shows a read-only foreign key as a link to the related object's
change page whatever the viewer's permissions, so a moderator reading a report
was sent to the member's page only to get "403 Forbidden". An admin with
`PermittedLinksMixin` lists such fields in `permitted_links`: they link for staff
whose view permission covers the target and are plain text for everyone else.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.utils import quote
from django.db.models import Model
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html


@dataclass(frozen=True, eq=True)
class PermittedLink:
    """A read-only foreign key of one request, as a display callable.

    Equal for the same field and request: the admin looks the read-only fields
    up in the fieldsets, and each of its calls builds them anew.
    """

    name: str
    request: HttpRequest
    model_admin: admin.ModelAdmin

    @property
    def __name__(self) -> str:  # the admin's CSS class and help text of the field
        return self.name

    @property
    def short_description(self) -> str:
        return self.model_admin.model._meta.get_field(self.name).verbose_name

    def __call__(self, obj: Model) -> str:
        target = getattr(obj, self.name)
        if target is None:
            return self.model_admin.get_empty_value_display()
        return related_link(self.request, target, site=self.model_admin.admin_site)


def related_link(
    request: HttpRequest, target: Model, *, site: admin.AdminSite = admin.site
) -> str:
    """Return a link to `target`'s admin page if the user may view it, else its name."""
    try:
        target_admin = site.get_model_admin(type(target))
    except NotRegistered:
        return str(target)
    if not target_admin.has_view_permission(request, target):
        return str(target)
    opts = target._meta
    try:
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=[quote(target.pk)],
            current_app=site.name,
        )
    except NoReverseMatch:
        return str(target)
    # The class of Unfold's own links of read-only fields.
    return format_html('<a href="{}" class="text-link">{}</a>', url, target)


class PermittedLinksMixin:
    """Show the read-only foreign keys named in `permitted_links` through
    `PermittedLink`, so they link only for who may follow the link."""

    permitted_links: tuple[str, ...] = ()

    def _with_permitted_links(self, request: HttpRequest, names: Any) -> list:
        return [
            PermittedLink(name, request, self)
            if isinstance(name, str) and name in self.permitted_links
            else name
            for name in names
        ]

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> list:
        fields = super().get_fields(request, obj)  # type: ignore[misc]
        return self._with_permitted_links(request, fields)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> list:
        fields = super().get_readonly_fields(request, obj)  # type: ignore[misc]
        return self._with_permitted_links(request, fields)
