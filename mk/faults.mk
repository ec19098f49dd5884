# Reliability batteries (docs/reliability.md): fuzzing, faults, concurrency. Short versions run inside `make test`.
.PHONY: fuzz chaos concurrency

FUZZ_EXAMPLES ?= 10000
CHAOS_REMINDERS ?= 10000
CHAOS_STATEMENT_ROWS ?= 2000
CHAOS_ELECTION_SCALE ?= 0.01

# Every public form and import under hostile input, FUZZ_EXAMPLES examples each; prints examples and server errors.
fuzz: $(VENV)/.dev
	@rm -rf var/fuzz
	@HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_TALLY_DIR=$(CURDIR)/var/fuzz \
	  $(DEVSERVICES) $(VENV)/bin/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider -q tests/fuzz; status=$$?; \
	  $(PY) -m tests.fuzz.tally var/fuzz || status=1; exit $$status

# Worker SIGKILL, Redis and PostgreSQL restarts under CHAOS_REMINDERS reminders, on the harness's own servers;
# then a bank statement import killed mid-file; then election night (issue #19): the evening burst at
# CHAOS_ELECTION_SCALE while a gunicorn worker is killed and PostgreSQL restarts. Prints lost / sent twice / same ledger.
chaos: $(VENV)/.dev
	$(PY) -m tests.chaos.harness --reminders $(CHAOS_REMINDERS) --statement-rows $(CHAOS_STATEMENT_ROWS) \
	  --election-scale $(CHAOS_ELECTION_SCALE)

# 50 parallel donations and 50 parallel registrations, each in its own process and database connection.
concurrency: $(VENV)/.dev
	@$(DEVSERVICES) $(VENV)/bin/pytest -p no:cacheprovider -q -rP tests/donations/test_concurrency.py \
	  tests/events/test_registration.py -k "parallel or fifty"
