"""A real ``aidmap serve``: JSON log lines with the request id, an event stream counted
through the middleware without a latency sample."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.cli.serving import free_port, start_serve, stop, wait_healthy

pytestmark = pytest.mark.server
EVENTS = "/api/v1/events"


def metrics(base: str) -> dict[tuple[str, frozenset], float]:
    text = httpx.get(f"{base}/metrics", timeout=10).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def events_answered(samples: dict) -> float:
    labels = frozenset({"method": "GET", "route": EVENTS, "status": "200"}.items())
    return samples.get(("aidmap_http_requests_total", labels), 0.0)


def streams_open(samples: dict) -> float:
    return samples[("aidmap_http_streams_open", frozenset())]


def timed_routes(samples: dict) -> set[str]:
    return {
        dict(labels)["route"]
        for name, labels in samples
        if name == "aidmap_http_request_duration_seconds_count"
    }


def test_json_log_lines_carry_the_request_id_and_streams_are_not_timed(tmp_path: Path):
    port, log = free_port(), tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    process = start_serve(tmp_path / "data", port, log, "--log-level", "info")
    try:
        wait_healthy(process, port)
        given = httpx.get(
            f"{base}/api/v1/resources?kind=hospital", headers={"X-Request-ID": "trace-42"}
        )
        generated = httpx.get(f"{base}/livez").headers["x-request-id"]
        with httpx.stream("GET", base + EVENTS, timeout=10) as stream:
            lines = stream.iter_lines()  # kept: a dropped iterator closes the connection
            assert next(lines) == "retry: 2000"
            while_open = metrics(base)
        deadline = time.monotonic() + 30
        while events_answered(after := metrics(base)) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop(process)

    assert given.status_code == 200 and given.headers["x-request-id"] == "trace-42"
    assert streams_open(while_open) == 1 and events_answered(while_open) == 0
    assert events_answered(after) == 1 and streams_open(after) == 0
    assert EVENTS not in timed_routes(after) and "/livez" in timed_routes(after)

    logged = [json.loads(line) for line in log.read_text().splitlines()]  # every line is JSON
    assert any(line["message"].startswith("loading units") for line in logged)  # first start
    assert {"logger": "uvicorn.error", "message": "Application startup complete."}.items() <= (
        next(line for line in logged if line["message"] == "Application startup complete.").items()
    )
    access = {line["request_id"]: line for line in logged if line["logger"] == "aidmap.access"}
    traced = access["trace-42"]
    assert traced.pop("ts") and traced["message"] == (
        f'127.0.0.1 "GET /api/v1/resources" 200 {traced.pop("duration_ms"):.2f} ms'
    )
    assert traced == {
        "level": "INFO", "logger": "aidmap.access", "request_id": "trace-42",
        "message": traced["message"], "method": "GET", "path": "/api/v1/resources",
        "route": "/api/v1/resources", "status": 200, "client": "127.0.0.1",
    }  # fmt: skip
    assert access[generated]["path"] == "/livez"
    [stream_line] = [line for line in access.values() if line["path"] == EVENTS]
    assert stream_line["status"] == 200 and stream_line["duration_ms"] > 0
    assert "kind=hospital" not in log.read_text()
