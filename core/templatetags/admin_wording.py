"""The model-name forms of `core.admin_wording` for admin templates."""

from django import template
from django.db.models.options import Options

register = template.Library()


@register.filter
def accusative(opts: Options) -> str:
    """`{{ opts|accusative }}`: "смену" in "Удалить смену"."""
    # Imported here: `core.admin_wording` imports Unfold's admin, whose import
    # loads the template libraries, this one among them.
    from core.admin_wording import accusative

    return accusative(opts)


@register.filter
def counted(opts: Options, count: int) -> str:
    """`{{ opts|counted:5 }}`: "смен" in "5 смен"."""
    from core.admin_wording import counted

    return counted(opts, count)
