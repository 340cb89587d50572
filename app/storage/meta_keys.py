"""The keys of the store's ``meta`` table, named once: the schema and the seed it holds,
and the moments its units and resources last changed (what caches built from them
compare)."""

from __future__ import annotations

from enum import StrEnum


class MetaKey(StrEnum):
    """A key of the ``meta`` key/value table."""

    schema_version = "schema_version"
    """The schema revision the database is at."""
    seed_version = "seed_version"
    """The bundled data's version that seeded the store (absent until seeded)."""
    seeded_at = "seeded_at"
    units_version = "units_version"
    """Moves whenever a unit is relocated (gazetteer indexes rebuild then)."""
    resources_changed = "resources_changed_at"
    """Moves whenever a resource is added or changed (not by status writes)."""
    rate_limit_key = "rate_limit_key"
    """The secret that rate limits hash client addresses and phones with (revision 0007)."""
    learned_version = "learned_version"
    """Moves whenever a learned address is added, replaced or forgotten (the learned
    geocoder's index rebuilds then); absent until the first is learned."""
    resources_learned = "resources_learned_at"
    """When every resource's point was last derived again (a rebuild); absent in a store
    from before addresses were learned, whose resources are then learned once."""
