"""Crafted import files against a real ``aidmap serve``: time and memory rise per request.

Builds the review's files (issue 13, findings 1, 8 and 19) and a small valid sheet as the
baseline, posts each to ``POST /api/v1/imports`` as an anonymous dry run and as a
coordinator's dry run, each on a freshly started server (so one file's leftovers do not
weigh on the next), and prints per file and caller: the status, the time, the peak rise of
the server's resident memory over its size before the request (``VmRSS`` sampled every
20 ms, and ``VmHWM`` after), the memory still held afterwards, and the slowest ``/livez``
answer while the import ran, with time and rise as ratios to the baseline's.

The server runs under a 3 GiB address-space limit, so a file that would take all the
machine's memory ends in a MemoryError (a 500 on code that does not guard against it)
instead of the kernel's OOM killer; a request over ``--timeout`` seconds is cut off.

Usage: python scripts/bench_hostile_files.py [--root PATH] [--only NAME ...] [--timeout 60]
``--root`` runs the server from another checkout (e.g. a worktree of an older commit).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_serving import ROOT, child_env, free_port, stop

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MEMORY_CAP = 3 * 2**30
"""The server's address-space limit (RLIMIT_AS), as the review's 3 GB-capped server."""
SAMPLE_S = 0.02


# -- the files ---------------------------------------------------------------------
def _xlsx(sheet_xml: bytes, strings_xml: bytes | None = None, level: int = 6) -> bytes:
    """A minimal workbook around one sheet's XML (and a shared-strings part)."""
    types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/>'
        + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
           'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
           if strings_xml is not None else "")
        + "</Types>"
    )  # fmt: skip
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    book = (f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets><sheet name="医院" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>')  # fmt: skip
    book_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
        + (f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
           if strings_xml is not None else "")
        + "</Relationships>"
    )  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("xl/workbook.xml", book)
        archive.writestr("xl/_rels/workbook.xml.rels", book_rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if strings_xml is not None:
            archive.writestr("xl/sharedStrings.xml", strings_xml)
    return out.getvalue()


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _sheet(rows: list[list[str]], tail: str = "") -> bytes:
    body = "".join(
        f'<row r="{n}">' + "".join(_cell(f"{'ABCDEFGHIJ'[i]}{n}", v) for i, v in enumerate(row))
        + "</row>"
        for n, row in enumerate(rows, start=1)
    )  # fmt: skip
    return f'<worksheet xmlns="{MAIN_NS}"><sheetData>{body}</sheetData>{tail}</worksheet>'.encode()


SMALL = [["名称", "区", "电话"], ["全新医院", "黄浦区", "021-55559999"], ["另一医院", "徐汇区", ""]]


def small_xlsx() -> bytes:
    """The baseline: a valid three-line sheet."""
    return _xlsx(_sheet(SMALL))


def merged_xlsx(extent: str) -> bytes:
    """The review's 1.6 KB file: a valid sheet declaring one huge merged range."""
    return _xlsx(_sheet(SMALL, f'<mergeCells count="1"><mergeCell ref="{extent}"/></mergeCells>'))


def zip_bomb_xlsx() -> bytes:
    """A sheet whose XML inflates to 1 GiB (white space after the data): about 1 MB zipped."""
    head = _sheet(SMALL).removesuffix(b"</worksheet>")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(small_xlsx())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info.filename))
        with target.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(head)
            for _ in range(64):
                sheet.write(b" " * 2**24)
            sheet.write(b"</worksheet>")
    return out.getvalue()


def strings_xlsx(count: int = 2_000_000) -> bytes:
    """A sheet of three rows over a shared-strings table of two million entries."""
    strings = "".join(f"<si><t>{n:x}</t></si>" for n in range(count))
    table = f'<sst xmlns="{MAIN_NS}" count="{count}" uniqueCount="{count}">{strings}</sst>'
    return _xlsx(_sheet(SMALL), table.encode(), level=9)


