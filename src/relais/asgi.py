import logging
import os
import threading

# Before the embedder's OpenMP runtime loads (the warm-up below): in a server, threads that spin while waiting
# burn the CPU the other requests need. 20 agents on two cores: spinning p50 76 / p95 150 ms, passive 59 / 120 ms
# (bench/load.py); a lone query pays ~10 ms for it (13.5 → 25 ms p50), which `relais eval`/`ask` do not.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from django.core.asgi import get_asgi_application
from django.db import DatabaseError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.settings")
django_application = get_asgi_application()

from relais.operations.body_limit import BodyLimitASGI  # noqa: E402 - needs the settings loaded above

# Bodies are bounded before Django's handler spools them to disk (operations/body_limit.py).
application = BodyLimitASGI(django_application)


def _warm_up() -> None:
    from relais.knowledge.index import warm_up

    try:
        warm_up()
    except DatabaseError as exc:
        logging.getLogger("relais").warning("Index not loaded at start (%s); run `relais migrate`", exc)


# Each server process loads the index and the model before its first request. In a thread: with several
# uvicorn workers the app is imported inside a running event loop, where Django refuses database calls.
_loader = threading.Thread(target=_warm_up, name="relais-warm-up")
_loader.start()
_loader.join()
