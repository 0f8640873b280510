# The README's two commands. Both set everything up first and are quick when nothing changed.
#   make run   - install, build the index if missing or stale, start the app on 127.0.0.1
#   make test  - install, then run the whole test suite
# And a developer's fast loop:
#   make check - the fast tier only (no test marked slow or browser), in about a minute
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test check install bytecode index browser libreoffice

run: install bytecode index
	$(BIN)/assistant serve

# Two workers (one per core of the machines we run on), each given whole test files: a file's module
# fixtures (a server, a browser, a full evaluation) are made once. The files come in the order conftest
# gives them: those that need no index first, while the session's index is built. TEST_WORKERS=0 runs in
# one process.
TEST_WORKERS ?= 2
test: install bytecode browser libreoffice
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

check: install bytecode
	$(BIN)/python -m pytest -q -m "not slow and not browser"

index: install
	$(BIN)/assistant index --if-needed

install: $(STAMP)

# The package's bytecode, compiled ahead: where PYTHONDONTWRITEBYTECODE is set (as on our machines) Python
# reads .pyc files but never writes them, so every `assistant` command would compile the package again
# (about 0.25 s of CPU each). Only changed modules are compiled; a stale .pyc is never used.
bytecode: install
	@$(BIN)/python -m compileall -q assistant

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first, pinned to the CPU wheel: an unpinned torch pulls a multi-GB CUDA build
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The browser tests drive Debian's chromium through Playwright (never `playwright install`).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

# The session-pack test converts the Word pack to PDF with LibreOffice headless (about 25 s to install).
libreoffice:
	@command -v soffice >/dev/null 2>&1 || { \
		echo "Installing Debian's libreoffice-writer for the session-pack test"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends libreoffice-writer; }
