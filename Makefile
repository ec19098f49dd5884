# Coalition HQ. `make run` serves the app with demo data; `make test` runs the whole suite.
# Both start an embedded PostgreSQL and Redis under var/ unless DATABASE_URL / REDIS_URL are set.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
DEVSERVICES := $(PY) -m coalition.devservices run --
PYTEST_WORKERS ?= 2
# mypy loads the tests' settings (Django plugin), which refuse to load without these URLs; nothing connects to them.
MYPY := DATABASE_URL=postgres://mypy@127.0.0.1:1/mypy REDIS_URL=redis://127.0.0.1:1/0 $(VENV)/bin/mypy

.PHONY: run serve test run-deps browser-deps lint check translations messages vendor down clean help

help:
	@echo "make run    - web + Celery worker + beat with demo data on http://127.0.0.1:8000/"
	@echo "make test   - the whole test suite (ruff, import layers, types, checks, pytest)"
	@echo "make lint   - ruff only"
	@echo "make down   - stop the embedded PostgreSQL and Redis if they are still running"

# --- environment ------------------------------------------------------------------------------------------
$(VENV)/bin/activate:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing python3-venv (Debian/Ubuntu)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null && \
	    $(PYTHON) -m venv $(VENV); \
	  else echo "Cannot create a virtualenv: run 'sudo apt-get install python3-venv' and retry."; exit 1; fi; }
	$(VENV)/bin/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/activate
	$(VENV)/bin/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/activate
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

# --- run --------------------------------------------------------------------------------------------------
run: $(VENV)/.runtime run-deps
	@$(DEVSERVICES) $(MAKE) --no-print-directory serve

# Called by `run` with the services up (DATABASE_URL and REDIS_URL set).
serve: export DEBUG ?= 1
serve:
	$(PY) manage.py migrate --no-input
	$(PY) scripts/compile_translations.py
	$(PY) manage.py load_demo
	@echo
	@echo "  Coalition HQ: http://127.0.0.1:8000/   (public form: http://127.0.0.1:8000/join/, auditors: /audit/)"
	@echo "  Sent email lands in var/mail/. Ctrl-C stops everything."
	@echo
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile

down:
	$(PY) -m coalition.devservices down

# --- test -------------------------------------------------------------------------------------------------
test: $(VENV)/.dev browser-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(MYPY)
	$(PY) scripts/compile_translations.py
	@$(DEVSERVICES) $(VENV)/bin/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider $(PYTEST_ARGS)

# Debian packages the project needs beyond Python: Pango and fonts for the PDF documents (weasyprint) to run the
# app, and Chromium for the browser tests (Playwright drives it; no browser download). Installed when missing and we
# are root with apt; otherwise the PDF and browser tests skip with a message saying what is missing.
RUN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
TEST_PACKAGES := $(RUN_PACKAGES) chromium wrk
define apt_ensure
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	elif [ -n "$$missing" ]; then echo "Missing Debian packages (some features/tests will be skipped): $$missing"; fi
endef

run-deps:
	$(call apt_ensure,$(RUN_PACKAGES))

browser-deps:
	$(call apt_ensure,$(TEST_PACKAGES))

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# For developers with GNU gettext: refresh the catalogues from the code.
messages: $(VENV)/.dev
	@$(DEVSERVICES) $(PY) manage.py makemessages -l ru -l kk --no-obsolete -i ".venv/*" -i "var/*" -i "static/*" -i "tests/*" -i "bench/*"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles

# Longer batteries (fuzz, chaos, scan, load, bench, backup) live in mk/*.mk, one file per topic.
-include $(wildcard mk/*.mk)
