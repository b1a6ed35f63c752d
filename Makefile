# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi.py
PORT ?= 5000

.PHONY: run serve test install translations extract-messages migrate seed jobs bench gallery clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

# Compiled catalogues are build products (.mo files are not committed).
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d diplolearn/translations >/dev/null

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--ignore-dirs=".*" \
		--project DiploLearn -o diplolearn/translations/messages.pot .
	$(BIN)/pybabel update -i diplolearn/translations/messages.pot -d diplolearn/translations \
		--no-fuzzy-matching

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) courses import --skip-conflicts courses/
	$(FLASK) demo seed
	$(FLASK) progress rebuild
	$(FLASK) api-tokens demo

# Serve on http://127.0.0.1:$(PORT) with the job loop beside it (mail lands in instance/outbox).
run: seed
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(FLASK) jobs run --loop --interval 5 & \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# The production stack on http://127.0.0.1:$(PORT): gunicorn with deploy/gunicorn.conf.py and the
# job worker, on the same development database and settings as `run` (no nginx, so stored files
# are sent by the application: X_ACCEL_REDIRECT_PREFIX is cleared). docs/deploy.md for a server.
serve: seed
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(FLASK) jobs run --loop --interval 5 & \
	GUNICORN_BIND=127.0.0.1:$(PORT) X_ACCEL_REDIRECT_PREFIX= \
		$(BIN)/gunicorn --config deploy/gunicorn.conf.py

jobs: install
	$(FLASK) jobs run

node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

# Lint and format are checked first (ruff, rules in pyproject.toml); the suite runs on every core.
test: install node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

# Benchmarks print figures; they are not part of `make test`.
bench: install
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/learner_path.py
	$(BIN)/python bench/roster.py
	$(BIN)/python bench/report_export.py
	$(BIN)/python bench/quiz_results.py

# The README's screenshots (docs/gallery/) from the browser tests' own (Chromium required).
gallery: install node_modules/.installed
	DIPLOLEARN_REQUIRE_BROWSER=1 $(BIN)/pytest -p no:xdist -q tests/browser/test_gallery.py
	$(BIN)/python tools/gallery.py

clean:
	rm -rf $(VENV) node_modules
