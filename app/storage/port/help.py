"""Help requests, their tracking links, history and reveal log (``sql_help``,
``sql_help_reads``)."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from app.domain.help import (
    MOST_CLAIMS,
    HelpAdded,
    HelpBoardQuery,
    HelpCount,
    HelpEvent,
    HelpEventKind,
    HelpLinked,
    HelpMove,
    HelpRequest,
    HelpReveal,
    HelpState,
    NewHelpRequest,
    Urgency,
)


class HelpStore(Protocol):
    """Requesters' help requests: stored with their personal fields, which are erased on
    withdrawal and after retention, never deleted as rows (the counts stay)."""

    @abc.abstractmethod
    def add_help_request(
        self, new: NewHelpRequest, secret_hash: str, now: datetime, merge_since: datetime
    ) -> HelpAdded:
        """Store a request with a tracking link (the secret's hash), in one transaction;
        when an unfinished request with the same phone and service was made at or after
        ``merge_since``, the submission is merged into the earliest such one instead (a
        ``merged`` event holds its text; its urgency is taken when higher) and the link
        leads there. Two submissions at once never make two requests."""

    @abc.abstractmethod
    def help_request_for_link(self, secret_hash: str) -> HelpLinked | None:
        """The request a tracking link's hash leads to (``repeat``: a submission was merged
        into it, so it has more than one link), or None."""

    @abc.abstractmethod
    def get_help_request(self, request_id: int) -> HelpRequest:
        """The request with this id; NotFound otherwise."""

    @abc.abstractmethod
    def list_help_requests(self, query: HelpBoardQuery) -> list[HelpRequest]:
        """One page of the board: requests whose shown state (a lapsed claim is ``new``) is
        one of ``query.states``, of a district and a service when given, most urgent
        first, then oldest first."""

    @abc.abstractmethod
    def claim_help_request(
        self, request_id: int, by: str, by_key: str, now: datetime, lapsed_before: datetime,
        most: int = MOST_CLAIMS,
    ) -> HelpRequest:  # fmt: skip
        """Claim a new request, or one whose claim lapsed (not moved on since
        ``lapsed_before``: a ``lapsed`` event records it); the holder claiming again renews
        its claim. One of two claimers at once wins: ``HelpClaimHeld`` for the other (and
        while anyone else holds it), ``StateChanged`` for a finished request,
        ``HelpClaimsFull`` when ``by_key`` holds ``most`` running claims or claimed ``most``
        requests since ``lapsed_before`` (moved on or closed since), NotFound."""

    @abc.abstractmethod
    def move_help_request(
        self, request_id: int, expected: HelpState, holder_key: str | None, move: HelpMove
    ) -> HelpRequest:
        """Write a transition (and its ``state`` event) if the request is still in
        ``expected`` and, with a ``holder_key``, still held by it: ``StateChanged``
        otherwise. Sets ``contacted_at`` the first time it reaches contacting or beyond
        and ``closed_at`` when it finishes."""

    @abc.abstractmethod
    def add_help_event(
        self,
        request_id: int,
        kind: HelpEventKind,
        text: str,
        *,
        public: bool,
        by: str | None,
        by_key: str | None,
        at: datetime,
    ) -> HelpEvent:
        """Add a note, a message or the requester's added information; NotFound."""

    @abc.abstractmethod
    def help_events(self, request_id: int) -> list[HelpEvent]:
        """A request's history, oldest first."""

    @abc.abstractmethod
    def withdraw_help_request(self, request_id: int, now: datetime) -> HelpRequest:
        """The requester's withdrawal: closed (``withdrawn``) unless finished, and its
        personal fields erased at once, with the private texts of its history; erasing
        twice changes nothing. NotFound."""

    @abc.abstractmethod
    def reveal_help_request(
        self, request_id: int, by: str, by_key: str, at: datetime
    ) -> HelpRequest:
        """The request, and a line in its reveal log saying who read its personal fields
        when (one transaction: no read without its line). NotFound."""

    @abc.abstractmethod
    def help_reveals(self, request_id: int) -> list[HelpReveal]:
        """Who read the request's personal fields, oldest first."""

    @abc.abstractmethod
    def help_counts(self) -> list[HelpCount]:
        """Requests counted by district, street, service and state."""

    @abc.abstractmethod
    def help_contact_seconds(self) -> list[float]:
        """For each request that reached contacting, the seconds it waited for it."""

    @abc.abstractmethod
    def help_history_mark(self) -> int:
        """The id of the newest line of any request's history (0 with none). Every change
        a count can see (a request taken, a state moved, a withdrawal) writes one, so
        counts made at one mark hold until it moves."""

    @abc.abstractmethod
    def unfinished_help_requests(self) -> list[HelpRequest]:
        """Every request not yet resolved or closed, by id (for reassessing urgency)."""

    @abc.abstractmethod
    def set_help_urgencies(self, changes: Mapping[int, tuple[Urgency, tuple[str, ...]]]) -> int:
        """Write new urgencies (with the codes of the rules that gave them), in one
        transaction, to those of these requests still unfinished; how many changed."""

    @abc.abstractmethod
    def purge_help_requests(self, finished_before: datetime, now: datetime) -> int:
        """Erase the personal fields (and private texts of the history) of requests
        resolved or closed before ``finished_before``; how many were erased now."""
