"""Rate limits on asking: per user and per address, in a fixed one-minute window (Django's cache).

The counts live in the "shared" cache, in the database (relais.operations.cache): every app server of an
installation counts against the same limit, with an atomic increment, so N servers still allow the limit and
not N times it. A town hall often reaches Relais from one address (NAT), hence a much higher limit per
address than per user.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

TOO_MANY = "Vous avez posé beaucoup de questions en peu de temps. Patientez une minute avant de recommencer."


def _allowed(key: str, limit: int) -> bool:
    if limit <= 0:
        return True  # 0 disables the limit
    window = int(time.time() // 60)
    bucket = f"relais-rate:{key}:{window}"
    cache = caches["shared"]
    cache.add(bucket, 0, timeout=120)
    try:
        count = cache.incr(bucket)
    except ValueError:  # the row went between add and incr (the cache culled it): count afresh
        cache.add(bucket, 1, timeout=120)
        count = 1
    return count <= limit


def ask_allowed(user_id: int | None, address: str | None) -> bool:
    config = settings.RELAIS
    by_user = _allowed(f"user:{user_id}", config.ask_rate_per_user) if user_id else True
    by_address = _allowed(f"ip:{address}", config.ask_rate_per_ip) if address else True
    return by_user and by_address


def client_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


# The citizens' assistant's daily limits (issue 20), on top of the per-minute ones: per address and for all
# visitors together, counted per local day in the same shared cache.
TOO_MANY_TODAY = (
    "L'assistant a reçu beaucoup de questions aujourd'hui et ne peut plus vous répondre avant demain. "
    "Veuillez nous excuser : vous pouvez contacter directement la mairie."
)
DAY_SECONDS = 24 * 3600


def _allowed_today(key: str, limit: int) -> bool:
    if limit <= 0:
        return True  # 0 disables the limit
    # Past MAX_ENTRIES the cache culls the first third of its rows in key order: « ~ » sorts the day's counts
    # after the minute's (« relais-rate: »), and the global one (« ~all ») after every address of its day.
    bucket = f"relais-~public-day:{timezone.localdate().isoformat()}:{key}"
    cache = caches["shared"]
    cache.add(bucket, 0, timeout=2 * DAY_SECONDS)
    try:
        count = cache.incr(bucket)
    except ValueError:  # the row went between add and incr: count afresh
        cache.add(bucket, 1, timeout=2 * DAY_SECONDS)
        count = 1
    return count <= limit


def public_daily_allowed(address: str | None) -> bool:
    """Whether a visitor may ask once more today; counts the question. The address is checked first, so one
    address over its limit does not use up everyone's."""
    config = settings.RELAIS
    if address and not _allowed_today(f"ip:{address}", config.public_daily_per_address):
        return False
    return _allowed_today("~all", config.public_daily_limit)


def public_contact_allowed(address: str | None) -> bool:
    """Whether this address may send one more contact request to a service today (each becomes a ticket that a
    person reads: far fewer than questions); counts the request."""
    if not address:
        return True
    return _allowed_today(f"contact:{address}", settings.RELAIS.public_contacts_per_address)
