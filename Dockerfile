# SMS verification service (app/). Two stages: dependencies are built into a virtualenv in the
# first, only that virtualenv and the app code reach the runtime image. No secret is baked in:
# JWT_SECRET, PAYMENT_WEBHOOK_SECRET, DATABASE_URL, REDIS_URL are given at `docker run` time.
#
#   docker build --build-arg GIT_SHA="$(git rev-parse HEAD)" -t sms-verification .
#   docker run --rm --env-file prod.env sms-verification alembic upgrade head   # deploy step
#   docker run -p 8000:8000 --env-file prod.env sms-verification
#
# Sizing (app/README.md, "Sizing"): one uvicorn worker per core, WEB_CONCURRENCY=2 for the 2-core
# reference host (uvicorn reads it as --workers); each worker pools WORKER_THREADS (40) + 5
# connections, and 3 for the reads on its event loop, so PostgreSQL needs max_connections >= 96.

FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7 AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /build
COPY requirements.txt ./
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --require-virtualenv -r requirements.txt

FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7 AS runtime
ARG GIT_SHA=unknown
ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    APP_ENV=production \
    GIT_SHA=${GIT_SHA} \
    WEB_CONCURRENCY=2
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --shell /usr/sbin/nologin app
WORKDIR /srv
COPY --from=builder /opt/venv /opt/venv
COPY alembic.ini ./
COPY app ./app
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4); sys.exit(0 if r.status == 200 else 1)"]
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000", "--no-server-header"]
