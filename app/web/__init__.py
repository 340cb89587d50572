"""The map page and what it serves: HTML, our JS/CSS, vendored-by-package Leaflet."""
