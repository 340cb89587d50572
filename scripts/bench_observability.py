"""What the observability middleware (request id, metrics, access lines) costs per request.

In the same run:

1. in process: the middleware around a trivial ASGI app that answers at once, against
   that app alone — µs per request without access lines (log level warning) and with
   JSON access lines written to /dev/null (log level info);
2. over HTTP: four servers on the bundled data, one uvicorn worker each, loaded in turn
   by ``wrk`` (Debian package ``wrk``) on /livez and on /api/v1/nearest at random points,
   in rounds; the median requests/s of each, as ratios:
   - ``bare``: the app without the middleware, no access log;
   - ``bare+uvicorn log``: the same with uvicorn's own access log (``aidmap serve
     --log-level info`` before the middleware existed);
   - ``middleware``: request ids and metrics, no access lines (``--log-level warning``);
   - ``middleware+JSON log``: also a JSON access line per request (the default, info).

Usage: python scripts/bench_observability.py [--seconds 5] [--rounds 3] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from bench_serving import NEAREST_WRK_SCRIPT, ROOT, child_env, free_port, stop
from starlette.routing import Route

from app.api.observability import ObservabilityMiddleware
from app.core.config import Settings
from app.core.logging import JsonFormatter, configure_logging
from app.services.seeding import ensure_seeded
from app.storage import open_store

VARIANTS = ("bare", "bare+uvicorn log", "middleware", "middleware+JSON log")
IN_PROCESS_CALLS = 5_000
IN_PROCESS_ROUNDS = 10


# -- in process ----------------------------------------------------------------


async def _answer_at_once(scope, receive, send) -> None:
    scope["route"] = _LIVEZ
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})  # fmt: skip
    await send({"type": "http.response.body", "body": b'{"status":"ok"}'})


_LIVEZ = Route("/livez", _answer_at_once)


def _scope() -> dict:
    return {"type": "http", "method": "GET", "path": "/livez", "raw_path": b"/livez",
            "query_string": b"", "headers": [(b"host", b"127.0.0.1")],
            "client": ("127.0.0.1", 50000)}  # fmt: skip


async def _per_call_s(app, calls: int) -> float:
    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: dict) -> None:
        return None

    start = time.perf_counter()
    for _ in range(calls):
        await app(_scope(), receive, send)
    return (time.perf_counter() - start) / calls


def in_process() -> None:
    """The middleware's own cost around an app that answers at once."""
    access = logging.getLogger("aidmap.access")
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 (lives as long as the run)
    handler.setFormatter(JsonFormatter())
    access.addHandler(handler)
    access.propagate = False
    wrapped = ObservabilityMiddleware(_answer_at_once)
    variants = {
        "app alone": (_answer_at_once, logging.WARNING),
        "with middleware": (wrapped, logging.WARNING),
        "with middleware + JSON access line": (wrapped, logging.INFO),
    }
    results = dict.fromkeys(variants, float("inf"))
    for _ in range(IN_PROCESS_ROUNDS):  # interleaved, so a busy machine hurts all alike
        for label, (app, level) in variants.items():
            access.setLevel(level)
            results[label] = min(results[label], asyncio.run(_per_call_s(app, IN_PROCESS_CALLS)))
    access.removeHandler(handler)
    handler.close()
    base = results["app alone"]
    print(f"in process, best of {IN_PROCESS_ROUNDS} interleaved runs of {IN_PROCESS_CALLS:,}:")
    for label, seconds in results.items():
        extra = "" if label == "app alone" else f"  (+{(seconds - base) * 1e6:5.1f} µs)"
        print(f"  {label:36s} {seconds * 1e6:6.1f} µs/request{extra}")


# -- over HTTP -----------------------------------------------------------------


def serve_variant(variant: str, port: int, data_dir: Path) -> None:
    """Run one variant's server in this process (the ``--child`` mode)."""
    import uvicorn

    from app.main import create_app

    app = create_app(Settings(data_dir=data_dir, database_url=""))
    level = "info" if variant.endswith("log") else "warning"
    if variant.startswith("bare"):
        app.user_middleware = [
            m for m in app.user_middleware if m.cls is not ObservabilityMiddleware
        ]
        uvicorn.run(app, host="127.0.0.1", port=port, log_level=level, access_log=level == "info")
    else:  # exactly as `aidmap serve` runs
        configure_logging("json", level)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level=level,
                    log_config=None, access_log=False)  # fmt: skip


@contextmanager
def server(variant: str, data_dir: Path, log: Path):
    """One variant's server until the block ends; its base URL."""
    port = free_port()
    command = [sys.executable, __file__, "--child", variant, "--port", str(port),
               "--data-dir", str(data_dir)]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=child_env(), stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{variant} server exited:\n{log.read_text()}")
            try:
                httpx.get(f"{base}/livez", timeout=1).raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{variant} server did not answer within 120 s") from None
                time.sleep(0.05)
        yield base
    finally:
        stop(process)


def wrk(url: str, seconds: int, connections: int, script: Path | None) -> float:
    """Requests/s that wrk reaches on ``url``; exits when any answer is not 2xx."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    out = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors on {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])


def over_http(data_dir: Path, seconds: int, rounds: int, connections: int) -> None:
    """Each variant on /livez and /api/v1/nearest, interleaved in rounds."""
    if shutil.which("wrk") is None:
        print("over HTTP: skipped, wrk is not installed (apt-get install wrk)")
        return
    script = data_dir / "nearest.lua"
    script.write_text(NEAREST_WRK_SCRIPT)
    targets = {"/livez": ("/livez", None), "/api/v1/nearest": ("", script)}
    rps: dict[tuple[str, str], list[float]] = {(v, t): [] for v in VARIANTS for t in targets}
    with ExitStack() as stack:
        bases = {
            v: stack.enter_context(server(v, data_dir, data_dir / f"{i}.log"))
            for i, v in enumerate(VARIANTS)
        }
        for base in bases.values():  # warm the nearest index of each
            httpx.get(f"{base}/api/v1/nearest?lon=121.47&lat=31.23", timeout=30)
        for _ in range(rounds):
            for target, (path, lua) in targets.items():
                for variant, base in bases.items():
                    rps[variant, target].append(wrk(base + path, seconds, connections, lua))
    print(
        f"over HTTP, 1 uvicorn worker each, wrk -t2 -c{connections} -d{seconds}s, "
        f"median of {rounds} interleaved rounds (bundled data):"
    )
    for target in targets:
        median = {v: statistics.median(rps[v, target]) for v in VARIANTS}
        print(f"  {target}")
        for variant in VARIANTS:
            print(f"    {variant:22s} {median[variant]:8,.0f} req/s")
        print(
            f"    middleware / bare = {median['middleware'] / median['bare']:.0%};  "
            f"middleware+JSON log / bare+uvicorn log = "
            f"{median['middleware+JSON log'] / median['bare+uvicorn log']:.0%}"
        )


def main() -> None:
    """Measure in process, then over HTTP."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        serve_variant(args.child, args.port, args.data_dir)
        return
    in_process()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        settings = Settings(data_dir=data_dir, database_url="")
        store = open_store(settings)
        ensure_seeded(store, settings.geodata_dir)
        store.close()
        over_http(data_dir, args.seconds, args.rounds, args.connections)


if __name__ == "__main__":
    main()