def entities_xlsx() -> bytes:
    """A billion-laughs shared-strings part: ten levels of ten-fold entity expansion."""
    levels = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10)
    )
    table = (f'<?xml version="1.0"?><!DOCTYPE sst [{levels}]><sst xmlns="{MAIN_NS}">'
             "<si><t>&a9;</t></si></sst>")  # fmt: skip
    return _xlsx(_sheet(SMALL), table.encode())


def commas_csv() -> bytes:
    """A header and one 20 MiB line of commas."""
    return "名称,区\n".encode() + b"," * (20 * 2**20 - 20) + b"\n"


def deep_geojson() -> bytes:
    """A feature whose property nests lists 200,000 deep."""
    depth = 200_000
    return (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":'
            + b"[" * depth + b"]" * depth + b"}}]}")  # fmt: skip


def huge_geojson() -> bytes:
    """20 MiB of empty lists in one feature's property: ~7 million Python objects."""
    count = (20 * 2**20 - 100) // 3
    return (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":['
            + b"[]," * count + b"[]]}}]}")  # fmt: skip


def rows_csv(rows: int = 100_000) -> bytes:
    """The review's 100,000-row hospital list (about 7 MB)."""
    rng = random.Random(7)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["医院名称", "所属区", "地址", "联系电话", "可接诊科室"])
    for n in range(rows):
        district = rng.choice(["黄浦区", "徐汇区", "静安区", "浦东新区", "闵行区"])
        writer.writerow([f"测试医院{n:06d}", district, f"测试路{n}号", f"021-6{n:07d}", "血透"])
    return out.getvalue().encode()


FILES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "baseline": ("small.xlsx", small_xlsx),
    "merged A3:J100000": ("merged.xlsx", lambda: merged_xlsx("A3:J100000")),
    "merged A3:XFD1048576": ("merged.xlsx", lambda: merged_xlsx("A3:XFD1048576")),
    "zip bomb (1 GiB sheet)": ("bomb.xlsx", zip_bomb_xlsx),
    "2M shared strings": ("strings.xlsx", strings_xlsx),
    "entity expansion": ("laughs.xlsx", entities_xlsx),
    "20 MiB of commas": ("commas.csv", commas_csv),
    "GeoJSON 200k deep": ("deep.geojson", deep_geojson),
    "GeoJSON 7M lists": ("huge.geojson", huge_geojson),
    "100k-row CSV": ("rows.csv", rows_csv),
}


