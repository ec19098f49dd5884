.PHONY: scan scan-static scan-deps
# Security scanners (docs/scanning.md): bandit, semgrep with the rules in .semgrep/ (offline), and wapiti3 against the
# app served by gunicorn on 127.0.0.1 with the demo data in its own database. Prints findings per tool and severity;
# fails on any high finding. The scanners live in their own virtualenvs, apart from the app's pins.
SCAN_VENV := .venv-scan
WAPITI_VENV := .venv-wapiti

$(SCAN_VENV)/.installed: requirements-scan.txt
	@test -x $(SCAN_VENV)/bin/pip || $(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/pip install --quiet -r requirements-scan.txt
	@touch $@

$(WAPITI_VENV)/.installed: requirements-wapiti.txt
	@test -x $(WAPITI_VENV)/bin/pip || $(PYTHON) -m venv $(WAPITI_VENV)
	$(WAPITI_VENV)/bin/pip install --quiet -r requirements-wapiti.txt
	@touch $@

scan-deps: $(SCAN_VENV)/.installed $(WAPITI_VENV)/.installed

scan: $(VENV)/.runtime scan-deps
	@$(DEVSERVICES) $(PY) scripts/scan.py

# bandit and semgrep only (no server, about a minute).
scan-static: $(VENV)/.runtime $(SCAN_VENV)/.installed
	@$(PY) scripts/scan.py --skip-wapiti
