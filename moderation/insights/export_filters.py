"""The list filters an export accepts: each admin-list query parameter mapped to
a plain ORM filter.

An export is asked for from a filtered, searched admin list; the export keeps that
list's query string (`ExportJob.query_string`). Each resource declares which of
the list's parameters it accepts (`ExportResource.list_filters`) and which fields
the list's search looks in (`ExportResource.search_fields`); anything else is
refused, so an export never silently holds other rows than the list showed.
The declarations follow the admin's list filters parameter by parameter (a test
holds the two together).
"""

import datetime as dt
from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib.admin.views.main import (
    ALL_VAR,
    ERROR_FLAG,
    IS_FACETS_VAR,
    IS_POPUP_VAR,
    ORDER_VAR,
    PAGE_VAR,
    SEARCH_VAR,
    TO_FIELD_VAR,
)
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.text import smart_split, unescape_string_literal

from moderation.exceptions import ExportFilterInvalid, ExportFilterUnknown

# Parameters of a list that choose how it is shown, not which rows it has.
LIST_DISPLAY_PARAMETERS = frozenset(
    {
        ALL_VAR,
        ERROR_FLAG,
        IS_FACETS_VAR,
        IS_POPUP_VAR,
        ORDER_VAR,
        PAGE_VAR,
        TO_FIELD_VAR,
    }
)

# A filter narrows the queryset by one parameter's value; it raises ValueError or
# ValidationError for a value it cannot use.
ExportFilter = Callable[[models.QuerySet, str], models.QuerySet]


def lookup(path: str) -> ExportFilter:
    """The value as it is, for an ORM lookup: "status__exact", "shift__id__exact"."""

    def narrow(queryset: models.QuerySet, value: str) -> models.QuerySet:
        return queryset.filter(**{path: value})

    return narrow


def is_null(path: str) -> ExportFilter:
    """Django's "empty" choice of a filter: `<path>__isnull=True`."""

    def narrow(queryset: models.QuerySet, value: str) -> models.QuerySet:
        if value not in ("True", "False", "1", "0"):
            raise ValueError(value)
        return queryset.filter(**{f"{path}__isnull": value in ("True", "1")})

    return narrow


def date_from(path: str) -> ExportFilter:
    """The start of Unfold's date range filter (`<path>_from`), inclusive."""
    return _date_bound(path, "gte")


def date_to(path: str) -> ExportFilter:
    """The end of Unfold's date range filter (`<path>_to`), compared as Unfold
    compares it: on a date and time field, up to the start of that day."""
    return _date_bound(path, "lte")


def _date_bound(path: str, comparison: str) -> ExportFilter:
    def narrow(queryset: models.QuerySet, value: str) -> models.QuerySet:
        day = parse_date(value)
        model = queryset.model
        for part in path.split("__"):
            field = model._meta.get_field(part)
            model = field.related_model or model
        bound: dt.date = day
        if isinstance(field, models.DateTimeField):
            # The moment Django itself takes for a date: midnight, site time.
            bound = timezone.make_aware(
                dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone()
            )
        return queryset.filter(**{f"{path}__{comparison}": bound})

    return narrow


def parse_date(value: str) -> dt.date:
    """Read a date typed in any of the site's languages ("06.12.2026",
    "2026-12-06"), whatever language the export runs in."""
    patterns = list(settings.DATE_INPUT_FORMATS)
    for language, _name in settings.LANGUAGES:
        patterns += formats.get_format("DATE_INPUT_FORMATS", language)
    return forms.DateField(input_formats=patterns).clean(value)


# The parameters of Django's and Unfold's list filters, by kind of filter.


def choices(path: str) -> dict[str, ExportFilter]:
    """A filter of a field with choices, or a boolean one (`status`, `is_test`)."""
    return {
        f"{path}__exact": lookup(f"{path}__exact"),
        f"{path}__isnull": is_null(path),
    }


def all_values(path: str) -> dict[str, ExportFilter]:
    """Django's `AllValuesFieldListFilter` of a plain field (`city`)."""
    return {path: lookup(path), f"{path}__isnull": is_null(path)}


def related(path: str) -> dict[str, ExportFilter]:
    """A related-object filter (`shift`, `day__task`), dropdown or not."""
    return {
        f"{path}__id__exact": lookup(f"{path}__id__exact"),
        f"{path}__isnull": is_null(path),
    }


def date_range(path: str) -> dict[str, ExportFilter]:
    """Unfold's `RangeDateFilter`: `<path>_from` and `<path>_to`."""
    return {f"{path}_from": date_from(path), f"{path}_to": date_to(path)}


def date_periods(path: str) -> dict[str, ExportFilter]:
    """Django's `DateFieldListFilter` ("Today", "Past 7 days", ...)."""
    return {
        f"{path}__gte": lookup(f"{path}__gte"),
        f"{path}__lt": lookup(f"{path}__lt"),
    }


def search(queryset: models.QuerySet, text: str, fields: list[str]) -> models.QuerySet:
    """Django admin's search: every word (or "quoted phrase") in one of `fields`."""
    for term in smart_split(text):
        if term.startswith(('"', "'")) and term[0] == term[-1]:
            term = unescape_string_literal(term)
        queryset = queryset.filter(
            Q.create([(f"{field}__icontains", term) for field in fields], Q.OR)
        )
    return queryset


def apply(
    queryset: models.QuerySet,
    query: dict[str, list[str]],
    *,
    list_filters: dict[str, ExportFilter],
    search_fields: list[str],
) -> models.QuerySet:
    """Narrow `queryset` by a list's query parameters, refusing unknown ones.

    An empty value means "not filtered", as the admin's filter forms send it.
    """
    for parameter, values in query.items():
        if parameter in LIST_DISPLAY_PARAMETERS:
            continue
        if parameter == SEARCH_VAR and search_fields:
            queryset = search(queryset, values[-1], search_fields)
            continue
        if parameter not in list_filters:
            raise ExportFilterUnknown(parameter=parameter)
        if len(values) > 1:
            # The admin's own filters never repeat a parameter.
            raise ExportFilterInvalid(parameter=parameter, value=", ".join(values))
        [value] = values
        if value == "":
            continue
        try:
            queryset = list_filters[parameter](queryset, value)
        except (ValueError, TypeError, ValidationError) as error:
            raise ExportFilterInvalid(parameter=parameter, value=value) from error
    return queryset
