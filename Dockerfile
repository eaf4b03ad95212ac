# The application image: web (gunicorn), worker and beat (Celery) all run it (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint (certificates, transcripts) needs Pango, HarfBuzz and fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        fontconfig fonts-dejavu-core fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app
# Only the application (never .venv, databases or media from a developer's tree).
COPY pyproject.toml manage.py ./
COPY lms ./lms
COPY users ./users
COPY access ./access
COPY activity ./activity
COPY engagement ./engagement
COPY payments ./payments
COPY transcripts ./transcripts
COPY batch ./batch
COPY privacy ./privacy
COPY templates ./templates
COPY static ./static
RUN pip install .

# Static files are collected into the image and served by WhiteNoise.
RUN DEBUG=false SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput \
    && mkdir -p /data/media \
    && chown -R app:app /data

USER app
ENV MEDIA_ROOT=/data/media
EXPOSE 8000
CMD ["gunicorn", "lms.wsgi:application", "--bind=0.0.0.0:8000", "--access-logfile=-"]
