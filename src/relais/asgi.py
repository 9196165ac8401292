import logging
import os

from django.core.asgi import get_asgi_application
from django.db import DatabaseError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.settings")
application = get_asgi_application()

from relais.knowledge.index import warm_up  # noqa: E402  (needs Django set up)

try:
    warm_up()  # each server process loads the index and the model before its first request
except DatabaseError as exc:
    logging.getLogger("relais").warning("Index not loaded at start (%s); run `relais migrate`", exc)
