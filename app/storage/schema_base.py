"""What every table module of the schema shares: the one ``MetaData`` they register in,
the UTC timestamp type, and the checks tables repeat (an enum's values, a WGS-84 range)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime, MetaData, TypeDecorator


class UtcDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        """Refuse naive datetimes; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        """Attach UTC where the database dropped the zone (SQLite)."""
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def one_of(column: str, enum: type) -> CheckConstraint:
    """A CHECK that ``column`` holds one of ``enum``'s values."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return CheckConstraint(f"{column} IN ({values})", name=f"{column}_valid")


def wgs84_range() -> tuple[CheckConstraint, CheckConstraint]:
    """CHECKs that ``lon`` and ``lat`` are WGS-84 degrees."""
    return (
        CheckConstraint("lon BETWEEN -180 AND 180", name="lon_range"),
        CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
    )


metadata = MetaData()
