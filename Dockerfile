# CivicGrid image: the web server (default command) and, with another command, the task worker.
# Python dependencies from uv.lock and front-end files from package-lock.json, as scripts/setup
# installs them; static files collected at build time. See docs/deploy.md ("Containers").

# ---- front-end files (bootstrap, icons, htmx, echarts, leaflet): served by the app, no CDN
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# ---- the platform
FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_NO_PROGRESS=1 \
    UV_PROJECT_ENVIRONMENT=/srv/civicgrid/.venv \
    PATH=/srv/civicgrid/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=civicgrid.settings.production
# pg_dump / pg_restore for `manage.py backup` and `restore` (the client must not be older than the
# server: Debian 12 ships 15, as the compose file's PostgreSQL).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /srv/civicgrid --shell /usr/sbin/nologin civicgrid
WORKDIR /srv/civicgrid
RUN pip install --no-cache-dir "uv==0.13.9"
COPY pyproject.toml uv.lock ./
# The locked versions only (--frozen); no test or lint tools in the image (--no-dev).
RUN uv sync --frozen --no-dev --no-install-project
COPY --from=assets /build/node_modules ./node_modules
COPY . .
# collectstatic runs the production settings, which refuse to start without their secrets: throw-away
# ones that live only in this step (nothing of them is kept in the image).
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(60))')" \
    FIELD_ENCRYPTION_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(40))')" \
    OIDC_RSA_PRIVATE_KEY="$(python -c 'from cryptography.hazmat.primitives import serialization as s; from cryptography.hazmat.primitives.asymmetric import rsa; print(rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()).decode())')" \
    python manage.py collectstatic --noinput -v0 \
    && mkdir -p var/media var/backups \
    && chown -R civicgrid:civicgrid var
USER civicgrid
EXPOSE 8000
# Web workers: WEB_CONCURRENCY (gunicorn reads it), 2 × cores + 1 of the container's share.
CMD ["gunicorn", "civicgrid.wsgi:application", "--worker-class", "sync", "--bind", "0.0.0.0:8000", \
     "--timeout", "30", "--graceful-timeout", "25", "--max-requests", "2000", "--max-requests-jitter", "200", \
     "--no-control-socket", "--error-logfile", "-", "--log-level", "warning"]
