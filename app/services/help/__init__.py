"""Help requests (求助): intake (``intake``, ``answers``, ``urgency``), what each reader
sees (``views``), what volunteers do (``moves``), the public's aggregates (``stats``) and
erasure after retention (``retention``)."""
