"""What the processes of one installation tell each other through the database.

Several app servers and workers may run against one PostgreSQL: they share no memory, so the worker's
heartbeat (read by /healthz), the once-per-period claims of the periodic jobs and the shared cache (rate
limits) live in rows.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """One row per worker process (host and pid), touched at every round of its loop."""

    worker = models.CharField("processus", max_length=200, unique=True)
    seen_at = models.DateTimeField("dernier signe de vie", db_index=True)

    class Meta:
        verbose_name = "signe de vie d'un worker"
        verbose_name_plural = "signes de vie des workers"

    @classmethod
    def beat(cls, worker: str) -> None:
        cls.objects.update_or_create(worker=worker, defaults={"seen_at": timezone.now()})

    @classmethod
    def latest(cls) -> WorkerHeartbeat | None:
        return cls.objects.order_by("-seen_at").first()

    @classmethod
    def forget_older_than(cls, age: timedelta) -> int:
        """Drop the rows of workers gone long ago (each start is a new pid, hence a new row)."""
        deleted, _ = cls.objects.filter(seen_at__lt=timezone.now() - age).delete()
        return deleted


class PeriodicRun(models.Model):
    """The last start of a periodic job (sweep, purge), claimed by one worker per period."""

    job = models.CharField("tâche", max_length=100, unique=True)
    last_run_at = models.DateTimeField("dernier lancement")

    class Meta:
        verbose_name = "tâche périodique"
        verbose_name_plural = "tâches périodiques"

    @classmethod
    def claim(cls, job: str, every: timedelta) -> bool:
        """True for exactly one caller per period across all workers: a conditional UPDATE is atomic on
        SQLite and PostgreSQL alike, so two workers racing for the same period cannot both win."""
        now = timezone.now()
        cls.objects.get_or_create(job=job, defaults={"last_run_at": now - every})
        return bool(cls.objects.filter(job=job, last_run_at__lte=now - every).update(last_run_at=now))


class CacheEntry(models.Model):
    """The table of the shared cache (settings.CACHES["shared"], relais.operations.cache).

    Django's DatabaseCache reads and writes it in SQL; declaring it as a model lets `relais migrate` create it
    on SQLite and PostgreSQL alike (no `createcachetable` step to remember) and lets the tests' flush empty it.
    The columns are those `createcachetable` would create.
    """

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "relais_cache"
        verbose_name = "entrée du cache partagé"
        verbose_name_plural = "entrées du cache partagé"