# -- the server --------------------------------------------------------------------
def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def start(root: Path, data_dir: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """``aidmap serve`` from ``root`` on a free port under the memory cap; (process, url)."""
    port = free_port()
    command = [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--data-dir", str(data_dir), "--log-level", "warning"]  # fmt: skip
    env = child_env({"PYTHONPATH": str(root)})
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, preexec_fn=_cap_memory)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise SystemExit(f"aidmap serve exited:\n{log.read_text()}")
        try:
            httpx.get(f"{base}/livez", timeout=1).raise_for_status()
            return process, base
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise SystemExit("aidmap serve did not start within 120 s") from None
            time.sleep(0.05)


def coordinator_token(root: Path, data_dir: Path) -> str:
    """A coordinator's token (``aidmap token create`` also seeds the database)."""
    command = [sys.executable, "-m", "app", "token", "create", "--create-db", "--name", "bench",
               "--role", "coordinator", "--data-dir", str(data_dir)]  # fmt: skip
    env = child_env({"PYTHONPATH": str(root)})
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Watch:
    """Samples the server's VmRSS and times /livez while a request runs."""

    def __init__(self, pid: int, base: str) -> None:
        self.pid, self.base = pid, base
        self.before = _status_kib(pid, "VmRSS")
        self.peak, self.livez_max = self.before, 0.0
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self._memory), threading.Thread(target=self._livez)]
        for thread in self.threads:
            thread.start()

    def _memory(self) -> None:
        while not self.done.wait(SAMPLE_S):
            self.peak = max(self.peak, _status_kib(self.pid, "VmRSS"))

    def _livez(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self.done.wait(0.1):
                start = time.perf_counter()
                with contextlib.suppress(httpx.HTTPError):
                    client.get(f"{self.base}/livez")
                self.livez_max = max(self.livez_max, time.perf_counter() - start)

    def stop(self) -> dict:
        """Peak and kept rise in MiB, and the slowest /livez in seconds."""
        self.done.set()
        for thread in self.threads:
            thread.join()
        peak = max(self.peak, _status_kib(self.pid, "VmHWM"))
        after = _status_kib(self.pid, "VmRSS")
        return {"peak_mib": (peak - self.before) / 1024, "kept_mib": (after - self.before) / 1024,
                "livez_s": self.livez_max}  # fmt: skip


def measure(root: Path, work: Path, name: str, data: bytes, filename: str, token: str | None,
            seed: Path, timeout: float) -> dict:  # fmt: skip
    """One upload on a fresh server (a copy of the seeded data directory)."""
    data_dir = work / "data"
    subprocess.run(["rm", "-rf", str(data_dir)], check=True)
    subprocess.run(["cp", "-a", str(seed), str(data_dir)], check=True)
    process, base = start(root, data_dir, work / "serve.log")
    try:
        watch = Watch(process.pid, base)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        start_s = time.perf_counter()
        try:
            response = httpx.post(f"{base}/api/v1/imports", params={"kind": "hospitals"},
                                  files={"file": (filename, data)}, headers=headers,
                                  timeout=timeout)  # fmt: skip
            status = str(response.status_code)
            if response.status_code < 300:
                body = response.json()
                status += f" {sum(body['counts'].values())} rows, {len(response.content):,} B"
            else:
                status += " " + response.json()["error"]["code"]
        except httpx.TimeoutException:
            status = f"timeout ({timeout:.0f} s)"
        except httpx.TransportError as exc:
            status = f"no answer ({type(exc).__name__})"
        elapsed = time.perf_counter() - start_s
        figures = watch.stop()
        if process.poll() is not None:
            status += f"; server died ({process.returncode})"
    finally:
        stop(process)
    return {"file": name, "status": status, "time_s": elapsed, **figures}


def main() -> None:
    """Build the files, measure each for both callers, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    names = [
        "baseline",
        *(n for n in FILES if n != "baseline" and (not args.only or n in args.only)),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        seed = work / "seed"
        token = coordinator_token(args.root, seed)
        results = []
        for name in names:
            filename, build = FILES[name]
            data = build()
            for caller, secret in (("anonymous", None), ("coordinator", token)):
                result = measure(args.root, work, name, data, filename, secret, seed, args.timeout)
                results.append(result | {"caller": caller, "bytes": len(data)})
                print(json.dumps(results[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    report(results, args.root)


def report(results: list[dict], root: Path) -> None:
    """One line per file and caller, with ratios to that caller's baseline."""
    print(f"server from {root}; memory cap {MEMORY_CAP / 2**30:.0f} GiB; rises over the RSS "
          "before each request")  # fmt: skip
    print(f"{'file':24} {'caller':11} {'size':>9} {'time s':>7} {'x base':>7} {'peak MiB':>9} "
          f"{'x base':>7} {'kept MiB':>9} {'livez max s':>11}  answer")  # fmt: skip
    baseline = {r["caller"]: r for r in results if r["file"] == "baseline"}
    for r in results:
        base = baseline[r["caller"]]
        print(f"{r['file']:24} {r['caller']:11} {r['bytes']:>9,} {r['time_s']:7.2f} "
              f"{r['time_s'] / base['time_s']:7.1f} {r['peak_mib']:9.1f} "
              f"{r['peak_mib'] / max(base['peak_mib'], 1.0):7.1f} {r['kept_mib']:9.1f} "
              f"{r['livez_s']:11.3f}  {r['status']}")  # fmt: skip


if __name__ == "__main__":
    main()
