.PHONY: bench bench-run bench-drop wrk-deps bench-election bench-election-run
# Benchmarks of issue #10 (docs/performance.md): `make bench SCALE=1` is the full size (1,000,000 donations), the
# default 0.01 a quick run. Each scale has its own database (coalition_bench, coalition_bench_0_01, ...) on the
# server of DATABASE_URL (or the embedded one), loaded once by bench/generate.py and reused.
SCALE ?= 0.01
BENCH_DB ?= coalition_bench$(if $(filter 1 1.0,$(SCALE)),,_$(subst .,_,$(SCALE)))

bench: $(VENV)/.dev wrk-deps
	@$(DEVSERVICES) $(MAKE) --no-print-directory bench-run bench-election-run

# Called by `bench` with the services up.
bench-run:
	@url=$$($(PY) -m bench.db $(BENCH_DB)) && \
	DATABASE_URL=$$url DJANGO_SETTINGS_MODULE=bench.settings $(PY) manage.py migrate --no-input -v 0 && \
	DATABASE_URL=$$url DJANGO_SETTINGS_MODULE=bench.settings $(PY) -m bench.run --scale $(SCALE)

bench-drop: $(VENV)/.dev
	@$(DEVSERVICES) $(PY) -m bench.db $(BENCH_DB) --drop
	@$(DEVSERVICES) $(PY) -m bench.db $(ELECTION_DB) --drop

wrk-deps:
	$(call apt_ensure,wrk)

# The evening burst of issue #19 (bench/electionday.py): 10,000 stations × SCALE, the day's checklists, then every
# protocol with a ~300 kB photo and every closing checklist, each sent twice, against gunicorn; prints reports/s,
# p95, errors, lost/duplicated rows, the situation room's p95, results_report vs one SQL statement, quick_count.
# Its own database per scale (coalition_bench_night, coalition_bench_night_0_01, ...). `make bench` runs it too.
ELECTION_DB ?= coalition_bench_night$(if $(filter 1 1.0,$(SCALE)),,_$(subst .,_,$(SCALE)))

bench-election: $(VENV)/.dev
	@$(DEVSERVICES) $(MAKE) --no-print-directory bench-election-run

bench-election-run:
	@url=$$($(PY) -m bench.db $(ELECTION_DB)) && \
	DATABASE_URL=$$url DJANGO_SETTINGS_MODULE=bench.settings $(PY) manage.py migrate --no-input -v 0 && \
	DATABASE_URL=$$url DJANGO_SETTINGS_MODULE=bench.settings $(PY) -m bench.electionday --scale $(SCALE)
