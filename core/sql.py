"""Hand-written SQL for the few queries of a hot path, and model instances from it.

Building a query with the ORM costs several times the CPU of sending the same SQL
(bench/ingest measured ~1 ms against ~0.1 ms a query): the bot runs a few queries
for every photo of a burst and is bound by CPU there. Those queries are written
by hand; this module runs them as prepared statements on PostgreSQL (planning a
five-table join cost the server more than running it), writes their select lists
and turns their rows into model instances with the database's converters
applied, as the ORM would. Columns not selected are deferred, as with
`QuerySet.only()`: reading one costs a query.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import psycopg
from django.db import connection
from django.db.models import Field, Model

Converter = Callable[[Any, Any, Any], Any]


def rows(sql: str, params: Sequence[Any]) -> list[tuple]:
    """Run a query (`%s` placeholders) and return its rows.

    On PostgreSQL it is prepared once per connection (psycopg's server-side
    binding; Django's own cursors bind on the client and never prepare). Django's
    cursor is still opened first, for its checks: connected, healthy, not in a
    broken transaction. Such queries are not in Django's query log.
    """
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(sql, params)
            return cursor.fetchall()
        with (
            connection.wrap_database_errors,
            psycopg.Cursor(cursor.cursor.connection) as prepared,
        ):
            prepared.execute(sql, params, prepare=True)
            return prepared.fetchall()


@dataclass(frozen=True)
class Columns:
    """Some columns of one model's table under an alias in a hand-written query."""

    model: type[Model]
    alias: str
    names: tuple[str, ...] = ()  # field names; all concrete fields when empty

    @cached_property
    def fields(self) -> tuple[Field, ...]:
        meta = self.model._meta
        if not self.names:
            return tuple(meta.concrete_fields)
        return tuple(meta.get_field(name) for name in self.names)

    @cached_property
    def sql(self) -> str:
        """Return the select list: `alias."column", ...`."""
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(field.column)}" for field in self.fields)

    @cached_property
    def _attnames(self) -> list[str]:
        return [field.attname for field in self.fields]

    @cached_property
    def _conversions(self) -> list[tuple[Any, list[Converter]]]:
        """Each column's expression and the backend's converters for it.

        Cached: a process talks to one database, so to one backend.
        """
        return [
            (
                expression := field.get_col(self.alias),
                connection.ops.get_db_converters(expression)
                + field.get_db_converters(connection),
            )
            for field in self.fields
        ]

    def instance(self, row: Sequence[Any], start: int = 0) -> Model:
        """Return the model instance read from `row[start:]`."""
        values = list(row[start : start + len(self.fields)])
        for index, (expression, converters) in enumerate(self._conversions):
            for convert in converters:
                values[index] = convert(values[index], expression, connection)
        return self.model.from_db(connection.alias, self._attnames, values)

    def __len__(self) -> int:
        return len(self.fields)
