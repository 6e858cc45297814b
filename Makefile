# The two commands README.md opens with. Each runs the idempotent setup first.
VENV ?= .venv
SETUP = bash installer/setup.sh

.PHONY: demo test setup bench

setup:
	@$(SETUP)

demo: setup
	$(VENV)/bin/bgm-studio eval --split test

test: setup
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest

bench: setup
	$(VENV)/bin/python -m benchmarks
