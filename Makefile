# Two commands do all set-up on a fresh machine:
#   make run    installs what is needed, builds the demo park and starts the app
#   make test   installs what is needed (Debian's chromium included) and runs every test
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := data/demo
PORT ?= 8501

.PHONY: run test lint demo install install-dev browser bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(DEMO)/park.toml: | $(VENV)/.installed
	$(BIN)/python -m layers demo $(DEMO) --seed 7
	$(BIN)/python -m patrols scenario $(DEMO) --write-examples

demo: $(DEMO)/park.toml

run: install demo
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true

browser:
	@command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; }

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install-dev browser demo
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2 --dist worksteal

bench: install-dev demo
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .ruff_cache
