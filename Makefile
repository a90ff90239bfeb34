# Two commands for a new user: `make demo` builds the example campaign into
# output/, `make test` runs the test suite. Each makes its own virtual
# environment (.venv) and installs the project from this folder.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CAMPAIGN ?= campaigns/belarus-2025

.PHONY: demo test lint system clean

# Pango is the one system library WeasyPrint cannot do without: say so plainly.
system:
	@$(PYTHON) -c 'import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library("pango-1.0") else 1)' || { \
	  echo "Pango is missing. Install it first:"; \
	  echo "  Debian/Ubuntu: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0"; \
	  echo "  Fedora: sudo dnf install pango    macOS: brew install pango"; exit 1; }
	@$(PYTHON) -c 'import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library("harfbuzz-subset") else 1)' || \
	  echo "Hint: HarfBuzz's subsetter makes rendering ~3x faster: sudo apt-get install libharfbuzz-subset0"

$(VENV)/.installed-demo: pyproject.toml | system
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	$(BIN)/python -m compileall -q src  # an editable install leaves src/ uncompiled
	touch $@

$(VENV)/.installed-test: pyproject.toml | system
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q src
	touch $@ $(VENV)/.installed-demo

# The example campaign's data was last verified in early 2026: past its 90 days,
# so the demo says --include-stale. A real campaign re-verifies its data instead.
demo: $(VENV)/.installed-demo
	$(BIN)/letters check $(CAMPAIGN)
	$(BIN)/letters build $(CAMPAIGN) -o output/$(notdir $(CAMPAIGN)) --include-stale

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n auto

clean:
	rm -rf $(VENV) output
