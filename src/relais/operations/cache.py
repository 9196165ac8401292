"""The cache every process of an installation shares (settings.CACHES["shared"]): rate limits, counted once.

Django's DatabaseCache in the installation's database (SQLite or PostgreSQL), in the table that
`relais migrate` creates (relais.operations.models.CacheEntry): N app servers count one ask against one limit.
"""

from __future__ import annotations

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction


class SharedDatabaseCache(DatabaseCache):
    """DatabaseCache whose ``incr`` is atomic across processes.

    Django's ``incr`` is a read then a write: two servers counting the same key at once would both write n+1
    and one ask would go uncounted. Here the read and the write run in one transaction holding the row: a
    ``SELECT … FOR UPDATE`` on PostgreSQL, SQLite's write lock (IMMEDIATE transactions) otherwise.
    """

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        db = router.db_for_write(self.cache_model_class)
        with transaction.atomic(using=db):
            self._lock_row(db, self.make_and_validate_key(key, version=version))
            return super().incr(key, delta, version)

    def _lock_row(self, db: str, key: str) -> None:
        connection = connections[db]
        if not connection.features.has_select_for_update:
            return
        table, column = connection.ops.quote_name(self._table), connection.ops.quote_name("cache_key")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} = %s FOR UPDATE", [key])
