"""Log lines on stderr: one JSON object each (or plain text), with the request's id.

``REQUEST_ID`` holds the id of the request being answered; the observability middleware
sets it and every line logged while answering (in the event loop or in a worker thread,
which copies the context) carries it. Fields passed with ``extra=`` become JSON keys.
"""

from __future__ import annotations

import json
import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the request this code runs for; None outside requests."""

_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
    "color_message",  # uvicorn's coloured copy of its own message
}
"""Attributes every log record has; anything else came in ``extra=``."""


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, message, request_id, then extras."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON (UTF-8 text kept as is)."""
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get(),
        }
        line |= {k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS}
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger [request id] message`` for reading in a terminal (uvicorn's
    ``uvicorn.error`` logger, which logs its every line, shows as ``uvicorn``)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of text (a traceback adds lines)."""
        record.request_id = REQUEST_ID.get() or "-"
        if record.name == "uvicorn.error":
            record = logging.makeLogRecord(vars(record) | {"name": "uvicorn"})
        return super().format(record)


def chosen_format(
    configured: Literal["json", "text"] | None, stream: TextIO
) -> Literal["json", "text"]:
    """AIDMAP_LOG_FORMAT when set; else text for a person at a terminal, JSON for whatever
    collects the lines of a service (a pipe, a file, a container's log)."""
    if configured is not None:
        return configured
    return "text" if stream.isatty() else "json"


def logging_config(log_format: Literal["json", "text"], level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict: one stderr handler in ``log_format``;
    aidmap's and uvicorn's loggers at ``level``, every other library at WARNING."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"()": f"{__name__}.{formatter.__name__}"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {"aidmap": {"level": level}, "uvicorn": {"level": level}},
    }


def configure_logging(log_format: Literal["json", "text"], level: str) -> None:
    """Send this process's log records to stderr as ``logging_config`` says."""
    logging.config.dictConfig(logging_config(log_format, level))
