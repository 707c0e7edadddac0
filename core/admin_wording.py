"""Model names in the grammatical case the admin's phrases need.

Django and Unfold build phrases from a model's `verbose_name`: "Add %s", "Delete
%(name)s", "Are you sure you want to delete the %(object_name)s ...". Russian needs
the object of such a verb in the accusative ("Удалить смену", not "Удалить
смена"), and an adjective that agrees with it ("выбранных участников"). Django has
no grammatical cases, so the forms are translations with a message context, kept in
`locale/ru` next to the verbose names themselves:

    msgctxt "accusative"            msgid "shift"   -> "смену"
    msgctxt "selected, accusative"  msgid "shifts"  -> "выбранные смены"
    msgctxt "count"  msgid "shift"  msgid_plural "shifts"  -> "смена", "смены", "смен"

(English needs no entries: the context lookup returns the English name.) The
phrases stay Django's and Unfold's own msgids; only the name put into them changes,
through ModelAdmin's public hooks (`render_change_form`, `render_delete_form`,
`get_changelist`, `get_action_choices`, `response_action`, below) and, in the
three templates that build a phrase themselves (`admin/submit_line.html`,
`unfold/helpers/add_link.html`, `unfold/helpers/empty_results.html`, overriding
Unfold's), the `accusative` template filter. A count of objects ("5 смен", not
"5 смены") takes the model's plural forms (`counted`, in the override of
`unfold/helpers/pagination_default.html`).

Messages that are sentences ("The shift “Spring” was added successfully.") keep the
name as their subject, in the nominative; `locale/ru` words them so that no verb
has to agree with its gender ("Добавлено: смена «Весна».").
"""

from typing import Any

from django.apps import apps
from django.db.models import BLANK_CHOICE_DASH, Model
from django.db.models.options import Options
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext, npgettext, pgettext
from unfold import admin as unfold_admin
from unfold.views import ChangeList as UnfoldChangeList

ACCUSATIVE = "accusative"
SELECTED_ACCUSATIVE = "selected, accusative"
COUNT = "count"


def _raw(name: Any) -> str:
    """A verbose name in the language of the source (the msgid)."""
    with translation.override(None):
        return str(name)


def _form(context: str, name: Any) -> str:
    """The form of `name` in `context`; the name itself when there is none."""
    raw = _raw(name)
    form = pgettext(context, raw)
    return str(name) if form == raw else form


def accusative(opts: Options) -> str:
    """The model's name as the object of a verb: "смену" ("Удалить смену")."""
    return accusative_of(opts.verbose_name)


def accusative_of(name: Any) -> str:
    """A translatable name (a msgid) as the object of a verb."""
    return _form(ACCUSATIVE, name)


def selected_accusative(opts: Options, *, plural: bool = True) -> str:
    """ "selected" with the model's name as the object of a verb: "выбранных
    участников". English keeps "selected" in its phrase: this is just the name."""
    return _form(
        SELECTED_ACCUSATIVE, opts.verbose_name_plural if plural else opts.verbose_name
    )


def counted(opts: Options, count: int) -> str:
    """The model's name after the number `count`: "смена", "смены", "смен"."""
    singular, plural = _raw(opts.verbose_name), _raw(opts.verbose_name_plural)
    form = npgettext(COUNT, singular, plural, count)
    if form in (singular, plural):
        # No forms for this model: Django's choice of its two names.
        return str(opts.verbose_name if count == 1 else opts.verbose_name_plural)
    return form


def _without(nested: list, prefixes: tuple[str, ...]) -> list:
    """Django's nested list of deleted objects without the items named so."""
    kept = []
    for item in nested:
        if isinstance(item, list):
            item = _without(item, prefixes)
            if item:
                kept.append(item)
        elif not str(item).startswith(prefixes):
            kept.append(item)
    return kept


class ChangeList(UnfoldChangeList):
    """Unfold's change list, its title with the name in the accusative."""

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        # Django's own choice of phrase (ChangeList.__init__), another name form.
        if self.is_popup:
            title = gettext("Select %s")
        elif self.model_admin.has_change_permission(request):
            title = gettext("Select %s to change")
        else:
            title = gettext("Select %s to view")
        self.title = title % accusative(self.opts)


class ModelAdmin(unfold_admin.ModelAdmin):
    """Unfold's ModelAdmin whose phrases put the model's name in the right case.

    Every admin of the project derives from it (see the module's docstring).
    """

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type:
        return ChangeList

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Model | None = None,
    ) -> HttpResponse:
        # Django's phrase (changeform_view), unless a view gave its own title.
        if add:
            phrase = gettext("Add %s")
        elif self.has_change_permission(request, obj):
            phrase = gettext("Change %s")
        else:
            phrase = gettext("View %s")
        if context.get("title") == phrase % self.opts.verbose_name:
            context["title"] = phrase % accusative(self.opts)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def render_delete_form(
        self, request: HttpRequest, context: dict[str, Any]
    ) -> HttpResponse:
        context["object_name"] = accusative(self.opts)
        if context["perms_lacking"] or context["protected"]:
            context["title"] = gettext("Cannot delete %(name)s") % {
                "name": context["object_name"]
            }
        return super().render_delete_form(request, context)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        # The rows that link two objects (a many-to-many table) are named by
        # Django in English ("Mailing-shift relationship: Mailing_shifts object
        # (1)"); deleting an object removes its links anyway, so they go unlisted.
        links = [
            model._meta
            for model in apps.get_models(include_auto_created=True)
            if model._meta.auto_created
        ]
        plurals = {str(opts.verbose_name_plural) for opts in links}
        prefixes = tuple(f"{capfirst(opts.verbose_name)}: " for opts in links)
        model_count = {
            name: count for name, count in model_count.items() if name not in plurals
        }
        return _without(deleted, prefixes), model_count, perms_needed, protected

    def get_action_choices(
        self, request: HttpRequest, default_choices: list = BLANK_CHOICE_DASH
    ) -> list[tuple[str, str]]:
        choices = super().get_action_choices(request, default_choices)
        delete = gettext("Delete selected %(verbose_name_plural)s") % {
            "verbose_name_plural": selected_accusative(self.opts)
        }
        return [
            (name, delete if name == "delete_selected" else description)
            for name, description in choices
        ]

    def response_action(
        self, request: HttpRequest, queryset: Any
    ) -> HttpResponse | None:
        response = super().response_action(request, queryset)
        context = getattr(response, "context_data", None)
        # Django's delete_selected confirmation: "Are you sure you want to delete
        # the selected %(objects_name)s?", named by how many were selected.
        if isinstance(response, TemplateResponse) and "objects_name" in context:
            context["objects_name"] = selected_accusative(
                self.opts, plural=len(context["queryset"]) != 1
            )
            if context["perms_lacking"] or context["protected"]:
                context["title"] = gettext("Cannot delete %(name)s") % {
                    "name": context["objects_name"]
                }
        return response
