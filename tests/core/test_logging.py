"""Log line formats: JSON objects with the request id and extra fields, or plain text."""

from __future__ import annotations

import contextvars
import json
import logging
import sys

from app.core.logging import REQUEST_ID, JsonFormatter, TextFormatter, chosen_format


def record(message: str, *args: object, exc_info=None, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("aidmap.test", logging.WARNING, __file__, 1, message, args, exc_info)
    made.__dict__.update(extra)
    return made


def in_request(request_id: str, format_line, line: logging.LogRecord) -> str:
    """Format ``line`` as code answering request ``request_id`` would."""
    context = contextvars.copy_context()
    context.run(REQUEST_ID.set, request_id)
    return context.run(format_line, line)


def test_a_json_line_has_the_fields_the_request_id_and_the_extras():
    line = record("%s beds at %s", 3, "瑞金医院", route="/api/v1/nearest", status=200)
    text = in_request("req-7", JsonFormatter().format, line)
    assert "\n" not in text and "瑞金医院" in text  # one line, Chinese kept readable
    parsed = json.loads(text)
    assert parsed.pop("ts").endswith("+00:00")
    assert parsed == {
        "level": "WARNING", "logger": "aidmap.test", "request_id": "req-7",
        "message": "3 beds at 瑞金医院", "route": "/api/v1/nearest", "status": 200,
    }  # fmt: skip


def test_a_json_line_outside_a_request_has_a_null_id_and_keeps_the_traceback():
    try:
        raise ValueError("bad row")
    except ValueError:
        line = record("import failed", exc_info=sys.exc_info())
    parsed = json.loads(JsonFormatter().format(line))
    assert parsed["request_id"] is None
    assert parsed["exc"].startswith("Traceback") and "ValueError: bad row" in parsed["exc"]


def test_a_text_line_shows_the_request_id_or_a_dash():
    line = record("store at %s", "sqlite:///data/aidmap.sqlite3")
    inside = in_request("req-9", TextFormatter().format, line)
    assert inside.endswith("WARNING aidmap.test [req-9] store at sqlite:///data/aidmap.sqlite3")
    assert "[-] store at" in TextFormatter().format(record("store at %s", "x"))


class Stream:
    """A stream that is or is not a terminal."""

    def __init__(self, terminal: bool) -> None:
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


def test_the_format_is_text_at_a_terminal_and_json_elsewhere_unless_set():
    assert chosen_format(None, Stream(terminal=True)) == "text"
    assert chosen_format(None, Stream(terminal=False)) == "json"
    assert chosen_format("json", Stream(terminal=True)) == "json"
    assert chosen_format("text", Stream(terminal=False)) == "text"


def test_uvicorn_error_logger_reads_as_uvicorn_in_text():
    line = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, "Started", (), None)
    assert TextFormatter().format(line).endswith("INFO    uvicorn [-] Started")
    assert json.loads(JsonFormatter().format(line))["logger"] == "uvicorn.error"
