# The two commands README.md opens with. Each runs the idempotent setup first.
VENV ?= .venv
SETUP = bash installer/setup.sh
DEMO_CLIP = resources/demo/demo_clip.mp4
OUT = out

.PHONY: demo test setup bench lint

setup:
	@$(SETUP)

# Score the bundled demo clip: an MP4 with the music, plus MIDI, WAV and the project file.
# On a desktop (DISPLAY or WAYLAND_DISPLAY set) the app then opens with the scored project.
demo: setup
	@mkdir -p $(OUT)
	$(VENV)/bin/bgm-studio generate $(DEMO_CLIP) -o $(OUT)/demo_scored.mp4 --midi $(OUT)/demo.mid \
		--wav $(OUT)/demo.wav --project $(OUT)/demo.bgm.json
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then $(VENV)/bin/bgm-studio open $(OUT)/demo.bgm.json; \
		else echo "Play $(OUT)/demo_scored.mp4 (no display here, so the app was not opened)"; fi

# --maxfail: a run whose state went bad (every later test hanging to its 300-s timeout, as once when a
# killed child left a lock taken) stops after 5 failures and prints them, well within CI's 90 minutes.
test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest --maxfail=5

# Lint, format and type checks alone (`test` runs them too, before the tests).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: setup
	$(VENV)/bin/python -m benchmarks
