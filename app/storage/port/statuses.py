"""Intake statuses, their history and verification, and claims on the call queue
(``sql_statuses``, ``sql_claims``)."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from app.domain.enums import WriteSource
from app.domain.records import (
    Claim,
)
from app.domain.statuses import HistoryEntry, IntakeStatus, StatusChange, StatusReport, StatusWrite


class StatusStore(Protocol):
    """Intake statuses and their append-only history (``sql_statuses``)."""

    @abc.abstractmethod
    def status_snapshot(self, service: str) -> tuple[dict[int, IntakeStatus], int]:
        """Every current status for one service by resource id, and the id of the last
        history row that became current they include (one snapshot)."""

    @abc.abstractmethod
    def history_after(self, history_id: int, limit: int = 10_000) -> list[HistoryEntry]:
        """History rows with ids above ``history_id`` that became current, oldest first
        (what caches and live pages follow): late reports are left out."""

    @abc.abstractmethod
    def last_history_id(self) -> int:
        """The id of the newest history row that became current (0 for none)."""

    @abc.abstractmethod
    def statuses_for(self, resource_ids: Sequence[int], service: str) -> dict[int, IntakeStatus]:
        """Current statuses of some resources for one service, by resource id."""

    @abc.abstractmethod
    def set_statuses(self, changes: Sequence[StatusChange]) -> list[StatusWrite]:
        """Apply status changes in order, in one transaction: all of them, or none.

        The same as ``set_status`` for each change in turn: each is checked against the
        version the changes before it left (two changes of one resource that expect the
        same version conflict), and a late one changes nothing current. Raises
        ``VersionConflict`` with ``item`` (the failing change's index) and the version it
        should have expected, ``NotFound`` for an unknown resource or service.
        """

    @abc.abstractmethod
    def verify_status(
        self,
        resource_id: int,
        service: str,
        verifier: str,
        expected_version: int | None = None,
        via: WriteSource = WriteSource.api,
    ) -> StatusWrite:
        """Confirm the current report as it is, now (a history row from ``via``; the
        version grows); NotFound for an unknown resource or service or no report,
        VersionConflict when ``expected_version`` is given and stale."""

    @abc.abstractmethod
    def set_status(
        self,
        resource_id: int,
        service: str,
        report: StatusReport,
        expected_version: int,
        *,
        offered_only: bool = False,
    ) -> StatusWrite:
        """File one report if the resource is at ``expected_version``, atomically.

        A report dated before the current status's last check (``is_late``) is appended to
        history as late and changes nothing current, not even the version; any other
        replaces the status, bumps the version and appends history. With
        ``offered_only``, ``ServiceNotListed`` unless the resource lists the service,
        checked in the same transaction (after ``NotFound``, before a conflict).
        """

    @abc.abstractmethod
    def history(
        self, resource_id: int, *, service: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[HistoryEntry]:
        """Status history of a resource, late reports included, newest first."""


class ClaimStore(Protocol):
    """Who is calling a resource, until when (``sql_claims``): shared by every replica."""

    @abc.abstractmethod
    def claim(
        self, resource_id: int, holder: str, holder_key: str, now: datetime, until: datetime
    ) -> Claim:
        """Claim a resource until ``until``: the same ``holder_key`` again extends its
        claim (``claimed_at`` stays); ``ClaimHeld`` while another's runs (an expired one is
        free); NotFound for an unknown resource."""

    @abc.abstractmethod
    def release_claim(
        self, resource_id: int, holder_key: str | None, now: datetime
    ) -> Claim | None:
        """End the running claim (the one ended, or None): the holder's own with a
        ``holder_key`` (``ClaimHeld`` when another holds it), anyone's with None."""

    @abc.abstractmethod
    def active_claims(
        self, now: datetime, resource_ids: Sequence[int] | None = None
    ) -> dict[int, Claim]:
        """Claims running at ``now`` by resource id, of these resources or all."""
