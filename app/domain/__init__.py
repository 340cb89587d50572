"""The domain model: the words of DESIGN's vocabulary as enums and immutable records.

Pure data with no imports from the rest of the app, so every layer above (geo, storage,
services, the API) can share it without depending on the database.
"""
