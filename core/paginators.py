"""Admin pagination for tables too big to COUNT(*) on every page view."""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    """Count exactly when filtered; unfiltered, use PostgreSQL's row estimate.

    A plain COUNT(*) over a million reports costs a sequential scan on every page;
    the planner's estimate (kept fresh by autovacuum) is free and close enough
    for "about N results". Filtered lists and other databases count exactly.
    """

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is None or query.where or query.combinator:
            return super().count
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return super().count
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [queryset.model._meta.db_table],
            )
            row = cursor.fetchone()
        estimate = row[0] if row else -1
        # -1 means "never analysed": only then is the exact count worth its cost.
        return estimate if estimate >= 0 else super().count
