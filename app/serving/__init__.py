"""The connection layer of ``aidmap serve``: uvicorn with deadlines and connection caps.

uvicorn alone times out only idle keep-alive connections: a client that sends its headers
or its body slowly, or never reads the answer, holds a connection (and an open file) for
as long as it likes, and one client may open as many as the process can. See README.md,
Limits and headers, and docs/decisions.md, Serving.
"""
