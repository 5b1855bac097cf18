# edgedistill: `make demo` sets everything up and runs the default recipe; `make test` runs the tests.
# Set-up needs root (or sudo) once, for Debian packages; everything Python goes into .venv.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages: the toolchain for generated C, the data sets that ship as packages,
# espeak-ng, which synthesizes the keyword-spotting sets' speech, and bubblewrap, the sandbox
# model-derived code runs in (pipeline/sandbox.py; its resource limits use util-linux's prlimit)
DEBIAN_PACKAGES := python3 python3-venv python3-dev gcc g++ make dataset-fashion-mnist \
	espeak-ng asterisk-core-sounds-en-wav \
	qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi openocd qemu-user-static \
	bubblewrap chromium

.PHONY: setup system-packages rootfs demo test bench clean

setup: system-packages $(VENV)/.installed rootfs

# ARM Debian userlands for the Linux targets (rpi4, rpi-armv7, android-arm64), cached in
# ~/.cache/edgedistill; a no-op when already built
rootfs: $(VENV)/.installed
	$(BIN)/python tools/build_rootfs.py

system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The `gesture` data set ships only in aeon, whose numba pin conflicts with our numpy: aeon is
# installed as data only, without its dependencies, and never imported.
$(VENV)/.installed: pyproject.toml Makefile
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/python -m pip install -q --no-deps aeon==1.6.0   # data only (gesture), see above
	$(BIN)/python -m pipeline.firmware.plugin   # QEMU instruction-counting plugin into ~/.cache/edgedistill
	touch $@

demo: setup
	$(BIN)/edgedistill run --recipe fashion-mnist

test: setup
	$(BIN)/python -m pytest -q --durations=30 tests

bench: setup
	$(BIN)/python tools/bench.py --out BENCHMARKS.md

clean:
	rm -rf runs build dist .pytest_cache
