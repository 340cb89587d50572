"""Headers every answer carries, whoever sends it (a route, a middleware, the 500 handler)."""

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
