"""Staff accounts and their roles, with every name in the reader's language."""

from django import forms
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from core import roles
from core.admin_wording import ModelAdmin
from core.models import Role, User

admin.site.unregister(Group)

# Django stores the names of a model's default permissions in English ("Can add
# participant"); they are shown from these instead.
DEFAULT_PERMISSION_NAMES = {
    "add": _("Can add %(name)s"),
    "change": _("Can change %(name)s"),
    "delete": _("Can delete %(name)s"),
    "view": _("Can view %(name)s"),
}


def permission_label(permission: Permission) -> str:
    """Django's "app | model | permission", every part translated."""
    model = permission.content_type.model_class()
    if model is None:
        return str(permission)
    # A model without a verbose name gets one made from its class name, which
    # no catalogue of its app holds; locale/ru does.
    model_name = gettext(str(model._meta.verbose_name))
    action = permission.codename.split("_", 1)[0]
    if (
        action in DEFAULT_PERMISSION_NAMES
        and permission.codename == f"{action}_{model._meta.model_name}"
    ):
        name = DEFAULT_PERMISSION_NAMES[action] % {"name": model_name}
    else:
        # A model's own permissions are declared with msgids as their names.
        name = gettext(permission.name)
    return f"{model._meta.app_config.verbose_name} | {model_name} | {name}"


class PermissionLabelsMixin:
    """Permissions listed with translated names in a user's or a role's form."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if isinstance(field, forms.ModelMultipleChoiceField) and (
            field.queryset.model is Permission
        ):
            field.label_from_instance = permission_label
        return field


class RoleFilter(admin.RelatedFieldListFilter):
    """A user's groups, as roles with translated names."""

    def field_choices(self, field, request, model_admin) -> list[tuple[int, str]]:
        return [(role.pk, str(role)) for role in Role.objects.all()]


@admin.register(User)
class UserAdmin(PermissionLabelsMixin, BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "roles",
        "is_active",
    ]
    list_filter = [("groups", RoleFilter), "is_active", "is_superuser"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_deleted_objects(self, objs, request):
        # A user's admin log entries would go with the user (Django's cascade),
        # erasing the audit trail of what they did. Nobody may delete entries, so
        # Django refuses already, naming "log entry"; this says why and what to
        # do instead.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        perms_needed.discard(LogEntry._meta.verbose_name)
        users = list(objs)
        audited = set(
            LogEntry.objects.filter(user__in=users).values_list("user_id", flat=True)
        )
        protected = list(protected) + [
            gettext("%(user)s: their audit trail (deactivate the account instead)")
            % {"user": user}
            for user in users
            if user.pk in audited
        ]
        return deleted, counts, perms_needed, protected

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "groups":
            # Roles rather than plain groups: listed with translated names.
            kwargs["queryset"] = Role.objects.all()
            kwargs["label"] = _("roles")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("roles"))
    def roles(self, user: User) -> str:
        return ", ".join(gettext(group.name) for group in user.groups.all())


@admin.register(Role)
class RoleAdmin(PermissionLabelsMixin, BaseGroupAdmin, ModelAdmin):
    def get_fields(self, request, obj=None) -> list[str]:
        fields = super().get_fields(request, obj)
        if self._is_built_in(obj):
            return ["shown_name", *(name for name in fields if name != "name")]
        return fields

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if self._is_built_in(obj):
            return [*readonly, "shown_name"]
        return readonly

    def _is_built_in(self, role: Role | None) -> bool:
        # core.roles finds its roles by their stored (English) names, so those
        # are shown translated and cannot be renamed.
        return role is not None and role.name in roles.ROLES

    @admin.display(description=_("name"))
    def shown_name(self, role: Role) -> str:
        return str(role)
