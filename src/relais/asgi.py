import logging
import os
import threading

from django.core.asgi import get_asgi_application
from django.db import DatabaseError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.settings")
application = get_asgi_application()


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
