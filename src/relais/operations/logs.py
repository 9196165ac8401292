"""Log lines for operators: readable text or JSON lines, each carrying the id of the request it belongs to.

Standard library only. The request id lives in a context variable set by operations.middleware: under ASGI
each request runs in its own context (and Django copies it into the thread a sync view runs in), so concurrent
requests never see each other's id. Records logged outside a request (the worker, a start-up thread, a library)
carry "-".
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

NO_REQUEST = "-"
request_id: ContextVar[str] = ContextVar("relais_request_id", default=NO_REQUEST)

# Extra fields a record may carry into a JSON line (the access log's). A whitelist: django.request attaches the
# request object itself, whose text holds the query string, and questions may contain personal data.
EXTRA_FIELDS = ("method", "path", "status", "duration_ms")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Stamps every record with the current request id. Set on the handler, so it also sees the records that
    reach it by propagation (Django's, the libraries'), which a logger's own filter would not."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class TextFormatter(logging.Formatter):
    """One readable line (the traceback, when there is one, on the following lines)."""

    def __init__(self, fmt: str = TEXT_FORMAT, datefmt: str | None = None) -> None:
        super().__init__(fmt, datefmt)

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):  # a handler without the filter
            record.request_id = request_id.get()
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what journald, Loki or an ELK pipeline ingest without a parsing rule."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def logging_config(log_format: str) -> dict:
    """Django's LOGGING: everything goes to one console handler (stderr: journald under systemd).

    Loggers carry levels and no handlers of their own: records propagate to the root's handler, so nothing is
    written twice and pytest's caplog (on the root) sees them all.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "text": {"()": TextFormatter},
            "json": {"()": JsonFormatter},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            # Replaces Django's default (console only with DEBUG on, and mails to ADMINS, which we have none of).
            "django": {"handlers": [], "level": "WARNING"},
            # Unhandled exceptions (500) with their traceback. Its 4xx warnings are left to the access log.
            "django.request": {"level": "ERROR"},
            "relais": {"level": "INFO"},
            "relais.access": {"level": "INFO"},
        },
    }
