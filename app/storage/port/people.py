"""Who may act and what they share: tokens and problem reports, invites and sessions,
shares, and how often each client may ask (``sql_access``, ``sql_sessions``,
``sql_shares``, ``sql_rates``)."""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from app.domain.enums import ProblemOutcome, Role
from app.domain.records import (
    Invite,
    ProblemReport,
    Session,
    Share,
    Token,
)


class AccessStore(Protocol):
    """API tokens and the public's problem reports (``sql_access``)."""

    @abc.abstractmethod
    def add_token(self, name: str, role: Role, token_hash: str) -> Token:
        """Store a new token's hash; AlreadyExists if the hash is taken."""

    @abc.abstractmethod
    def token_by_hash(self, token_hash: str) -> Token | None:
        """The token with this hash (revoked ones too), or None."""

    @abc.abstractmethod
    def list_tokens(self) -> list[Token]:
        """Every token, oldest first."""

    @abc.abstractmethod
    def revoke_token(self, token_id: int) -> Token:
        """Mark a token revoked (idempotent); NotFound otherwise."""

    @abc.abstractmethod
    def add_problem_report(self, resource_id: int, service: str | None, text: str) -> ProblemReport:
        """Store a public "this is wrong" report; NotFound for an unknown resource or service."""

    @abc.abstractmethod
    def list_problem_reports(
        self, resource_ids: Sequence[int] | None = None, *, closed: bool = False
    ) -> list[ProblemReport]:
        """Problem reports no verifier closed (``closed``: every one), newest first,
        optionally for some resources only."""

    @abc.abstractmethod
    def close_problem_report(
        self, report_id: int, outcome: ProblemOutcome, by: str, note: str | None, now: datetime
    ) -> ProblemReport:
        """Resolve or dismiss a report, once: AlreadyClosed after that, NotFound if unknown.
        A closed report flags nothing and leaves the verification queue."""

    @abc.abstractmethod
    def problem_report_times(
        self, resource_ids: Sequence[int]
    ) -> dict[int, dict[str | None, datetime]]:
        """When each of these resources was last reported wrong, per service (None: the
        resource as a whole), for resources that have any report no verifier closed: times
        only, never the text, so public reads can say that a problem is being checked."""


class SessionStore(Protocol):
    """Invites and the cookie sessions made by joining through them (``sql_sessions``):
    hashes only, never a code or a cookie's secret."""

    @abc.abstractmethod
    def add_invite(
        self,
        *,
        name: str,
        role: Role,
        code_hash: str,
        created_by: str | None,
        expires_at: datetime,
        max_uses: int,
    ) -> Invite:
        """Store a new invite, unused; AlreadyExists if the hash is taken."""

    @abc.abstractmethod
    def invite_by_hash(self, code_hash: str) -> Invite | None:
        """The invite with this code hash (revoked, expired and used-up ones too), or None."""

    @abc.abstractmethod
    def get_invite(self, invite_id: int) -> Invite:
        """The invite with this id; NotFound otherwise."""

    @abc.abstractmethod
    def list_invites(self) -> list[Invite]:
        """Every invite, newest first."""

    @abc.abstractmethod
    def revoke_invite(self, invite_id: int) -> Invite:
        """Mark an invite revoked (idempotent: the first time stays) and end every session
        opened through it: revoking is how a coordinator takes back access given to the
        wrong person or role; NotFound otherwise."""

    @abc.abstractmethod
    def join_invite(self, code_hash: str, secret_hash: str, now: datetime) -> Session:
        """Use the invite once and open a session named and ranked as the invite says, in
        one transaction: NotFound for no such invite, ``InviteRejected`` when it is
        revoked, expired (``expires_at`` ≤ ``now``) or used up; never more sessions than
        ``max_uses``, however many join at once."""

    @abc.abstractmethod
    def session_by_hash(self, secret_hash: str) -> Session | None:
        """The session with this secret hash (ended ones too), or None."""

    @abc.abstractmethod
    def get_session(self, session_id: int) -> Session:
        """The session with this id; NotFound otherwise."""

    @abc.abstractmethod
    def touch_session(self, session_id: int, now: datetime) -> None:
        """Record that the session was used at ``now`` (nothing for an ended one)."""

    @abc.abstractmethod
    def end_session(self, session_id: int, now: datetime) -> Session:
        """End a session (idempotent: the first time stays); NotFound otherwise."""

    @abc.abstractmethod
    def list_sessions(self) -> list[Session]:
        """Every session, newest first."""


class ShareStore(Protocol):
    """Shared map views under short codes (``sql_shares``)."""

    @abc.abstractmethod
    def create_share(self, view: dict, code_factory: Callable[[], str]) -> Share:
        """Store a view under a new code from ``code_factory`` (drawn again while taken);
        a view stored before (same canonical JSON) returns its existing share."""

    @abc.abstractmethod
    def get_share(self, code: str) -> Share:
        """The share with this code; NotFound otherwise."""


class RateStore(Protocol):
    """Rate-limit events shared by every process (``sql_rates``); times in epoch seconds,
    keys already hashed (never a raw address or phone)."""

    @abc.abstractmethod
    def rate_limit_secret(self) -> str:
        """The secret the limits' keys are hashed with."""

    @abc.abstractmethod
    def rate_events(self, bucket: str, key: str, since: float) -> tuple[int, float | None]:
        """The key's events in ``bucket`` after ``since``: how many, and the oldest's time."""

    @abc.abstractmethod
    def spend_rate(
        self, bucket: str, key: str, now: float, since: float, limit: int | None
    ) -> tuple[int, float | None]:
        """Count an event at ``now`` unless the key has ``limit`` events after ``since``
        (None: always), atomically across processes; the count and oldest time before."""

    @abc.abstractmethod
    def forget_rate_events(self, bucket: str, before: float) -> int:
        """Drop the bucket's events from ``before`` or earlier; how many."""
