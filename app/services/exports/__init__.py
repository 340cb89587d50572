"""Exporting a layer as GeoJSON, CSV, XLSX or GeoPackage, in the columns imports read."""
