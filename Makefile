# The two commands a newcomer needs: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format translations clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Development mode: a secret key kept in instance/secret_key and http://127.0.0.1:$PORT as the
# portal's address (README, "Security settings"). Production refuses to start without them.
run: export PORTAL_ENV = development
run: $(STAMP)
	$(VENV)/bin/flask --app wsgi translate compile
	$(VENV)/bin/flask --app wsgi db-upgrade
	$(VENV)/bin/flask --app wsgi demo-data
	$(VENV)/bin/flask --app wsgi run --port $${PORT:-5000}

# One run, on one worker more than there are cores, each worker on a database of its own: one
# worker takes the browser tests one after another (its own live demo server and Chromium, see
# tests/conftest.py) while the others share everything else.
# PYTEST_ARGS runs just what it names, e.g. PYTEST_ARGS="-x tests/web/test_access.py".
WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

# Compiled modules (and pytest's rewritten test modules) are kept in __pycache__ even where the
# environment says not to write them: otherwise every worker compiles everything again each run.
test: export PYTHONDONTWRITEBYTECODE =
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PORTAL_ENV=development $(VENV)/bin/flask --app wsgi translate compile
ifeq ($(strip $(PYTEST_ARGS)),)
	$(VENV)/bin/python -m pytest -n $(WORKERS)
else
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)
endif

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
