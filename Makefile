# Two commands do all the set-up on a fresh Debian/Ubuntu machine:
#   make demo   runs a whole demo hall on simulated devices and prints its URLs
#   make test   runs the whole test suite
# Each installs what is missing: Debian packages, a virtualenv, the Python packages.

SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
SYSTEM_PACKAGES := chromium fonts-noto-cjk libvlc5 vlc-plugin-base espeak-ng sox postgresql pulseaudio pulseaudio-utils
PG_DIR := .pg
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test bench system venv clean pg pg-stop city-demo

# `make demo CITY=1`: the three-tier demo instead (the same as `make city-demo`).
demo: venv pg
	@HALLQ_CITY_DSN="$$($(PY) -m city.localpg $(PG_DIR))" $(VENV)/bin/hallq $(if $(CITY),city demo,demo) $(ARGS)

test: venv pg
	@HALLQ_CITY_DSN="$$($(PY) -m city.localpg $(PG_DIR) --db hallq_city_test)" $(PY) -m pytest -q $(ARGS)

# The city's PostgreSQL (三级联动): a cluster in $(PG_DIR), made and started as an unprivileged user
# on a Unix socket there (city/localpg.py); instant when it runs already. `make pg-stop` stops it.
pg: venv
	@$(PY) -m city.localpg $(PG_DIR) >/dev/null

pg-stop:
	@$(PY) -m city.localpg --stop $(PG_DIR)

# The three-tier demo (三级联动): the city centre and five demo halls linked to it (city/demo.py).
city-demo: venv pg
	@HALLQ_CITY_DSN="$$($(PY) -m city.localpg $(PG_DIR))" $(VENV)/bin/hallq city demo $(ARGS)

bench: venv
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Debian packages: installed only when one is missing, so a second run is instant.
system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages: $$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing python3-venv || exit 1; \
	fi

$(VENV)/.installed: pyproject.toml | system
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

# Apache ECharts for the assessment pages, pinned and checked (assess/vendor.py); instant once present.
venv: system $(VENV)/.installed
	@$(PY) -m assess.vendor

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
