"""aidmap: a GIS resource map for crisis mutual aid."""

__version__ = "0.1.0"
