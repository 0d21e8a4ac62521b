# Two commands do everything: `make run` and `make test`. Both set up what they need first
# (system packages when missing, a virtual environment, the Python packages) and are quick
# when all of it is already there. Python packages come from requirements-lock.txt (exact
# versions with hashes), so every machine runs what CI ran; `make lock` refreshes the lock and
# `make test-latest` tries the newest versions pyproject.toml allows, in an environment of its own.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
CHORUS := $(VENV)/bin/chorus
STAMP := $(VENV)/.installed
LOCK := requirements-lock.txt
TOOLS := .venv-tools
LATEST := .venv-latest
AXE := tests/browser/node_modules/axe-core/axe.min.js
UI_PO := $(wildcard webui/translations/*/LC_MESSAGES/messages.po)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup system bench clean lock test-latest screenshots ui-catalogs

setup: system $(STAMP) $(UI_PO:.po=.mo)
	@$(PY) -m compileall -q chorus webui  # byte-code, as pip makes for installed packages

# The web UI's catalogs, compiled (and checked) for the server; made again when a .po changes.
%.mo: %.po
	msgfmt --check -o $@ $<

# After changing the UI's text: extract its messages into webui/translations/messages.pot and
# bring every language's messages.po up to date (UI_LANG=it also starts an Italian one).
ui-catalogs: $(STAMP)
	$(VENV)/bin/pybabel extract -F webui/babel.cfg -k _l -k _lp:1c,2 -k N_ --add-location=file --sort-output \
	  --project Chorus --version "web UI" --msgid-bugs-address "" --copyright-holder "the Chorus authors" \
	  -o webui/translations/messages.pot .
	$(if $(UI_LANG),test -e webui/translations/$(UI_LANG)/LC_MESSAGES/messages.po || \
	  $(VENV)/bin/pybabel init -i webui/translations/messages.pot -d webui/translations -l $(UI_LANG))
	$(VENV)/bin/pybabel update -i webui/translations/messages.pot -d webui/translations --ignore-obsolete
	@$(MAKE) --no-print-directory setup

system:
	@scripts/system-packages.sh

# A new lock means a new environment: nothing stays installed that the lock no longer lists.
$(STAMP): $(LOCK) pyproject.toml Makefile
	@rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

# Re-resolve the lock from pyproject.toml, keeping the locked versions that still fit
# (UPGRADE=1: move every package to the newest version the ranges allow).
lock:
	@test -x $(TOOLS)/bin/uv || { $(PYTHON) -m venv $(TOOLS) && \
	  $(TOOLS)/bin/pip install --quiet --disable-pip-version-check 'uv>=0.9,<1'; }
	$(TOOLS)/bin/uv pip compile pyproject.toml --extra test --group build --generate-hashes \
	  --universal --python-version 3.11 --custom-compile-command "make lock" \
	  $(if $(UPGRADE),--upgrade) --quiet -o $(LOCK)

# The suite against the newest versions pyproject.toml allows, in an environment of its own:
# drift in a dependency is found here on purpose, not by a newcomer's first `make test`.
test-latest: system $(AXE) $(UI_PO:.po=.mo)
	@rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip setuptools
	$(LATEST)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade --upgrade-strategy eager -e '.[test]'
	$(LATEST)/bin/python -m pip list --format=freeze --disable-pip-version-check | grep -v '^-e' > $(LATEST)/versions.txt
	@echo "Newest versions: $(LATEST)/versions.txt"
	$(LATEST)/bin/python -m pytest -q -p no:cacheprovider

run: setup
	$(CHORUS) add source/*.txt source/*.md
	$(CHORUS) pretranslate
	$(CHORUS) status
	$(CHORUS) user add admin --role coordinator --generate-password --exist-ok
	@echo "Review UI: http://$(HOST):$(PORT)/  (user admin; Ctrl+C stops it)"
	$(CHORUS) serve --host $(HOST) --port $(PORT)

test: setup $(AXE)
	$(PY) -m pytest -q

# Pictures of the review page on a laptop and a phone, into docs/ (Debian's Chromium).
screenshots: setup
	$(PY) scripts/screenshots.py --out docs

# The browser tests' own JavaScript (axe-core, which checks each page for accessibility), at the
# versions tests/browser/package-lock.json pins, from the npm registry.
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

bench: setup
	@scripts/system-packages.sh --bench
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) $(TOOLS) $(LATEST) .pytest_cache .chorus localized tests/browser/node_modules
	rm -f webui/translations/*/LC_MESSAGES/messages.mo
