"""Structured logs: a request id on every line (web and Celery), JSON lines if LOG_FORMAT=json.

Settings import `logging_config`, so this module imports nothing from Django at load time.
"""

import contextvars
import datetime
import json
import logging
import re
import uuid

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")

_request_id = contextvars.ContextVar("request_id", default="")

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged too.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def current_request_id():
    """The id of the request (or task) being handled in this context, or ""."""
    return _request_id.get()


def new_request_id():
    return uuid.uuid4().hex


def well_formed(value):
    return bool(value) and WELL_FORMED.fullmatch(value) is not None


def request_id(get_response):
    """Middleware: reuse a well-formed X-Request-ID or make one; echo it on the response."""

    def middleware(request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        value = incoming if well_formed(incoming) else new_request_id()
        request.request_id = value
        token = _request_id.set(value)
        try:
            response = get_response(request)
        finally:
            _request_id.reset(token)
        response[REQUEST_ID_HEADER] = value
        return response

    return middleware


class RequestIdFilter(logging.Filter):
    """Give every record a `request_id` ("-" outside a request or task)."""

    def filter(self, record):
        if not getattr(record, "request_id", None):
            record.request_id = _request_id.get() or "-"
        return True


def _record_request_id(record):
    value = getattr(record, "request_id", None)
    if not value or value == "-":
        value = _request_id.get()
    return value or None


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, extras, exception."""

    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _record_request_id(record),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def logging_config(log_format="text", level="INFO"):
    """The LOGGING setting: console output as text or JSON lines, with request ids."""
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "lms.logging.RequestIdFilter"}},
        "formatters": {
            "text": {"format": TEXT_FORMAT},
            "json": {"()": "lms.logging.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id"],
                "formatter": log_format,
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            name: {"level": "WARNING"}
            for name in ("django.db.backends", "axes", "weasyprint", "fontTools")
        },
    }


# Celery: the id travels in the task message's headers and is restored around the task.
_task_tokens = {}


def on_before_task_publish(headers=None, **kwargs):
    """Put the current request id into the headers of every task message sent."""
    value = _request_id.get()
    if value and headers is not None and not headers.get(TASK_HEADER):
        headers[TASK_HEADER] = value


def on_task_prerun(task_id=None, task=None, **kwargs):
    """In the worker: the task runs under the id of the request that sent it."""
    request = getattr(task, "request", None)
    value = getattr(request, TASK_HEADER, None) if request is not None else None
    if not well_formed(value or ""):
        value = _request_id.get() or f"task-{task_id}"
    _task_tokens[task_id] = _request_id.set(value)


def on_task_postrun(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            _request_id.reset(token)
        except ValueError:
            _request_id.set("")


def connect_celery_signals():
    """Wire the three handlers to Celery's own signals (idempotent)."""
    from celery import signals

    signals.before_task_publish.connect(
        on_before_task_publish, weak=False, dispatch_uid="lms.logging.publish"
    )
    signals.task_prerun.connect(on_task_prerun, weak=False, dispatch_uid="lms.logging.prerun")
    signals.task_postrun.connect(on_task_postrun, weak=False, dispatch_uid="lms.logging.postrun")
