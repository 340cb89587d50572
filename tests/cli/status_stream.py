"""Clients that keep reporting statuses through a real server until stopped or until the
server dies, remembering what each request got: a version, a refusal, or no answer."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field

import httpx

REQUEST_TIMEOUT_S = 30.0
SERVICE = "emergency"


@dataclass
class Outcomes:
    """Every PUT by its note (each request has a note of its own)."""

    acknowledged: dict[str, tuple[int, int]] = field(default_factory=dict)
    """200: note → (resource id, version). These must be in the history."""
    not_written: set[str] = field(default_factory=set)
    """412, or the connection was refused: these must not be."""
    unanswered: set[str] = field(default_factory=set)
    """Sent, but the connection broke before an answer: written or not."""
    unexpected: list[str] = field(default_factory=list)


def stream_targets(base: str, count: int = 4) -> tuple[int, ...]:
    """Ids of the first ``count`` bundled hospitals that take ``SERVICE``."""
    hospitals = httpx.get(f"{base}/api/v1/resources", params={"kind": "hospital", "limit": 50})
    hospitals.raise_for_status()
    ids = tuple(h["id"] for h in hospitals.json() if SERVICE in h["services"])[:count]
    assert len(ids) == count
    return ids


class StatusStream:
    """``clients`` threads PUT statuses of ``resource_ids`` (client n writes the n-th, round
    robin) with the ETag each last saw, until ``stop()``; each stops at its first broken
    connection. Notes start with ``label``."""

    def __init__(
        self, base: str, secret: str, resource_ids: tuple[int, ...], clients: int, label: str
    ) -> None:
        self.outcomes = Outcomes()
        self._base, self._secret, self._ids, self._label = base, secret, resource_ids, label
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._client, args=(n,), name=f"stream-{n}", daemon=True)
            for n in range(clients)
        ]

    def __enter__(self) -> StatusStream:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Ask every client to stop and wait for them."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=2 * REQUEST_TIMEOUT_S)
            assert not thread.is_alive(), f"{thread.name} did not stop"

    def acknowledged(self) -> int:
        """How many PUTs got a 200 so far."""
        with self._lock:
            return len(self.outcomes.acknowledged)

    def wait_acknowledged(self, count: int, timeout: float = 120) -> None:
        """Wait until ``count`` PUTs got a 200; fails if the clients stop or go wrong first."""
        deadline = time.monotonic() + timeout
        while self.acknowledged() < count:
            assert not self.outcomes.unexpected, self.outcomes.unexpected
            assert any(t.is_alive() for t in self._threads), "every client stopped"
            assert time.monotonic() < deadline, f"{self.acknowledged()} of {count} updates in time"
            time.sleep(0.01)

    def _client(self, n: int) -> None:
        try:
            self._write(n)
        except Exception as exc:  # a thread's failure must reach the test
            with self._lock:
                self.outcomes.unexpected.append(f"client {n}: {exc!r}")

    def _write(self, n: int) -> None:
        resource_id = self._ids[n % len(self._ids)]
        url = f"/api/v1/resources/{resource_id}"
        headers = {"Authorization": f"Bearer {self._secret}"}
        with httpx.Client(base_url=self._base, headers=headers, timeout=REQUEST_TIMEOUT_S) as http:
            try:
                tag = http.get(url).headers["ETag"]
            except httpx.TransportError:
                return
            for i in itertools.count():
                if self._stopping.is_set():
                    return
                note = f"{self._label} client {n} write {i}"
                body = {"state": ("open", "limited", "closed")[i % 3], "note": note}
                try:
                    put = http.put(f"{url}/status/{SERVICE}", json=body, headers={"If-Match": tag})
                except httpx.ConnectError:  # never reached a server
                    with self._lock:
                        self.outcomes.not_written.add(note)
                    return
                except httpx.TransportError:
                    with self._lock:
                        self.outcomes.unanswered.add(note)
                    return
                with self._lock:
                    if put.status_code == 200:
                        self.outcomes.acknowledged[note] = (resource_id, put.json()["version"])
                    elif put.status_code == 412:
                        self.outcomes.not_written.add(note)
                    else:
                        self.outcomes.unexpected.append(f"{put.status_code}: {put.text[:300]}")
                        return
                tag = put.headers["ETag"]
