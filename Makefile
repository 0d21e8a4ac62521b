# Two commands do everything: `make run` and `make test`. Both set up what they need first
# (system packages when missing, a virtual environment, the Python packages) and are quick
# when all of it is already there.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
CHORUS := $(VENV)/bin/chorus
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup system bench clean

setup: system $(STAMP)
	@$(PY) -m compileall -q chorus webui  # byte-code, as pip makes for installed packages

system:
	@scripts/system-packages.sh

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

run: setup
	$(CHORUS) add source/*.txt source/*.md
	$(CHORUS) pretranslate
	$(CHORUS) status
	$(CHORUS) user add admin --role coordinator --generate-password --exist-ok
	@echo "Review UI: http://$(HOST):$(PORT)/  (user admin; Ctrl+C stops it)"
	$(CHORUS) serve --host $(HOST) --port $(PORT)

test: setup
	$(PY) -m pytest -q

bench: setup
	@scripts/system-packages.sh --bench
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .chorus localized
