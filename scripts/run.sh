#!/usr/bin/env bash
# Set up and run the app on the embedded default: SQLite, tasks in-process, mail to the
# console, demo data. Prints who to sign in as, then serves http://127.0.0.1:8000
# (another address or port: `make run PORT=8001`, `make run BIND_HOST=0.0.0.0`).
set -euo pipefail
cd "$(dirname "$0")/.."
address="${BIND_HOST:-127.0.0.1}:${PORT:-8000}"
[ -x .venv/bin/python ] || python3 -m venv .venv
# PYTHONWARNINGS: setuptools' notice about editable installs is for library authors.
PYTHONWARNINGS=ignore .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
PYTHONWARNINGS=ignore .venv/bin/python -m pip install -q -e . 2>&1 | grep -v "is ignored" || true
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py seed_demo
echo
echo "Open http://${address}/sign_in and sign in with the admin e-mail and password above."
exec .venv/bin/python manage.py runserver "$address"
