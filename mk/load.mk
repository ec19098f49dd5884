.PHONY: load load-run
# Load test (issue #9, item 9): wrk against gunicorn (2 workers) on 127.0.0.1 for the public form (GET+POST with
# CSRF) and the logged-in dashboard, LOAD_REQUESTS requests each; prints requests/s, p95 and errors (must be 0).
# Uses the benchmark database of LOAD_SCALE (loaded by bench/generate.py when missing).
LOAD_REQUESTS ?= 2000
LOAD_SCALE ?= 0.01
LOAD_DB ?= coalition_bench$(if $(filter 1 1.0,$(LOAD_SCALE)),,_$(subst .,_,$(LOAD_SCALE)))

load: $(VENV)/.dev wrk-deps
	@$(DEVSERVICES) $(MAKE) --no-print-directory load-run

load-run:
	@url=$$($(PY) -m bench.db $(LOAD_DB)) && \
	DATABASE_URL=$$url DJANGO_SETTINGS_MODULE=bench.settings $(PY) manage.py migrate --no-input -v 0 && \
	DATABASE_URL=$$url DJANGO_SETTINGS_MODULE=bench.settings $(PY) -m bench.load --requests $(LOAD_REQUESTS) \
	  --scale $(LOAD_SCALE)
