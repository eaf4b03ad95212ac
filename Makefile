.PHONY: run test lint format

## Set up and run the app on SQLite with demo data (prints the sign-in).
run:
	bash scripts/run.sh

## Set up and run the whole test suite against PostgreSQL and Redis.
test:
	bash scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .
