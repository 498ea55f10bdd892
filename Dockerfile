# One image for every danvan process; docker-compose.yml picks the process with
# `danvan serve --only NAME`, the same command `make run` starts for each.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/pyproject.toml
COPY services/launcher/pyproject.toml services/launcher/pyproject.toml
COPY services/ingest/pyproject.toml services/ingest/pyproject.toml
COPY services/extract/pyproject.toml services/extract/pyproject.toml
COPY services/publish/pyproject.toml services/publish/pyproject.toml
COPY shared shared
COPY services services
RUN uv sync --frozen --no-dev
ENV PATH=/app/.venv/bin:$PATH
RUN useradd --create-home danvan && mkdir -p /app/var && chown danvan /app/var
USER danvan
EXPOSE 8000 8001 5555
CMD ["danvan", "--help"]
