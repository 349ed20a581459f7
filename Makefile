# Two commands on a fresh machine: `make demo` and `make test` (`make docs` builds the documentation site).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCENARIO ?= builtin:default
# the dashboard's globe: the npm package cesium, installed here (ignored by git), served by `leodc serve`
CESIUM_PREFIX ?= .cache/cesium
CESIUM_VERSION ?= 1
CESIUM_JS := $(CESIUM_PREFIX)/node_modules/cesium/Build/Cesium/Cesium.js
# the documentation site: Sphinx, offline, warnings are errors (a broken reference or a failing tutorial fails)
DOCS_HTML ?= docs/_build/html
SPHINX := $(BIN)/python -m sphinx -b html -W --keep-going -q -j auto

.PHONY: demo test install dev lint clean web chromium docs docs-refresh

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev,data,docs,cloud]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

# the main job on the bundled default: design, a day of simulation, economics, stored as a run with
# its report; the comparison with data centers on the ground; the claims audit of a published case
demo: install
	$(BIN)/leodc run $(SCENARIO)
	$(BIN)/leodc compare $(SCENARIO)
	$(BIN)/leodc audit examples/published/starcloud-2024.toml

web: $(CESIUM_JS)

$(CESIUM_JS):
	npm install --prefix $(CESIUM_PREFIX) --no-audit --no-fund cesium@$(CESIUM_VERSION)

# the browser tests drive Debian's chromium (Playwright's own browser download does not work here)
chromium:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# ruff, then the layer contracts of pyproject.toml ([tool.importlinter]): imports run downward only,
# counting imports inside functions, and no package has an import cycle
lint: dev
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/lint-imports

# the documentation site from scratch (-E: every page read again, every tutorial executed), into
# docs/_build/html; the CLI reference and the validation page are generated first (docs/conf.py)
docs: dev
	$(SPHINX) -E docs $(DOCS_HTML)

# the site again, reading only the pages whose sources changed: after pytest, the validation page with the
# errors the tests against authorities just measured (.cache/measured-errors.json)
docs-refresh: dev
	$(SPHINX) docs $(DOCS_HTML)

# pytest exits 5 when it collected no tests: that is a failure too. The site is built first (tests/test_docs.py
# reads it) and refreshed after pytest (as docs-refresh), whatever pytest's verdict.
test: dev lint web chromium docs
	$(BIN)/python -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected" >&2; exit 1; fi; \
	$(SPHINX) docs $(DOCS_HTML) || exit 1; exit $$rc

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache docs/_build docs/_generated docs/api/generated
