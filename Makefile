# masthead: set-up, build, test.  `make build` then `make test` on a fresh clone.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := $(VENV)/.stamps
export NO_MKDOCS_2_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

SOURCES := $(shell find generator theme content -type f -not -name '*.pyc' 2>/dev/null) mkdocs.yml

.PHONY: build site serve test lint format bench lighthouse clean distclean tools browser help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

# --- environment ---------------------------------------------------------

$(STAMPS)/venv: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@mkdir -p $(STAMPS) && touch $@

# Graphviz renders the diagrams, and rsvg-convert draws SVG images as PNG for the
# emails: installed with apt when missing and we are root. Graphviz is required;
# without rsvg-convert an SVG image in an email becomes a link to the web page.
$(STAMPS)/graphviz: | $(STAMPS)/venv
	@if ! command -v dot >/dev/null || ! command -v rsvg-convert >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Graphviz and rsvg-convert with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz librsvg2-bin >/dev/null; \
	  elif ! command -v dot >/dev/null; then \
	    echo "masthead needs Graphviz ('dot'): install it, e.g. 'sudo apt-get install graphviz' or 'brew install graphviz'" >&2; \
	    exit 1; \
	  else \
	    echo "note: no rsvg-convert ('sudo apt-get install librsvg2-bin' or 'brew install librsvg'): SVG images in emails become links" >&2; \
	  fi; \
	fi
	@mkdir -p $(STAMPS) && touch $@

# Headless Chromium drives the browser tests.
$(STAMPS)/chromium: | $(STAMPS)/venv
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Chromium with apt-get (browser tests)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	  else \
	    echo "the browser tests need Chromium: install it, e.g. 'sudo apt-get install chromium'" >&2; \
	    exit 1; \
	  fi; \
	fi
	@mkdir -p $(STAMPS) && touch $@

tools: $(STAMPS)/venv $(STAMPS)/graphviz ## create .venv and install what masthead needs

browser: $(STAMPS)/chromium ## install headless Chromium for the browser tests

# --- the example publication --------------------------------------------

build/site/index.html: $(SOURCES) $(STAMPS)/venv $(STAMPS)/graphviz
	$(BIN)/masthead build --strict
	@touch $@

build: tools build/site/index.html ## set up and build the example into build/

site: tools ## rebuild the site even when nothing changed
	$(BIN)/masthead build --strict

serve: tools ## preview with live reload on http://127.0.0.1:8000
	$(BIN)/masthead serve

# --- quality --------------------------------------------------------------

lint: $(STAMPS)/venv ## ruff and mypy
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench
	$(BIN)/mypy

format: $(STAMPS)/venv ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix generator tests bench
	$(BIN)/ruff format generator tests bench

test: tools browser lint ## lint, then the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: tools ## benchmarks; figures go to docs/performance.md
	$(BIN)/python -m bench

# Lighthouse comes from npm into .cache/lighthouse/ (outside the package) and
# measures five pages of build/site served on 127.0.0.1, Chromium kept off the
# network. Optional: not part of `make test`.
LIGHTHOUSE := .cache/lighthouse/node_modules/.bin/lighthouse
CHROME_PATH ?= /usr/bin/chromium

$(LIGHTHOUSE):
	@command -v npm >/dev/null || { echo "make lighthouse needs npm (Node.js 18 or newer)" >&2; exit 1; }
	npm install --prefix .cache/lighthouse --no-audit --no-fund --loglevel=error lighthouse@12

lighthouse: build browser $(LIGHTHOUSE) ## Lighthouse scores of five pages (npm; not in make test)
	CHROME_PATH=$(CHROME_PATH) $(BIN)/python -m bench.lighthouse --lighthouse $(LIGHTHOUSE) build/site

clean: ## remove build output and caches
	rm -rf build .cache .pytest_cache .mypy_cache .ruff_cache

distclean: clean ## also remove .venv
	rm -rf $(VENV)
