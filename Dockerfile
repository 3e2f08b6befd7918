# The gateway: `docker build -t tablegate .`, then run it with TABLEGATE_SECRET set and
# DYNAMODB_ENDPOINT pointed at DynamoDB Local (unset: AWS). See README "Container".
# Only the pinned, hashed dependencies of requirements.lock are installed; our code runs
# from /app, so none of its generic module names (data, schema, ...) is in site-packages.

FROM python:3.11-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY requirements.lock /tmp/requirements.lock
# Wheels only: every dependency has them for linux amd64 and arm64, and nothing compiles.
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-deps --require-hashes --only-binary :all: \
        -r /tmp/requirements.lock

FROM python:3.11-slim-bookworm
# A fixed UID and GID, for volumes and for a runAsUser that must match.
RUN groupadd --system --gid 10001 tablegate \
    && useradd --system --uid 10001 --gid tablegate --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin tablegate
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY config ./config
COPY data ./data
COPY live ./live
COPY loaders ./loaders
COPY resolvers ./resolvers
COPY schema ./schema
COPY web ./web
# cli.py imports dev/ (for its development commands); production serves no IDE from it.
COPY dev ./dev
COPY server.py cli.py ./
# Compiled once here: every worker then starts without compiling, and writes nothing.
RUN python -m compileall -q /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TABLEGATE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000
USER 10001:10001
EXPOSE 8000
# The slim image has no curl: Python asks /healthz (any failure exits 1).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', timeout=2)"]
# `docker run IMAGE create-table` (or any other command) runs `tablegate create-table`.
ENTRYPOINT ["python", "-m", "cli"]
CMD ["serve"]
