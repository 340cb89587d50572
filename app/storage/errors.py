"""The errors every store raises: storage words (not found, conflict, unavailable), never
HTTP ones; the API maps them to statuses (``app.api.storage_errors``)."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every error a store raises."""


class NotFound(StorageError):
    """The record asked for does not exist."""


class ServiceNotListed(StorageError):
    """A status for a service the resource does not list (``set_status(offered_only=True)``)."""


class AlreadyExists(StorageError):
    """A record with the same unique key exists."""


class InvalidRecord(StorageError):
    """A record breaks a constraint of the schema (coordinates out of range, unknown link)."""


class VersionConflict(StorageError):
    """The caller's expected version is not the current one (for a batch: not the one the
    batch's earlier changes left; ``item`` is then the index of the change that failed)."""

    def __init__(self, current_version: int, item: int | None = None) -> None:
        super().__init__(f"version conflict: current version is {current_version}")
        self.current_version = current_version
        self.item = item


class InviteRejected(StorageError):
    """An invite that can no longer be used: ``reason`` is ``revoked``, ``expired`` or
    ``used_up`` (the first that applies)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the invite is {reason.replace('_', ' ')}")
        self.reason = reason


class StoreUnavailable(StorageError):
    """The store cannot be opened (bad location, permissions, unsupported backend)."""


class QueryTimeout(StorageError):
    """A read with a public filter ran past the store's time bound for one statement."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__(
            f"the filter took over {timeout_s:g} s to evaluate: narrow it (fewer or "
            "simpler conditions) or add a bbox"
        )
        self.timeout_s = timeout_s


class ClaimHeld(StorageError):
    """Someone else is calling the resource (their claim has not expired)."""

    def __init__(self, holder: str, claimed_at: object, expires_at: object) -> None:
        super().__init__(f"{holder} is calling this resource (claimed until {expires_at})")
        self.holder = holder
        self.claimed_at = claimed_at
        self.expires_at = expires_at


class AlreadyClosed(StorageError):
    """A problem report was resolved or dismissed already."""


class HelpClaimHeld(StorageError):
    """Another volunteer holds the help request (their claim has not lapsed)."""

    def __init__(self, holder: str, claimed_at: object) -> None:
        super().__init__(f"{holder} holds this request (claimed at {claimed_at})")
        self.holder = holder
        self.claimed_at = claimed_at


class HelpClaimsFull(StorageError):
    """The volunteer already holds, or took within the claim time, as many claims as one
    person may."""

    def __init__(self, most: int) -> None:
        super().__init__(f"you hold or took {most} requests within the claim time: finish "
                         "them, or take the next one when the first claim lapses")  # fmt: skip
        self.most = most


class StateChanged(StorageError):
    """A help request is no longer in the state (or with the holder) a change expected."""

    def __init__(self, state: str, holder: str | None) -> None:
        held = f", held by {holder}" if holder else ""
        super().__init__(f"the request is {state}{held} now")
        self.state = state
        self.holder = holder
