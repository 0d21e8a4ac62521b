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
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup system bench clean lock test-latest

setup: system $(STAMP)
	@$(PY) -m compileall -q chorus webui  # byte-code, as pip makes for installed packages

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
test-latest: system $(AXE)
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
