# Holdline: `make run` serves the demo, `make test` runs the whole suite.
# Both install what they need on a fresh Debian machine (as root): apt packages, venv, pip.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
APT_PACKAGES := ffmpeg postgresql espeak-ng chromium sox
export FLASK_APP := app

.PHONY: run test test-sqlite test-postgres bench system-deps venv lint clean

# System packages: installed once, only where missing.
.stamps/system-deps:
	@mkdir -p .stamps
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$(command -v sudo >/dev/null && [ $$(id -u) -ne 0 ] && echo sudo) apt-get update -qq && \
	  $$(command -v sudo >/dev/null && [ $$(id -u) -ne 0 ] && echo sudo) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@touch $@
system-deps: .stamps/system-deps

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@
venv: $(VENV)/.installed

run: system-deps venv
	$(VENV)/bin/flask init-demo
	$(VENV)/bin/flask jobs run & trap 'kill $$!' EXIT; \
	  $(VENV)/bin/gunicorn --bind 0.0.0.0:$(PORT) --workers 2 'app:create_app()'

test: system-deps venv
	$(PY) -m pytest -q -n 2 --dist loadgroup
	bash tests/postgres.sh $(PY) -m pytest -q -m db -n 2 --dist loadgroup

test-sqlite: system-deps venv
	$(PY) -m pytest -q

bench: system-deps venv
	for b in bench/webhooks.py bench/hold_wait.py bench/audio_import.py bench/speech_streams.py; do $(PY) $$b || exit 1; done

lint: venv
	$(VENV)/bin/ruff check app tests bench

clean:
	rm -rf $(VENV) .stamps instance .pytest_cache
