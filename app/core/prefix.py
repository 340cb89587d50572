"""What may be a root path: the path a proxy serves the app under (``/aidmap``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PREFIX = re.compile(r"^(?:/(?!\.{1,2}(?:/|$))[A-Za-z0-9._~-]+)+$")
"""``/one/or/more`` segments of unreserved characters, none of them ``.`` or ``..``: no
empty segment (``//`` would read as a host), nothing to escape in a URL or in markup."""
MAX_PREFIX = 200


def clean_prefix(value: str) -> str | None:
    """``value`` as a root path (``/aidmap/`` → ``/aidmap``, ``/`` → ``""``), or None when it
    is not a plain path."""
    value = value.strip().rstrip("/")
    if not value:
        return ""
    return value if len(value) <= MAX_PREFIX and PREFIX.match(value) else None


def route_path(scope: Mapping[str, Any]) -> str:
    """The request's path within the app: without the root path."""
    root, path = scope.get("root_path", ""), scope["path"]
    return path[len(root) :] if root and path.startswith(f"{root}/") else path
