# aidmap: multi-stage build, slim runtime, non-root, data dir as a volume.

FROM python:3.11-slim AS build
WORKDIR /src
# Dependencies first, so a change to the code rebuilds only the last layers.
COPY pyproject.toml README.md ./
COPY app/__init__.py app/__init__.py
COPY geodata geodata
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[postgis]"
COPY app app
RUN rm /wheels/aidmap-*.whl && pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
# A CJK font: share preview images then speak Chinese (app/web/fonts.py).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 aidmap \
    && mkdir /data && chown aidmap:aidmap /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
# Serving the public directly (the default): forwarded headers are ignored, every client is
# the address it connects from. Set AIDMAP_BASE_URL (docker run -e
# AIDMAP_BASE_URL=https://map.example.org) to the public address: without it, share links
# and QR codes name the address each request reached (inside a container, its own) and are
# never publicly cached.
# Behind a proxy (deploy/Caddyfile; README.md, Deployment):
#   AIDMAP_TRUSTED_PROXIES  the proxy's address or network as this container sees it
#                           (172.16.0.0/12 for Docker's bridge networks): only its
#                           X-Forwarded-For/-Proto/-Host/-Prefix are believed
#   AIDMAP_ALLOWED_HOSTS    public names the proxy may forward in X-Forwarded-Host, when
#                           links should follow it instead of AIDMAP_BASE_URL
#   AIDMAP_DATABASE_URL     a PostGIS database that several containers share
# AIDMAP_WORKERS: processes serving on the port; auto is one per CPU.
# AIDMAP_LOG_FORMAT: JSON lines unless set to text (a container's output is no terminal).
ENV AIDMAP_DATA_DIR=/data \
    AIDMAP_WORKERS=auto \
    PYTHONUNBUFFERED=1
VOLUME /data
USER aidmap
EXPOSE 8000
CMD ["aidmap", "serve", "--host", "0.0.0.0", "--port", "8000"]
