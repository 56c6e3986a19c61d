# The two commands: `make demo` and `make test`. Both set up .venv from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-clock lint install lock bench clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev,postgres]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/repeatly demo --out repeatly-demo

test: lint
	$(BIN)/python -m pytest

# The suite again with the machine's clock and time zone moved, so that no test can lean on
# the hour, the date or the zone it happens to run in: at 03:00 on New Year's Day in
# Kiritimati (UTC+14), inside the campaigns' quiet hours, and at 15:00 on New Year's Eve in
# Pago Pago (UTC-11), 25 hours behind it; in both the local date is not the UTC date.
# libfaketime (Debian's faketime package) moves the clock of every process the suite starts,
# browser and SMTP server included. The shift is one relative offset, so a test and the
# processes it starts read one clock (an absolute "@" start would restart the clock in each
# process). Monotonic clocks are shifted too: with FAKETIME_DONT_FAKE_MONOTONIC=1 this
# libfaketime (0.9.10) fails every sleep with a deadline (EINVAL), and Chromium hangs.
FAKETIME_LIB ?= $(firstword $(wildcard /usr/lib/*/faketime/libfaketime.so.1))
CLOCKS ?= Pacific/Kiritimati@2027-01-01T03:00 Pacific/Pago_Pago@2026-12-31T15:00

test-clock: $(STAMP)
	@test -n "$(FAKETIME_LIB)" || { echo "test-clock needs libfaketime: apt-get install faketime"; exit 1; }
	@set -e; for clock in $(CLOCKS); do \
	  zone=$${clock%@*}; at=$${clock#*@}; \
	  offset=$$(( $$(TZ=$$zone date -d "$$at" +%s) - $$(date +%s) )); \
	  echo "== pytest at $$at in $$zone"; \
	  TZ=$$zone FAKETIME=$$(printf '%+d' $$offset) \
	    LD_PRELOAD=$(FAKETIME_LIB) timeout 1200 $(BIN)/python -m pytest -q; \
	done

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# Refresh the lockfile from a fresh resolution of pyproject.toml.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet '.[dev,postgres]'
	.lock-venv/bin/python -m pip freeze --exclude repeatly | LC_ALL=C sort -f > requirements.lock
	rm -rf .lock-venv

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_analyze.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache .mypy_cache
