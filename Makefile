# The two commands of the README: `make demo` and `make test`. Both start from a bare
# machine with Python 3.11 and make: they create .venv and install what they need.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# `make demo` serves on HOST:PORT, and its e-mails link there (DAUYS_BASE_URL, unless already set)
# make test runs pytest in this many processes (pytest-xdist), each file's tests in one of them;
# most tests wait on a database, a server or a browser, so two keep both cores of the machine busy
TEST_WORKERS ?= 2

.PHONY: demo serve nginx test audit bench bench-growth lint translations extract-messages install install-dev install-bench browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

$(VENV)/.installed-bench: requirements.txt requirements-bench.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations
install-bench: $(VENV)/.installed-bench translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations --statistics

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output --ignore-dirs "tests build instance migrations .venv" .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

demo: install
	$(FLASK) db upgrade
	$(FLASK) demo seed
	@echo ""
	@echo "Dauys is at http://$(HOST):$(PORT)  (jobs run in-process; no Redis needed)"
	@echo "Sign in with the demo key files listed above (instance/demo-keys/<role>/auth.key.pem + auth.cert.pem)."
	DAUYS_INPROCESS_CLOCK=1 DAUYS_BASE_URL="$${DAUYS_BASE_URL:-http://$(HOST):$(PORT)}" $(FLASK) run --host $(HOST) --port $(PORT)

# Chromium for the browser tests comes from Debian (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

# nginx comes from Debian too (deploy/nginx/dauys.conf is written for its package)
nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; fi; }

# The production stack on this machine (API.md): nginx on 127.0.0.1:$(SERVE_PORT) before two gunicorn
# nodes, two workers and the log integrator, on the local PostgreSQL (database dauys) and Redis (db 0)
# unless DAUYS_DATABASE_URL / DAUYS_REDIS_URL say otherwise; in the foreground, Ctrl-C stops it all.
SERVE_PORT ?= 8080
serve: install nginx
	$(BIN)/python -m deploy.serve --port $(SERVE_PORT)

test: install-dev browser nginx
	$(BIN)/ruff check .
	$(BIN)/python -m tools.dependency_audit
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# Known vulnerabilities in the pinned requirements (pip-audit; tools/dependency_audit.py says how
# it is read). Part of `make test`; run it on its own at least weekly, as advisories appear without
# any change here. DAUYS_AUDIT_REQUIRE_DATA=1 also fails when the service could not be asked.
audit: install-dev
	$(BIN)/python -m tools.dependency_audit

# National-scale signing on this machine (not part of `make test`): gunicorn + PostgreSQL + Redis +
# a worker, 50,000 EDS-signed signatures, against bare Flask in the same run. Needs PostgreSQL
# (BENCH_PG, default postgresql://postgres@127.0.0.1:5432) and Redis (BENCH_REDIS, db 14).
bench: install-bench nginx
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; fi; }
	$(BIN)/python bench/signing.py $(BENCH_ARGS)

# Growth (not part of `make test`): signing with 0 and with 5,000,000 signatures of other petitions in
# the table, and the count and public pages with 10 and with 10,000 petitions (bench/growth.py; the
# filled database is kept between runs, `BENCH_ARGS=--refill` makes it again). Same needs as `make bench`.
bench-growth: install-bench
	$(BIN)/python bench/growth.py $(BENCH_ARGS)

lint: install-dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance build .pytest_cache
