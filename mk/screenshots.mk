.PHONY: screenshots
# Refresh the user guide's screenshots (docs/screenshots/*.png) from the browser tests in real Chromium.
screenshots: $(VENV)/.dev browser-deps
	@SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(DEVSERVICES) $(VENV)/bin/pytest -p no:cacheprovider tests/browser
