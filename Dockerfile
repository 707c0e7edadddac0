FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app

RUN pip install --no-cache-dir "uv==0.13.9"
COPY pyproject.toml uv.lock ./
# Bytecode compiled once here: every process of the stack imports aiogram and
# Django, which otherwise costs seconds of CPU at each start.
RUN uv sync --frozen --no-dev --compile-bytecode
COPY . .
RUN .venv/bin/pybabel -q compile -d locale -D django \
    && DJANGO_SECRET_KEY=build .venv/bin/python manage.py collectstatic --no-input -v 0 \
    && useradd --create-home smena && mkdir -p var && chown -R smena var

USER smena
ENV PATH="/app/.venv/bin:$PATH"
EXPOSE 8000
CMD ["gunicorn", "core.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
