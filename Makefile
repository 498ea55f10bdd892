# danvan: `make run` starts the whole pipeline; `make test` runs every test.
# uv is bootstrapped from PyPI when missing (python3 -m pip install --user uv).
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
# Two xdist workers; the tests that start worker processes share one (tests/conftest.py).
PYTEST_ARGS ?= -n 2 --dist loadgroup

.PHONY: help bootstrap sync run test lint format bench clean

help:
	@echo "make run     start ingest, publish, workers, Flower and an embedded broker; submit samples"
	@echo "make test    run every test (PostgreSQL and Redis on 127.0.0.1 for the integration tests)"
	@echo "make lint    ruff and mypy"
	@echo "make bench   extraction benchmark (see bench/README.md for the others)"

bootstrap:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		(echo "installing uv from PyPI" && python3 -m pip install --quiet --user uv)

sync: bootstrap
	@$(UV) sync --frozen --quiet

run: sync
	$(UV) run danvan serve --samples

test: sync
	$(UV) run pytest $(PYTEST_ARGS)

lint: sync
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy shared/danvan_shared services

format: sync
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

bench: sync
	$(UV) run python bench/extract.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache tests/artifacts
